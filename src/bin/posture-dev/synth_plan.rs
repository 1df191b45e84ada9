//! A deterministic synthetic Terraform plan (`terraform show -json` shape) for the pre-deploy
//! benchmark: N resource changes cycling through roles, inline policies, attachments, security
//! groups with rules that refer to them, subnets, route tables and routes, all created, with
//! identifiers known only after apply followed through the configuration's references.

use serde_json::{json, Value};
use std::path::Path;

/// Every `KINDS` resources form one group: index `i` of each kind refers to index `i` of the others.
const KINDS: usize = 8;

fn change(kind: &str, index: usize, after: Value, unknown: Value) -> Value {
    json!({
        "address": format!("{kind}.synth[{index}]"),
        "mode": "managed",
        "type": kind,
        "name": "synth",
        "index": index,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": null, "after": after, "after_unknown": unknown,
                   "before_sensitive": false, "after_sensitive": {}},
    })
}

fn reference(target: &str, attribute: &str) -> Value {
    json!({"references": [format!("{target}.synth[count.index].{attribute}"), format!("{target}.synth[count.index]"), format!("{target}.synth"), "count.index"]})
}

fn trust(service: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}]}).to_string()
}

/// The `index`-th member of each kind, in order.
fn group(index: usize, vpc: &str) -> Vec<Value> {
    let name = format!("synth-{index}");
    let actions = if index.is_multiple_of(10) {
        json!(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])
    } else {
        json!(["s3:GetObject"])
    };
    let policy =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
            .to_string();
    let world = if index.is_multiple_of(7) {
        "0.0.0.0/0"
    } else {
        "10.0.0.0/8"
    };
    vec![
        change(
            "aws_iam_role",
            index,
            json!({"name": name, "path": "/", "assume_role_policy": trust("ec2.amazonaws.com")}),
            json!({"arn": true, "id": true, "unique_id": true, "inline_policy": true, "managed_policy_arns": true}),
        ),
        change(
            "aws_iam_role_policy",
            index,
            json!({"name": "inline", "policy": policy}),
            json!({"id": true, "role": true}),
        ),
        change(
            "aws_iam_role_policy_attachment",
            index,
            json!({"policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
            json!({"id": true, "role": true}),
        ),
        change(
            "aws_security_group",
            index,
            json!({"name": name, "vpc_id": vpc, "description": "synth"}),
            json!({"arn": true, "id": true, "ingress": true, "egress": true, "owner_id": true}),
        ),
        change(
            "aws_security_group_rule",
            index,
            json!({"type": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": [world]}),
            json!({"id": true, "security_group_id": true}),
        ),
        change(
            "aws_subnet",
            index,
            json!({"vpc_id": vpc, "cidr_block": format!("10.{}.{}.0/24", 100 + index / 250, index % 250), "availability_zone": "eu-west-1a", "map_public_ip_on_launch": index.is_multiple_of(5)}),
            json!({"arn": true, "id": true}),
        ),
        change(
            "aws_route_table",
            index,
            json!({"vpc_id": vpc}),
            json!({"arn": true, "id": true, "route": true}),
        ),
        change(
            "aws_route_table_association",
            index,
            json!({}),
            json!({"id": true, "route_table_id": true, "subnet_id": true}),
        ),
    ]
}

fn configuration() -> Value {
    let resource = |kind: &str, expressions: Value| json!({"address": format!("{kind}.synth"), "mode": "managed", "type": kind, "name": "synth", "provider_config_key": "aws", "expressions": expressions, "count_expression": {"references": ["var.n"]}});
    json!({
        "provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "eu-west-1"}}}},
        "root_module": {"resources": [
            resource("aws_iam_role", json!({"name": {"references": ["count.index"]}, "assume_role_policy": {}})),
            resource("aws_iam_role_policy", json!({"name": {}, "policy": {}, "role": reference("aws_iam_role", "name")})),
            resource("aws_iam_role_policy_attachment", json!({"policy_arn": {}, "role": reference("aws_iam_role", "name")})),
            resource("aws_security_group", json!({"name": {}, "vpc_id": {}})),
            resource("aws_security_group_rule", json!({"cidr_blocks": {}, "security_group_id": reference("aws_security_group", "id")})),
            resource("aws_subnet", json!({"vpc_id": {}, "cidr_block": {}, "map_public_ip_on_launch": {}})),
            resource("aws_route_table", json!({"vpc_id": {}})),
            resource("aws_route_table_association", json!({"route_table_id": reference("aws_route_table", "id"), "subnet_id": reference("aws_subnet", "id")})),
        ]},
    })
}

/// Writes a plan of `resources` changes (rounded up to whole groups); returns how many.
pub fn write_plan(output: &Path, resources: usize, vpc: &str) -> anyhow::Result<usize> {
    let groups = resources.div_ceil(KINDS);
    let changes: Vec<Value> = (0..groups).flat_map(|index| group(index, vpc)).collect();
    let count = changes.len();
    let plan = json!({
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": changes,
        "configuration": configuration(),
    });
    std::fs::write(output, serde_json::to_vec_pretty(&plan)?)?;
    Ok(count)
}
