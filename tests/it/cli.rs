//! The real binary on the fixtures: what users see (table, JSON, exit codes).

use crate::harness::*;
use predicates::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const DEMO: &str = "fixtures/demo/snapshot.json";
const GAAD: &str = "fixtures/gaad/mixed-encodings.json";

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn set(items: &[&'static str]) -> BTreeSet<&'static str> {
    items.iter().copied().collect()
}

#[test]
fn demo_table_is_scored_and_exits_zero() {
    let output = posture().args(["scan", "--snapshot", DEMO]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Score: "), "{stdout}");
    assert!(stdout.contains("IAM-001"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "no colour when stdout is not a terminal");
    insta::assert_snapshot!("demo_table", stdout);
}

#[test]
fn demo_json_matches_report_v1_field_for_field() {
    let report = json_of(&["scan", "--snapshot", DEMO, "--format", "json"]);
    assert_eq!(
        keys(&report),
        set(&["schema_version", "tool", "scan", "score", "coverage", "findings"])
    );
    assert_eq!(report["schema_version"], "1");
    assert_eq!(keys(&report["tool"]), set(&["name", "version"]));
    assert_eq!(report["tool"]["name"], "posture");
    assert_eq!(
        keys(&report["scan"]),
        set(&["id", "started_at", "finished_at", "sources", "accounts", "regions"])
    );
    assert_eq!(report["scan"]["accounts"], serde_json::json!(["111122223333"]));
    assert_eq!(
        report["scan"]["regions"],
        serde_json::json!(["eu-central-1", "eu-west-1", "us-east-1"])
    );
    assert_eq!(keys(&report["score"]), set(&["overall", "pillars", "accounts"]));
    assert_eq!(
        keys(&report["score"]["pillars"]),
        set(&["identity", "network", "detection", "data"])
    );
    assert_eq!(keys(&report["coverage"]), set(&["evaluated", "not_evaluated", "gaps"]));
    let gap = &report["coverage"]["gaps"][0];
    assert_eq!(keys(gap), set(&["account", "region", "service", "operation", "error"]));
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() > 20);
    for finding in findings {
        assert_eq!(
            keys(finding),
            set(&[
                "id",
                "rule_id",
                "title",
                "severity",
                "status",
                "pillar",
                "categories",
                "resource",
                "message",
                "evidence",
                "compliance",
                "remediation"
            ])
        );
        assert_eq!(
            keys(&finding["resource"]),
            set(&["arn", "type", "name", "account", "region"])
        );
        assert!(["pass", "fail", "not_evaluated", "muted"].contains(&finding["status"].as_str().unwrap()));
        assert_eq!(finding["id"].as_str().unwrap().len(), 32);
    }
    let ids: BTreeSet<&str> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), findings.len(), "finding ids are unique");
    let evaluated = findings.iter().filter(|f| f["status"] != "not_evaluated").count();
    assert_eq!(report["coverage"]["evaluated"], evaluated);
}

#[test]
fn demo_verdicts_are_the_expected_ones() {
    let report = json_of(&["scan", "--snapshot", DEMO, "--format", "json"]);
    let failing: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("DATA-001", "demo-public-assets"),
        ("DATA-002", "partner-orders"),
        ("DATA-003", "acme-prod"),
        ("DET-001", "GuardDuty in eu-central-1"),
        ("DET-002", "Security Hub in us-east-1"),
        ("DET-003", "GuardDuty in eu-west-1"),
        ("DET-004", "i-0web"),
        ("DET-005", "Security Hub in eu-west-1"),
        ("DET-006", "EC2.19"),
        ("DET-006", "IAM.1"),
        ("DET-007", "AWS Config in eu-central-1"),
        ("DET-008", "restricted-ssh"),
        ("DET-008", "vpc-flow-logs-enabled"),
        ("IAM-001", "Admins"),
        ("IAM-001", "break-glass"),
        ("IAM-001", "github-actions-deploy"),
        ("IAM-001", "alice"),
        ("IAM-001", "legacy-deploy"),
        ("IAM-002", "dev-sandbox"),
        ("IAM-002", "bob"),
        ("IAM-004", "Developers"),
        ("IAM-004", "bob"),
        ("IAM-005", "Developers"),
        ("IAM-005", "SecurityAuditors"),
        ("IAM-005", "dev-sandbox"),
        ("IAM-005", "bob"),
        ("IAM-005", "carol"),
        ("IAM-006", "Developers"),
        ("IAM-006", "dev-sandbox"),
        ("IAM-006", "bob"),
        ("IAM-007", "bob"),
        ("IAM-009", "security-scanner"),
        ("IAM-015", "legacy-deploy"),
        ("IAM-020", "acme-prod"),
        ("NET-001", "bastion"),
        ("NET-001", "legacy-windows"),
        ("NET-002", "com.amazonaws.eu-west-1.s3"),
        ("NET-002", "com.amazonaws.eu-west-1.secretsmanager"),
        ("NET-004", "default"),
        ("NET-004", "default"),
        ("NET-005", "acl-0prod"),
        ("NET-006", "subnet-00prod"),
        ("NET-006", "subnet-01prod"),
        ("NET-006", "subnet-0legacyA"),
        ("NET-007", "vpc-0d4default"),
        ("NET-007", "shared-services"),
        ("NET-007", "vpc-0c3legacy"),
        ("NET-008", "com.amazonaws.eu-west-1.s3"),
        ("NET-008", "com.amazonaws.eu-west-1.secretsmanager"),
        ("NET-010", "com.amazonaws.eu-west-1.secretsmanager"),
        ("NET-010", "com.amazonaws.eu-west-1.ssm"),
        ("NET-011", "shared-services"),
        ("NET-012", "com.amazonaws.vpce.eu-west-1.vpce-svc-0partnerfeed"),
        ("NET-013", "com.amazonaws.vpce.eu-west-1.vpce-svc-0partnerfeed"),
        ("NET-013", "com.amazonaws.vpce.eu-west-1.vpce-svc-0payments"),
        ("NET-015", "pcx-0vendor"),
        // i-0web answers IMDSv1; the bastion (SSH) and the web server (80, 443) are reachable.
        ("NET-016", "i-0web"),
        ("NET-017", "i-0bastion"),
        ("NET-017", "i-0web"),
        ("XC-001", "i-0web"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(failing, expected);
    // Security Hub in eu-central-1 could not be read: not evaluated, never pass.
    let hub = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "DET-002" && f["resource"]["region"] == "eu-central-1")
        .expect("a result for the gap region");
    assert_eq!(hub["status"], "not_evaluated");
    assert!(hub["message"].as_str().unwrap().contains("AccessDenied"), "{hub}");
}

#[test]
fn fingerprints_are_stable_across_runs() {
    let ids = |report: Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let first = ids(json_of(&["scan", "--snapshot", DEMO, "--format", "json"]));
    let second = ids(json_of(&["scan", "--snapshot", DEMO, "--format", "json"]));
    assert_eq!(first, second);
}

#[test]
fn gate_exit_codes() {
    posture()
        .args(["scan", "--snapshot", DEMO, "--fail-on", "high"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("gate:"));
    let cases: [(&[&str], i32); 9] = [
        (&["--fail-on", "critical"], 3),
        (&["--fail-on", "none"], 0),
        (&["--min-score", "50"], 3),
        (&["--min-score", "0"], 0),
        // The demo has a coverage gap: --strict cannot decide.
        (&["--strict"], 4),
        // A decided failure wins over incomplete coverage.
        (&["--strict", "--fail-on", "high"], 3),
        (&["--fail-on", "urgent"], 2),
        (&["--min-score", "101"], 2),
        (&[], 0),
    ];
    for (extra, code) in cases {
        posture()
            .args(["scan", "--snapshot", DEMO])
            .args(extra)
            .assert()
            .code(code);
    }
    // Without a file source, scan reads AWS live; an unreachable endpoint is a runtime error.
    posture()
        .args(["scan", "--regions", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("cannot identify the caller").and(predicate::str::contains("testing").not()));
}

fn one_line_error(args: &[&str]) -> String {
    let output = posture().args(args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty(), "no report on bad input");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn malformed_inputs_exit_2_with_file_and_place() {
    let dir = temp_dir();
    let truncated = write(
        dir.path(),
        "truncated.json",
        r#"{"schema_version":"1","accounts":[{"account_id":"1"#,
    );
    let message = one_line_error(&["scan", "--snapshot", truncated.to_str().unwrap()]);
    assert!(
        message.contains("truncated.json") && message.contains("line 1"),
        "{message}"
    );

    let version = write(dir.path(), "v9.json", r#"{"schema_version":"9","accounts":[]}"#);
    let message = one_line_error(&["scan", "--snapshot", version.to_str().unwrap()]);
    assert!(
        message.contains("v9.json: at schema_version: unsupported snapshot schema version \"9\""),
        "{message}"
    );

    let mut demo: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO)).unwrap())
            .unwrap();
    demo["accounts"][0]["regions"][1]["network"]["security_groups"][1]["ingress"] = Value::String("open".into());
    let wrong = write(dir.path(), "wrong-type.json", &demo.to_string());
    let message = one_line_error(&["scan", "--snapshot", wrong.to_str().unwrap()]);
    assert!(
        message.contains("wrong-type.json: at accounts[0].regions[1].network.security_groups[1].ingress:"),
        "{message}"
    );

    let message = one_line_error(&["scan", "--snapshot", "does/not/exist.json"]);
    assert!(message.contains("does/not/exist.json: cannot read"), "{message}");

    let not_gaad = write(dir.path(), "list.json", r#"{"UserDetailList": {"oops": 1}}"#);
    let message = one_line_error(&["scan", "--gaad", not_gaad.to_str().unwrap()]);
    assert!(message.contains("list.json: at UserDetailList:"), "{message}");
}

#[test]
fn one_malformed_policy_costs_only_what_depends_on_it() {
    let report = json_of(&["scan", "--gaad", GAAD, "--format", "json"]);
    let iam: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "IAM-001")
        .collect();
    let status_of = |name: &str| {
        iam.iter()
            .find(|f| f["resource"]["name"] == name)
            .map(|f| f["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status_of("broken-user").as_deref(), Some("not_evaluated"));
    let broken = iam.iter().find(|f| f["resource"]["name"] == "broken-user").unwrap();
    assert!(
        broken["message"].as_str().unwrap().contains("inline:truncated"),
        "{broken}"
    );
    // Its own policy is broken, but admin through its group is proven: fail, not "unknown".
    assert_eq!(status_of("group-admin").as_deref(), Some("fail"));
    assert_eq!(status_of("ops-admin").as_deref(), Some("fail"));
    assert_eq!(status_of("admins").as_deref(), Some("fail"));
    assert_eq!(status_of("analyst").as_deref(), Some("pass"));
    // Only the default version counts (v1 was admin, v2 is read-only).
    assert_eq!(status_of("old-admin-version").as_deref(), Some("pass"));
    // Sections the dump does not have are not evaluated, per account.
    let det = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "DET-001")
        .unwrap();
    assert_eq!(det["status"], "not_evaluated");
}

#[test]
fn ndjson_has_one_finding_per_line() {
    let report = json_of(&["scan", "--snapshot", DEMO, "--format", "json"]);
    let output = posture()
        .args(["scan", "--snapshot", DEMO, "--format", "ndjson"])
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), report["findings"].as_array().unwrap().len());
    assert_eq!(lines[0], report["findings"][0]);
}

#[test]
fn output_file_is_written_atomically_and_stdout_stays_empty() {
    let dir = temp_dir();
    let target = dir.path().join("report.json");
    let output = posture()
        .args([
            "scan",
            "--snapshot",
            DEMO,
            "--format",
            "json",
            "-o",
            target.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(report["schema_version"], "1");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temp files left: {leftovers:?}");
}

#[test]
fn rules_list_explain_and_test() {
    let output = posture().args(["rules", "list", "--format", "json"]).output().unwrap();
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for id in ["IAM-001", "NET-001", "NET-002", "DET-001", "DET-002"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    posture()
        .args(["rules", "explain", "net-001"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Remediation:").and(predicate::str::contains("cis-aws-4.0:5.2")));
    posture().args(["rules", "explain", "NOPE-1"]).assert().code(2);
    posture()
        .args(["rules", "test"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"rules: \d+ passed, 0 failed").unwrap());
}

const TEAM_RULE: &str = r#"# METADATA
# title: Roles must not be named test
# description: Team convention.
# custom:
#   id: ACME-001
#   severity: low
#   pillar: identity
#   categories: [hygiene]
#   requires: [iam]
#   remediation: Rename it.
package acme.role_names

applicable contains p.key if {
	some p in input.iam.principals
	p.kind == "role"
}

deny contains {"resource": p.key, "message": sprintf("role %s", [p.name])} if {
	some p in input.iam.principals
	p.kind == "role"
	startswith(p.name, "dev-")
}
"#;

#[test]
fn a_team_rule_directory_adds_rules_and_tests() {
    let dir = temp_dir();
    write(dir.path(), "acme/role_names.rego", TEAM_RULE);
    write(
        dir.path(),
        "acme/role_names_test.rego",
        "package acme.role_names_test\n\nimport data.acme.role_names\n\ntest_deny_dev if {\n\tcount(role_names.deny) == 1 with input as {\"iam\": {\"principals\": [{\"key\": \"r\", \"kind\": \"role\", \"name\": \"dev-x\"}]}}\n}\n\ntest_wrong if {\n\tcount(role_names.deny) == 5 with input as {}\n}\n",
    );
    let rules = dir.path().to_str().unwrap();
    let report = json_of(&["scan", "--snapshot", DEMO, "--rules", rules, "--format", "json"]);
    let team: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "ACME-001")
        .collect();
    assert_eq!(team.len(), 6, "one result per role");
    assert_eq!(team.iter().filter(|f| f["status"] == "fail").count(), 1);

    posture()
        .args(["rules", "test", rules])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("FAIL").and(predicate::str::contains("rules: 1 passed, 1 failed")));
}

#[test]
fn a_broken_team_rule_is_an_input_error_with_file_and_line() {
    let dir = temp_dir();
    write(
        dir.path(),
        "acme/role_names.rego",
        &TEAM_RULE.replace("package acme.role_names", "package acme.other"),
    );
    let message = one_line_error(&["scan", "--snapshot", DEMO, "--rules", dir.path().to_str().unwrap()]);
    assert!(
        message.contains("role_names.rego:11: package `acme.other` must follow"),
        "{message}"
    );

    let dir = temp_dir();
    write(
        dir.path(),
        "acme/role_names.rego",
        &TEAM_RULE.replace("severity: low", "severity: urgent"),
    );
    let message = one_line_error(&["rules", "list", "--rules", dir.path().to_str().unwrap()]);
    assert!(
        message.contains("role_names.rego:") && message.contains("urgent"),
        "{message}"
    );

    let dir = temp_dir();
    write(
        dir.path(),
        "acme/role_names.rego",
        &TEAM_RULE.replace("startswith(p.name, \"dev-\")", "startswith(p.name, \"dev-\""),
    );
    let message = one_line_error(&["scan", "--snapshot", DEMO, "--rules", dir.path().to_str().unwrap()]);
    assert!(message.contains("role_names.rego"), "{message}");
}

#[test]
fn checked_in_schema_is_current() {
    let output = posture().args(["schema"]).output().unwrap();
    let current = String::from_utf8(output.stdout).unwrap();
    let checked_in = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.schema.json"))
        .expect("docs/snapshot.schema.json exists; run scripts/regenerate.sh");
    assert!(
        current == checked_in,
        "docs/snapshot.schema.json is stale; run scripts/regenerate.sh"
    );
}

#[test]
fn checked_in_report_schema_is_current() {
    let output = posture().args(["schema", "--kind", "report"]).output().unwrap();
    let current = String::from_utf8(output.stdout).unwrap();
    let checked_in = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-v1.schema.json"))
        .expect("docs/report-v1.schema.json exists; run scripts/regenerate.sh");
    assert!(
        current == checked_in,
        "docs/report-v1.schema.json is stale; run scripts/regenerate.sh"
    );
}

#[test]
fn checked_in_facts_schema_is_current() {
    let output = posture().args(["schema", "--kind", "facts"]).output().unwrap();
    let current = String::from_utf8(output.stdout).unwrap();
    let checked_in = std::fs::read_to_string(root().join("docs/facts.schema.json"))
        .expect("docs/facts.schema.json exists; run scripts/regenerate.sh");
    assert!(
        current == checked_in,
        "docs/facts.schema.json is stale; run scripts/regenerate.sh"
    );
}

/// Renderers render: no file under src/output/ (folders included) reaches into facts, snapshots
/// or baselines.
#[test]
fn renderers_import_only_findings_and_the_summary() {
    let mut folders = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/output")];
    let mut files = 0;
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            files += 1;
            for forbidden in [
                "crate::facts",
                "crate::snapshot",
                "crate::baseline",
                "crate::rules::evaluate",
            ] {
                assert!(!text.contains(forbidden), "{} uses {forbidden}", path.display());
            }
        }
    }
    assert!(files > 10, "only {files} renderer files found under src/output");
}

#[test]
fn demo_validates_against_the_schema_fields() {
    // Every top-level account key of the demo is declared in the generated schema.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.schema.json")).unwrap(),
    )
    .unwrap();
    let account_props = &schema["$defs"]["AccountSnapshot"]["properties"];
    let demo: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO)).unwrap())
            .unwrap();
    for key in keys(&demo["accounts"][0]) {
        assert!(account_props.get(key).is_some(), "{key} declared in the schema");
    }
}

