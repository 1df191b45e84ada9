//! Who may use each resource that carries a resource-based policy (S3 buckets, KMS keys, SQS
//! queues, SNS topics, secrets, Lambda functions, ECR repositories): anyone, accounts outside
//! the organisation, or only the organisation. Conditions that restrict who may ask
//! (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceAccount`, `aws:SourceArn`,
//! `aws:SourceVpce`, ...) are read as restrictions; conditions posture cannot decide make the
//! access conditional. Bucket and account Block Public Access and the RCPs that close a
//! service to outsiders remove what they remove; nothing else is assumed.

use super::organization::{OrgModel, OrganizationFacts};
use super::perimeter::closes_to_outsiders;
use super::{gap_reason, ResourceIndex, ResourceRef};
use crate::snapshot::policy::{Effect, PolicyDocument, Statement};
use crate::snapshot::{AccountSnapshot, PolicyResource, PolicySource, PublicAccessBlock, Section};
use serde::Serialize;
use std::collections::BTreeSet;

/// Condition keys that say nothing about who is asking.
const NEUTRAL_KEYS: [&str; 6] = [
    "aws:securetransport",
    "aws:requestedregion",
    "aws:currenttime",
    "kms:viaservice",
    "lambda:functionurlauthtype",
    "aws:multifactorauthpresent",
];

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ResourcesFacts {
    pub resources: Vec<ResourceAccessFacts>,
    /// Services and regions whose resources were not collected: unknown, never safe.
    pub uncollected: Vec<UncollectedScope>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UncollectedScope {
    pub key: String,
    pub services: Vec<Section>,
    pub region: String,
    pub reason: String,
}

#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ResourceAccessFacts {
    pub key: String,
    pub arn: String,
    pub service: String,
    pub name: String,
    pub region: String,
    pub has_policy: bool,
    /// Why the policy cannot be read: who may use the resource is then unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_unknown: Option<String>,
    /// Any principal, in any account or none, may use it without a condition posture cannot
    /// decide.
    pub public: bool,
    /// Any principal may use it under conditions posture cannot decide.
    pub public_conditional: bool,
    pub public_actions: Vec<String>,
    /// Accounts (or `organization:o-…`) outside this account and its organisation granted use.
    pub external: Vec<String>,
    pub external_conditional: bool,
    /// What removed access that the policy alone grants (Block Public Access, an RCP).
    pub restricted_by: Vec<String>,
    /// Lambda: the execution role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// Whom one Allow statement admits.
#[derive(Debug, Default)]
struct Audience {
    anyone: bool,
    accounts: BTreeSet<String>,
    /// Restricted to a network path (VPC endpoint, VPC, addresses): not public, not an account.
    network_only: bool,
    conditional: bool,
}

/// `organization_facts`: the account's guardrails, computed once by the caller for `input`.
pub fn analyse(
    account: &AccountSnapshot,
    org: Option<&OrgModel>,
    organization_facts: Option<&OrganizationFacts>,
    index: &mut ResourceIndex,
) -> ResourcesFacts {
    let mut facts = ResourcesFacts {
        resources: Vec::new(),
        uncollected: Vec::new(),
    };
    let judge = Judge::new(account, org, organization_facts);
    match &account.s3 {
        Some(s3) => {
            for bucket in &s3.buckets {
                let region = bucket.region.clone().unwrap_or_else(|| "us-east-1".into());
                let arn = format!("arn:aws:s3:::{}", bucket.name);
                let policy = bucket.policy_collected.then_some(bucket.policy.as_ref());
                let mut access = judge.access(Section::S3, &arn, &bucket.name, &region, policy);
                apply_block(&mut access, s3.account_public_access_block.as_ref(), "account");
                apply_block(&mut access, bucket.public_access_block.as_ref(), "bucket");
                facts.resources.push(register(access, "AwsS3Bucket", account, index));
            }
        }
        None => facts
            .uncollected
            .push(uncollected(account, Section::S3, "global", index)),
    }
    for region in &account.regions {
        for (section, resources) in region.policy_sections() {
            let Some(resources) = resources else {
                facts
                    .uncollected
                    .push(uncollected(account, section, &region.region, index));
                continue;
            };
            for resource in &resources.resources {
                let access = judge.regional(section, &region.region, resource);
                facts
                    .resources
                    .push(register(access, resource_type(section), account, index));
            }
        }
    }
    facts.uncollected = join_scopes(facts.uncollected);
    facts
}

/// What every resource of the account is judged against.
struct Judge<'a> {
    account: &'a str,
    org: Option<&'a OrgModel>,
    /// RCP-closed services (when the account is a governed member).
    closed: Vec<String>,
}

impl<'a> Judge<'a> {
    fn new(account: &'a AccountSnapshot, org: Option<&'a OrgModel>, facts: Option<&OrganizationFacts>) -> Self {
        let closed = facts
            .into_iter()
            .flat_map(|facts| &facts.perimeter.org_boundary)
            .filter(|(_, closed)| **closed)
            .map(|(service, _)| service.clone())
            .collect();
        Judge {
            account: &account.account_id,
            org,
            closed,
        }
    }

