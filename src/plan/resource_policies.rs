//! Resource-based policies of the organisation-access model, planned: S3 buckets with their
//! policies and Block Public Access, KMS keys, SQS queues, SNS topics, Secrets Manager secrets,
//! Lambda functions (and the permissions that add statements to their policy) and ECR
//! repositories, mapped from Terraform and CloudFormation and applied to the snapshot sections.

use super::attrs::{Attrs, Reference};
use super::items::Item;
use super::terraform_map::Identity;
use crate::snapshot::policy::normalise_document;
use crate::snapshot::{
    AccountSnapshot, Bucket, PolicyResource, PolicyResources, PolicySource, PublicAccessBlock, RegionSnapshot,
    S3Section, Section,
};
use serde_json::{json, Value};

/// The section, ARN pattern and name attribute of each regional type (Terraform, CloudFormation).
pub fn regional(resource_type: &str) -> Option<(Section, &'static str, &'static str)> {
    Some(match resource_type {
        "aws_kms_key" | "AWS::KMS::Key" => (Section::Kms, "kms:{r}:{a}:key/{n}", ""),
        "aws_sqs_queue" => (Section::Sqs, "sqs:{r}:{a}:{n}", "name"),
        "AWS::SQS::Queue" => (Section::Sqs, "sqs:{r}:{a}:{n}", "QueueName"),
        "aws_sns_topic" => (Section::Sns, "sns:{r}:{a}:{n}", "name"),
        "AWS::SNS::Topic" => (Section::Sns, "sns:{r}:{a}:{n}", "TopicName"),
        // A secret's ARN ends in a random suffix: it is known only after apply.
        "aws_secretsmanager_secret" | "AWS::SecretsManager::Secret" => (Section::Secretsmanager, "", ""),
        "aws_lambda_function" => (Section::Lambda, "lambda:{r}:{a}:function:{n}", "function_name"),
        "AWS::Lambda::Function" => (Section::Lambda, "lambda:{r}:{a}:function:{n}", "FunctionName"),
        "aws_ecr_repository" => (Section::Ecr, "ecr:{r}:{a}:repository/{n}", "name"),
        "AWS::ECR::Repository" => (Section::Ecr, "ecr:{r}:{a}:repository/{n}", "RepositoryName"),
        _ => return None,
    })
}

/// The section and facts resource type a resource-policy type feeds (for marks on every resource
/// of that type when the one a change belongs to is unknown).
pub fn section_of(resource_type: &str) -> Option<(Section, &'static str)> {
    let lower = resource_type.to_ascii_lowercase();
    let table: [(&str, Section, &str); 7] = [
        ("s3", Section::S3, "AwsS3Bucket"),
        ("kms", Section::Kms, "AwsKmsKey"),
        ("sqs", Section::Sqs, "AwsSqsQueue"),
        ("sns", Section::Sns, "AwsSnsTopic"),
        ("secretsmanager", Section::Secretsmanager, "AwsSecretsManagerSecret"),
        ("lambda", Section::Lambda, "AwsLambdaFunction"),
        ("ecr", Section::Ecr, "AwsEcrRepository"),
    ];
    let service = match lower.strip_prefix("aws_") {
        Some(rest) => rest.split('_').next().unwrap_or(rest).to_string(),
        None => lower.split("::").nth(1)?.to_string(),
    };
    table
        .iter()
        .find(|(name, _, _)| *name == service)
        .map(|(_, section, kind)| (*section, *kind))
}

/// The ARN of a resource whose name is known (`None` for types whose ARN is never predictable).
pub fn planned_arn(resource_type: &str, account: &str, region: &str, name: &str) -> Option<String> {
    if matches!(resource_type, "aws_s3_bucket" | "AWS::S3::Bucket") {
        return Some(format!("arn:aws:s3:::{name}"));
    }
    let (_, pattern, _) = regional(resource_type)?;
    (!pattern.is_empty()).then(|| {
        format!(
            "arn:aws:{}",
            pattern
                .replace("{r}", region)
                .replace("{a}", account)
                .replace("{n}", name)
        )
    })
}

/// The attribute that names a resource of this type, for its identity.
pub fn name_attribute(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "aws_s3_bucket" => Some("bucket"),
        "AWS::S3::Bucket" => Some("BucketName"),
        other => regional(other).map(|(_, _, name)| name).filter(|n| !n.is_empty()),
    }
}

