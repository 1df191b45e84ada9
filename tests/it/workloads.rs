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

fn regional(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}")
}

fn role_workload(arn: String, role: Option<&str>, status: Option<&str>) -> Value {
    let mut workload = json!({"arn": arn});
    if let Some(role) = role {
        workload["role"] = json!(self::arn(&format!("role/{role}")));
    }
    if let Some(status) = status {
        workload["status"] = json!(status);
    }
    workload
}

fn ecs_task(id: &str, role: &str, execute_command: bool) -> Value {
    let mut task = role_workload(regional("ecs", &format!("task/prod/{id}")), Some(role), Some("RUNNING"));
    task["cluster"] = json!(regional("ecs", "cluster/prod"));
    task["execute_command"] = json!(execute_command);
    task
}

/// The snapshot with a `workloads` section (projects, stacks, tasks, notebooks, dev endpoints and
/// App Runner services) and users scoped to each of them.
fn with_role_workloads() -> Value {
    let mut changed = snapshot(true);
    let account = &mut changed["accounts"][0];
    let roles = account["iam"]["roles"].as_array_mut().unwrap();
    roles.push(role("admin", "codebuild.amazonaws.com", "*"));
    roles.push(role("plain", "codebuild.amazonaws.com", "logs:PutLogEvents"));
    account["regions"][0]["workloads"] = json!({
        "codebuild_projects": [
            role_workload(regional("codebuild", "project/release"), Some("admin"), None),
            role_workload(regional("codebuild", "project/lint"), Some("plain"), None),
        ],
        "cloudformation_stacks": [
            role_workload(regional("cloudformation", "stack/app/1"), Some("admin"), Some("UPDATE_COMPLETE")),
            role_workload(regional("cloudformation", "stack/caller/2"), None, Some("CREATE_COMPLETE")),
            role_workload(regional("cloudformation", "stack/failed/3"), Some("admin"), Some("ROLLBACK_COMPLETE")),
        ],
        "ecs_tasks": [ecs_task("exec-on", "admin", true), ecs_task("exec-off", "admin", false)],
        "sagemaker_notebooks": [
            role_workload(regional("sagemaker", "notebook-instance/research"), Some("admin"), Some("InService")),
            role_workload(regional("sagemaker", "notebook-instance/retired"), Some("admin"), Some("Deleting")),
        ],
        "glue_dev_endpoints": [
            role_workload(regional("glue", "devEndpoint/etl"), Some("admin"), Some("READY")),
            role_workload(regional("glue", "devEndpoint/broken"), Some("admin"), Some("FAILED")),
        ],
        "apprunner_services": [
            role_workload(regional("apprunner", "service/api/0a1b"), Some("admin"), Some("RUNNING")),
            role_workload(regional("apprunner", "service/web/2c3d"), Some("plain"), Some("RUNNING")),
        ],
    });
    let lifecycle = [
        "sagemaker:StopNotebookInstance",
        "sagemaker:UpdateNotebookInstance",
        "sagemaker:StartNotebookInstance",
    ];
    let grants = [
        (
            "builder",
            allow(&["codebuild:StartBuild"], &[regional("codebuild", "project/release")]),
        ),
        (
            "builder-plain",
            allow(&["codebuild:StartBuild"], &[regional("codebuild", "project/lint")]),
        ),
        (
            "stack-caller",
            allow(
                &["cloudformation:UpdateStack"],
                &[regional("cloudformation", "stack/caller/*")],
            ),
        ),
        (
            "stack-failed",
            allow(
                &["cloudformation:UpdateStack"],
                &[regional("cloudformation", "stack/failed/*")],
            ),
        ),
        (
            "exec",
            allow(
                &["ecs:ExecuteCommand"],
                &[regional("ecs", "task/prod/*"), regional("ecs", "cluster/prod")],
            ),
        ),
        (
            "exec-off",
            allow(
                &["ecs:ExecuteCommand"],
                &[regional("ecs", "task/prod/exec-off"), regional("ecs", "cluster/*")],
            ),
        ),
        (
            "exec-task-only",
            allow(&["ecs:ExecuteCommand"], &[regional("ecs", "task/prod/*")]),
        ),
        (
            "notebook",
            allow(
                &["sagemaker:CreatePresignedNotebookInstanceUrl"],
                &[regional("sagemaker", "notebook-instance/*")],
            ),
        ),
        (
            "notebook-retired",
            allow(
                &["sagemaker:CreatePresignedNotebookInstanceUrl"],
                &[regional("sagemaker", "notebook-instance/retired")],
            ),
        ),
        (
            "endpoint",
            allow(&["glue:UpdateDevEndpoint"], &[regional("glue", "devEndpoint/etl")]),
        ),
        (
            "endpoint-failed",
            allow(&["glue:UpdateDevEndpoint"], &[regional("glue", "devEndpoint/broken")]),
        ),
        (
            "runner",
            allow(&["apprunner:UpdateService"], &[regional("apprunner", "service/api/*")]),
        ),
        (
            "runner-plain",
            allow(&["apprunner:UpdateService"], &[regional("apprunner", "service/web/*")]),
        ),
    ];
    let users = account["iam"]["users"].as_array_mut().unwrap();
    users.extend(grants.into_iter().map(|(name, grant)| user(name, json!([grant]))));
    users.push(user(
        "lifecycle",
        json!([
            allow(
                &["sagemaker:CreateNotebookInstanceLifecycleConfig"],
                &[regional("sagemaker", "notebook-instance-lifecycle-config/*")]
            ),
            allow(&lifecycle, &[regional("sagemaker", "notebook-instance/research")]),
        ]),
    ));
    changed
}

