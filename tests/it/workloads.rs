//! Escalation by taking over an existing workload scoped to some of them (issue 14): with the
//! functions and instances in the snapshot, `lambda:UpdateFunctionCode` on one function or
//! `ssm:SendCommand` on some instances reaches exactly the roles they run as; where the
//! workloads or their roles are not in the snapshot, IAM-002 is `not_evaluated`, never `pass`.

use crate::harness::{json_of, temp_dir, write};
use serde_json::{json, Value};

const ACCOUNT: &str = "444455556666";
const REGION: &str = "eu-west-1";

fn arn(resource: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{resource}")
}

fn function(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

fn instance(id: &str) -> String {
    format!("arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{id}")
}

fn document(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn user(name: &str, statements: Value) -> Value {
    json!({
        "arn": arn(&format!("user/{name}")),
        "name": name,
        "inline_policies": [{"name": "grants", "document": document(statements)}],
    })
}

/// A role trusting `service` that may do `allowed` on `*`.
fn role(name: &str, service: &str, allowed: &str) -> Value {
    json!({
        "arn": arn(&format!("role/{name}")),
        "name": name,
        "assume_role_policy": {"document": document(json!([
            {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": [service]}}
        ]))},
        "inline_policies": [{"name": "run", "document": document(json!([
            {"Effect": "Allow", "Action": [allowed], "Resource": ["*"]}
        ]))}],
        "instance_profiles": [arn(&format!("instance-profile/{name}"))],
    })
}

fn allow(actions: &[&str], resources: &[String]) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resources})
}