fn block(at: &Attrs<'_>, names: [&str; 4]) -> PublicAccessBlock {
    let flag = |name: &str| at.boolean(name).unwrap_or(false);
    PublicAccessBlock {
        block_public_acls: flag(names[0]),
        ignore_public_acls: flag(names[1]),
        block_public_policy: flag(names[2]),
        restrict_public_buckets: flag(names[3]),
    }
}

const TF_BLOCK: [&str; 4] = [
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
];
const CFN_BLOCK: [&str; 4] = [
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

/// New buckets have every Block Public Access setting on unless the change turns them off.
fn new_bucket_block() -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    }
}

/// A KMS key without a policy gets the default one: the account's own principals, by IAM.
fn default_key_policy(account: &str) -> PolicySource {
    let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"}]});
    normalise_document(&document).map_or_else(PolicySource::failed, PolicySource::decoded)
}

fn policy_resource(section: Section, identity: &Identity, policy: Option<PolicySource>, role: Option<String>) -> Item {
    Item::PolicyResource {
        section,
        resource: PolicyResource {
            arn: identity.arn.clone(),
            name: Some(identity.name.clone()),
            policy,
            policy_collected: true,
            role,
            key_manager: (section == Section::Kms).then(|| "CUSTOMER".to_string()),
        },
    }
}

/// Terraform types; `None` when the type is not one of them.
pub fn terraform(
    resource_type: &str,
    at: &Attrs<'_>,
    identity: &Identity,
    account: &str,
    region: &str,
) -> Option<Vec<Item>> {
    let bucket = || at.reference("bucket", Reference::Name);
    let with_policy = |section, target: Option<String>| -> Vec<Item> {
        match (target, at.policy("policy")) {
            (Some(target), Some(policy)) => vec![Item::ResourcePolicy {
                section,
                target,
                policy,
            }],
            _ => Vec::new(),
        }
    };
    Some(match resource_type {
        "aws_s3_bucket" => vec![Item::Bucket(Bucket {
            name: identity.name.clone(),
            region: Some(region.to_string()),
            policy: at.policy("policy"),
            policy_collected: true,
            public_access_block: Some(new_bucket_block()),
        })],
        "aws_s3_bucket_policy" => match (bucket(), at.policy("policy")) {
            (Some(bucket), Some(policy)) => vec![Item::BucketPolicy { bucket, policy }],
            _ => Vec::new(),
        },
        "aws_s3_bucket_public_access_block" => bucket()
            .map(|bucket| Item::BucketAccessBlock {
                bucket,
                block: block(at, TF_BLOCK),
            })
            .into_iter()
            .collect(),
        "aws_s3_account_public_access_block" => vec![Item::AccountAccessBlock(block(at, TF_BLOCK))],
        "aws_kms_key" => vec![policy_resource(
            Section::Kms,
            identity,
            Some(at.policy("policy").unwrap_or_else(|| default_key_policy(account))),
            None,
        )],
        "aws_kms_key_policy" => with_policy(Section::Kms, at.reference("key_id", Reference::Arn)),
        "aws_sqs_queue" | "aws_sns_topic" | "aws_secretsmanager_secret" | "aws_ecr_repository" => {
            let (section, _, _) = regional(resource_type)?;
            vec![policy_resource(section, identity, at.policy("policy"), None)]
        }
        "aws_sqs_queue_policy" => with_policy(Section::Sqs, at.reference("queue_url", Reference::Arn)),
        "aws_sns_topic_policy" => with_policy(Section::Sns, at.reference("arn", Reference::Arn)),
        "aws_secretsmanager_secret_policy" => {
            with_policy(Section::Secretsmanager, at.reference("secret_arn", Reference::Arn))
        }
        "aws_ecr_repository_policy" => with_policy(Section::Ecr, at.reference("repository", Reference::Arn)),
        "aws_lambda_function" => vec![policy_resource(
            Section::Lambda,
            identity,
            None,
            at.reference("role", Reference::Arn),
        )],
        "aws_lambda_permission" => lambda_permission(
            at,
            [
                "function_name",
                "statement_id",
                "action",
                "principal",
                "source_arn",
                "source_account",
            ],
        ),
        _ => return None,
    })
}