#[test]
fn each_kind_of_workload_is_taken_over_through_the_role_it_runs_as() {
    let found = escalation(&with_role_workloads());
    let cases = [
        (
            "builder",
            "CodeBuildStartBuild",
            regional("codebuild", "project/release"),
        ),
        (
            "stack-updater",
            "CloudFormationUpdateStack",
            regional("cloudformation", "stack/app/1"),
        ),
        ("exec", "ECSExecuteCommand", regional("ecs", "task/prod/exec-on")),
        (
            "notebook",
            "SageMakerExistingNotebook",
            regional("sagemaker", "notebook-instance/research"),
        ),
        (
            "lifecycle",
            "SageMakerLifecycleConfig",
            regional("sagemaker", "notebook-instance/research"),
        ),
        ("endpoint", "UpdateDevEndpoint", regional("glue", "devEndpoint/etl")),
        (
            "runner",
            "AppRunnerUpdateService",
            regional("apprunner", "service/api/0a1b"),
        ),
    ];
    for (name, method, workload) in cases {
        let finding = &found[name];
        assert_eq!(finding["status"], "fail", "{name}: {finding:#}");
        let step = &finding["evidence"]["path"]["steps"][0];
        assert_eq!(step["kind"], "workload", "{name}: {finding:#}");
        assert_eq!(
            (&step["via"], &step["workload"]),
            (&json!(method), &json!(workload)),
            "{name}"
        );
        assert_eq!(step["to"], arn("role/admin"), "{name}");
    }
}

#[test]
fn workloads_without_a_privileged_role_or_out_of_reach_pass() {
    let found = escalation(&with_role_workloads());
    // A project running as a plain role; a stack acting with its caller's credentials; a stack
    // whose creation rolled back (it can only be deleted); a task without ECS Exec; a grant on
    // the task but not its cluster; a notebook being deleted.
    let names = [
        "builder-plain",
        "stack-caller",
        "stack-failed",
        "exec-off",
        "exec-task-only",
        "notebook-retired",
        "endpoint-failed",
        "runner-plain",
    ];
    assert_pass(&found, &names);
}

#[test]
fn a_workload_whose_role_was_not_read_or_whose_list_was_not_collected_is_unknown() {
    let mut changed = with_role_workloads();
    let workloads = &mut changed["accounts"][0]["regions"][0]["workloads"];
    workloads["ecs_tasks"][0]["role_collected"] = json!(false);
    workloads.as_object_mut().unwrap().remove("codebuild_projects");
    let found = escalation(&changed);
    let exec = &found["exec"];
    assert_eq!(exec["status"], "not_evaluated", "{exec:#}");
    assert!(
        exec["message"]
            .as_str()
            .unwrap()
            .contains("the call that names its role failed"),
        "{exec:#}"
    );
    assert_unknown(
        &found,
        &["builder", "builder-plain"],
        "the CodeBuild projects it may act on",
    );
}

/// Each named user's IAM-002 is `not_evaluated`, saying `why`.
fn assert_unknown(found: &std::collections::BTreeMap<String, Value>, names: &[&str], why: &str) {
    for name in names {
        let finding = &found[*name];
        assert_eq!(finding["status"], "not_evaluated", "{name}: {finding:#}");
        assert!(
            finding["message"].as_str().unwrap().contains(why),
            "{name}: {finding:#}"
        );
    }
}