#[test]
fn synth_is_deterministic_and_scannable() {
    let dir = temp_dir();
    let first = dir.path().join("a.json");
    let second = dir.path().join("b.json");
    let other = dir.path().join("c.json");
    for (path, seed) in [(&first, "7"), (&second, "7"), (&other, "8")] {
        posture_dev()
            .args(["synth", "--accounts", "3", "--seed", seed, "-o", path.to_str().unwrap()])
            .assert()
            .success();
    }
    let bytes = std::fs::read(&first).unwrap();
    assert_eq!(bytes, std::fs::read(&second).unwrap());
    assert_ne!(bytes, std::fs::read(&other).unwrap());
    let report = json_of(&["scan", "--snapshot", first.to_str().unwrap(), "--format", "json"]);
    let findings = report["findings"].as_array().unwrap();
    // About a thousand resources per account.
    assert!(findings.len() > 2_400, "{}", findings.len());
    for rule in ["IAM-001", "NET-001", "NET-002"] {
        let failing = findings
            .iter()
            .filter(|f| f["rule_id"] == rule && f["status"] == "fail")
            .count();
        let total = findings.iter().filter(|f| f["rule_id"] == rule).count();
        assert!(
            failing > 0 && failing * 2 < total,
            "{rule}: {failing} of {total} fail: a realistic minority"
        );
    }
}

