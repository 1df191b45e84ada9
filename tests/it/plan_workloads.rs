//! Pre-deploy gates on workloads that run as a role: a planned CodeBuild project joins its
//! region's `workloads` list with its service role, so a grant scoped to projects escalates
//! through it in the planned scan; a planned stack, whose ARN is known only at deploy, makes its
//! list unknown, so a grant scoped to stacks is `not_evaluated` there, never `pass`.

use crate::harness::*;
use serde_json::{json, Value};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";

fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}")
}

fn iam(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{name}")
}

fn policy(actions: &[&str], resource: &str) -> Value {
    json!({"document": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": [resource]}]}})
}

/// An inline policy as the snapshot holds it: its name beside its document.
fn inline(name: &str, actions: &[&str], resource: &str) -> Value {
    let mut entry = policy(actions, resource);
    entry["name"] = json!(name);
    entry
}

fn user(name: &str, actions: &[&str], resource: &str) -> Value {
    json!({"arn": iam(&format!("user/{name}")), "name": name,
        "inline_policies": [inline("inline", actions, resource)]})
}

/// fixtures/plan/base.json with an administrator role CodeBuild and CloudFormation may use, no
/// project and no stack (both lists collected), and users scoped to projects and to stacks.
fn base() -> Value {
    let mut base: Value = read_json(root().join("fixtures/plan/base.json"));
    let account = &mut base["accounts"][0];
    let trust = json!({"document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["sts:AssumeRole"],
        "Principal": {"Service": ["codebuild.amazonaws.com", "cloudformation.amazonaws.com"]}}]}});
    account["iam"]["roles"].as_array_mut().unwrap().push(json!({
        "arn": iam("role/admin-build"), "name": "admin-build", "assume_role_policy": trust,
        "inline_policies": [inline("all", &["*"], "*")]}));
    let users = account["iam"]["users"].as_array_mut().unwrap();
    users.push(user(
        "ci-builder",
        &["codebuild:StartBuild"],
        &arn("codebuild", "project/*"),
    ));
    users.push(user(
        "stack-operator",
        &["cloudformation:UpdateStack"],
        &arn("cloudformation", "stack/*"),
    ));
    account["regions"][0]["workloads"] = json!({"codebuild_projects": [], "cloudformation_stacks": []});
    base
}

fn resource(address: &str, kind: &str, after: Value, unknown: Value) -> Value {
    json!({"address": address, "mode": "managed", "type": kind, "name": address.split('.').nth(1),
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": null, "after": after, "after_unknown": unknown}})
}

/// A plan, in HashiCorp's JSON plan format, creating a project and a stack running as the admin role.
fn plan() -> Value {
    let role = iam("role/admin-build");
    json!({
        "format_version": "1.2", "terraform_version": "1.9.0",
        "resource_changes": [
            resource("aws_codebuild_project.release", "aws_codebuild_project",
                json!({"name": "release", "service_role": role}), json!({"arn": true, "id": true})),
            resource("aws_cloudformation_stack.app", "aws_cloudformation_stack",
                json!({"name": "app", "iam_role_arn": role}), json!({"id": true, "outputs": true})),
        ],
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {
            "region": {"constant_value": REGION},
            "allowed_account_ids": {"constant_value": [ACCOUNT]}}}}}
    })
}

fn scan(base: &Value, change: &[&str]) -> Value {
    let dir = temp_dir();
    let base_file = write(dir.path(), "base.json", &base.to_string());
    let report = dir.path().join("report.json");
    let mut args = vec![
        "scan".to_string(),
        "-q".into(),
        "--snapshot".into(),
        base_file.display().to_string(),
    ];
    args.extend(change.iter().map(|a| a.to_string()));
    args.extend(["-f".into(), format!("json={}", report.display())]);
    let output = posture().args(&args).output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    read_json(report)
}

fn escalation<'r>(report: &'r Value, name: &str) -> &'r Value {
    let principal = iam(&format!("user/{name}"));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "IAM-002" && f["resource"]["arn"] == principal)
        .unwrap_or_else(|| panic!("no IAM-002 finding on {principal}"))
}

