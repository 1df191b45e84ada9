//! The organisation's access model on `fixtures/organization/snapshot.json`: a management
//! account, prod (an SCP denying IAM changes outside BreakGlass, an RCP closing the data
//! services to outsiders), dev and a sandbox below dev. Each verdict below depends on the SCPs,
//! RCPs, resource policies or Block Public Access, and would differ without them.

use crate::harness::{json_of, temp_dir, write};
use serde_json::Value;
use std::collections::BTreeMap;

const FIXTURE: &str = "fixtures/organization/snapshot.json";

fn statuses(report: &Value) -> BTreeMap<(String, String), String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key = (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["arn"].as_str().unwrap().to_string(),
            );
            (key, f["status"].as_str().unwrap().to_string())
        })
        .collect()
}

/// The statuses of a scan of the fixture after `change`.
fn statuses_of_variant(change: impl FnOnce(&mut Value)) -> BTreeMap<(String, String), String> {
    let mut snapshot: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    change(&mut snapshot);
    let dir = temp_dir();
    let path = write(dir.path(), "variant.json", &snapshot.to_string());
    statuses(&json_of(&["scan", "--snapshot", path.to_str().unwrap(), "-f", "json"]))
}

fn status<'a>(statuses: &'a BTreeMap<(String, String), String>, rule: &str, arn: &str) -> &'a str {
    statuses
        .get(&(rule.to_string(), arn.to_string()))
        .unwrap_or_else(|| panic!("no {rule} result on {arn}"))
}

#[test]
fn scps_remove_escalation_but_not_administrators_and_spare_the_management_account() {
    let all = statuses(&json_of(&["scan", "--snapshot", FIXTURE, "-f", "json"]));
    // prod's SCP denies iam:* to everyone but BreakGlass: CreatePolicyVersion is no method there.
    assert_eq!(
        status(&all, "IAM-002", "arn:aws:iam::222222222222:user/prod-deployer"),
        "pass"
    );
    assert_eq!(
        status(&all, "IAM-002", "arn:aws:iam::222222222222:role/BreakGlass"),
        "fail"
    );
    assert_eq!(
        status(&all, "IAM-002", "arn:aws:iam::333333333333:user/dev-deployer"),
        "fail"
    );
    // SCPs do not apply to the management account.
    assert_eq!(
        status(&all, "IAM-002", "arn:aws:iam::111111111111:user/mgmt-deployer"),
        "fail"
    );
    // Region locks and guardrails leave an AdministratorAccess holder an administrator.
    assert_eq!(
        status(&all, "IAM-001", "arn:aws:iam::222222222222:user/prod-admin"),
        "fail"
    );
    assert_eq!(
        status(&all, "IAM-001", "arn:aws:iam::333333333333:user/dev-admin"),
        "fail"
    );
}

#[test]
fn resource_policies_are_judged_after_block_public_access_and_rcps() {
    let all = statuses(&json_of(&["scan", "--snapshot", FIXTURE, "-f", "json"]));
    assert_eq!(status(&all, "DATA-001", "arn:aws:s3:::dev-public-site"), "fail");
    // The same policy in prod is closed by the RCP, in dev-blocked by RestrictPublicBuckets.
    assert_eq!(status(&all, "DATA-001", "arn:aws:s3:::prod-public-by-mistake"), "pass");
    assert_eq!(status(&all, "DATA-001", "arn:aws:s3:::dev-blocked"), "pass");
    assert_eq!(status(&all, "DATA-001", "arn:aws:s3:::dev-org-shared"), "pass");
    assert_eq!(status(&all, "DATA-001", "arn:aws:s3:::dev-unreadable"), "not_evaluated");
    assert_eq!(
        status(&all, "DATA-001", "arn:aws:sns:eu-west-1:444444444444:alerts"),
        "not_evaluated"
    );
    let kms = "arn:aws:kms:eu-west-1:444444444444:key/other-org-key";
    assert_eq!(status(&all, "DATA-002", kms), "fail");
    assert_eq!(
        status(&all, "DATA-002", "arn:aws:sqs:eu-west-1:222222222222:partner-feed"),
        "pass"
    );
    let secret = "arn:aws:secretsmanager:eu-west-1:333333333333:secret:org-token-AbC";
    assert_eq!(status(&all, "DATA-002", secret), "pass");
    assert_eq!(status(&all, "DATA-003", "AWS::::Account:222222222222"), "pass");
}

