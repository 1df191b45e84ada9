//! The organisation around the synthetic accounts: four units under the root, the usual SCPs
//! (FullAWSAccess everywhere, guardrails on the root, no IAM changes in prod but for
//! BreakGlass), an identity-perimeter RCP on prod; in each account S3 buckets and resource
//! policies (a public bucket in one account in ten, a queue shared outside in one in eight) and
//! an `org-audit` role trusting the security account (administrator in one account in fifty,
//! which gives the security account's auditor a cross-account path).

use posture::snapshot::policy::{Effect, PolicyDocument, Statement};
use posture::snapshot::{
    AccountSnapshot, Bucket, IamRole, InlinePolicy, OrgAccount, OrgPolicy, OrgPolicyType, OrganizationSnapshot,
    OrganizationalUnit, PolicyResource, PolicyResources, PolicySource, PublicAccessBlock, RegionSnapshot, S3Section,
};
use std::collections::BTreeMap;

pub const ORGANIZATION_ID: &str = "o-synth0001";
const UNITS: [&str; 4] = ["prod", "dev", "sandbox", "security"];

fn unit_id(unit: &str) -> String {
    format!("ou-synth-{unit}")
}

fn unit_of(index: usize) -> &'static str {
    UNITS[index % UNITS.len()]
}

fn document(statements: Vec<Statement>) -> PolicySource {
    PolicySource::decoded(PolicyDocument {
        version: Some("2012-10-17".into()),
        statements,
    })
}

fn statement(effect: Effect, actions: &[&str]) -> Statement {
    Statement {
        sid: None,
        effect,
        action: Some(actions.iter().map(|a| a.to_string()).collect()),
        not_action: None,
        resource: Some(vec!["*".into()]),
        not_resource: None,
        principal: None,
        not_principal: None,
        condition: None,
    }
}

fn condition(operator: &str, key: &str, values: &[&str]) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    BTreeMap::from([(
        operator.to_string(),
        BTreeMap::from([(key.to_string(), values.iter().map(|v| v.to_string()).collect())]),
    )])
}

fn everyone() -> Option<BTreeMap<String, Vec<String>>> {
    Some(BTreeMap::from([("AWS".to_string(), vec!["*".to_string()])]))
}

fn policy(id: &str, kind: OrgPolicyType, source: PolicySource, targets: Vec<String>) -> OrgPolicy {
    OrgPolicy {
        id: format!("p-{id}"),
        name: id.to_string(),
        policy_type: kind,
        aws_managed: id.contains("FullAWSAccess"),
        source,
        targets: Some(targets),
    }
}

/// The organisation of `account_ids` (the first is the management account).
pub fn organization(account_ids: &[String]) -> OrganizationSnapshot {
    let root = "r-synth".to_string();
    let mut everything: Vec<String> = vec![root.clone()];
    everything.extend(UNITS.iter().map(|u| unit_id(u)));
    everything.extend(account_ids.iter().cloned());
    let scp = OrgPolicyType::ServiceControlPolicy;
    let rcp = OrgPolicyType::ResourceControlPolicy;
    let break_glass = condition("ArnNotLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/BreakGlass"]);
    let outsiders = condition("StringNotEqualsIfExists", "aws:PrincipalOrgID", &[ORGANIZATION_ID]);
    OrganizationSnapshot {
        id: ORGANIZATION_ID.into(),
        management_account_id: account_ids.first().cloned().unwrap_or_default(),
        root_id: root.clone(),
        enabled_policy_types: vec![scp, rcp],
        units: UNITS
            .iter()
            .map(|u| OrganizationalUnit {
                id: unit_id(u),
                name: Some(u.to_string()),
                parent_id: root.clone(),
            })
            .collect(),
        accounts: account_ids
            .iter()
            .enumerate()
            .map(|(index, id)| OrgAccount {
                account_id: id.clone(),
                name: None,
                parent_id: if index == 0 {
                    root.clone()
                } else {
                    unit_id(unit_of(index))
                },
            })
            .collect(),
        policies: vec![
            policy(
                "FullAWSAccess",
                scp,
                document(vec![statement(Effect::Allow, &["*"])]),
                everything.clone(),
            ),
            policy(
                "RCPFullAWSAccess",
                rcp,
                document(vec![Statement {
                    principal: everyone(),
                    ..statement(Effect::Allow, &["*"])
                }]),
                everything,
            ),
            policy(
                "root-guardrails",
                scp,
                document(vec![statement(
                    Effect::Deny,
                    &[
                        "organizations:LeaveOrganization",
                        "guardduty:DeleteDetector",
                        "cloudtrail:StopLogging",
                    ],
                )]),
                vec![root.clone()],
            ),
            policy(
                "prod-no-iam",
                scp,
                document(vec![Statement {
                    condition: Some(break_glass),
                    ..statement(Effect::Deny, &["iam:*"])
                }]),
                vec![unit_id("prod")],
            ),
            policy(
                "prod-perimeter",
                rcp,
                document(vec![Statement {
                    principal: everyone(),
                    condition: Some(outsiders),
                    ..statement(
                        Effect::Deny,
                        &["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole"],
                    )
                }]),
                vec![unit_id("prod")],
            ),
        ],
        coverage_gaps: Vec::new(),
    }
}