    fn regional(&self, section: Section, region: &str, resource: &PolicyResource) -> ResourceAccessFacts {
        let name = resource.name.clone().unwrap_or_else(|| short_name(&resource.arn));
        let policy = resource.policy_collected.then_some(resource.policy.as_ref());
        let mut access = self.access(section, &resource.arn, &name, region, policy);
        access.role = resource.role.clone();
        access
    }

    /// `policy`: `None` when it could not be collected, `Some(None)` when there is none.
    fn access(
        &self,
        section: Section,
        arn: &str,
        name: &str,
        region: &str,
        policy: Option<Option<&PolicySource>>,
    ) -> ResourceAccessFacts {
        let mut facts = ResourceAccessFacts {
            arn: arn.to_string(),
            service: section.name().to_string(),
            name: name.to_string(),
            region: region.to_string(),
            ..Default::default()
        };
        let document = match policy {
            None => {
                facts.policy_unknown = Some(format!(
                    "the {} policy of {name} could not be collected",
                    section.name()
                ));
                return facts;
            }
            Some(None) => return facts,
            Some(Some(PolicySource {
                document: Some(document),
                ..
            })) => document,
            Some(Some(source)) => {
                let error = source.decode_error.clone().unwrap_or_else(|| "no document".into());
                facts.has_policy = true;
                facts.policy_unknown = Some(format!("the policy of {name} cannot be read: {error}"));
                return facts;
            }
        };
        facts.has_policy = true;
        self.judge_document(document, section, &mut facts);
        facts
    }

    fn judge_document(&self, document: &PolicyDocument, section: Section, facts: &mut ResourceAccessFacts) {
        let organization = self.org.map(|org| org.snapshot.id.as_str());
        let fenced = organization.is_some_and(|id| {
            let probe = probe_action(section);
            document.statements.iter().any(|s| closes_to_outsiders(s, probe, id))
        });
        let rcp_closed = self.closed.iter().any(|s| s == section.name());
        let mut public_actions = BTreeSet::new();
        let mut external = BTreeSet::new();
        for statement in document.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let audience = audience(statement);
            if audience.anyone && !audience.network_only {
                if fenced || rcp_closed {
                    facts.restricted_by.push(restriction(fenced));
                    continue;
                }
                facts.public |= !audience.conditional;
                facts.public_conditional |= audience.conditional;
                public_actions.extend(statement.action.iter().flatten().cloned());
                continue;
            }
            for account in &audience.accounts {
                if self.is_outsider(account) && !fenced && !rcp_closed {
                    external.insert(account.clone());
                    facts.external_conditional |= audience.conditional;
                }
            }
        }
        facts.public_actions = public_actions.into_iter().collect();
        facts.external = external.into_iter().collect();
        facts.restricted_by.sort();
        facts.restricted_by.dedup();
    }

    /// Neither this account nor a member of its organisation (`organization:` entries name
    /// another organisation).
    fn is_outsider(&self, account: &str) -> bool {
        if account == self.account {
            return false;
        }
        match (self.org, account.strip_prefix("organization:")) {
            (Some(org), Some(id)) => id != org.snapshot.id,
            (None, Some(_)) => true,
            (Some(org), None) => !org.is_member(account),
            (None, None) => true,
        }
    }
}

fn restriction(fenced: bool) -> String {
    if fenced {
        "a Deny in the resource policy for principals outside the organisation".into()
    } else {
        "a resource control policy closing the service to principals outside the organisation".into()
    }
}

/// Whom an Allow statement admits: its principals, narrowed by the conditions that name who asks.
fn audience(statement: &Statement) -> Audience {
    let mut audience = Audience::default();
    if statement.not_principal.is_some() {
        // Everyone but a few.
        audience.anyone = true;
    }
    for (kind, values) in statement.principal.iter().flatten() {
        for value in values {
            match kind.as_str() {
                "AWS" if value == "*" => audience.anyone = true,
                "AWS" => {
                    audience.accounts.extend(super::iam::trust::account_of(value));
                }
                // A service acts for whoever owns the calling resource: judged by its Source* keys.
                _ => {}
            }
        }
    }
    narrow(statement, &mut audience);
    audience
}