/// Each named user's IAM-002 passes.
fn assert_pass(found: &std::collections::BTreeMap<String, Value>, names: &[&str]) {
    for name in names {
        assert_eq!(found[*name]["status"], "pass", "{name}: {:#}", found[*name]);
    }
}

fn launch_template(id: &str) -> String {
    regional("ec2", &format!("launch-template/{id}"))
}

fn group(name: &str, templates: Value) -> Value {
    json!({
        "arn": regional("autoscaling", &format!("autoScalingGroup:0a1b:autoScalingGroupName/{name}")),
        "launch_templates": templates,
    })
}

/// The snapshot with Auto Scaling groups on launch templates at each kind of version, and
/// users allowed to add or make default a version of one template each.
fn with_launch_template_groups() -> Value {
    let mut changed = snapshot(true);
    let account = &mut changed["accounts"][0];
    let mut retired = group("retired", json!([{"id": "lt-old"}]));
    retired["status"] = json!("Delete in progress");
    account["regions"][0]["workloads"] = json!({"auto_scaling_groups": [
        group("web", json!([{"id": "lt-web", "name": "web", "version": "$Default"}])),
        group("api", json!([{"id": "lt-api", "version": "$Latest"}])),
        group("batch", json!([{"id": "lt-batch"}])),
        group("pinned", json!([{"id": "lt-pinned", "version": "3"}])),
        retired,
    ]});
    let both = ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"];
    let create = ["ec2:CreateLaunchTemplateVersion"];
    let grants = [
        ("template-editor", &both[..], "lt-web"),
        ("template-editor-unversioned", &both[..], "lt-batch"),
        ("template-latest", &create[..], "lt-api"),
        ("template-create-only", &create[..], "lt-web"),
        ("template-pinned", &both[..], "lt-pinned"),
        ("template-retired", &both[..], "lt-old"),
        ("template-unused", &both[..], "lt-spare"),
    ];
    let users = account["iam"]["users"].as_array_mut().unwrap();
    for (name, actions, template) in grants {
        users.push(user(name, json!([allow(actions, &[launch_template(template)])])));
    }
    changed
}

#[test]
fn a_launch_template_a_group_launches_at_its_default_or_latest_version_reaches_any_ec2_profile() {
    let found = escalation(&with_launch_template_groups());
    let cases = [
        ("template-editor", "EC2LaunchTemplateVersion", "lt-web"),
        ("template-editor-unversioned", "EC2LaunchTemplateVersion", "lt-batch"),
        ("template-latest", "EC2LaunchTemplateLatestVersion", "lt-api"),
    ];
    for (name, method, template) in cases {
        let finding = &found[name];
        assert_eq!(finding["status"], "fail", "{name}: {finding:#}");
        let step = &finding["evidence"]["path"]["steps"][0];
        assert_eq!(
            (&step["kind"], &step["via"], &step["workload"], &step["to"]),
            (
                &json!("workload"),
                &json!(method),
                &json!(launch_template(template)),
                &json!(arn("role/ec2-admin"))
            ),
            "{name}: {finding:#}"
        );
    }
    // A new version is not the default one; a pinned version is not replaced; a group being
    // deleted launches nothing; a template no group uses.
    let unused = [
        "template-create-only",
        "template-pinned",
        "template-retired",
        "template-unused",
    ];
    assert_pass(&found, &unused);
}

#[test]
fn a_launch_template_version_reaches_only_roles_that_trust_ec2() {
    let mut changed = with_launch_template_groups();
    // The only administrator with an instance profile now trusts Lambda, not EC2.
    let roles = changed["accounts"][0]["iam"]["roles"].as_array_mut().unwrap();
    roles.retain(|r| r["name"] != "ec2-admin");
    let found = escalation(&changed);
    assert_eq!(
        found["template-editor"]["status"], "pass",
        "{:#}",
        found["template-editor"]
    );
}

#[test]
fn groups_not_collected_or_naming_a_template_by_name_leave_launch_templates_unknown() {
    let mut by_name = with_launch_template_groups();
    let groups = &mut by_name["accounts"][0]["regions"][0]["workloads"]["auto_scaling_groups"];
    groups
        .as_array_mut()
        .unwrap()
        .push(group("legacy", json!([{"name": "legacy", "version": "$Latest"}])));
    let mut uncollected = with_launch_template_groups();
    uncollected["accounts"][0]["regions"][0]["workloads"] = json!({});
    for changed in [by_name, uncollected] {
        let names = ["template-pinned", "template-unused", "template-create-only"];
        assert_unknown(&escalation(&changed), &names, "launch templates of Auto Scaling groups");
    }
}