/// CloudFormation types; `None` when the type is not one of them.
pub fn cloudformation(
    resource_type: &str,
    at: &Attrs<'_>,
    identity: &Identity,
    account: &str,
    region: &str,
) -> Option<Vec<Item>> {
    let for_each = |section, targets: Vec<String>, property: &str| -> Vec<Item> {
        let Some(policy) = at.policy(property) else {
            return Vec::new();
        };
        targets
            .into_iter()
            .map(|target| Item::ResourcePolicy {
                section,
                target,
                policy: policy.clone(),
            })
            .collect()
    };
    Some(match resource_type {
        "AWS::S3::Bucket" => vec![Item::Bucket(Bucket {
            name: identity.name.clone(),
            region: Some(region.to_string()),
            policy: None,
            policy_collected: true,
            public_access_block: Some(match at.object("PublicAccessBlockConfiguration") {
                Some(configuration) => block(&configuration, CFN_BLOCK),
                None => new_bucket_block(),
            }),
        })],
        "AWS::S3::BucketPolicy" => match (at.text("Bucket"), at.policy("PolicyDocument")) {
            (Some(bucket), Some(policy)) => vec![Item::BucketPolicy { bucket, policy }],
            _ => Vec::new(),
        },
        "AWS::KMS::Key" => vec![policy_resource(
            Section::Kms,
            identity,
            Some(at.policy("KeyPolicy").unwrap_or_else(|| default_key_policy(account))),
            None,
        )],
        "AWS::SQS::Queue" | "AWS::SNS::Topic" | "AWS::SecretsManager::Secret" => {
            let (section, _, _) = regional(resource_type)?;
            vec![policy_resource(section, identity, None, None)]
        }
        "AWS::ECR::Repository" => vec![policy_resource(
            Section::Ecr,
            identity,
            at.policy("RepositoryPolicyText"),
            None,
        )],
        "AWS::SQS::QueuePolicy" => for_each(Section::Sqs, at.strings("Queues"), "PolicyDocument"),
        "AWS::SNS::TopicPolicy" => for_each(Section::Sns, at.strings("Topics"), "PolicyDocument"),
        "AWS::SecretsManager::ResourcePolicy" => for_each(
            Section::Secretsmanager,
            at.text("SecretId").into_iter().collect(),
            "ResourcePolicy",
        ),
        "AWS::Lambda::Function" => vec![policy_resource(Section::Lambda, identity, None, at.text("Role"))],
        "AWS::Lambda::Permission" => lambda_permission(
            at,
            ["FunctionName", "", "Action", "Principal", "SourceArn", "SourceAccount"],
        ),
        _ => return None,
    })
}

/// A Lambda permission as the statement AWS adds to the function's policy.
fn lambda_permission(at: &Attrs<'_>, names: [&str; 6]) -> Vec<Item> {
    let [function, sid, action, principal, source_arn, source_account] = names;
    let (Some(function), Some(principal)) = (at.reference(function, Reference::Arn), at.text(principal)) else {
        return Vec::new();
    };
    let principal = if principal == "*" {
        json!("*")
    } else if principal.contains('.') {
        json!({"Service": principal})
    } else {
        json!({"AWS": principal})
    };
    let mut statement = json!({"Effect": "Allow", "Principal": principal,
        "Action": at.text(action).unwrap_or_else(|| "lambda:InvokeFunction".into()), "Resource": function});
    if !sid.is_empty() {
        if let Some(sid) = at.text(sid) {
            statement["Sid"] = Value::String(sid);
        }
    }
    let mut conditions = serde_json::Map::new();
    if let Some(arn) = at.text(source_arn) {
        conditions.insert("ArnLike".into(), json!({"AWS:SourceArn": arn}));
    }
    if let Some(account) = at.text(source_account) {
        conditions.insert("StringEquals".into(), json!({"AWS:SourceAccount": account}));
    }
    if !conditions.is_empty() {
        statement["Condition"] = Value::Object(conditions);
    }
    let document = json!({"Version": "2012-10-17", "Statement": [statement]});
    let statement = normalise_document(&document).map_or_else(PolicySource::failed, PolicySource::decoded);
    vec![Item::LambdaPermission { function, statement }]
}

