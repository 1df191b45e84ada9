//! Every output format through the real binary, checked by real consumers where one exists:
//! OCSF 1.6 with pydantic-ocsf and 1.3 with py-ocsf-models, ASFF with botocore's Security Hub
//! model, SARIF with its official JSON Schema, HTML rendered in headless Chromium. Plus suppressions, baselines and `diff`.
//! The Python validators run under POSTURE_TEST_PYTHON (scripts/setup-test-env.sh); a missing
//! interpreter or validator fails the test, it is never skipped.

use crate::harness::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const DEMO: &str = "fixtures/demo/snapshot.json";
const NEXT: &str = "fixtures/demo/snapshot-next.json";

fn demo_json() -> Value {
    let output = posture()
        .args(["scan", "--snapshot", DEMO, "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

fn failing_ids(report: &Value) -> BTreeSet<String> {
    findings(report)
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// Runs a validator of tests/validators/validate_outputs.py; panics with its output unless valid.
fn validate(kind: &str, file: &Path, extra: &[&str]) -> String {
    let python = std::env::var("POSTURE_TEST_PYTHON")
        .expect("POSTURE_TEST_PYTHON must name the venv python (scripts/setup-test-env.sh; scripts/test.sh sets it)");
    let output = std::process::Command::new(&python)
        .arg(root().join("tests/validators/validate_outputs.py"))
        .arg(kind)
        .arg(file)
        .args(extra)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {python}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{kind} validation failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Writes every format in one run; returns the folder and the table printed to stdout.
fn all_formats(extra: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["scan".into(), "--snapshot".into(), DEMO.into()];
    for format in ["json", "ocsf", "asff", "sarif", "junit", "csv", "html", "ndjson"] {
        args.push("-f".into());
        args.push(format!(
            "{format}={}",
            dir.path().join(format!("report.{format}")).display()
        ));
    }
    args.push("-f".into());
    args.push("table".into());
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = posture().args(&args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (dir, String::from_utf8(output.stdout).unwrap())
}

#[test]
fn one_run_writes_every_format_and_the_table_to_stdout() {
    let (dir, table) = all_formats(&[]);
    assert!(table.contains("Score: "), "{table}");
    for format in ["json", "ocsf", "asff", "sarif", "junit", "csv", "html", "ndjson"] {
        let path = dir.path().join(format!("report.{format}"));
        assert!(std::fs::metadata(&path).unwrap().len() > 0, "{format} is empty");
    }
    // No temporary files are left behind by the atomic writes.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 8);
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn ocsf_1_3_compliance_and_detection_findings_validate() {
    let (dir, _) = all_formats(&["--ocsf-version", "1.3"]);
    let report = read_json(dir.path().join("report.json"));
    let file = dir.path().join("report.ocsf");
    let summary = validate("ocsf", &file, &["compliance"]);
    assert!(
        summary.contains(&format!("{} events", findings(&report).len())),
        "{summary}"
    );
    let events: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // One event per rule × resource, with the report's fingerprint as finding_info.uid.
    let uids: BTreeSet<&str> = events
        .iter()
        .map(|e| e["finding_info"]["uid"].as_str().unwrap())
        .collect();
    let ids: BTreeSet<&str> = findings(&report).iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(uids, ids);
    let admin = events
        .iter()
        .find(|e| e["resources"][0]["uid"] == "arn:aws:iam::111122223333:user/alice")
        .unwrap();
    assert_eq!(admin["class_uid"], 2003);
    assert_eq!(admin["compliance"]["status"], "Fail");
    assert_eq!(admin["compliance"]["status_id"], 3);
    assert_eq!(admin["severity_id"], 5);
    assert_eq!(admin["cloud"]["account"]["uid"], "111122223333");
    assert!(admin["compliance"]["standards"].as_array().unwrap().len() >= 2);
    assert!(!admin["remediation"]["desc"].as_str().unwrap().is_empty());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("detections.ndjson");
    posture()
        .args([
            "scan",
            "--snapshot",
            DEMO,
            "--ocsf-version",
            "1.3",
            "--ocsf-class",
            "detection",
            "-f",
        ])
        .arg(format!("ocsf={}", file.display()))
        .assert()
        .code(0);
    let summary = validate("ocsf", &file, &["detection"]);
    // Detection findings: failing (and muted) results only.
    assert!(
        summary.contains(&format!("{} events", failing_ids(&report).len())),
        "{summary}"
    );
}

fn ocsf_events(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The rules whose failures OCSF 1.6 output carries as IAM Analysis Findings (docs/contracts.md).
const IAM_ANALYSIS_RULES: [&str; 8] = [
    "IAM-001", "IAM-002", "IAM-003", "IAM-004", "IAM-005", "IAM-006", "IAM-007", "IAM-016",
];

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn ocsf_1_6_iam_analysis_compliance_and_detection_findings_validate() {
    let (dir, _) = all_formats(&[]);
    let report = read_json(dir.path().join("report.json"));
    let file = dir.path().join("report.ocsf");
    let summary = validate("ocsf16", &file, &["compliance"]);
    let analysed = findings(&report)
        .iter()
        .filter(|f| IAM_ANALYSIS_RULES.contains(&f["rule_id"].as_str().unwrap()))
        .filter(|f| f["status"] == "fail" || f["status"] == "muted")
        .count();
    let total = findings(&report).len();
    assert!(analysed > 0);
    assert!(
        summary.contains(&format!(
            "{total} events, by class {{\"2003\": {}, \"2008\": {analysed}}}",
            total - analysed
        )),
        "{summary}"
    );
    let events = ocsf_events(&file);
    assert!(events.iter().all(|e| e["metadata"]["version"] == "1.6.0"));
    let uids: BTreeSet<&str> = events
        .iter()
        .map(|e| e["finding_info"]["uid"].as_str().unwrap())
        .collect();
    let ids: BTreeSet<&str> = findings(&report).iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(uids, ids);
    let of = |rule: &str, arn: &str| {
        events
            .iter()
            .find(|e| e["unmapped"]["rule_id"] == rule && e["resources"][0]["uid"] == arn)
            .unwrap_or_else(|| panic!("no {rule} event for {arn}"))
    };
    let admin = of("IAM-001", "arn:aws:iam::111122223333:group/Admins");
    assert_eq!(admin["class_uid"], 2008);
    assert_eq!(admin["type_uid"], 200801);
    assert!(admin.get("compliance").is_none());
    assert_eq!(admin["user"]["uid"], "arn:aws:iam::111122223333:group/Admins");
    assert_eq!(admin["user"]["type"], "AWS IAM Group");
    assert_eq!(
        admin["permission_analysis_results"],
        serde_json::json!([{
            "policy": {
                "name": "AdministratorAccess",
                "uid": "arn:aws:iam::aws:policy/AdministratorAccess",
                "type": "AWS Managed Policy"
            },
            "granted_privileges": ["*"]
        }])
    );
    // IAM-007: the action and the policy that grants it, from the evidence.
    let assume = of("IAM-007", "arn:aws:iam::111122223333:user/bob");
    assert_eq!(assume["class_uid"], 2008);
    let results = assume["permission_analysis_results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["policy"]["name"] == "PowerUserAccess"
        && r["granted_privileges"] == serde_json::json!(["sts:AssumeRole"])));
    // A pass of the same rule, and the other rules' results, stay Compliance Findings.
    let passing = events
        .iter()
        .find(|e| e["unmapped"]["rule_id"] == "IAM-001" && e["unmapped"]["result"] == "pass")
        .unwrap();
    assert_eq!(passing["class_uid"], 2003);
    assert_eq!(passing["compliance"]["status"], "Pass");
    let trust = of("IAM-009", "arn:aws:iam::111122223333:role/security-scanner");
    assert_eq!(trust["class_uid"], 2003);
    assert_eq!(trust["compliance"]["status_id"], 3);
    // 1.6's compliance status has no 0: not evaluated is 2 Warning ("missing information").
    let unknown = events
        .iter()
        .find(|e| e["unmapped"]["result"] == "not_evaluated")
        .unwrap();
    assert_eq!(unknown["compliance"]["status_id"], 2);
    assert_eq!(unknown["compliance"]["status"], "Warning");

    let file = dir.path().join("detections.ndjson");
    posture()
        .args(["scan", "--snapshot", DEMO, "--ocsf-class", "detection", "-f"])
        .arg(format!("ocsf={}", file.display()))
        .assert()
        .code(0);
    let summary = validate("ocsf16", &file, &["detection"]);
    let failing = failing_ids(&report).len();
    assert!(
        summary.contains(&format!("{failing} events, by class {{\"2004\": {failing}}}")),
        "{summary}"
    );
}

#[test]
fn an_unknown_ocsf_version_is_refused() {
    let output = posture()
        .args(["scan", "--snapshot", DEMO, "--ocsf-version", "1.5", "-f", "ocsf"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--ocsf-version") && stderr.contains("1.5"), "{stderr}");
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn asff_validates_against_botocore_securityhub_model() {
    let (dir, _) = all_formats(&[]);
    let file = dir.path().join("report.asff");
    let summary = validate("asff", &file, &[]);
    let findings_asff = read_json(file);
    let first = &findings_asff[0];
    assert_eq!(first["SchemaVersion"], "2018-10-08");
    assert!(first["ProductArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:securityhub:"));
    let statuses: BTreeSet<&str> = findings_asff
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Compliance"]["Status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["FAILED", "NOT_AVAILABLE", "PASSED"].into_iter().collect(),
        "{summary}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn sarif_validates_against_the_official_schema() {
    let (dir, _) = all_formats(&[]);
    let file = dir.path().join("report.sarif");
    validate("sarif", &file, &[]);
    let log = read_json(file);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules
        .iter()
        .all(|r| r["help"]["text"].as_str().unwrap().contains("Remediation:")));
    let report = read_json(dir.path().join("report.json"));
    let failing: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "fail")
        .collect();
    assert_eq!(failing.len(), failing_ids(&report).len());
    let location = &failing[0]["locations"][0]["logicalLocations"][0];
    assert_eq!(location["kind"], "resource");
    assert!(location["fullyQualifiedName"].as_str().unwrap().contains(':'));
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn junit_and_csv_carry_one_entry_per_finding() {
    let (dir, _) = all_formats(&[]);
    let report = read_json(dir.path().join("report.json"));
    let total = findings(&report).len();
    let fails = failing_ids(&report).len();
    let summary = validate("junit", &dir.path().join("report.junit"), &[]);
    assert!(
        summary.contains(&format!("{total} testcases, {fails} failures")),
        "{summary}"
    );
    let junit = std::fs::read_to_string(dir.path().join("report.junit")).unwrap();
    assert!(junit.contains("<skipped message=\"not evaluated: "), "{junit}");

    let mut reader = csv::Reader::from_path(dir.path().join("report.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), total);
    // Every field comes back exactly, commas, quotes and all.
    for (row, finding) in rows.iter().zip(findings(&report)) {
        assert_eq!(&row[0], finding["id"].as_str().unwrap());
        assert_eq!(&row[11], finding["message"].as_str().unwrap());
    }
}

pub(crate) fn chromium_dom(file: &Path, fragment: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", file.display()))
        .output()
        .expect("chromium is installed (scripts/apt-packages.txt)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn html_renders_score_and_every_failing_finding_and_filters_in_chromium() {
    let (dir, _) = all_formats(&[]);
    let report = read_json(dir.path().join("report.json"));
    let file = dir.path().join("report.html");
    let html = std::fs::read_to_string(&file).unwrap();
    for remote in ["http://", "https://", "src=\"//"] {
        assert!(
            !html.replace("http://www.w3.org/2000/svg", "").contains(remote),
            "{remote}"
        );
    }
    let dom = chromium_dom(&file, "");
    let score = format!("{:.1}", report["score"]["overall"].as_f64().unwrap());
    assert!(dom.contains(&format!("id=\"score\">{score}<")), "score {score}");
    for id in failing_ids(&report) {
        assert!(
            dom.contains(&format!("data-id=\"{id}\"")),
            "failing finding {id} rendered"
        );
    }
    assert!(dom.contains("<svg id=\"failing-chart\""));
    let graphs = dom.matches("<tr class=\"graph-row\"><td").count();
    assert!(graphs > 0, "graphs under the escalation and combination findings");
    let all = findings(&report).len();
    assert!(dom.contains(&format!("data-shown=\"{all}\"")));

    // The URL fragment filters the table, as a shared link would.
    let dom = chromium_dom(&file, "#status=fail&q=net-001");
    let expected = findings(&report)
        .iter()
        .filter(|f| f["status"] == "fail" && f["rule_id"] == "NET-001")
        .count();
    assert!(expected > 0);
    assert!(dom.contains(&format!("data-shown=\"{expected}\"")), "filter applied");
    let visible = dom
        .split("<tr data-id=")
        .skip(1)
        .filter(|row| !row.split("<td").next().unwrap().contains("hidden=\"\""))
        .count();
    assert_eq!(visible, expected);
    // The graphs of the findings filtered out (IAM-002, XC-001) are hidden with them.
    assert_eq!(dom.matches("<tr class=\"graph-row\" hidden=\"\">").count(), graphs);
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let cases: [&[&str]; 5] = [
        &["-f", "json", "-f", "table"],
        &["-f", "json", "-f", "sarif", "-o", "x.json"],
        &["-f", "json=x.json", "-o", "y.json"],
        &["-f", "xml"],
        &["--fail-on-new"],
    ];
    for extra in cases {
        let output = posture()
            .args(["scan", "--snapshot", DEMO])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{extra:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
    // -o with one format still works as before.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    posture()
        .args(["scan", "--snapshot", DEMO, "--format", "json", "-o"])
        .arg(&path)
        .assert()
        .code(0)
        .stdout("");
    assert_eq!(read_json(path)["schema_version"], "1");
}

fn write_ignore(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("ignore.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

const IGNORE: &str = r#"suppressions:
  - rule: IAM-001
    resource: "arn:aws:iam::*:role/break-glass"
    reason: break-glass role, reviewed quarterly (SEC-42)
    expires: 2999-12-31
    tags: [SEC-42]
  - rule: NET-001
    region: us-east-1
    reason: legacy windows host being decommissioned
    expires: 2001-01-01
"#;

#[test]
fn suppressions_mute_matching_failures_and_expired_ones_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let ignore = write_ignore(dir.path(), IGNORE);
    let output = posture()
        .args([
            "scan",
            "--snapshot",
            DEMO,
            "-f",
            "json",
            "--fail-on",
            "critical",
            "--ignore-file",
        ])
        .arg(&ignore)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("suppressions[1] expired on 2001-01-01 and is not applied"),
        "{stderr}"
    );
    // Other critical failures remain: the gate still fails, but not on the muted one.
    assert_eq!(output.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let muted: Vec<&Value> = findings(&report).iter().filter(|f| f["status"] == "muted").collect();
    assert_eq!(muted.len(), 1);
    assert_eq!(
        muted[0]["resource"]["arn"],
        "arn:aws:iam::111122223333:role/break-glass"
    );
    assert_eq!(
        muted[0]["evidence"]["suppression"]["reason"],
        "break-glass role, reviewed quarterly (SEC-42)"
    );
    let legacy = findings(&report)
        .iter()
        .find(|f| f["resource"]["arn"].as_str().unwrap().ends_with("sg-0legacywin") && f["rule_id"] == "NET-001")
        .unwrap();
    assert_eq!(legacy["status"], "fail", "expired entry not applied");

    // Muted never fails the gate: mute every critical failure and --fail-on critical passes.
    let all_admins = write_ignore(
        dir.path(),
        "suppressions:\n  - rule: IAM-001\n    reason: accepted\n    expires: 2999-01-01\n  - rule: XC-001\n    reason: accepted\n    expires: 2999-01-01\n  - rule: DATA-001\n    reason: accepted\n    expires: 2999-01-01\n",
    );
    posture()
        .args(["scan", "--snapshot", DEMO, "--fail-on", "critical", "--ignore-file"])
        .arg(&all_admins)
        .assert()
        .code(0);
    // --no-ignores shows everything.
    posture()
        .args([
            "scan",
            "--snapshot",
            DEMO,
            "--fail-on",
            "critical",
            "--no-ignores",
            "--ignore-file",
        ])
        .arg(&all_admins)
        .assert()
        .code(3);
}

#[test]
fn the_default_ignore_file_is_read_from_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".posture-ignore.yaml"),
        "suppressions:\n  - rule: IAM-001\n    reason: accepted\n    expires: 2999-01-01\n  - rule: XC-001\n    reason: accepted\n    expires: 2999-01-01\n  - rule: DATA-001\n    reason: accepted\n    expires: 2999-01-01\n",
    )
    .unwrap();
    let output = posture()
        .current_dir(dir.path())
        .args(["scan", "-f", "json", "--snapshot"])
        .arg(root().join(DEMO))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    // Five admins (IAM-001), one correlated finding (XC-001) and the public bucket (DATA-001).
    assert_eq!(findings(&report).iter().filter(|f| f["status"] == "muted").count(), 7);
}

#[test]
fn invalid_suppressions_name_file_and_entry_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let ignore = write_ignore(
        dir.path(),
        "suppressions:\n  - rule: IAM-001\n    reason: ok\n    expires: 2999-01-01\n  - rule: NET-001\n    expires: 2999-01-01\n",
    );
    let output = posture()
        .args(["scan", "--snapshot", DEMO, "--ignore-file"])
        .arg(&ignore)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("ignore.yaml: suppressions[1]: `reason` is required"),
        "{stderr}"
    );
}

fn finding_keys(list: &Value) -> BTreeSet<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["arn"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn key(rule: &str, arn: &str) -> (String, String) {
    (rule.to_string(), arn.to_string())
}

#[test]
fn a_baseline_reports_exactly_the_new_and_resolved_findings() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    posture()
        .args(["scan", "--snapshot", DEMO, "-f"])
        .arg(format!("json={}", first.display()))
        .assert()
        .code(0);
    let output = posture()
        .args(["scan", "--snapshot", NEXT, "-f", "json", "--baseline"])
        .arg(&first)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let new_failing: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["status"] == "fail" && f["baseline"] == "new")
        .collect();
    let new_sg = key(
        "NET-001",
        "arn:aws:ec2:eu-central-1:111122223333:security-group/sg-0default-ca",
    );
    assert_eq!(
        finding_keys(&Value::Array(new_failing.into_iter().cloned().collect())),
        [new_sg.clone()].into_iter().collect()
    );
    assert!(findings(&report)
        .iter()
        .all(|f| f["baseline"] == "new" || f["baseline"] == "unchanged"));
    // legacy-deploy lost its admin policy: resolved. us-east-1 was not scanned this time, so
    // its failures (sg-0legacywin, the Security Hub hub) are not read as resolved.
    // Its inline policy was its only own policy, so IAM-015 (direct user policies) resolves too.
    // The public bucket is gone from the next snapshot.
    let legacy = key("IAM-001", "arn:aws:iam::111122223333:user/legacy-deploy");
    let legacy_direct = key("IAM-015", "arn:aws:iam::111122223333:user/legacy-deploy");
    let bucket = key("DATA-001", "arn:aws:s3:::demo-public-assets");
    assert_eq!(
        finding_keys(&report["baseline"]["resolved"]),
        [legacy.clone(), legacy_direct.clone(), bucket.clone()]
            .into_iter()
            .collect()
    );

    // --fail-on-new gates on the new finding alone: high catches it, critical does not even
    // though critical failures (unchanged) remain.
    let gate = |fail_on: &str| {
        posture()
            .args([
                "scan",
                "--snapshot",
                NEXT,
                "--fail-on-new",
                "--fail-on",
                fail_on,
                "--baseline",
            ])
            .arg(&first)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(gate("high"), Some(3));
    assert_eq!(gate("critical"), Some(0));
    posture()
        .args(["scan", "--snapshot", NEXT, "--fail-on", "critical"])
        .assert()
        .code(3);

    // `posture diff` says the same.
    let second = dir.path().join("second.json");
    std::fs::write(&second, &output.stdout).unwrap();
    let diff = posture()
        .args(["diff", "--format", "json"])
        .arg(&first)
        .arg(&second)
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(0));
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(finding_keys(&diff["new_failing"]), [new_sg].into_iter().collect());
    assert_eq!(
        finding_keys(&diff["resolved"]),
        [legacy, legacy_direct, bucket].into_iter().collect()
    );
    let table = posture().arg("diff").arg(&first).arg(&second).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("New failing (1):") && table.contains("Resolved (3):"),
        "{table}"
    );
    assert!(
        table.contains("sg-0default-ca") && table.contains("user/legacy-deploy"),
        "{table}"
    );
}

#[test]
fn findings_carry_no_baseline_field_without_a_baseline() {
    let report = demo_json();
    assert!(findings(&report).iter().all(|f| f.get("baseline").is_none()));
    assert!(report.get("baseline").is_none());
}

const GOLDEN_FORMATS: [&str; 8] = ["json", "ndjson", "ocsf", "asff", "sarif", "junit", "csv", "table"];

/// The recorded bytes are free of what changes from run to run: the scan id, its times, the
/// baseline's scan id, the snapshot's path, and OCSF's epoch times.
fn normalised(text: &str, report: &Value, snapshot: &str) -> String {
    let scan = &report["scan"];
    let mut text = text
        .replace(scan["id"].as_str().unwrap(), "SCAN_ID")
        .replace(scan["started_at"].as_str().unwrap(), "TIME")
        .replace(scan["finished_at"].as_str().unwrap(), "TIME")
        .replace(&format!("snapshot:{snapshot}"), "snapshot:SNAPSHOT");
    if let Some(previous) = report["baseline"]["previous_scan_id"].as_str() {
        text = text.replace(previous, "PREVIOUS_SCAN_ID");
    }
    for key in ["\"time\":", "\"created_time\":"] {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(key) {
            out.push_str(&rest[..at + key.len()]);
            rest = &rest[at + key.len()..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            out.push_str(if digits > 0 { "0" } else { "" });
            rest = &rest[digits..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes every golden format of one scan into `dir` as `NAME.FORMAT`; returns their hashes.
fn golden_run(dir: &Path, name: &str, snapshot: &str, extra: &[&str]) -> Vec<(String, String)> {
    let mut args: Vec<String> = vec!["scan".into(), "--snapshot".into(), snapshot.into()];
    for format in GOLDEN_FORMATS {
        args.push("-f".into());
        args.push(format!("{format}={}", dir.join(format!("{name}.{format}")).display()));
    }
    // OCSF 1.3, the output before 1.6: its recorded hashes are the bytes of that time.
    args.extend(["--ocsf-version".to_string(), "1.3".to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    succeeds(posture().args(&args));
    let report = read_json(dir.join(format!("{name}.json")));
    let mut hashes: Vec<(String, String)> = GOLDEN_FORMATS
        .iter()
        .map(|format| {
            let text = std::fs::read_to_string(dir.join(format!("{name}.{format}"))).unwrap();
            (
                format!("{name}.{format}"),
                sha256_hex(&normalised(&text, &report, snapshot)),
            )
        })
        .collect();
    hashes.push(golden_ocsf_1_6(dir, name, snapshot, extra));
    hashes
}

/// The default OCSF 1.6 output of the same scan, recorded as `NAME.ocsf-1.6`.
fn golden_ocsf_1_6(dir: &Path, name: &str, snapshot: &str, extra: &[&str]) -> (String, String) {
    let json = dir.join(format!("{name}-1.6.json"));
    let ocsf = dir.join(format!("{name}.ocsf-1.6"));
    succeeds(
        posture()
            .args(["scan", "--snapshot", snapshot, "-f"])
            .arg(format!("json={}", json.display()))
            .arg("-f")
            .arg(format!("ocsf={}", ocsf.display()))
            .args(extra),
    );
    let text = std::fs::read_to_string(&ocsf).unwrap();
    (
        format!("{name}.ocsf-1.6"),
        sha256_hex(&normalised(&text, &read_json(json), snapshot)),
    )
}

/// The streamed outputs are the bytes the whole-report renderers wrote before streaming, for the
/// demo, for a changed demo against a baseline with suppressions, and for 10 synthetic accounts
/// (fixtures/golden/sha256.json was recorded from the earlier build; regenerate it only for an
/// intended output change, with `POSTURE_RECORD_GOLDEN=1`).
#[test]
fn streamed_outputs_are_byte_identical_to_the_recorded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let synth = dir.path().join("synth10-snapshot.json");
    posture_dev()
        .args([
            "synth",
            "--accounts",
            "10",
            "--seed",
            "42",
            "-o",
            synth.to_str().unwrap(),
        ])
        .assert()
        .success();
    let mut hashes = golden_run(dir.path(), "demo", DEMO, &["--no-ignores"]);
    hashes.extend(golden_run(
        dir.path(),
        "synth10",
        synth.to_str().unwrap(),
        &["--no-ignores"],
    ));
    let baseline = dir.path().join("demo.json");
    hashes.extend(golden_run(
        dir.path(),
        "next",
        NEXT,
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--ignore-file",
            "fixtures/golden/ignore.yaml",
        ],
    ));
    let golden = root().join("fixtures/golden/sha256.json");
    // An intended output change records the new bytes: POSTURE_RECORD_GOLDEN=1, then review the diff.
    if std::env::var_os("POSTURE_RECORD_GOLDEN").is_some() {
        let map: BTreeMap<&String, &String> = hashes.iter().map(|(n, h)| (n, h)).collect();
        std::fs::write(&golden, serde_json::to_string_pretty(&map).unwrap() + "\n").unwrap();
    }
    let recorded: BTreeMap<String, String> = serde_json::from_str(&std::fs::read_to_string(&golden).unwrap()).unwrap();
    let differing: Vec<&String> = hashes
        .iter()
        .filter(|(name, hash)| recorded.get(name) != Some(hash))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(hashes.len(), recorded.len());
    assert!(
        differing.is_empty(),
        "outputs differ from the recorded bytes: {differing:?}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn json_report_validates_against_its_generated_schema() {
    let (dir, _) = all_formats(&[]);
    let schema = root().join("docs/report-v1.schema.json");
    let report = dir.path().join("report.json");
    let out = validate("json-schema", &report, &[schema.to_str().unwrap()]);
    assert!(out.contains("json-schema ok"), "{out}");
    // With a baseline and --only-failing: the additive fields validate too, and the header says
    // that passing findings were left out.
    let next = dir.path().join("next.json");
    posture()
        .args([
            "scan",
            "--snapshot",
            NEXT,
            "--baseline",
            report.to_str().unwrap(),
            "--only-failing",
        ])
        .args(["-f", &format!("json={}", next.display())])
        .assert()
        .success();
    validate("json-schema", &next, &[schema.to_str().unwrap()]);
    let written = read_json(next);
    assert_eq!(written["scan"]["only_failing"], true);
    let statuses: BTreeSet<&str> = findings(&written)
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert!(statuses.iter().all(|s| *s == "fail" || *s == "muted"), "{statuses:?}");
    // The score still counts every finding: the same as without --only-failing.
    let full = json_of_next(report.to_str().unwrap());
    assert_eq!(written["score"], full["score"]);
    assert_eq!(written["coverage"], full["coverage"]);
}

fn json_of_next(baseline: &str) -> Value {
    let output = posture()
        .args(["scan", "--snapshot", NEXT, "--baseline", baseline, "-f", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The facts a rule sees are what docs/facts.schema.json says, for every fixture.
#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn facts_validate_against_their_generated_schema() {
    let dir = temp_dir();
    let schema = root().join("docs/facts.schema.json");
    for (name, flag, input) in [
        ("demo", "--snapshot", DEMO),
        ("next", "--snapshot", NEXT),
        ("correlation", "--snapshot", "fixtures/correlation/snapshot.json"),
        ("corpus", "--gaad", "fixtures/iam-corpus/gaad.json"),
        ("gaad", "--gaad", "fixtures/gaad/mixed-encodings.json"),
    ] {
        let output = posture().args(["facts", flag, input]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let file = dir.path().join(format!("{name}.ndjson"));
        std::fs::write(&file, &output.stdout).unwrap();
        let out = validate("json-schema", &file, &[schema.to_str().unwrap()]);
        assert!(out.contains("json-schema ok"), "{name}: {out}");
    }
}

/// The Security Lake partition folder an OCSF event belongs in (docs/contracts.md).
#[cfg(feature = "parquet")]
fn security_lake_partition(event: &Value) -> String {
    let source = match event["class_uid"].as_u64().unwrap() {
        2003 => "posture-compliance",
        2004 => "posture-detection",
        2008 => "posture-iam-analysis",
        other => panic!("class {other}"),
    };
    let region = match event["cloud"]["region"].as_str().unwrap() {
        "global" => "us-east-1",
        region => region,
    };
    let day = chrono::DateTime::from_timestamp_millis(event["time"].as_i64().unwrap())
        .unwrap()
        .format("%Y%m%d");
    let account = event["cloud"]["account"]["uid"].as_str().unwrap();
    format!("ext/{source}/region={region}/accountId={account}/eventDay={day}")
}

#[cfg(feature = "parquet")]
#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn ocsf_parquet_reads_back_with_pyarrow_in_security_lake_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let lines = dir.path().join("events.ocsf");
    let scan = |lake: &Path, lines: &Path| {
        let output = posture()
            .args(["scan", "--snapshot", DEMO, "-f"])
            .arg(format!("ocsf={}", lines.display()))
            .arg("-f")
            .arg(format!("ocsf-parquet={}", lake.display()))
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    scan(&lake, &lines);
    // The partitions and rows are those of the same scan's OCSF lines, per class, region,
    // account and day.
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for event in ocsf_events(&lines) {
        *expected.entry(security_lake_partition(&event)).or_default() += 1;
    }
    assert!(expected.keys().any(|k| k.starts_with("ext/posture-iam-analysis/")));
    assert!(expected.keys().any(|k| k.contains("/region=eu-west-1/")));
    let summary = validate("parquet", &lake, &[]);
    let rows: BTreeMap<String, usize> = serde_json::from_str(summary.lines().nth(1).unwrap()).unwrap();
    assert_eq!(rows, expected, "{summary}");
    // A second run adds its own files beside the first run's, which stay as they were.
    let first: Vec<(PathBuf, Vec<u8>)> = parquet_files(&lake)
        .into_iter()
        .map(|path| (path.clone(), std::fs::read(&path).unwrap()))
        .collect();
    scan(&lake, &dir.path().join("again.ocsf"));
    assert_eq!(parquet_files(&lake).len(), 2 * first.len());
    for (path, bytes) in &first {
        assert_eq!(&std::fs::read(path).unwrap(), bytes, "{}", path.display());
    }
    let summary = validate("parquet", &lake, &[]);
    assert!(summary.contains(&format!("{} files", 2 * first.len())), "{summary}");
}

#[cfg(feature = "parquet")]
fn parquet_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[cfg(feature = "parquet")]
#[test]
fn ocsf_parquet_takes_only_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.parquet");
    std::fs::write(&file, "kept").unwrap();
    let refused = |spec: String| {
        let output = posture()
            .args(["scan", "--snapshot", DEMO, "-f", &spec])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{spec}");
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    assert!(refused(format!("ocsf-parquet={}", file.display())).contains("is not a folder"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept");
    assert!(refused("ocsf-parquet".into()).contains("needs a folder"));
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("missing"), &dangling).unwrap();
    assert!(refused(format!("ocsf-parquet={}", dangling.display())).contains("does not exist"));
}
