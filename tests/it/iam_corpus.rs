//! The IAM verdict corpus (`fixtures/iam-corpus/`): every principal's admin (IAM-001) and
//! privilege-escalation (IAM-002) verdict, the latent-escalation (IAM-021) and privilege-gain
//! (IAM-022) verdicts where the corpus gives them, and each listed customer managed policy's `*`-on-`*` verdict (IAM-019),
//! from `posture scan --gaad` against the expected one.

use crate::harness::{posture, succeeds};
use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;

fn scan_corpus() -> Value {
    let output = succeeds(posture().args(["scan", "--gaad", "fixtures/iam-corpus/gaad.json", "--format", "json"]));
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

/// One labelled principal of the corpus, and the statuses the scan gave.
struct Labelled<'a> {
    principal: &'a Value,
    arn: &'a str,
    case: &'a str,
    status: &'a BTreeMap<(String, String), (String, Value)>,
}

impl Labelled<'_> {
    /// Tallies `rule` against the label `key` when the principal carries it, and records a miss.
    fn judge(&self, rule: &str, key: &str, tally: &mut Tally, wrong: &mut Vec<String>) {
        let Some(expected) = self.principal[key].as_bool() else {
            return;
        };
        let (status, _) = self
            .status
            .get(&(rule.into(), self.arn.into()))
            .unwrap_or_else(|| panic!("{rule} judged every user and role"));
        tally.add(expected, status == "fail");
        if expected != (status == "fail") {
            let (arn, case) = (self.arn, self.case);
            wrong.push(format!(
                "{rule} {arn}: expected {key}={expected}, got {status} ({case})"
            ));
        }
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
    let mut latent = Tally::default();
    let mut gains = Tally::default();
    let mut wrong = Vec::new();
    for principal in expected["principals"].as_array().unwrap() {
        let arn = principal["arn"].as_str().unwrap();
        let case = principal["case"].as_str().unwrap();
        let labelled = Labelled {
            principal,
            arn,
            case,
            status: &status,
        };
        labelled.judge("IAM-021", "latent", &mut latent, &mut wrong);
        let (admin_status, _) = status
            .get(&("IAM-001".into(), arn.into()))
            .expect("IAM-001 judged every principal");
        assert_ne!(admin_status, "not_evaluated", "{arn}");
        let reported = admin_status == "fail";
        admin.add(principal["admin"].as_bool().unwrap(), reported);
        if principal["admin"].as_bool().unwrap() != reported {
            wrong.push(format!("IAM-001 {arn}: expected admin={} ({case})", principal["admin"]));
        }
        labelled.judge("IAM-022", "gains", &mut gains, &mut wrong);
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
    eprintln!(
        "corpus: latent escalation precision {:.3} recall {:.3} ({} tp, {} fp, {} fn, {} tn)",
        latent.precision(),
        latent.recall(),
        latent.true_positive,
        latent.false_positive,
        latent.false_negative,
        latent.true_negative
    );
    eprintln!(
        "corpus: privilege gained short of admin precision {:.3} recall {:.3} ({} tp, {} fp, {} fn, {} tn)",
        gains.precision(),
        gains.recall(),
        gains.true_positive,
        gains.false_positive,
        gains.false_negative,
        gains.true_negative
    );
    let mut policies = Tally::default();
    for policy in expected["policies"].as_array().unwrap() {
        let arn = policy["arn"].as_str().unwrap();
        let (policy_status, _) = status
            .get(&("IAM-019".into(), arn.into()))
            .expect("IAM-019 judged every customer managed policy");
        let expected_admin = policy["full_admin_policy"].as_bool().unwrap();
        policies.add(expected_admin, policy_status == "fail");
        if expected_admin != (policy_status == "fail") {
            wrong.push(format!(
                "IAM-019 {arn}: expected full_admin_policy={expected_admin} ({})",
                policy["case"]
            ));
        }
    }
    eprintln!(
        "corpus: customer managed policies precision {:.3} recall {:.3} ({} tp, {} fp, {} fn, {} tn)",
        policies.precision(),
        policies.recall(),
        policies.true_positive,
        policies.false_positive,
        policies.false_negative,
        policies.true_negative
    );
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
    assert!(policies.true_positive >= 1 && policies.true_negative >= 3);
    assert!(admin.true_positive >= 5 && escalation.true_positive >= 10 && escalation.true_negative >= 8);
    assert!(latent.true_positive >= 2 && latent.true_negative >= 3);
    assert!(gains.true_positive >= 2 && gains.true_negative >= 2);
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

/// The IAM-002 status and message of each principal after `corrupt` edits the corpus dump.
fn escalation_after(corrupt: impl FnOnce(&mut Value)) -> BTreeMap<String, (String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/iam-corpus/gaad.json");
    let mut gaad: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    corrupt(&mut gaad);
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("gaad.json");
    std::fs::write(&broken, gaad.to_string()).unwrap();
    let output = Command::cargo_bin("posture")
        .unwrap()
        .args(["scan", "--gaad", broken.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "IAM-002")
        .map(|f| {
            let name = f["resource"]["name"].as_str().unwrap().to_string();
            let status = f["status"].as_str().unwrap().to_string();
            (name, (status, f["message"].as_str().unwrap().to_string()))
        })
        .collect()
}

fn named<'a>(list: &'a mut Value, key: &str, name: &str) -> &'a mut Value {
    list.as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|item| {
            item[key]
                .as_str()
                .is_some_and(|v| v == name || v.ends_with(&format!("/{name}")))
        })
        .unwrap()
}

type Corruption = Box<dyn FnOnce(&mut Value)>;

/// Issue 11, item 3: a path through data that cannot be read is unknown, never a pass.
#[test]
fn a_broken_document_on_the_path_makes_escalation_unknown_not_pass() {
    let on_the_path = ["lambda-deployer", "hop-user", "split-passrole"];
    let cases: [(&str, Corruption); 3] = [
        (
            "admin-lambda",
            Box::new(|gaad: &mut Value| {
                named(&mut gaad["RoleDetailList"], "RoleName", "admin-lambda")["AssumeRolePolicyDocument"] =
                    Value::String("{not json".into());
            }),
        ),
        (
            "AdministratorAccess",
            Box::new(|gaad: &mut Value| {
                let policy = named(&mut gaad["Policies"], "Arn", "AdministratorAccess");
                for version in policy["PolicyVersionList"].as_array_mut().unwrap() {
                    version["Document"] = Value::String("{not json".into());
                }
            }),
        ),
        (
            "lambda-deployer",
            Box::new(|gaad: &mut Value| {
                let role = named(&mut gaad["RoleDetailList"], "RoleName", "lambda-deployer");
                role["RolePolicyList"][0]["PolicyDocument"] = Value::String("{not json".into());
            }),
        ),
    ];
    for (broken, corrupt) in cases {
        let verdicts = escalation_after(corrupt);
        for name in on_the_path {
            let (status, message) = &verdicts[name];
            assert_ne!(status, "pass", "{name} passes once {broken} is unreadable: {message}");
            if status == "not_evaluated" && name != broken {
                assert!(message.contains(broken), "{name}: the reason names {broken}: {message}");
            }
        }
    }
    // split-passrole's own route does not go through lambda-deployer: still a proven fail.
    let verdicts = escalation_after(|gaad| {
        let role = named(&mut gaad["RoleDetailList"], "RoleName", "lambda-deployer");
        role["RolePolicyList"][0]["PolicyDocument"] = Value::String("{not json".into());
    });
    assert_eq!(verdicts["split-passrole"].0, "fail");
}