#[test]
fn without_the_organisation_the_verdicts_are_upper_bounds_or_unknown() {
    let all = statuses_of_variant(|snapshot| {
        snapshot.as_object_mut().unwrap().remove("organization");
    });
    // Without SCPs and RCPs: what they removed is back, nothing passes that failed with them.
    assert_eq!(
        status(&all, "IAM-002", "arn:aws:iam::222222222222:user/prod-deployer"),
        "fail"
    );
    assert_eq!(status(&all, "DATA-001", "arn:aws:s3:::prod-public-by-mistake"), "fail");
    assert_eq!(
        status(&all, "DATA-002", "arn:aws:sqs:eu-west-1:222222222222:partner-feed"),
        "fail"
    );
    assert_eq!(status(&all, "DATA-003", "AWS::::Account:222222222222"), "not_evaluated");
    assert_eq!(status(&all, "IAM-020", "AWS::::Account:333333333333"), "not_evaluated");
}

#[test]
fn an_unreadable_scp_makes_administrators_and_escalation_unknown() {
    let all = statuses_of_variant(|snapshot| {
        for policy in snapshot["organization"]["policies"].as_array_mut().unwrap() {
            if policy["id"] == "p-noiam" {
                let object = policy.as_object_mut().unwrap();
                object.remove("document");
                object.insert("decode_error".into(), "policy document is not valid JSON".into());
            }
        }
    });
    for principal in ["user/prod-deployer", "user/prod-admin", "role/BreakGlass"] {
        let arn = format!("arn:aws:iam::222222222222:{principal}");
        assert_eq!(status(&all, "IAM-002", &arn), "not_evaluated", "{arn}");
    }
    assert_eq!(status(&all, "IAM-020", "AWS::::Account:222222222222"), "not_evaluated");
    // "*" on "*" holds whatever the SCPs allow; anything less is unknown under unknown SCPs.
    assert_eq!(
        status(&all, "IAM-001", "arn:aws:iam::222222222222:user/prod-admin"),
        "fail"
    );
    assert_eq!(
        status(&all, "IAM-001", "arn:aws:iam::222222222222:user/prod-deployer"),
        "not_evaluated"
    );
    // dev is not below the broken policy: its verdicts stand.
    assert_eq!(
        status(&all, "IAM-002", "arn:aws:iam::333333333333:user/dev-deployer"),
        "fail"
    );
}

#[test]
fn escalation_paths_cross_accounts_with_every_hop_as_evidence() {
    let report = json_of(&["scan", "--snapshot", FIXTURE, "-f", "json"]);
    let finding = |arn: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "IAM-002" && f["resource"]["arn"] == arn)
            .cloned()
            .unwrap_or_else(|| panic!("no IAM-002 result on {arn}"))
    };
    // dev-ops (dev) assumes hop (sandbox), which assumes prod-admin-role (prod, administrator).
    let dev_ops = finding("arn:aws:iam::333333333333:user/dev-ops");
    assert_eq!(dev_ops["status"], "fail", "{dev_ops}");
    let path: Vec<&str> = dev_ops["evidence"]["path"]["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        path,
        [
            "arn:aws:iam::333333333333:user/dev-ops",
            "arn:aws:iam::444444444444:role/hop",
            "arn:aws:iam::222222222222:role/prod-admin-role"
        ]
    );
    assert_eq!(dev_ops["evidence"]["path"]["steps"][0]["kind"], "assume_cross_account");
    assert_eq!(finding("arn:aws:iam::444444444444:role/hop")["status"], "fail");
    // A grant on a role that does not exist, or does not trust it, is no path.
    assert_eq!(finding("arn:aws:iam::333333333333:user/dev-reader")["status"], "pass");
    // Scanned alone, dev sees no path: the other accounts are not in the scan.
    let alone = statuses_of_variant(|snapshot| {
        let accounts = snapshot["accounts"].as_array_mut().unwrap();
        accounts.retain(|a| a["account_id"] == "333333333333");
    });
    assert_eq!(
        status(&alone, "IAM-002", "arn:aws:iam::333333333333:user/dev-ops"),
        "pass"
    );
}

#[test]
fn a_public_function_running_as_an_administrator_is_a_toxic_combination() {
    let all = statuses(&json_of(&["scan", "--snapshot", FIXTURE, "-f", "json"]));
    let function = "arn:aws:lambda:eu-west-1:333333333333:function:public-hook";
    assert_eq!(status(&all, "DATA-001", function), "fail");
    assert_eq!(status(&all, "XC-004", function), "fail");
}