const CORRELATION: &str = "fixtures/correlation/snapshot.json";
const CORRELATION_CONFIG: &str = "fixtures/correlation/posture.yaml";

fn failing_pairs(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["arn"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn finding<'a>(report: &'a Value, rule: &str, arn_suffix: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule && f["resource"]["arn"].as_str().unwrap().ends_with(arn_suffix))
        .unwrap_or_else(|| panic!("a {rule} result for {arn_suffix}"))
}

#[test]
fn correlation_links_the_underlying_findings_in_one_critical_finding() {
    let report = json_of(&[
        "scan",
        "--snapshot",
        CORRELATION,
        "--config",
        CORRELATION_CONFIG,
        "--format",
        "json",
    ]);
    let instance = "arn:aws:ec2:eu-west-1:210987654321:instance/i-0checkout";
    let group = "arn:aws:ec2:eu-west-1:210987654321:security-group/sg-0checkout";
    let role = "arn:aws:iam::210987654321:role/checkout-ec2";
    let expected: BTreeSet<(String, String)> = [
        ("DET-004", instance),
        ("NET-001", group),
        ("IAM-002", role),
        // The same role may attach any policy anywhere: resource exposure, reported on its own.
        ("IAM-006", role),
        ("XC-001", instance),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(failing_pairs(&report), expected);
    let correlated = finding(&report, "XC-001", "instance/i-0checkout");
    assert_eq!(correlated["severity"], "critical");
    assert!(correlated["categories"]
        .as_array()
        .unwrap()
        .contains(&Value::from("toxic-combination")));
    // The security group opens SSH to the world (NET-001), but the subnet's NACL lets only 443
    // and the ephemeral ports in from 0.0.0.0/0: the instance is not reachable, so the finding
    // links the threat and the role, and NET-017 passes on the instance.
    assert_eq!(
        correlated["evidence"]["linked_findings"],
        serde_json::json!([
            {"rule_id": "DET-004", "resource": instance},
            {"rule_id": "IAM-002", "resource": role},
        ])
    );
    assert_eq!(correlated["evidence"]["exposure"], Value::Null);
    assert_eq!(finding(&report, "NET-017", "instance/i-0checkout")["status"], "pass");
    let guardduty = &correlated["evidence"]["guardduty_findings"][0];
    assert_eq!(guardduty["type"], "Backdoor:EC2/C&CActivity.B!DNS");
    assert_eq!(guardduty["count"], 37);
    assert_eq!(guardduty["first_seen"], "2026-11-20T21:14:00Z");
    // The same instance is not reported twice: XC-002 leaves it to XC-001.
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !(f["rule_id"] == "XC-002" && f["resource"]["arn"] == instance)));
    // No false alarm: an endpoint restricted by aws:PrincipalOrgID, an endpoint service with
    // acceptance required and only trusted principals.
    assert_eq!(
        finding(&report, "NET-008", "vpc-endpoint/vpce-0s3pay")["status"],
        "pass"
    );
    assert_eq!(
        finding(&report, "NET-002", "vpc-endpoint/vpce-0s3pay")["status"],
        "pass"
    );
    for rule in ["NET-012", "NET-013", "NET-014"] {
        assert_eq!(
            finding(&report, rule, "vpc-endpoint-service/vpce-svc-0paygw")["status"],
            "pass",
            "{rule}"
        );
    }
}

