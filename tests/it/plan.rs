//! Pre-deploy gates through the real binary: Terraform plans (fixtures/plan, written to
//! HashiCorp's JSON plan format) and CloudFormation templates (fixtures/cloudformation,
//! checked with cfn-lint) applied to a deployed base (fixtures/plan/base.json, and
//! base-no-admin.json where the role Lambda trusts is not an administrator).

use crate::harness::*;
use serde_json::Value;

const BASE: &str = "fixtures/plan/base.json";
const BASE_NO_ADMIN: &str = "fixtures/plan/base-no-admin.json";
const ACCOUNT: &str = "111122223333";

/// Runs a scan; returns the exit code and the JSON report written beside it.
fn scan(args: &[&str]) -> (i32, Value) {
    let dir = temp_dir();
    let report = dir.path().join("report.json");
    let mut all: Vec<String> = vec!["scan".into(), "-q".into()];
    all.extend(args.iter().map(|a| a.to_string()));
    all.extend(["-f".into(), format!("json={}", report.display())]);
    let output = posture().args(&all).output().unwrap();
    let code = output.status.code().expect("exited");
    assert!(
        code == 0 || code == 3 || code == 4,
        "{all:?}: exit {code}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (code, read_json(report))
}

fn finding<'r>(report: &'r Value, rule: &str, arn: &str) -> &'r Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule && f["resource"]["arn"] == arn)
        .unwrap_or_else(|| panic!("no {rule} finding on {arn}"))
}

fn new_failing(report: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail" && f["baseline"] == "new")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().into(),
                f["resource"]["arn"].as_str().unwrap().into(),
            )
        })
        .collect();
    found.sort();
    found
}

