use super::*;
use crate::snapshot::policy::decode_policy_value;
use crate::snapshot::{Bucket, OrgAccount, OrganizationSnapshot, S3Section};
use serde_json::json;

fn org() -> OrgModel {
    OrgModel::new(OrganizationSnapshot {
        id: "o-ours".into(),
        management_account_id: "111111111111".into(),
        root_id: "r-1".into(),
        accounts: vec![
            OrgAccount {
                account_id: "222222222222".into(),
                name: None,
                parent_id: "r-1".into(),
            },
            OrgAccount {
                account_id: "333333333333".into(),
                name: None,
                parent_id: "r-1".into(),
            },
        ],
        ..Default::default()
    })
}

fn bucket_with(policy: serde_json::Value, block: Option<PublicAccessBlock>) -> ResourceAccessFacts {
    let account = AccountSnapshot {
        account_id: "222222222222".into(),
        s3: Some(S3Section {
            account_public_access_block: None,
            buckets: vec![Bucket {
                name: "data".into(),
                region: Some("eu-west-1".into()),
                policy: Some(PolicySource::decoded(decode_policy_value(&policy).unwrap())),
                policy_collected: true,
                public_access_block: block,
            }],
        }),
        ..Default::default()
    };
    let organization = org();
    let guardrails = organization.facts_for(&account.account_id);
    let mut facts = analyse(
        &account,
        Some(&organization),
        Some(&guardrails),
        &mut ResourceIndex::default(),
    );
    facts.resources.remove(0)
}

fn allow(principal: serde_json::Value, condition: Option<serde_json::Value>) -> serde_json::Value {
    let mut statement =
        json!({"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"});
    if let Some(condition) = condition {
        statement["Condition"] = condition;
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

#[test]
fn a_star_principal_without_conditions_is_public() {
    let facts = bucket_with(allow(json!("*"), None), None);
    assert!(facts.public);
    assert_eq!(facts.public_actions, vec!["s3:GetObject"]);
}

#[test]
fn an_organization_condition_makes_it_internal() {
    let condition = json!({"StringEquals": {"aws:PrincipalOrgID": "o-ours"}});
    let facts = bucket_with(allow(json!("*"), Some(condition)), None);
    assert!(!facts.public && !facts.public_conditional);
    assert!(facts.external.is_empty());
}

#[test]
fn another_organization_or_an_outside_account_is_external() {
    let other_org = json!({"StringEquals": {"aws:PrincipalOrgID": "o-theirs"}});
    let facts = bucket_with(allow(json!("*"), Some(other_org)), None);
    assert_eq!(facts.external, vec!["organization:o-theirs"]);
    let facts = bucket_with(allow(json!({"AWS": "arn:aws:iam::999999999999:root"}), None), None);
    assert_eq!(facts.external, vec!["999999999999"]);
    let member = bucket_with(allow(json!({"AWS": "333333333333"}), None), None);
    assert!(member.external.is_empty());
}

#[test]
fn undecided_conditions_keep_it_conditional_and_network_paths_restrict() {
    let tagged = json!({"StringEquals": {"aws:PrincipalTag/team": "data"}});
    let facts = bucket_with(allow(json!("*"), Some(tagged)), None);
    assert!(!facts.public && facts.public_conditional);
    let endpoint = json!({"StringEquals": {"aws:SourceVpce": "vpce-1"}});
    let facts = bucket_with(allow(json!("*"), Some(endpoint)), None);
    assert!(!facts.public && !facts.public_conditional);
    let transport = json!({"Bool": {"aws:SecureTransport": "true"}});
    assert!(bucket_with(allow(json!("*"), Some(transport)), None).public);
}

#[test]
fn block_public_access_and_an_org_deny_remove_public_access() {
    let block = PublicAccessBlock {
        restrict_public_buckets: true,
        ..Default::default()
    };
    let facts = bucket_with(allow(json!("*"), None), Some(block));
    assert!(!facts.public);
    assert_eq!(
        facts.restricted_by,
        vec!["bucket Block Public Access (RestrictPublicBuckets)"]
    );
    let mut policy = allow(json!("*"), None);
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-ours"}}
    }));
    let fenced = bucket_with(policy, None);
    assert!(!fenced.public && fenced.external.is_empty());
}

#[test]
fn an_unreadable_or_uncollected_policy_is_unknown() {
    let account = AccountSnapshot {
        account_id: "222222222222".into(),
        s3: Some(S3Section {
            account_public_access_block: None,
            buckets: vec![Bucket {
                name: "data".into(),
                region: None,
                policy: None,
                policy_collected: false,
                public_access_block: None,
            }],
        }),
        regions: vec![crate::snapshot::RegionSnapshot {
            region: "eu-west-1".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let facts = analyse(&account, None, None, &mut ResourceIndex::default());
    assert!(facts.resources[0].policy_unknown.is_some());
    assert!(!facts.resources[0].public);
    // Six regional services were not collected in eu-west-1: one scope names them all.
    assert_eq!(facts.uncollected.len(), 1);
    assert_eq!(facts.uncollected[0].services.len(), 6);
    assert_eq!(facts.uncollected[0].key, "resources/eu-west-1");
}