/// The ACME-001 team rule with its `deny` replaced, scanned over the demo: its findings.
fn team_rule_findings(deny: &str, extra: &str) -> Vec<Value> {
    let dir = temp_dir();
    let start = TEAM_RULE.find("deny contains").unwrap();
    let text = format!("{}{deny}\n{extra}", &TEAM_RULE[..start]);
    write(dir.path(), "acme/role_names.rego", &text);
    let rules = dir.path().to_str().unwrap();
    rule_findings(
        &json_of(&["scan", "--snapshot", DEMO, "--rules", rules, "--format", "json"]),
        "ACME-001",
    )
}

fn rule_findings(report: &Value, rule: &str) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .cloned()
        .collect()
}

fn assert_all_not_evaluated(findings: &[Value], reason_part: &str) {
    assert!(!findings.is_empty(), "the rule leaves a trace");
    for finding in findings {
        assert_eq!(finding["status"], "not_evaluated", "{finding}");
        let reason = finding["evidence"]["reason"].as_str().unwrap();
        assert!(reason.contains(reason_part), "{reason}");
        assert!(reason.len() < 600, "capped: {reason}");
    }
}

#[test]
fn a_recursive_or_runaway_team_rule_is_not_evaluated_and_the_scan_survives() {
    // Infinite and bounded recursion used to overflow the stack (SIGABRT).
    let findings = team_rule_findings(
        "deny contains {\"resource\": p.key, \"message\": \"x\"} if {\n\tsome p in input.iam.principals\n\tf(p.key)\n}",
        "f(x) := y if {\n\ty := f(x)\n}\n",
    );
    assert_all_not_evaluated(&findings, "role_names.rego:22) calls itself");
    let findings = team_rule_findings(
        "deny contains {\"resource\": p.key, \"message\": \"x\"} if {\n\tsome p in input.iam.principals\n\tg(100000) == 0\n}",
        "g(n) := 0 if n <= 0\n\ng(n) := g(n - 1) if n > 0\n",
    );
    assert_all_not_evaluated(&findings, "function `g`");
    // A 50-million element range used to run past 10 s at 1.2 GB.
    let findings = team_rule_findings(
        "deny contains {\"resource\": p.key, \"message\": \"x\"} if {\n\tsome p in input.iam.principals\n\tcount(numbers.range(1, 50000000)) == 0\n}",
        "",
    );
    assert_all_not_evaluated(&findings, "over posture's budget");

    let dir = temp_dir();
    write(dir.path(), "acme/role_names.rego", TEAM_RULE);
    write(
        dir.path(),
        "acme/role_names_test.rego",
        "package acme.role_names_test\n\nf(x) := y if {\n\ty := f(x)\n}\n\ntest_forever if {\n\tf(1) == 1\n}\n\ntest_fine if {\n\ttrue\n}\n",
    );
    let output = posture()
        .args(["rules", "test", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "a failing test, not a crash");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("calls itself"), "{stdout}");
    assert!(stdout.contains("rules: 1 passed, 1 failed"), "{stdout}");
}

