#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(clippy::print_stdout)]
//! The IAM verdict corpus (`fixtures/iam-corpus/`): every principal's admin (IAM-001) and
//! privilege-escalation (IAM-002) verdict from `posture scan --gaad` against the expected one.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;

fn scan_corpus() -> Value {
    let output = Command::cargo_bin("posture")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "--gaad", "fixtures/iam-corpus/gaad.json", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[derive(Default)]
struct Tally {
    true_positive: usize,
    false_positive: usize,
    false_negative: usize,
    true_negative: usize,
}

impl Tally {
    fn add(&mut self, expected: bool, reported: bool) {
        match (expected, reported) {
            (true, true) => self.true_positive += 1,
            (false, true) => self.false_positive += 1,
            (true, false) => self.false_negative += 1,
            (false, false) => self.true_negative += 1,
        }
    }
    fn precision(&self) -> f64 {
        self.true_positive as f64 / (self.true_positive + self.false_positive).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.true_positive as f64 / (self.true_positive + self.false_negative).max(1) as f64
    }
}

#[test]
fn corpus_verdicts_are_exact() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/iam-corpus/expected.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let report = scan_corpus();
    let mut status: BTreeMap<(String, String), (String, Value)> = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        let key = (
            finding["rule_id"].as_str().unwrap().to_string(),
            finding["resource"]["arn"].as_str().unwrap().to_string(),
        );
        status.insert(key, (finding["status"].as_str().unwrap().to_string(), finding.clone()));
    }
    let mut admin = Tally::default();
    let mut escalation = Tally::default();
    let mut wrong = Vec::new();
    for principal in expected["principals"].as_array().unwrap() {
        let arn = principal["arn"].as_str().unwrap();
        let case = principal["case"].as_str().unwrap();
        let (admin_status, _) = status
            .get(&("IAM-001".into(), arn.into()))
            .expect("IAM-001 judged every principal");
        assert_ne!(admin_status, "not_evaluated", "{arn}");
        let reported = admin_status == "fail";
        admin.add(principal["admin"].as_bool().unwrap(), reported);
        if principal["admin"].as_bool().unwrap() != reported {
            wrong.push(format!("IAM-001 {arn}: expected admin={} ({case})", principal["admin"]));
        }
        let Some(expected_escalation) = principal["escalation"].as_bool() else {
            continue;
        };
        let (escalation_status, finding) = status
            .get(&("IAM-002".into(), arn.into()))
            .expect("IAM-002 judged every user and role");
        let reported = escalation_status == "fail";
        escalation.add(expected_escalation, reported);
        if expected_escalation != reported {
            wrong.push(format!(
                "IAM-002 {arn}: expected escalation={expected_escalation} ({case})"
            ));
        }
        if reported {
            // Each finding explains itself: a method or a path, and the policies behind it.
            let evidence = finding["evidence"].to_string();
            assert!(
                evidence.contains("method") || evidence.contains("path"),
                "{arn}: {evidence}"
            );
        }
    }
    eprintln!(
        "corpus: admin precision {:.3} recall {:.3} ({} tp, {} fp, {} fn, {} tn); escalation precision {:.3} recall {:.3} ({} tp, {} fp, {} fn, {} tn)",
        admin.precision(),
        admin.recall(),
        admin.true_positive,
        admin.false_positive,
        admin.false_negative,
        admin.true_negative,
        escalation.precision(),
        escalation.recall(),
        escalation.true_positive,
        escalation.false_positive,
        escalation.false_negative,
        escalation.true_negative
    );
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
    assert!(admin.true_positive >= 5 && escalation.true_positive >= 10 && escalation.true_negative >= 8);
}

#[test]
fn multi_step_path_is_evidence() {
    let report = scan_corpus();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "IAM-002" && f["resource"]["name"] == "hop-user")
        .expect("hop-user judged");
    assert_eq!(finding["status"], "fail");
    let text = finding["evidence"].to_string();
    for hop in [
        "user/hop-user",
        "role/lambda-deployer",
        "role/admin-lambda",
        "PassRoleLambda",
        "sts:AssumeRole",
    ] {
        assert!(text.contains(hop), "{hop} in {text}");
    }
}