/// Whether `target` (an ARN, a name, a queue URL) names the resource.
fn names(resource: &PolicyResource, target: &str) -> bool {
    let last = target.rsplit(['/', ':']).next().unwrap_or(target);
    resource.arn == target || resource.name.as_deref().is_some_and(|n| n == target || n == last)
}

fn regional_mut(region: &mut RegionSnapshot, section: Section) -> Option<&mut Option<PolicyResources>> {
    Some(match section {
        Section::Kms => &mut region.kms,
        Section::Sqs => &mut region.sqs,
        Section::Sns => &mut region.sns,
        Section::Secretsmanager => &mut region.secretsmanager,
        Section::Lambda => &mut region.lambda,
        Section::Ecr => &mut region.ecr,
        _ => return None,
    })
}

/// The facts keys an item feeds (resources are keyed by their ARN).
pub fn keys_of(account: &AccountSnapshot, region: &str, item: &Item) -> Vec<(String, Section)> {
    let bucket = |name: &str| vec![(format!("arn:aws:s3:::{name}"), Section::S3)];
    let find = |section: Section, target: &str| -> Vec<(String, Section)> {
        let resources = account.regions.iter().filter(|r| r.region == region).find_map(|r| {
            let mut copy = r.clone();
            regional_mut(&mut copy, section).and_then(|s| s.take())
        });
        resources
            .into_iter()
            .flat_map(|s| s.resources)
            .filter(|r| names(r, target))
            .map(|r| (r.arn, section))
            .collect()
    };
    match item {
        Item::Bucket(b) => bucket(&b.name),
        Item::BucketPolicy { bucket: name, .. } | Item::BucketAccessBlock { bucket: name, .. } => bucket(name),
        Item::AccountAccessBlock(_) => account
            .s3
            .iter()
            .flat_map(|s| s.buckets.iter().flat_map(|b| bucket(&b.name)))
            .collect(),
        Item::PolicyResource { section, resource } => vec![(resource.arn.clone(), *section)],
        Item::ResourcePolicy { section, target, .. } => find(*section, target),
        Item::LambdaPermission { function, .. } => find(Section::Lambda, function),
        _ => Vec::new(),
    }
}

pub fn remove(account: &mut AccountSnapshot, region: &str, item: &Item) {
    match item {
        Item::Bucket(b) => {
            if let Some(s3) = account.s3.as_mut() {
                s3.buckets.retain(|x| x.name != b.name);
            }
        }
        Item::BucketPolicy { bucket, .. } | Item::BucketAccessBlock { bucket, .. } => {
            let found = account
                .s3
                .as_mut()
                .and_then(|s| s.buckets.iter_mut().find(|b| b.name == *bucket));
            if let Some(found) = found {
                match item {
                    Item::BucketPolicy { .. } => found.policy = None,
                    _ => found.public_access_block = Some(PublicAccessBlock::default()),
                }
            }
        }
        Item::AccountAccessBlock(_) => {
            if let Some(s3) = account.s3.as_mut() {
                s3.account_public_access_block = Some(PublicAccessBlock::default());
            }
        }
        _ => {
            let Some(region) = account.regions.iter_mut().find(|r| r.region == region) else {
                return;
            };
            remove_regional(region, item);
        }
    }
}

fn remove_regional(region: &mut RegionSnapshot, item: &Item) {
    let (section, target) = match item {
        Item::PolicyResource { section, resource } => {
            if let Some(Some(list)) = regional_mut(region, *section) {
                list.resources.retain(|r| r.arn != resource.arn);
            }
            return;
        }
        Item::ResourcePolicy { section, target, .. } => (*section, target),
        Item::LambdaPermission { function, .. } => (Section::Lambda, function),
        _ => return,
    };
    if let Some(Some(list)) = regional_mut(region, section) {
        for resource in list.resources.iter_mut().filter(|r| names(r, target)) {
            if let Item::LambdaPermission { statement, .. } = item {
                strip_statements(resource, statement);
            } else {
                resource.policy = None;
            }
        }
    }
}