#[test]
fn malformed_team_rule_output_is_not_evaluated_never_pass() {
    let cases = [
        // A deny entry whose resource is not a string, or missing.
        (
            "deny contains {\"resource\": 5, \"message\": \"x\"} if true",
            "`resource` must be a string",
        ),
        ("deny contains {\"message\": \"x\"} if true", "has no `resource`"),
        ("deny := \"string\"", "it must be a set, found a string"),
        (
            "deny contains {\"resource\": \"r\"} if {\n\tx := 1 / 0\n}",
            "divide by zero",
        ),
    ];
    for (deny, reason) in cases {
        let findings = team_rule_findings(deny, "");
        assert_eq!(findings.len(), 6, "one per applicable role: {deny}");
        assert_all_not_evaluated(&findings, reason);
    }
    let shapes = [
        ("not_evaluated contains \"r\" if true", "its entries must be objects"),
        (
            "not_evaluated contains {\"resource\": \"r\", \"reason\": x} if {\n\tx := 1 / 0\n}",
            "divide by zero",
        ),
    ];
    for (not_evaluated, reason) in shapes {
        let findings = team_rule_findings("deny contains {\"resource\": \"r\"} if false", not_evaluated);
        assert_all_not_evaluated(&findings, reason);
    }
    // `applicable` of the wrong shape.
    let dir = temp_dir();
    write(
        dir.path(),
        "acme/role_names.rego",
        &TEAM_RULE.replace("applicable contains p.key if", "applicable contains p if"),
    );
    let report = json_of(&[
        "scan",
        "--snapshot",
        DEMO,
        "--rules",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let team = rule_findings(&report, "ACME-001");
    assert_all_not_evaluated(&team, "resource keys (strings), found an object");
}

#[test]
fn team_rule_compile_errors_blame_the_team_file() {
    // Sorted after the built-in DET-001, whose warm-up compiles every module and used to take the blame.
    let dir = temp_dir();
    write(
        dir.path(),
        "acme/role_names.rego",
        &TEAM_RULE
            .replace("id: ACME-001", "id: ZZ-001")
            .replace("startswith(p.name, \"dev-\")", "startswith(q.name, \"dev-\")"),
    );
    let message = one_line_error(&["scan", "--snapshot", DEMO, "--rules", dir.path().to_str().unwrap()]);
    assert!(message.contains("role_names.rego:21"), "{message}");
    assert!(!message.contains("<builtin>"), "{message}");
}

#[test]
fn team_params_merge_key_by_key_over_the_defaults() {
    let base = json_of(&["scan", "--snapshot", DEMO, "--format", "json"]);
    let dir = temp_dir();
    write(dir.path(), "acme/role_names.rego", TEAM_RULE);
    write(
        dir.path(),
        "data/params.json",
        "{\"admin_ports\": [22], \"acme_prefix\": \"dev-\"}",
    );
    let rules = dir.path().to_str().unwrap();
    let team = json_of(&["scan", "--snapshot", DEMO, "--rules", rules, "--format", "json"]);
    // Only what reads admin_ports may change; one key used to drop every other parameter
    // (DET-003/004/005, NET-011 passed and the critical XC-001 vanished).
    let others = |report: &Value| -> BTreeSet<(String, String)> {
        failing_pairs(report)
            .into_iter()
            .filter(|(rule, _)| rule != "NET-001" && rule != "ACME-001")
            .collect()
    };
    assert_eq!(others(&team), others(&base));
    assert!(failing_pairs(&team).iter().any(|(rule, _)| rule == "XC-001"));

    write(dir.path(), "data/params.json", "{\"admin_ports\": [\"22\"]}");
    let message = one_line_error(&["scan", "--snapshot", DEMO, "--rules", rules]);
    assert!(
        message.contains("data/params.json: at $.admin_ports: element 0: expected an integer, found a string"),
        "{message}"
    );
}

#[test]
fn yaml_read_unasked_is_capped_in_depth_and_size() {
    let deep = format!("params:\n  admin_ports: {}{}\n", "[".repeat(60_000), "]".repeat(60_000));
    for name in ["posture.yaml", ".posture-ignore.yaml"] {
        let dir = temp_dir();
        write(dir.path(), name, &deep);
        let started = std::time::Instant::now();
        let output = posture()
            .current_dir(dir.path())
            .args([
                "scan",
                "--snapshot",
                &Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO).display().to_string(),
            ])
            .output()
            .unwrap();
        assert!(started.elapsed().as_secs() < 5, "refused before parsing");
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(name) && stderr.contains("nested deeper than 64 levels"),
            "{stderr}"
        );
    }
    let dir = temp_dir();
    let big = write(
        dir.path(),
        "big.yaml",
        &format!("params: {{}}\n#{}\n", "x".repeat(2 << 20)),
    );
    let message = one_line_error(&["scan", "--snapshot", DEMO, "--config", big.to_str().unwrap()]);
    assert!(message.contains("big.yaml:1: larger than 1024 KiB"), "{message}");
}