fn users() -> Vec<Value> {
    let ssm_document = format!("arn:aws:ssm:{REGION}::document/AWS-RunShellScript");
    vec![
        user(
            "deployer",
            json!([allow(&["lambda:UpdateFunctionCode"], &[function("admin-fn")])]),
        ),
        user(
            "deployer-plain",
            json!([allow(&["lambda:UpdateFunctionCode"], &[function("plain-fn")])]),
        ),
        user(
            "deployer-secrets",
            json!([allow(&["lambda:UpdateFunctionCode"], &[function("secrets-fn")])]),
        ),
        user(
            "deployer-missing",
            json!([allow(&["lambda:UpdateFunctionCode"], &[function("gone-fn")])]),
        ),
        user(
            "operator",
            json!([allow(
                &["ssm:SendCommand"],
                &[ssm_document.clone(), format!("arn:aws:ec2:*:{ACCOUNT}:instance/*")]
            )]),
        ),
        user(
            "operator-plain",
            json!([allow(&["ssm:SendCommand"], &[ssm_document, instance("i-plain")])]),
        ),
        user(
            "operator-elsewhere",
            json!([allow(
                &["ssm:SendCommand"],
                &[format!("arn:aws:ec2:ap-south-2:{ACCOUNT}:instance/*")]
            )]),
        ),
        user(
            "stack-updater",
            json!([allow(
                &["cloudformation:UpdateStack"],
                &[format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/app/*")]
            )]),
        ),
    ]
}

/// The account; `with_workloads` adds the region with its functions and instances.
fn snapshot(with_workloads: bool) -> Value {
    let roles = vec![
        role("fn-admin", "lambda.amazonaws.com", "*"),
        role("fn-plain", "lambda.amazonaws.com", "logs:PutLogEvents"),
        role("fn-secrets", "lambda.amazonaws.com", "secretsmanager:GetSecretValue"),
        role("ec2-admin", "ec2.amazonaws.com", "*"),
        role("ec2-plain", "ec2.amazonaws.com", "logs:PutLogEvents"),
    ];
    let region = json!({
        "region": REGION,
        "lambda": {"resources": [
            {"arn": function("admin-fn"), "role": arn("role/fn-admin")},
            {"arn": function("plain-fn"), "role": arn("role/fn-plain")},
            {"arn": function("secrets-fn"), "role": arn("role/fn-secrets")},
        ]},
        "network": {"instances": [
            {"id": "i-admin", "instance_profile_arn": arn("instance-profile/ec2-admin"), "state": "stopped"},
            {"id": "i-plain", "instance_profile_arn": arn("instance-profile/ec2-plain"), "state": "running"},
            {"id": "i-old", "instance_profile_arn": arn("instance-profile/ec2-admin"), "state": "terminated"},
        ]},
    });
    json!({
        "schema_version": "1",
        "generated_at": "2026-11-21T02:00:00Z",
        "source": "fixture",
        "accounts": [{
            "account_id": ACCOUNT,
            "iam": {"users": users(), "groups": [], "policies": [], "roles": roles},
            "regions": if with_workloads { vec![region] } else { Vec::new() },
        }],
    })
}

/// IAM-002's finding on each user, by name.
fn escalation(snapshot: &Value) -> std::collections::BTreeMap<String, Value> {
    findings_of("IAM-002", snapshot)
}

/// `rule`'s finding on each user, by name.
fn findings_of(rule: &str, snapshot: &Value) -> std::collections::BTreeMap<String, Value> {
    let dir = temp_dir();
    let path = write(dir.path(), "snapshot.json", &snapshot.to_string());
    let report = json_of(&["scan", "--snapshot", path.to_str().unwrap(), "-f", "json"]);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .filter_map(|f| {
            let name = f["resource"]["arn"].as_str()?.strip_prefix(&arn("user/"))?.to_string();
            Some((name, f.clone()))
        })
        .collect()
}

#[test]
fn a_method_scoped_to_a_privileged_workload_escalates_through_its_role() {
    let found = escalation(&snapshot(true));
    let deployer = &found["deployer"];
    assert_eq!(deployer["status"], "fail", "{deployer:#}");
    let step = &deployer["evidence"]["path"]["steps"][0];
    assert_eq!(step["kind"], "workload");
    assert_eq!(step["via"], "UpdateFunctionCode");
    assert_eq!(step["workload"], function("admin-fn"));
    assert_eq!(step["to"], arn("role/fn-admin"));
    assert!(
        deployer["message"]
            .as_str()
            .unwrap()
            .contains("-[UpdateFunctionCode on admin-fn]-> role/fn-admin"),
        "{deployer:#}"
    );
    // Every instance of the account, by a region wildcard: the stopped one runs as an admin.
    let operator = &found["operator"];
    assert_eq!(operator["status"], "fail", "{operator:#}");
    let step = &operator["evidence"]["path"]["steps"][0];
    assert_eq!(
        (&step["workload"], &step["to"]),
        (&json!(instance("i-admin")), &json!(arn("role/ec2-admin")))
    );
}

#[test]
fn a_method_scoped_to_workloads_that_run_as_no_privileged_role_passes() {
    let found = escalation(&snapshot(true));
    for name in ["deployer-plain", "deployer-missing", "operator-plain"] {
        assert_eq!(found[name]["status"], "pass", "{name}: {:#}", found[name]);
    }
}

#[test]
fn workloads_the_snapshot_does_not_show_leave_the_verdict_unknown() {
    let found = escalation(&snapshot(true));
    // A region that was not scanned, and a stack whose service role posture does not read.
    let elsewhere = &found["operator-elsewhere"];
    assert_eq!(elsewhere["status"], "not_evaluated", "{elsewhere:#}");
    assert!(
        elsewhere["message"].as_str().unwrap().contains("ap-south-2"),
        "{elsewhere:#}"
    );
    let stack = &found["stack-updater"];
    assert_eq!(stack["status"], "not_evaluated", "{stack:#}");
    assert!(
        stack["message"].as_str().unwrap().contains("CloudFormationUpdateStack"),
        "{stack:#}"
    );
    // IAM alone (a GAAD): no function or instance is known, so none of them is a pass.
    let iam_only = escalation(&snapshot(false));
    for name in [
        "deployer",
        "deployer-plain",
        "deployer-missing",
        "operator",
        "operator-plain",
    ] {
        let finding = &iam_only[name];
        assert_eq!(finding["status"], "not_evaluated", "{name}: {finding:#}");
        assert!(
            finding["message"].as_str().unwrap().contains("were not collected"),
            "{name}: {finding:#}"
        );
    }
}

#[test]
fn an_instance_whose_profile_has_no_known_role_is_unknown() {
    let mut changed = snapshot(true);
    let instances = &mut changed["accounts"][0]["regions"][0]["network"]["instances"];
    instances[1]["instance_profile_arn"] = json!(arn("instance-profile/not-listed"));
    let found = escalation(&changed);
    let plain = &found["operator-plain"];
    assert_eq!(plain["status"], "not_evaluated", "{plain:#}");
    assert!(
        plain["message"]
            .as_str()
            .unwrap()
            .contains("instance-profile/not-listed"),
        "{plain:#}"
    );
}

#[test]
fn a_workload_that_runs_as_a_role_short_of_admin_gives_its_capabilities() {
    let gained = findings_of("IAM-022", &snapshot(true));
    let secrets = &gained["deployer-secrets"];
    assert_eq!(secrets["status"], "fail", "{secrets:#}");
    assert!(
        secrets.to_string().contains("secretsmanager:GetSecretValue"),
        "{secrets:#}"
    );
    assert!(secrets.to_string().contains(&function("secrets-fn")), "{secrets:#}");
    assert_eq!(
        gained["deployer-plain"]["status"], "pass",
        "{:#}",
        gained["deployer-plain"]
    );
    assert_eq!(escalation(&snapshot(true))["deployer-secrets"]["status"], "pass");
}