fn strip_statements(resource: &mut PolicyResource, removed: &PolicySource) {
    let (Some(policy), Some(removed)) = (resource.policy.as_mut(), removed.document.as_ref()) else {
        return;
    };
    if let Some(document) = policy.document.as_mut() {
        document.statements.retain(|s| !removed.statements.contains(s));
    }
}

/// Adds the item; false when the resource a policy or permission belongs to is missing.
pub fn add(account: &mut AccountSnapshot, region: &str, item: &Item) -> bool {
    match item {
        Item::Bucket(bucket) => {
            let s3 = account.s3.get_or_insert_with(S3Section::default);
            let mut bucket = bucket.clone();
            if let Some(old) = s3.buckets.iter().find(|b| b.name == bucket.name) {
                bucket.policy = bucket.policy.take().or_else(|| old.policy.clone());
                bucket.public_access_block = old.public_access_block.clone();
            }
            s3.buckets.retain(|b| b.name != bucket.name);
            s3.buckets.push(bucket);
            true
        }
        Item::BucketPolicy { bucket, policy } => bucket_part(account, bucket, |b| b.policy = Some(policy.clone())),
        Item::BucketAccessBlock { bucket, block } => {
            bucket_part(account, bucket, |b| b.public_access_block = Some(block.clone()))
        }
        Item::AccountAccessBlock(block) => {
            account
                .s3
                .get_or_insert_with(S3Section::default)
                .account_public_access_block = Some(block.clone());
            true
        }
        _ => {
            let position = account.regions.iter().position(|r| r.region == region);
            let region = match position {
                Some(position) => &mut account.regions[position],
                None => {
                    account.regions.push(RegionSnapshot {
                        region: region.to_string(),
                        ..Default::default()
                    });
                    let last = account.regions.len() - 1;
                    &mut account.regions[last]
                }
            };
            add_regional(region, item)
        }
    }
}

fn bucket_part(account: &mut AccountSnapshot, bucket: &str, set: impl FnOnce(&mut Bucket)) -> bool {
    match account
        .s3
        .as_mut()
        .and_then(|s| s.buckets.iter_mut().find(|b| b.name == bucket))
    {
        Some(found) => {
            set(found);
            true
        }
        None => false,
    }
}

fn add_regional(region: &mut RegionSnapshot, item: &Item) -> bool {
    match item {
        Item::PolicyResource { section, resource } => {
            let Some(slot) = regional_mut(region, *section) else {
                return false;
            };
            let list = slot.get_or_insert_with(PolicyResources::default);
            let mut resource = resource.clone();
            if let Some(old) = list.resources.iter().find(|r| r.arn == resource.arn) {
                resource.policy = resource.policy.take().or_else(|| old.policy.clone());
            }
            list.resources.retain(|r| r.arn != resource.arn);
            list.resources.push(resource);
            true
        }
        Item::ResourcePolicy {
            section,
            target,
            policy,
        } => {
            let Some(Some(list)) = regional_mut(region, *section) else {
                return false;
            };
            let mut found = false;
            for resource in list.resources.iter_mut().filter(|r| names(r, target)) {
                resource.policy = Some(policy.clone());
                found = true;
            }
            found
        }
        Item::LambdaPermission { function, statement } => {
            let Some(Some(list)) = regional_mut(region, Section::Lambda) else {
                return false;
            };
            let Some(resource) = list.resources.iter_mut().find(|r| names(r, function)) else {
                return false;
            };
            match (resource.policy.as_mut(), statement.document.as_ref()) {
                (None, _) => resource.policy = Some(statement.clone()),
                (Some(policy), Some(added)) => {
                    if let Some(document) = policy.document.as_mut() {
                        document.statements.extend(added.statements.iter().cloned());
                    }
                }
                // An unreadable permission makes the function's whole policy unreadable.
                (Some(policy), None) => *policy = statement.clone(),
            }
            true
        }
        _ => false,
    }
}

/// Whether the item belongs here (S3, or a regional resource-policy section).
pub fn handles(item: &Item) -> bool {
    matches!(
        item,
        Item::Bucket(_)
            | Item::BucketPolicy { .. }
            | Item::BucketAccessBlock { .. }
            | Item::AccountAccessBlock(_)
            | Item::PolicyResource { .. }
            | Item::ResourcePolicy { .. }
            | Item::LambdaPermission { .. }
    )
}