#[test]
fn config_file_overrides_parameters_and_rejects_unknown_keys() {
    // Without the fixture's posture.yaml, the partner account is not trusted.
    let report = json_of(&["scan", "--snapshot", CORRELATION, "--format", "json"]);
    assert_eq!(
        finding(&report, "NET-013", "vpc-endpoint-service/vpce-svc-0paygw")["status"],
        "fail"
    );
    let output = posture()
        .args(["config", "show", "--config", CORRELATION_CONFIG])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let shown = String::from_utf8(output.stdout).unwrap();
    assert!(shown.contains("organization_id: o-pay12345"), "{shown}");
    assert!(shown.contains("guardduty_min_severity: 7.0"), "{shown}");
    assert!(
        shown.contains("overridden by fixtures/correlation/posture.yaml: organization_id, trusted_account_ids"),
        "{shown}"
    );

    let dir = temp_dir();
    let bad = write(
        dir.path(),
        "posture.yaml",
        "params:\n  guardduty_min_severity: 5.0\n  guarduty_features: []\n",
    );
    let message = one_line_error(&["scan", "--snapshot", DEMO, "--config", bad.to_str().unwrap()]);
    assert!(
        message.contains("posture.yaml:3: params.guarduty_features: unknown parameter"),
        "{message}"
    );
    let wrong = write(
        dir.path(),
        "wrong.yaml",
        "params:\n  trusted_account_ids: [444455556666]\n",
    );
    let message = one_line_error(&["config", "show", "--config", wrong.to_str().unwrap()]);
    assert!(
        message.contains("wrong.yaml:2: params.trusted_account_ids"),
        "{message}"
    );
    // List elements are checked against the defaults' (NET-001 used to drop to no failures).
    let strings = write(
        dir.path(),
        "strings.yaml",
        "params:\n  admin_ports: [\"22\", \"3389\"]\n",
    );
    let message = one_line_error(&["scan", "--snapshot", DEMO, "--config", strings.to_str().unwrap()]);
    assert!(
        message.contains("strings.yaml:2: params.admin_ports: element 0: expected an integer, found a string \"22\""),
        "{message}"
    );
    // ./posture.yaml is read when present.
    let output = posture()
        .current_dir(dir.path())
        .args(["config", "show"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn checked_in_rules_docs_are_current() {
    let output = posture().args(["rules", "docs"]).output().unwrap();
    let current = String::from_utf8(output.stdout).unwrap();
    let checked_in = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
        .expect("docs/rules.md exists; run scripts/regenerate.sh");
    assert!(
        current == checked_in,
        "docs/rules.md is stale; run scripts/regenerate.sh"
    );
}

#[test]
fn rules_list_filters_by_compliance_prefix() {
    let output = posture()
        .args(["rules", "list", "--compliance", "cis-aws-4.0", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert!(rules.len() >= 5);
    for rule in rules {
        assert!(
            rule["compliance"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c.as_str().unwrap().starts_with("cis-aws-4.0")),
            "{rule}"
        );
    }
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"NET-005") && !ids.contains(&"NET-009"), "{ids:?}");
}

/// Runs the demo scan under a pseudo-terminal (util-linux `script`), as a person would see it.
fn scan_in_terminal(no_color: Option<&str>) -> String {
    let binary = assert_cmd::cargo::cargo_bin("posture");
    let command = format!("{} scan --snapshot {DEMO}", binary.display());
    let mut script = std::process::Command::new("script");
    script
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        script.env("NO_COLOR", value);
    }
    let output = script
        .output()
        .expect("util-linux `script` runs (Debian's essential bsdutils)");
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let coloured = scan_in_terminal(None);
    // A terminal is as narrow as it says: the table wraps, so look for the score line.
    assert!(
        coloured.contains("Score:") && coloured.contains('\u{1b}'),
        "colour on a terminal: {coloured}"
    );
    let plain = scan_in_terminal(Some("1"));
    assert!(
        plain.contains("Score:") && !plain.contains('\u{1b}'),
        "NO_COLOR wins: {plain}"
    );
}

/// Outputs never replace what they should not: inputs, devices, FIFOs; links are followed; bad
/// paths are refused before the scan.
#[test]
fn outputs_never_replace_inputs_devices_or_fifos() {
    let dir = temp_dir();
    let snapshot = dir.path().join("s.json");
    std::fs::copy(DEMO, &snapshot).unwrap();
    let before = std::fs::read(&snapshot).unwrap();
    let refused = posture()
        .args(["scan", "--snapshot", snapshot.to_str().unwrap(), "-f", "json", "-o"])
        .arg(&snapshot)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is also an input"));
    assert_eq!(std::fs::read(&snapshot).unwrap(), before, "the input is untouched");

    // A device stays a device (as root, a rename would have replaced /dev/null).
    posture()
        .args([
            "scan",
            "--snapshot",
            DEMO,
            "-f",
            "json=/dev/null",
            "-f",
            "csv=/dev/stdout",
        ])
        .assert()
        .code(0);
    let null = std::fs::metadata("/dev/null").unwrap();
    assert!(!null.is_file(), "/dev/null is still a device");

    // A FIFO is written in place: its reader gets the report.
    let fifo = dir.path().join("report.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    posture()
        .args(["scan", "--snapshot", DEMO, "-f"])
        .arg(format!("json={}", fifo.display()))
        .assert()
        .code(0);
    let received: Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(received["schema_version"], "1");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    // A link is followed: the file it points to is replaced, the link stays.
    let real = dir.path().join("real.json");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    posture()
        .args(["scan", "--snapshot", DEMO, "-f", "json", "-o"])
        .arg(&link)
        .assert()
        .code(0);
    assert!(std::fs::read_to_string(&real).unwrap().starts_with('{'));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());

    // An unwritable target fails before the scan, and the other outputs are not written.
    let written = dir.path().join("written.json");
    let early = posture()
        .args(["scan", "--snapshot", DEMO, "-f"])
        .arg(format!("json={}", written.display()))
        .args(["-f", "csv=/no/such/folder/r.csv"])
        .output()
        .unwrap();
    assert_eq!(
        early.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&early.stderr)
    );
    assert!(!written.exists(), "nothing is written when one output path is bad");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".posture-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

use std::os::unix::fs::FileTypeExt;

#[test]
fn an_interrupted_scan_leaves_no_temporary_file() {
    let dir = temp_dir();
    let synth = dir.path().join("org.json");
    posture_dev()
        .args(["synth", "--accounts", "40", "--seed", "3", "-o"])
        .arg(&synth)
        .assert()
        .success();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("posture");
    let mut child = std::process::Command::new(binary)
        .args(["scan", "--snapshot", synth.to_str().unwrap(), "-f"])
        .arg(format!("json={}", out.join("r.json").display()))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The temporary file exists as soon as the outputs are checked, long before the scan ends.
    let started = std::time::Instant::now();
    while std::fs::read_dir(&out).unwrap().next().is_none() && started.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn strict_with_nothing_scanned_is_undecided() {
    let dir = temp_dir();
    let empty = write(dir.path(), "empty.json", r#"{"schema_version":"1","accounts":[]}"#);
    let output = posture()
        .args([
            "scan",
            "--snapshot",
            empty.to_str().unwrap(),
            "--strict",
            "--fail-on",
            "high",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no account was scanned"));
}

#[test]
fn endless_or_truncated_inputs_are_refused_or_not_evaluated() {
    // A device that never ends is an input error at its first byte, not a read until memory runs out.
    for flag in ["--snapshot", "--gaad", "--baseline"] {
        let mut args = vec!["scan", flag, "/dev/zero"];
        if flag == "--baseline" {
            args.extend(["--snapshot", DEMO]);
        }
        let output = posture()
            .args(&args)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{flag}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("/dev/zero"));
    }
    // A dump that says IsTruncated is a partial picture: its IAM rules are not evaluated, with a gap.
    let dir = temp_dir();
    let mut dump: Value = serde_json::from_str(&std::fs::read_to_string(GAAD).unwrap()).unwrap();
    dump["IsTruncated"] = Value::Bool(true);
    let path = write(dir.path(), "truncated.json", &dump.to_string());
    let report = json_of(&["scan", "--gaad", path.to_str().unwrap(), "-f", "json"]);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings.iter().all(|f| f["status"] == "not_evaluated"),
        "nothing passes on a partial dump"
    );
    assert_eq!(
        report["coverage"]["gaps"][0]["operation"],
        "GetAccountAuthorizationDetails"
    );
}

/// Control characters from the data never reach the terminal; CSV cells never run as formulas.
#[test]
fn terminal_and_spreadsheet_outputs_neutralise_hostile_names() {
    let dir = temp_dir();
    let mut snapshot: Value = serde_json::from_str(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    let hostile = "=HYPERLINK(\"http://x\")\u{1b}[2J\u{7}";
    let users = snapshot["accounts"][0]["iam"]["users"].as_array_mut().unwrap();
    for user in users.iter_mut() {
        let arn = user["arn"].as_str().unwrap().to_string();
        user["arn"] = Value::String(format!("{arn}{hostile}"));
    }
    let path = write(dir.path(), "hostile.json", &snapshot.to_string());
    let table = posture()
        .args(["scan", "--snapshot", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("HYPERLINK"), "the hostile user is listed");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "no control character reaches the terminal"
    );
    let csv = posture()
        .args(["scan", "--snapshot", path.to_str().unwrap(), "-f", "csv"])
        .output()
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(!cell.starts_with(['=', '+', '@']), "a cell runs as a formula: {cell}");
        }
    }
}

/// Issue 11, item 7: a region without a section that other regions have is `not_evaluated`
/// there, for every rule that requires it; it does not vanish.
#[test]
fn a_region_missing_a_section_is_not_evaluated_there() {
    let mut snapshot: Value = serde_json::from_str(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    for region in snapshot["accounts"][0]["regions"].as_array_mut().unwrap() {
        if region["region"] == "eu-west-1" {
            region.as_object_mut().unwrap().remove("network");
        }
    }
    let dir = temp_dir();
    let path = write(dir.path(), "snapshot.json", &snapshot.to_string());
    let path = path.to_str().unwrap();
    let report = json_of(&["scan", "--snapshot", path, "--format", "json"]);
    let network_rules: BTreeSet<String> = json_of(&["scan", "--snapshot", DEMO, "--format", "json"])["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["resource"]["region"] == "eu-west-1" && f["pillar"] == "network")
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    assert!(network_rules.contains("NET-001"), "{network_rules:?}");
    let unknown_in_region: BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["resource"]["region"] == "eu-west-1" && f["status"] == "not_evaluated")
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("no network data for region eu-west-1")
        })
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    for rule in &network_rules {
        assert!(
            unknown_in_region.contains(rule),
            "{rule} vanished for eu-west-1: {unknown_in_region:?}"
        );
    }
    for rule in ["XC-001", "XC-002"] {
        assert!(unknown_in_region.contains(rule), "{rule}: {unknown_in_region:?}");
    }
    // Rego sees the presence per region too.
    let facts = posture().args(["facts", "--snapshot", path]).output().unwrap();
    let facts: Value = serde_json::from_slice(&facts.stdout).unwrap();
    let sections = |name: &str| {
        let regions = facts["regions"].as_array().unwrap();
        regions.iter().find(|r| r["region"] == name).unwrap()["sections"].clone()
    };
    assert_eq!(sections("eu-west-1")["network"], false);
    assert_eq!(sections("eu-central-1")["network"], true);
    assert_eq!(facts["sections"]["network"], true);
}