/// Buckets, resource policies and the org-audit role of one account.
pub fn add_to_account(rng: &mut fastrand::Rng, account: &mut AccountSnapshot, security_account: &str) {
    let id = account.account_id.clone();
    let public = rng.usize(..10) == 0;
    let shared_outside = rng.usize(..8) == 0;
    account.s3 = Some(S3Section {
        account_public_access_block: Some(PublicAccessBlock::default()),
        buckets: (0..3).map(|b| bucket(&id, b, public && b == 0)).collect(),
    });
    for (index, region) in account.regions.iter_mut().enumerate() {
        add_regional(region, &id, index == 0 && shared_outside);
    }
    if let Some(iam) = &mut account.iam {
        let admin = rng.usize(..50) == 0;
        iam.roles.push(org_audit_role(&id, security_account, admin));
    }
}

fn bucket(account: &str, index: usize, public: bool) -> Bucket {
    let name = format!("synth-{account}-{index}");
    let mut read = Statement {
        principal: everyone(),
        resource: Some(vec![format!("arn:aws:s3:::{name}/*")]),
        ..statement(Effect::Allow, &["s3:GetObject"])
    };
    if !public {
        read.condition = Some(condition("StringEquals", "aws:PrincipalOrgID", &[ORGANIZATION_ID]));
    }
    Bucket {
        name,
        region: Some("eu-west-1".into()),
        policy: Some(document(vec![read])),
        policy_collected: true,
        public_access_block: None,
    }
}

fn add_regional(region: &mut RegionSnapshot, account: &str, shared_outside: bool) {
    let name = &region.region;
    let key = PolicyResource {
        arn: format!("arn:aws:kms:{name}:{account}:key/synth-key"),
        name: None,
        policy: Some(document(vec![Statement {
            principal: Some(BTreeMap::from([(
                "AWS".to_string(),
                vec![format!("arn:aws:iam::{account}:root")],
            )])),
            ..statement(Effect::Allow, &["kms:*"])
        }])),
        policy_collected: true,
        role: None,
        key_manager: Some("CUSTOMER".into()),
    };
    let grantee = if shared_outside { "999999999999" } else { account };
    let queue = PolicyResource {
        arn: format!("arn:aws:sqs:{name}:{account}:synth-queue"),
        name: Some("synth-queue".into()),
        policy: Some(document(vec![Statement {
            principal: Some(BTreeMap::from([(
                "AWS".to_string(),
                vec![format!("arn:aws:iam::{grantee}:root")],
            )])),
            ..statement(Effect::Allow, &["sqs:SendMessage"])
        }])),
        policy_collected: true,
        role: None,
        key_manager: None,
    };
    let resources = |list: Vec<PolicyResource>| Some(PolicyResources { resources: list });
    region.kms = resources(vec![key]);
    region.sqs = resources(vec![queue]);
    region.sns = resources(Vec::new());
    region.secretsmanager = resources(Vec::new());
    region.lambda = resources(Vec::new());
    region.ecr = resources(Vec::new());
}

fn org_audit_role(account: &str, security_account: &str, admin: bool) -> IamRole {
    let trust = Statement {
        principal: Some(BTreeMap::from([(
            "AWS".to_string(),
            vec![format!("arn:aws:iam::{security_account}:root")],
        )])),
        resource: None,
        ..statement(Effect::Allow, &["sts:AssumeRole"])
    };
    IamRole {
        arn: format!("arn:aws:iam::{account}:role/org-audit"),
        name: "org-audit".into(),
        create_date: Some("2024-03-01T00:00:00Z".into()),
        assume_role_policy: document(vec![trust]),
        inline_policies: Vec::new(),
        attached_policies: vec![if admin {
            "arn:aws:iam::aws:policy/AdministratorAccess".into()
        } else {
            "arn:aws:iam::aws:policy/SecurityAudit".into()
        }],
        permissions_boundary: None,
        instance_profiles: Vec::new(),
    }
}

/// The security account's auditor, who may assume every account's org-audit role.
pub fn auditor(account: &str) -> posture::snapshot::IamUser {
    posture::snapshot::IamUser {
        arn: format!("arn:aws:iam::{account}:user/org-auditor"),
        name: "org-auditor".into(),
        create_date: Some("2024-03-01T00:00:00Z".into()),
        inline_policies: vec![InlinePolicy {
            name: "assume-org-audit".into(),
            source: document(vec![Statement {
                resource: Some(vec!["arn:aws:iam::*:role/org-audit".into()]),
                ..statement(Effect::Allow, &["sts:AssumeRole"])
            }]),
        }],
        attached_policies: Vec::new(),
        groups: Vec::new(),
        permissions_boundary: None,
    }
}