/// Applies the statement's conditions on who asks.
fn narrow(statement: &Statement, audience: &mut Audience) {
    for (operator, keys) in statement.condition.iter().flatten() {
        let operator = operator.to_ascii_lowercase();
        let positive = !operator.contains("not") && operator != "null";
        for (key, values) in keys {
            let key = key.to_ascii_lowercase();
            if NEUTRAL_KEYS.contains(&key.as_str())
                || key.starts_with("s3:")
                || key.starts_with("kms:encryptioncontext")
            {
                continue;
            }
            if !positive {
                audience.conditional = true;
                continue;
            }
            match key.as_str() {
                "aws:principalorgid" => restrict(audience, values.iter().map(|v| format!("organization:{v}"))),
                "aws:principalorgpaths" => restrict(
                    audience,
                    values
                        .iter()
                        .map(|v| format!("organization:{}", v.split('/').next().unwrap_or(v))),
                ),
                "aws:principalaccount" | "aws:sourceaccount" | "aws:sourceowner" | "kms:calleraccount" => {
                    restrict(audience, values.iter().cloned())
                }
                "aws:principalarn" | "aws:sourcearn" => {
                    let accounts: Vec<String> =
                        values.iter().filter_map(|v| super::iam::trust::account_of(v)).collect();
                    if accounts.len() < values.len() || accounts.iter().any(|a| a.contains('*')) {
                        audience.conditional = true;
                    }
                    restrict(audience, accounts.into_iter().filter(|a| !a.contains('*')));
                }
                "aws:sourcevpce" | "aws:sourcevpc" => audience.network_only = true,
                _ => audience.conditional = true,
            }
        }
    }
}

/// Only these accounts (or organisations) may ask: "anyone" narrows to them.
fn restrict(audience: &mut Audience, allowed: impl Iterator<Item = String>) {
    let allowed: BTreeSet<String> = allowed.collect();
    if audience.anyone {
        audience.anyone = false;
        audience.accounts = allowed;
    } else {
        // Both the principal and the condition must hold; an organisation entry keeps the
        // named accounts that may belong to it (unknown: kept).
        let named_accounts: BTreeSet<String> = allowed
            .iter()
            .filter(|a| !a.starts_with("organization:"))
            .cloned()
            .collect();
        if !named_accounts.is_empty() {
            audience.accounts.retain(|a| named_accounts.contains(a));
        }
    }
}

/// Block Public Access: `RestrictPublicBuckets` leaves a public policy to the owner's account
/// and AWS services only.
fn apply_block(access: &mut ResourceAccessFacts, block: Option<&PublicAccessBlock>, level: &str) {
    if block.is_some_and(|b| b.restrict_public_buckets) && (access.public || access.public_conditional) {
        access.public = false;
        access.public_conditional = false;
        access
            .restricted_by
            .push(format!("{level} Block Public Access (RestrictPublicBuckets)"));
    }
}

fn probe_action(section: Section) -> &'static str {
    match section {
        Section::S3 => "s3:GetObject",
        Section::Kms => "kms:Decrypt",
        Section::Sqs => "sqs:ReceiveMessage",
        Section::Sns => "sns:Publish",
        Section::Secretsmanager => "secretsmanager:GetSecretValue",
        Section::Lambda => "lambda:InvokeFunction",
        Section::Ecr => "ecr:BatchGetImage",
        _ => "*",
    }
}

fn resource_type(section: Section) -> &'static str {
    match section {
        Section::Kms => "AwsKmsKey",
        Section::Sqs => "AwsSqsQueue",
        Section::Sns => "AwsSnsTopic",
        Section::Secretsmanager => "AwsSecretsManagerSecret",
        Section::Lambda => "AwsLambdaFunction",
        Section::Ecr => "AwsEcrRepository",
        _ => "AwsS3Bucket",
    }
}

fn short_name(arn: &str) -> String {
    arn.rsplit([':', '/']).next().unwrap_or(arn).to_string()
}

fn register(
    mut access: ResourceAccessFacts,
    resource_type: &str,
    account: &AccountSnapshot,
    index: &mut ResourceIndex,
) -> ResourceAccessFacts {
    access.key = access.arn.clone();
    index.insert(
        access.key.clone(),
        ResourceRef {
            arn: access.arn.clone(),
            resource_type: resource_type.to_string(),
            name: access.name.clone(),
            account: account.account_id.clone(),
            region: access.region.clone(),
        },
    );
    access
}

/// One scope per region (and `global` for S3), naming every service of it not collected there:
/// one result per rule and region, as region-wide checks are.
fn uncollected(
    account: &AccountSnapshot,
    section: Section,
    region: &str,
    index: &mut ResourceIndex,
) -> UncollectedScope {
    let key = format!("resources/{region}");
    if index.get(&key).is_none() {
        index.insert(
            key.clone(),
            ResourceRef {
                arn: super::account_arn(&account.account_id),
                resource_type: "AwsAccount".into(),
                name: format!("resource policies in {region}"),
                account: account.account_id.clone(),
                region: region.to_string(),
            },
        );
    }
    UncollectedScope {
        key,
        services: vec![section],
        region: region.to_string(),
        reason: gap_reason(account, region, section.name()),
    }
}

/// Joins the scopes of one region into one, its reasons one after another.
fn join_scopes(scopes: Vec<UncollectedScope>) -> Vec<UncollectedScope> {
    let mut joined: Vec<UncollectedScope> = Vec::new();
    for scope in scopes {
        match joined.iter_mut().find(|j| j.key == scope.key) {
            Some(existing) => {
                existing.services.extend(scope.services);
                existing.reason = format!("{}; {}", existing.reason, scope.reason);
            }
            None => joined.push(scope),
        }
    }
    joined
}

#[cfg(test)]
#[path = "resources_tests.rs"]
mod tests;