#[test]
fn a_planned_project_is_a_path_and_a_planned_stack_leaves_stacks_unknown() {
    let dir = temp_dir();
    let plan_file = write(dir.path(), "tfplan.json", &plan().to_string());
    let report = scan(&base(), &["--plan", plan_file.to_str().unwrap()]);

    let builder = escalation(&report, "ci-builder");
    assert_eq!(builder["status"], "fail", "{builder}");
    assert_eq!(builder["baseline"], "new");
    let step = &builder["evidence"]["path"]["steps"][0];
    assert_eq!(step["via"], "CodeBuildStartBuild");
    assert_eq!(step["workload"], arn("codebuild", "project/release"));
    assert_eq!(step["to"], iam("role/admin-build"));

    let operator = escalation(&report, "stack-operator");
    assert_eq!(operator["status"], "not_evaluated", "{operator}");
    assert!(
        operator["message"]
            .as_str()
            .unwrap()
            .contains("CloudFormationUpdateStack"),
        "{operator}"
    );
    assert_eq!(report["scan"]["unmapped_resource_types"], json!([]));
}

#[test]
fn a_planned_project_running_as_an_ordinary_role_passes() {
    let mut change = plan();
    change["resource_changes"][0]["change"]["after"]["service_role"] = json!(iam("role/app-instance"));
    change["resource_changes"].as_array_mut().unwrap().truncate(1);
    let dir = temp_dir();
    let plan_file = write(dir.path(), "tfplan.json", &change.to_string());
    let report = scan(&base(), &["--plan", plan_file.to_str().unwrap()]);
    assert_eq!(escalation(&report, "ci-builder")["status"], "pass");
    assert_eq!(
        escalation(&report, "stack-operator")["status"],
        "pass",
        "no stack is planned"
    );
}

#[test]
fn a_project_in_a_template_is_a_path_too() {
    let template = json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Release": {
        "Type": "AWS::CodeBuild::Project",
        "Properties": {"Name": "release", "ServiceRole": iam("role/admin-build"),
            "Artifacts": {"Type": "NO_ARTIFACTS"},
            "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL",
                "Image": "aws/codebuild/standard:7.0"},
            "Source": {"Type": "NO_SOURCE", "BuildSpec": "version: 0.2"}}}}});
    let dir = temp_dir();
    let file = write(dir.path(), "stack.json", &template.to_string());
    let report = scan(
        &base(),
        &["--cloudformation", file.to_str().unwrap(), "--cfn-region", REGION],
    );
    let builder = escalation(&report, "ci-builder");
    assert_eq!(builder["status"], "fail", "{builder}");
    assert_eq!(builder["baseline"], "new");
}

#[test]
fn a_planned_project_does_not_make_an_uncollected_list_look_collected() {
    // The deployed projects were never read: the planned one alone cannot decide the grant.
    let mut base = base();
    base["accounts"][0]["regions"][0]["workloads"] = json!({"cloudformation_stacks": []});
    let mut change = plan();
    change["resource_changes"][0]["change"]["after"]["service_role"] = json!(iam("role/app-instance"));
    change["resource_changes"].as_array_mut().unwrap().truncate(1);
    let dir = temp_dir();
    let plan_file = write(dir.path(), "tfplan.json", &change.to_string());
    let report = scan(&base, &["--plan", plan_file.to_str().unwrap()]);
    let builder = escalation(&report, "ci-builder");
    assert_eq!(builder["status"], "not_evaluated", "{builder}");
    assert!(
        builder["message"].as_str().unwrap().contains("CodeBuild projects"),
        "{builder}"
    );
}

#[test]
fn a_planned_auto_scaling_group_leaves_launch_templates_unknown() {
    let mut base = base();
    let template = arn("ec2", "launch-template/lt-0a1b");
    base["accounts"][0]["iam"]["users"].as_array_mut().unwrap().push(user(
        "template-editor",
        &["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
        &template,
    ));
    base["accounts"][0]["regions"][0]["workloads"]["auto_scaling_groups"] = json!([]);
    let group = resource(
        "aws_autoscaling_group.web",
        "aws_autoscaling_group",
        json!({"name": "web", "launch_template": [{"id": "lt-0a1b", "version": "$Latest"}]}),
        json!({"arn": true, "id": true}),
    );
    let change = json!({"format_version": "1.2", "terraform_version": "1.9.0",
        "resource_changes": [group], "configuration": plan()["configuration"].clone()});
    let dir = temp_dir();
    let plan_file = write(dir.path(), "tfplan.json", &change.to_string());
    let deployed = scan(&base, &[]);
    assert_eq!(escalation(&deployed, "template-editor")["status"], "pass");
    let planned = scan(&base, &["--plan", plan_file.to_str().unwrap()]);
    let editor = escalation(&planned, "template-editor");
    assert_eq!(editor["status"], "not_evaluated", "{editor}");
    assert!(
        editor["message"].as_str().unwrap().contains("EC2LaunchTemplateVersion"),
        "{editor}"
    );
}
