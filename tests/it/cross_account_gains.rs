//! IAM-022 across the accounts of one scan (issue 14): a principal that may assume a role of
//! another account (directly, or from a role of its own it reaches) obtains what that role holds
//! on `*` and it does not; a role that does not trust it, or that gives nothing new, is no gain;
//! a role whose policies cannot be read leaves the verdict unknown.

use crate::harness::{json_of, temp_dir, write};
use serde_json::{json, Value};

const HOME: &str = "111111111111";
const ABROAD: &str = "222222222222";

fn arn(account: &str, resource: &str) -> String {
    format!("arn:aws:iam::{account}:{resource}")
}

fn document(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": [action], "Resource": [resource]})
}

fn user(name: &str, statements: Value) -> Value {
    json!({
        "arn": arn(HOME, &format!("user/{name}")),
        "name": name,
        "inline_policies": [{"name": "grants", "document": document(statements)}],
    })
}

/// A role of `account` trusting `trusted` (an account id or ARN) with the given inline policy.
fn role(account: &str, name: &str, trusted: &str, policy: Value) -> Value {
    json!({
        "arn": arn(account, &format!("role/{name}")),
        "name": name,
        "assume_role_policy": {"document": document(json!([
            {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"AWS": [trusted]}}
        ]))},
        "inline_policies": [policy],
    })
}

fn read_secrets() -> Value {
    json!({"name": "run", "document": document(json!([allow("secretsmanager:GetSecretValue", "*")]))})
}

fn snapshot() -> Value {
    let assume = |target: &str| allow("sts:AssumeRole", target);
    let reader = arn(ABROAD, "role/reader");
    let home_users = vec![
        user("hopper", json!([assume(&reader)])),
        user("knocker", json!([assume(&arn(ABROAD, "role/closed"))])),
        user(
            "holder",
            json!([assume(&reader), allow("secretsmanager:GetSecretValue", "*")]),
        ),
        user("unread", json!([assume(&arn(ABROAD, "role/unread"))])),
        user("chain", json!([assume(&arn(HOME, "role/jump"))])),
    ];
    let jump = role(
        HOME,
        "jump",
        &arn(HOME, "user/chain"),
        json!({"name": "hop", "document": document(json!([assume(&reader)]))}),
    );
    let abroad_roles = vec![
        role(ABROAD, "reader", HOME, read_secrets()),
        role(ABROAD, "closed", "333333333333", read_secrets()),
        role(
            ABROAD,
            "unread",
            HOME,
            json!({"name": "broken", "decode_error": "not JSON"}),
        ),
    ];
    let account = |id: &str, users: Vec<Value>, roles: Vec<Value>| json!({"account_id": id, "iam": {"users": users, "groups": [], "policies": [], "roles": roles}, "regions": []});
    json!({
        "schema_version": "1",
        "generated_at": "2026-12-01T02:00:00Z",
        "source": "fixture",
        "accounts": [account(HOME, home_users, vec![jump]), account(ABROAD, Vec::new(), abroad_roles)],
    })
}

/// IAM-022's finding on each user of the home account, by name.
fn gains() -> std::collections::BTreeMap<String, Value> {
    let dir = temp_dir();
    let path = write(dir.path(), "snapshot.json", &snapshot().to_string());
    let report = json_of(&["scan", "--snapshot", path.to_str().unwrap(), "-f", "json"]);
    let users = arn(HOME, "user/");
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "IAM-022")
        .filter_map(|f| {
            Some((
                f["resource"]["arn"].as_str()?.strip_prefix(&users)?.to_string(),
                f.clone(),
            ))
        })
        .collect()
}

#[test]
fn a_role_of_another_account_gives_what_it_holds_directly_or_through_an_own_role() {
    let found = gains();
    for (name, hops) in [("hopper", 1), ("chain", 2)] {
        let finding = &found[name];
        assert_eq!(finding["status"], "fail", "{name}: {finding:#}");
        let gain = &finding["evidence"]["gains"][0];
        assert_eq!(gain["role"], arn(ABROAD, "role/reader"), "{name}");
        let steps = gain["steps"].as_array().unwrap();
        assert_eq!(steps.len(), hops, "{name}: {gain:#}");
        assert_eq!(steps[hops - 1]["kind"], "assume_cross_account", "{name}");
        assert!(
            gain.to_string().contains("secretsmanager:GetSecretValue"),
            "{name}: {gain:#}"
        );
    }
}

#[test]
fn a_role_that_does_not_trust_it_or_gives_nothing_new_is_no_gain_and_an_unread_one_is_unknown() {
    let found = gains();
    for name in ["knocker", "holder"] {
        assert_eq!(found[name]["status"], "pass", "{name}: {:#}", found[name]);
    }
    let unread = &found["unread"];
    assert_eq!(unread["status"], "not_evaluated", "{unread:#}");
    assert!(
        unread["message"].as_str().unwrap().contains("role/unread"),
        "{unread:#}"
    );
}