fn resolved(report: &Value) -> Vec<(String, String)> {
    report["baseline"]["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().into(),
                f["resource"]["arn"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn iam(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{name}")
}

fn sg(id: &str) -> String {
    format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:security-group/{id}")
}

#[test]
fn the_same_plan_escalates_only_where_an_admin_role_trusts_lambda() {
    let gate = [
        "--plan",
        "fixtures/plan/escalation.tfplan.json",
        "--fail-on",
        "high",
        "--fail-on-new",
    ];
    let (code, report) = scan(&[&["--snapshot", BASE][..], &gate].concat());
    assert_eq!(code, 3);
    let user = iam("user/ci-deployer");
    let escalation = finding(&report, "IAM-002", &user);
    assert_eq!(escalation["status"], "fail");
    assert_eq!(escalation["baseline"], "new");
    let path = escalation["evidence"]["path"].to_string();
    assert!(path.contains("role/lambda-deployer"), "{path}");
    let planned = &escalation["evidence"]["planned"];
    assert_eq!(planned["address"], "aws_iam_user.ci");
    assert_eq!(planned["file"], "fixtures/plan/escalation.tfplan.json");
    assert_eq!(planned["action"], "create");

    let (code, report) = scan(&[&["--snapshot", BASE_NO_ADMIN][..], &gate].concat());
    assert_eq!(
        finding(&report, "IAM-002", &user)["status"],
        "pass",
        "no admin role trusts Lambda there"
    );
    // Short of admin, the change still lets the user run code as role/lambda-deployer, which
    // reads every object (IAM-022, high: the gate fails), and holds PassRoleLambda with no
    // privileged role to pass yet (IAM-021).
    assert_eq!(code, 3);
    let gain = finding(&report, "IAM-022", &user);
    assert_eq!(gain["status"], "fail");
    assert_eq!(gain["baseline"], "new");
    assert_eq!(
        gain["evidence"]["gains"][0]["gained"]["data_read"],
        serde_json::json!(["s3:GetObject"])
    );
    assert!(gain["evidence"]["gains"][0]["path"]
        .as_str()
        .unwrap()
        .contains("-[PassRoleLambda]-> role/lambda-deployer"));
    assert_eq!(finding(&report, "IAM-021", &user)["status"], "fail");
    assert_eq!(
        report["scan"]["sources"][1],
        "plan:fixtures/plan/escalation.tfplan.json"
    );
}

#[test]
fn a_change_that_fixes_a_base_finding_lists_it_as_resolved() {
    let (code, report) = scan(&[
        "--snapshot",
        BASE,
        "--plan",
        "fixtures/plan/fix.tfplan.json",
        "--fail-on",
        "high",
        "--fail-on-new",
    ]);
    assert_eq!(code, 0);
    assert_eq!(resolved(&report), vec![("NET-001".to_string(), sg("sg-0web"))]);
    assert_eq!(finding(&report, "NET-001", &sg("sg-0web"))["status"], "pass");
    assert!(new_failing(&report).is_empty());
}

#[test]
fn a_benign_change_on_a_failing_base_passes_a_gate_on_new_findings() {
    let plan = [
        "--snapshot",
        BASE,
        "--plan",
        "fixtures/plan/benign.tfplan.json",
        "--fail-on",
        "high",
    ];
    let (code, report) = scan(&[&plan[..], &["--fail-on-new"]].concat());
    assert_eq!(code, 0, "the base's own failures are not the change's");
    assert!(new_failing(&report).is_empty());
    assert_eq!(finding(&report, "NET-001", &sg("sg-0web"))["baseline"], "unchanged");
    assert_eq!(finding(&report, "IAM-001", &iam("role/reporting"))["status"], "pass");
    let (code, _) = scan(&plan);
    assert_eq!(code, 3, "without --fail-on-new the base's high findings fail the gate");
}

#[test]
fn deleting_the_guardduty_detector_is_introduced_by_the_change() {
    let (code, report) = scan(&[
        "--snapshot",
        BASE,
        "--plan",
        "fixtures/plan/guardduty-delete.tfplan.json",
        "--fail-on",
        "high",
        "--fail-on-new",
    ]);
    assert_eq!(code, 3);
    let account = format!("AWS::::Account:{ACCOUNT}");
    assert_eq!(new_failing(&report), vec![("DET-001".to_string(), account.clone())]);
    let detector = finding(&report, "DET-001", &account);
    assert_eq!(detector["resource"]["region"], "eu-west-1");
    assert_eq!(detector["evidence"]["planned"]["action"], "delete");
}

#[test]
fn an_unknown_cidr_is_not_evaluated_and_undecided_under_strict() {
    let plan = [
        "--snapshot",
        BASE,
        "--plan",
        "fixtures/plan/unknown-cidr.tfplan.json",
        "--fail-on",
        "high",
    ];
    let (code, report) = scan(&[&plan[..], &["--fail-on-new"]].concat());
    assert_eq!(code, 0);
    let app = finding(&report, "NET-001", &sg("sg-0app"));
    assert_eq!(app["status"], "not_evaluated", "never pass on an unknown CIDR");
    let reason = app["message"].as_str().unwrap();
    assert!(
        reason.contains("aws_security_group_rule.office") && reason.contains("cidr_blocks"),
        "{reason}"
    );
    let (code, _) = scan(&[&plan[..], &["--fail-on-new", "--strict"]].concat());
    assert_eq!(code, 4);
}

#[test]
fn a_plan_with_modules_counts_for_each_updates_replaces_and_deletes() {
    let (code, report) = scan(&[
        "--snapshot",
        BASE,
        "--plan",
        "fixtures/plan/full.tfplan.json",
        "--fail-on",
        "high",
        "--fail-on-new",
    ]);
    assert_eq!(code, 3);
    let public = r#"terraform:module.net.module.edge.aws_security_group.edge["public"]"#;
    let private = r#"terraform:module.net.module.edge.aws_security_group.edge["private"]"#;
    let subnet = "terraform:aws_subnet.public";
    assert_eq!(
        new_failing(&report),
        vec![
            ("IAM-001".to_string(), iam("role/svc-0")),
            ("NET-001".to_string(), private.to_string()),
            ("NET-001".to_string(), public.to_string()),
            ("NET-006".to_string(), subnet.to_string()),
        ]
    );
    // The rule resource reached the private group through `security_group_id` = edge[each.key].id.
    let rdp = finding(&report, "NET-001", private)["message"].as_str().unwrap();
    assert!(rdp.contains("3389"), "{rdp}");
    // An attachment whose policy is known only after apply makes the role unknown, not safe.
    let dynamic = finding(&report, "IAM-001", &iam("role/svc-1"));
    assert_eq!(dynamic["status"], "not_evaluated");
    assert!(dynamic["message"].as_str().unwrap().contains("aws_iam_policy.dynamic"));
    assert_eq!(
        resolved(&report),
        vec![
            ("IAM-001".to_string(), iam("role/lambda-deployer")),
            ("NET-001".to_string(), sg("sg-0web")),
        ]
    );
    let arns: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"]["arn"].as_str().unwrap())
        .collect();
    let replaced = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/subnet-0pub");
    assert!(!arns.contains(&replaced.as_str()), "the replaced subnet is gone");
    assert!(
        !arns.contains(&iam("role/lambda-deployer").as_str()),
        "the deleted role is gone"
    );
    assert_eq!(
        report["scan"]["unmapped_resource_types"],
        serde_json::json!(["random_id"])
    );
}

#[test]
fn resource_policies_a_plan_adds_are_judged_by_the_data_rules() {
    let (code, report) = scan(&[
        "--snapshot",
        BASE,
        "--plan",
        "fixtures/plan/resource-policies.tfplan.json",
        "--fail-on",
        "high",
        "--fail-on-new",
    ]);
    assert_eq!(code, 3);
    let failing = new_failing(&report);
    let site = "arn:aws:s3:::acme-ci-site";
    assert!(
        failing.contains(&("DATA-001".to_string(), site.to_string())),
        "{failing:?}"
    );
    let queue = format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:orders");
    assert!(failing.contains(&("DATA-002".to_string(), queue)), "{failing:?}");
    assert_eq!(
        finding(&report, "DATA-001", site)["evidence"]["planned"]["address"],
        "aws_s3_bucket.site"
    );
}

#[test]
fn a_plan_alone_is_judged_on_its_own_and_says_so() {
    let (_, report) = scan(&["--no-base", "--plan", "fixtures/plan/escalation.tfplan.json"]);
    assert_eq!(
        report["scan"]["sources"],
        serde_json::json!(["base:none", "plan:fixtures/plan/escalation.tfplan.json"])
    );
    assert_eq!(report["scan"]["accounts"], serde_json::json!([ACCOUNT]));
    // Nothing deployed: no role to pass, so no escalation.
    assert_eq!(finding(&report, "IAM-002", &iam("user/ci-deployer"))["status"], "pass");
}

#[test]
fn a_cloudformation_stack_is_judged_on_the_base() {
    let (code, report) = scan(&[
        "--snapshot",
        BASE,
        "--cloudformation",
        "fixtures/cloudformation/stack.yaml",
        "--cfn-region",
        "eu-west-1",
        "--fail-on",
        "critical",
        "--fail-on-new",
    ]);
    assert_eq!(code, 3);
    let role = finding(&report, "IAM-001", &iam("role/ci-stack-deployer"));
    assert_eq!(
        role["status"], "fail",
        "RoleName !Sub and ManagedPolicyArns !Ref resolved"
    );
    assert_eq!(role["evidence"]["planned"]["line"], 16);
    assert_eq!(finding(&report, "NET-001", "cloudformation:WebSg")["status"], "fail");
    let admin = finding(&report, "NET-001", "cloudformation:AdminSg");
    assert_eq!(
        admin["status"], "not_evaluated",
        "CidrIp is a parameter without a default"
    );
    assert_eq!(admin["evidence"]["planned"]["address"], "AdminSg");
    assert_eq!(report["scan"]["unmapped_resource_types"], serde_json::json!([]));
    // BucketName !Join [-, [acme, !Ref Env, logs]]: a new bucket, Block Public Access on.
    assert_eq!(
        finding(&report, "DATA-001", "arn:aws:s3:::acme-ci-logs")["status"],
        "pass"
    );
    // ProdDetector's condition is false for Env=ci: GuardDuty is as deployed.
    let detector = finding(&report, "DET-001", &format!("AWS::::Account:{ACCOUNT}"));
    assert_eq!(detector["baseline"], "unchanged");
}

#[test]
fn a_json_template_escalates_against_the_base_it_is_deployed_on() {
    let template = [
        "--cloudformation",
        "fixtures/cloudformation/escalation.json",
        "--cfn-region",
        "eu-west-1",
    ];
    let user = iam("user/cfn-ci-deployer");
    let (_, report) = scan(&[&["--snapshot", BASE][..], &template].concat());
    assert_eq!(finding(&report, "IAM-002", &user)["status"], "fail");
    let (_, report) = scan(&[&["--snapshot", BASE_NO_ADMIN][..], &template].concat());
    assert_eq!(finding(&report, "IAM-002", &user)["status"], "pass");
}

#[test]
fn the_table_shows_what_the_change_introduces_and_fixes() {
    let output = posture()
        .args(["scan", "--snapshot", BASE, "--plan", "fixtures/plan/full.tfplan.json"])
        .output()
        .unwrap();
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(
        table.contains("What the change does, against the deployed base"),
        "{table}"
    );
    assert!(table.contains("New failing (4)"), "{table}");
    assert!(table.contains("Resolved (2)"), "{table}");
    assert!(table.contains("Not judged (resource types posture does not map): random_id"));
}

/// One line on stderr, exit 2, naming what is given.
fn input_error(args: &[&str], expected: &[&str]) {
    let output = posture().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for text in expected {
        assert!(stderr.contains(text), "{stderr} lacks {text}");
    }
}

#[test]
fn bad_plans_and_templates_are_one_line_errors_naming_the_place() {
    let dir = temp_dir();
    let truncated = write(
        dir.path(),
        "truncated.json",
        "{\"format_version\": \"1.2\", \"resource_changes\": [",
    );
    let truncated = truncated.to_str().unwrap();
    input_error(
        &["scan", "--snapshot", BASE, "--plan", truncated],
        &["truncated.json", "line 1"],
    );
    let bad_actions = write(
        dir.path(),
        "actions.json",
        r#"{"format_version": "1.2", "resource_changes": [{"address": "aws_vpc.a", "type": "aws_vpc", "name": "a", "change": {"actions": ["explode"]}}]}"#,
    );
    input_error(
        &["scan", "--snapshot", BASE, "--plan", bad_actions.to_str().unwrap()],
        &["actions.json", "$.resource_changes[0].change.actions"],
    );
    let state = write(dir.path(), "state.json", r#"{"version": 4, "resources": []}"#);
    input_error(
        &["scan", "--snapshot", BASE, "--plan", state.to_str().unwrap()],
        &["$.format_version"],
    );
    let yaml = write(dir.path(), "bad.yaml", "Resources:\n  A:\n    Type: [unclosed\n");
    input_error(
        &["scan", "--snapshot", BASE, "--cloudformation", yaml.to_str().unwrap()],
        &["bad.yaml", "line"],
    );
    let no_resources = write(dir.path(), "empty.yaml", "Description: nothing\n");
    input_error(
        &[
            "scan",
            "--snapshot",
            BASE,
            "--cloudformation",
            no_resources.to_str().unwrap(),
        ],
        &["empty.yaml", "$.Resources"],
    );
    let other = write(
        dir.path(),
        "other.json",
        r#"{"schema_version": "1", "accounts": [{"account_id": "444455556666"}]}"#,
    );
    input_error(
        &[
            "scan",
            "--snapshot",
            other.to_str().unwrap(),
            "--plan",
            "fixtures/plan/escalation.tfplan.json",
        ],
        &["account 111122223333", "does not hold"],
    );
    input_error(
        &[
            "scan",
            "--snapshot",
            BASE,
            "--plan",
            "fixtures/plan/benign.tfplan.json",
            "--baseline",
            "x.json",
        ],
        &["--baseline"],
    );
    input_error(&["scan", "--snapshot", BASE, "--fail-on-new"], &["--fail-on-new needs"]);
    input_error(&["scan", "--snapshot", BASE, "--cfn-account", "12"], &["12-digit"]);
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn cloudformation_fixtures_pass_cfn_lint() {
    let python = std::env::var("POSTURE_TEST_PYTHON").expect("POSTURE_TEST_PYTHON (scripts/setup-test-env.sh)");
    let templates = [
        "fixtures/cloudformation/stack.yaml",
        "fixtures/cloudformation/escalation.json",
    ];
    let output = std::process::Command::new(&python)
        .current_dir(root())
        .args(["-c", "import sys; from cfnlint.runner import main; sys.exit(main())"])
        .args(["--regions", "eu-west-1", "--"])
        .args(templates)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {python}: {error}"));
    assert!(
        output.status.success(),
        "cfn-lint: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn sarif_points_at_the_template_line_and_validates() {
    let python = std::env::var("POSTURE_TEST_PYTHON").expect("POSTURE_TEST_PYTHON (scripts/setup-test-env.sh)");
    let dir = temp_dir();
    let sarif = dir.path().join("posture.sarif");
    let output = posture()
        .args([
            "scan",
            "--snapshot",
            BASE,
            "--cloudformation",
            "fixtures/cloudformation/stack.yaml",
        ])
        .args([
            "--cfn-region",
            "eu-west-1",
            "--plan",
            "fixtures/plan/full.tfplan.json",
            "-q",
        ])
        .args([
            "--fail-on",
            "high",
            "--fail-on-new",
            "-f",
            &format!("sarif={}", sarif.display()),
            "-f",
            "table",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let validated = std::process::Command::new(&python)
        .arg(root().join("tests/validators/validate_outputs.py"))
        .arg("sarif")
        .arg(&sarif)
        .output()
        .unwrap();
    assert!(
        validated.status.success(),
        "{}",
        String::from_utf8_lossy(&validated.stdout)
    );
    let log = read_json(sarif);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let web = results
        .iter()
        .find(|r| r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "cloudformation:WebSg")
        .expect("a result on WebSg");
    let physical = &web["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "fixtures/cloudformation/stack.yaml"
    );
    assert_eq!(physical["region"]["startLine"], 39);
    assert_eq!(web["baselineState"], "new");
    let planned = results
        .iter()
        .filter(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/plan/full.tfplan.json"
        })
        .count();
    assert!(planned > 0, "Terraform results point at the plan file");
}

/// A planned state is not what is deployed: an explicit history store with a plan is refused.
#[test]
fn a_plan_is_never_recorded_in_the_history_store() {
    let dir = temp_dir();
    let store = dir.path().join("posture.db");
    let output = posture()
        .args([
            "scan",
            "--snapshot",
            "fixtures/plan/base.json",
            "--plan",
            "fixtures/plan/benign.tfplan.json",
            "--history",
        ])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not recorded"), "{stderr}");
    assert!(!store.exists(), "nothing was created");
}
