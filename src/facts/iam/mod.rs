//! IAM facts: what each principal can effectively do (catalog-exact, resource-aware), who can
//! assume each role, and the escalation graph. See `docs/facts.md` for the shape rules see.

pub mod catalog;
pub mod conditions;
pub mod cross_account;
pub mod effective;
pub mod gains;
pub(crate) mod graph;
pub mod latent;
pub mod resource_types;
pub mod trust;
pub mod workloads;

use super::organization::OrgModel;
use super::{ResourceIndex, ResourceRef, GLOBAL_REGION};
use crate::snapshot::policy::{Effect, Statement};
use crate::snapshot::OrgPolicyType;
use crate::snapshot::{CredentialReportEntry, IamSection, InlinePolicy, ManagedPolicy, PolicySource, Section};
use catalog::{catalog, ActionSet};
use conditions::{decide, ConditionVerdict, PrincipalContext};
use effective::{analyse_statement, ActionGrant, Analysed, PolicySetSummary, StatementReader};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// How many permissions-management actions to list per principal (the count is always full).
const LISTED_PERMISSIONS_MANAGEMENT: usize = 50;

// ---------------------------------------------------------------- knowledge from rules data

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    #[serde(rename = "self")]
    OnSelf,
    PassRole,
    ExistingCompute,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EscalationMethod {
    pub id: String,
    pub kind: MethodKind,
    /// For `pass_role`: the service the passed role must trust.
    #[serde(default)]
    pub service: Option<String>,
    pub actions: Vec<String>,
    /// Harmless when every action is scoped to the principal itself (own access keys).
    #[serde(default)]
    pub ignore_when_only_on_self: bool,
    /// Harmless when every action is allowed only on AWS managed policies, which no one can
    /// version or edit (`arn:aws:iam::aws:policy/...`).
    #[serde(default)]
    pub ignore_on_aws_managed_policies: bool,
    /// For `existing_compute`: the workloads it takes over, whose roles the snapshot can name.
    #[serde(default)]
    pub workload: Option<workloads::WorkloadKind>,
    #[serde(skip)]
    action_ids: Vec<usize>,
}

/// What the facts need from `data.posture.iam`: the methods, and every action rules ask about.
#[derive(Debug, Default)]
pub struct IamKnowledge {
    pub methods: Vec<EscalationMethod>,
    /// Services whose actions are listed first (`sensitive_services`).
    pub sensitive_services: Vec<String>,
    /// Catalog ids of the actions reported in `allowed`, sorted.
    interest: Vec<usize>,
}

impl IamKnowledge {
    pub fn from_data(data: &serde_json::Value) -> Result<Self, String> {
        let Some(iam) = data.get("iam") else {
            return Ok(IamKnowledge::default());
        };
        let methods_value = iam
            .get("escalation_methods")
            .cloned()
            .unwrap_or(serde_json::Value::Array(vec![]));
        let mut methods: Vec<EscalationMethod> =
            serde_json::from_value(methods_value).map_err(|error| format!("escalation_methods: {error}"))?;
        let mut names: Vec<String> = methods.iter().flat_map(|m| m.actions.iter().cloned()).collect();
        if let Some(lists) = iam.get("sensitive_actions").and_then(|v| v.as_object()) {
            for (list, actions) in lists {
                let actions: Vec<String> = serde_json::from_value(actions.clone())
                    .map_err(|error| format!("sensitive_actions.{list}: {error}"))?;
                names.extend(actions);
            }
        }
        let catalog = catalog();
        let mut unknown = Vec::new();
        let mut interest = Vec::new();
        for name in &names {
            match catalog.id(name) {
                Some(id) => interest.push(id),
                None if !unknown.contains(name) => unknown.push(name.clone()),
                None => {}
            }
        }
        for method in &mut methods {
            if method.kind == MethodKind::PassRole && method.service.is_none() {
                return Err(format!(
                    "escalation method {} is pass_role but names no service",
                    method.id
                ));
            }
            method.action_ids = method.actions.iter().filter_map(|a| catalog.id(a)).collect();
        }
        for required in ["iam:PassRole", "sts:AssumeRole"] {
            interest.extend(catalog.id(required));
        }
        interest.sort_unstable();
        interest.dedup();
        if !unknown.is_empty() {
            tracing::warn!(
                "rules data names actions the catalog does not know: {}",
                unknown.join(", ")
            );
        }
        let sensitive_services: Vec<String> = iam
            .get("sensitive_services")
            .map(|v| serde_json::from_value(v.clone()))
            .transpose()
            .map_err(|error| format!("sensitive_services: {error}"))?
            .unwrap_or_default();
        Ok(IamKnowledge {
            methods,
            sensitive_services,
            interest,
        })
    }
}

// ---------------------------------------------------------------- facts

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct IamFacts {
    pub credential_report_available: bool,
    pub principals: Vec<PrincipalFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<RootFacts>,
    /// The account password policy, judged on the account; `null` when not collected (GAAD
    /// dumps have none).
    pub password_policy: Option<PasswordPolicyFacts>,
    /// Every customer managed policy in the snapshot, attached or not, indexed on its ARN.
    pub customer_managed_policies: Vec<ManagedPolicyFacts>,
}

/// A customer managed policy judged on its own (its default version), whoever it reaches.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ManagedPolicyFacts {
    pub key: String,
    pub arn: String,
    pub name: String,
    /// Users, groups and roles of the snapshot it is attached to (directly), sorted.
    pub attached_to: Vec<String>,
    /// Allow statements of every action on every resource; `conditional` when a condition
    /// (one that can still hold) narrows them.
    pub admin_statements: Vec<AdminStatement>,
    /// Why the document cannot be read; its verdicts are then `not_evaluated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AdminStatement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub conditional: bool,
}

/// The account password policy as rules see it: unset numbers stay `null`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PasswordPolicyFacts {
    /// The account key (`account`): the policy is an account-wide setting.
    pub key: String,
    /// False when the account has no password policy (the AWS defaults apply).
    pub configured: bool,
    pub minimum_password_length: Option<i32>,
    pub password_reuse_prevention: Option<i32>,
    pub max_password_age: Option<i32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
}

impl PasswordPolicyFacts {
    fn of(policy: &crate::snapshot::PasswordPolicy) -> Self {
        PasswordPolicyFacts {
            key: super::ACCOUNT_KEY.to_string(),
            configured: policy.configured,
            minimum_password_length: policy.minimum_password_length,
            password_reuse_prevention: policy.password_reuse_prevention,
            max_password_age: policy.max_password_age,
            require_symbols: policy.require_symbols,
            require_numbers: policy.require_numbers,
            require_uppercase_characters: policy.require_uppercase_characters,
            require_lowercase_characters: policy.require_lowercase_characters,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    User,
    Group,
    Role,
}

impl PrincipalKind {
    fn resource_type(self) -> &'static str {
        match self {
            PrincipalKind::User => "AwsIamUser",
            PrincipalKind::Group => "AwsIamGroup",
            PrincipalKind::Role => "AwsIamRole",
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StatementOrigin {
    pub policy: String,
    pub via: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AllowedAction {
    pub resources: Vec<String>,
    pub conditional: bool,
    pub policies: Vec<String>,
}

/// Every grant is on all resources (`*`): a method that holds so needs no particular target.
pub(crate) fn all_unscoped<'a>(grants: impl IntoIterator<Item = &'a AllowedAction>) -> bool {
    grants.into_iter().all(|g| g.resources.iter().any(|r| r == "*"))
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ServiceWildcard {
    pub service: String,
    pub policy: String,
    pub resources: Vec<String>,
    pub conditional: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MethodMatch {
    pub id: String,
    pub kind: MethodKind,
    pub actions: Vec<String>,
    pub conditional: bool,
    /// Every action is allowed only on the principal itself (its ARN or `${aws:username}`).
    pub only_on_self: bool,
    /// Every action is allowed on all resources (`*`).
    pub unscoped: bool,
    /// The method's data says it does not escalate when only on self.
    pub ignore_when_only_on_self: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct UnreadablePolicy {
    pub policy: String,
    pub reason: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PrincipalFacts {
    pub key: String,
    pub arn: String,
    pub kind: PrincipalKind,
    pub name: String,
    pub policies: Vec<String>,
    pub inline_policy_count: usize,
    pub attached_policy_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    pub full_admin: bool,
    pub admin_grants: Vec<StatementOrigin>,
    pub allowed: BTreeMap<String, AllowedAction>,
    pub unconditional_action_count: usize,
    pub service_wildcards: Vec<ServiceWildcard>,
    pub permissions_management_everywhere: Vec<String>,
    pub permissions_management_everywhere_count: usize,
    pub escalation_methods: Vec<MethodMatch>,
    /// Pass-role methods held whole, iam:PassRole included, with the roles passable today.
    pub pass_role_holdings: Vec<latent::PassRoleHolding>,
    /// Roles it reaches through the graph that hold, on `*`, what it does not.
    pub reachable_capabilities: Vec<gains::ReachedRole>,
    /// For a role outsiders may assume: what it holds on `*` without condition (the actions
    /// named in the data, then permissions management), for the cross-account index.
    #[serde(skip)]
    pub held_everywhere: gains::Holdings,
    pub edges: Vec<graph::Edge>,
    pub privileged: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_to_privileged: Option<graph::PathFacts>,
    pub unknown_actions: Vec<String>,
    pub unreadable_policies: Vec<UnreadablePolicy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trust: Vec<trust::TrustEntry>,
    /// Roles only: why the trust policy could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_unreadable: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialFacts>,
    /// The permissions boundary is set but cannot be read: every grant is an upper bound.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub permissions_boundary_unreadable: bool,
    /// The SCPs above the account remove some of what its own policies allow everywhere.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub scp_limited: bool,
    /// Why escalation can be neither proven nor ruled out (an unreadable boundary, or a path
    /// through data that cannot be read); absent when the verdict is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_unknown: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AccessKeyFacts {
    pub number: u8,
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Days since last rotation (creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// Days since last use, or since rotation when never used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused_days: Option<i64>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CredentialFacts {
    pub password_enabled: bool,
    pub mfa_active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<String>,
    pub access_keys: Vec<AccessKeyFacts>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RootFacts {
    pub key: String,
    pub mfa_active: bool,
    pub access_keys_active: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<String>,
}

/// A policy reaching a principal: its name for evidence, the principal it is attached to, its text.
struct Reaching<'a> {
    policy: String,
    via: &'a str,
    source: &'a PolicySource,
}

/// Intermediate per-principal state kept for the graph pass.
pub(crate) struct Computed {
    pub kind: PrincipalKind,
    pub arn: String,
    pub assume: Option<ActionGrant>,
    pub pass_role: Option<ActionGrant>,
    pub method_actions: HashMap<usize, AllowedAction>,
    /// Its boundary or the SCPs above it cannot be read: every grant is an upper bound.
    pub limits_unreadable: bool,
    /// The actions it may do on every resource without condition, after boundary and SCPs.
    pub everywhere: ActionSet,
}

/// A field that holds one of a few fixed values; an alias so that serde does not take it for a
/// string borrowed from the input (which would tie the stored form to `'static` input).
pub type KnownStr = &'static str;

/// A `&'static str` field read back from a stored form: one of the values facts use.
fn known_str<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    values: &[&'static str],
) -> Result<&'static str, D::Error> {
    let value = String::deserialize(deserializer)?;
    values
        .iter()
        .find(|known| **known == value)
        .copied()
        .ok_or_else(|| serde::de::Error::custom(format!("unknown value {value:?}")))
}

/// What one account's IAM analysis reads of the account: its IAM data, and the workloads whose
/// roles escalation methods may take over.
pub struct AccountIam<'a> {
    pub account_id: &'a str,
    pub section: &'a IamSection,
    pub workloads: &'a workloads::Workloads,
    /// Only the roles, their edges and paths: what the cross-account index keeps. Users and
    /// groups are never the target of an edge, so the roles' facts are the same without them.
    pub roles_only: bool,
}

pub fn analyse(
    account: AccountIam<'_>,
    knowledge: &IamKnowledge,
    as_of: chrono::DateTime<chrono::Utc>,
    organization: Option<&OrgModel>,
    cross_account: Option<&cross_account::CrossAccountIndex>,
    index: &mut ResourceIndex,
) -> IamFacts {
    let AccountIam {
        account_id,
        section,
        workloads,
        roles_only,
    } = account;
    let guardrails = organization.map(|org| org.guardrails(account_id, OrgPolicyType::ServiceControlPolicy));
    let limits = AccountLimits {
        account_id,
        organization_id: organization
            .filter(|org| org.is_member(account_id))
            .map(|org| org.snapshot.id.clone()),
        scp_levels: guardrails.as_ref().map(|g| g.documents()).unwrap_or_default(),
        scp_unknown: guardrails.as_ref().and_then(|g| g.unknown.clone()),
    };
    let managed: HashMap<&str, &ManagedPolicy> = section.policies.iter().map(|p| (p.arn.as_str(), p)).collect();
    let groups_by_name: HashMap<&str, &crate::snapshot::IamGroup> =
        section.groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let report: HashMap<&str, &CredentialReportEntry> = section
        .credential_report
        .iter()
        .flatten()
        .map(|entry| (entry.arn.as_str(), entry))
        .collect();
    let mut cache = StatementReader::new(as_of);
    let mut principals = Vec::with_capacity(section.users.len() + section.groups.len() + section.roles.len());
    let mut computed = Vec::with_capacity(principals.capacity());

    let (users, groups) = if roles_only {
        (&[][..], &[][..])
    } else {
        (&section.users[..], &section.groups[..])
    };
    for user in users {
        let (inherited, unreadable) = group_policies(user, &groups_by_name, &managed);
        let subject = Subject {
            kind: PrincipalKind::User,
            arn: &user.arn,
            name: &user.name,
            inline: &user.inline_policies,
            attached: &user.attached_policies,
            boundary: user.permissions_boundary.as_deref(),
            limits: &limits,
        };
        let (mut facts, state) = principal(
            account_id, subject, inherited, unreadable, &managed, knowledge, &mut cache, index,
        );
        facts.credentials = report.get(user.arn.as_str()).map(|entry| credentials(entry, as_of));
        principals.push(facts);
        computed.push(state);
    }
    for group in groups {
        let subject = Subject {
            kind: PrincipalKind::Group,
            arn: &group.arn,
            name: &group.name,
            inline: &group.inline_policies,
            attached: &group.attached_policies,
            boundary: None,
            limits: &limits,
        };
        let (facts, state) = principal(
            account_id,
            subject,
            Vec::new(),
            Vec::new(),
            &managed,
            knowledge,
            &mut cache,
            index,
        );
        principals.push(facts);
        computed.push(state);
    }
    for role in &section.roles {
        let subject = Subject {
            kind: PrincipalKind::Role,
            arn: &role.arn,
            name: &role.name,
            inline: &role.inline_policies,
            attached: &role.attached_policies,
            boundary: role.permissions_boundary.as_deref(),
            limits: &limits,
        };
        let (mut facts, state) = principal(
            account_id,
            subject,
            Vec::new(),
            Vec::new(),
            &managed,
            knowledge,
            &mut cache,
            index,
        );
        match &role.assume_role_policy.document {
            Some(document) => facts.trust = trust::entries(account_id, document),
            None => facts.trust_unreadable = Some(unreadable_reason(&role.assume_role_policy, "no trust policy")),
        }
        if cross_account::trusts_outsiders(&facts) && !facts.privileged {
            facts.held_everywhere = gains::Holdings::of(&state.everywhere, knowledge);
        }
        principals.push(facts);
        computed.push(state);
    }
    graph::link(
        account_id,
        &mut principals,
        &computed,
        &section.roles,
        knowledge,
        workloads,
    );
    if let Some(cross_account) = cross_account {
        cross_account.link(account_id, &mut principals);
    }
    if roles_only {
        return IamFacts {
            credential_report_available: section.credential_report.is_some(),
            principals,
            root: None,
            password_policy: None,
            customer_managed_policies: Vec::new(),
        };
    }
    latent::link(&mut principals, &computed, knowledge);
    let foreign = cross_account.map(|index| (index, account_id));
    gains::link(&mut principals, &computed, knowledge, foreign);

    IamFacts {
        credential_report_available: section.credential_report.is_some(),
        principals,
        root: root_facts(&report, account_id, index),
        password_policy: section.password_policy.as_ref().map(PasswordPolicyFacts::of),
        customer_managed_policies: customer_managed_policies(account_id, section, as_of, index),
    }
}

/// AWS managed policies live in the `aws` account (`arn:aws:iam::aws:policy/...`).
fn is_aws_managed(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws")
}

/// Each customer managed policy, indexed under its ARN (incomplete when unreadable), with the
/// statements that allow `*` on `*`.
fn customer_managed_policies(
    account_id: &str,
    section: &IamSection,
    as_of: chrono::DateTime<chrono::Utc>,
    index: &mut ResourceIndex,
) -> Vec<ManagedPolicyFacts> {
    let mut attached: HashMap<&str, Vec<String>> = HashMap::new();
    let principals = section
        .users
        .iter()
        .map(|u| (&u.arn, &u.attached_policies))
        .chain(section.groups.iter().map(|g| (&g.arn, &g.attached_policies)))
        .chain(section.roles.iter().map(|r| (&r.arn, &r.attached_policies)));
    for (principal, policies) in principals {
        for policy in policies {
            attached.entry(policy.as_str()).or_default().push(principal.clone());
        }
    }
    section
        .policies
        .iter()
        .filter(|policy| !is_aws_managed(&policy.arn))
        .map(|policy| {
            index.insert(
                policy.arn.clone(),
                ResourceRef {
                    arn: policy.arn.clone(),
                    resource_type: "AwsIamPolicy".into(),
                    name: policy.name.clone(),
                    account: account_id.to_string(),
                    region: GLOBAL_REGION.into(),
                },
            );
            let unreadable = match &policy.source.document {
                Some(_) => None,
                None => Some(unreadable_reason(&policy.source, "no document")),
            };
            if let Some(reason) = &unreadable {
                index.mark_incomplete(&policy.arn, Section::Iam, format!("{}: {reason}", policy.arn));
            }
            let admin_statements = policy
                .source
                .document
                .iter()
                .flat_map(|d| &d.statements)
                .filter(|s| allows_everything(s))
                .filter_map(|s| {
                    let condition = decide(s.condition.as_ref(), as_of);
                    (condition != ConditionVerdict::Never).then(|| AdminStatement {
                        sid: s.sid.clone(),
                        conditional: condition == ConditionVerdict::Depends,
                    })
                })
                .collect();
            let mut attached_to = attached.remove(policy.arn.as_str()).unwrap_or_default();
            attached_to.sort();
            ManagedPolicyFacts {
                key: policy.arn.clone(),
                arn: policy.arn.clone(),
                name: policy.name.clone(),
                attached_to,
                admin_statements,
                unreadable,
            }
        })
        .collect()
}

/// The policies a user holds through its groups (a group not in the snapshot is unreadable).
fn group_policies<'a>(
    user: &crate::snapshot::IamUser,
    groups_by_name: &HashMap<&str, &'a crate::snapshot::IamGroup>,
    managed: &HashMap<&str, &'a ManagedPolicy>,
) -> (Vec<Reaching<'a>>, Vec<UnreadablePolicy>) {
    let mut inherited = Vec::new();
    let mut unreadable = Vec::new();
    for group_name in &user.groups {
        match groups_by_name.get(group_name.as_str()) {
            Some(group) => collect(
                &group.arn,
                &group.inline_policies,
                &group.attached_policies,
                managed,
                &mut inherited,
                &mut unreadable,
            ),
            None => unreadable.push(UnreadablePolicy {
                policy: format!("group:{group_name}"),
                reason: "the user's group is not in the snapshot".into(),
            }),
        }
    }
    (inherited, unreadable)
}

fn unreadable_reason(source: &PolicySource, absent: &str) -> String {
    source.decode_error.clone().unwrap_or_else(|| absent.into())
}

/// The root user from the credential report, indexed on the account, when the report has it.
fn root_facts(
    report: &HashMap<&str, &CredentialReportEntry>,
    account_id: &str,
    index: &mut ResourceIndex,
) -> Option<RootFacts> {
    let root = report
        .values()
        .find(|entry| entry.user == "<root_account>")
        .map(|entry| RootFacts {
            key: format!("arn:aws:iam::{account_id}:root"),
            mfa_active: entry.mfa_active,
            access_keys_active: entry.access_keys.iter().filter(|k| k.active).count(),
            password_last_used: entry.password_last_used.clone(),
        })?;
    index.insert(
        root.key.clone(),
        ResourceRef {
            arn: root.key.clone(),
            resource_type: "AwsAccount".into(),
            name: "root".into(),
            account: account_id.to_string(),
            region: GLOBAL_REGION.into(),
        },
    );
    Some(root)
}

fn collect<'a>(
    via: &'a str,
    inline: &'a [InlinePolicy],
    attached: &'a [String],
    managed: &HashMap<&str, &'a ManagedPolicy>,
    reaching: &mut Vec<Reaching<'a>>,
    unreadable: &mut Vec<UnreadablePolicy>,
) {
    for policy in inline {
        reaching.push(Reaching {
            policy: format!("inline:{}", policy.name),
            via,
            source: &policy.source,
        });
    }
    for arn in attached {
        match managed.get(arn.as_str()) {
            Some(policy) => reaching.push(Reaching {
                policy: arn.clone(),
                via,
                source: &policy.source,
            }),
            None => unreadable.push(UnreadablePolicy {
                policy: arn.clone(),
                reason: "attached managed policy is not in the snapshot".into(),
            }),
        }
    }
}

/// A principal and the policies attached to it directly.
struct Subject<'a> {
    kind: PrincipalKind,
    arn: &'a str,
    name: &'a str,
    inline: &'a [InlinePolicy],
    attached: &'a [String],
    boundary: Option<&'a str>,
    limits: &'a AccountLimits<'a>,
}

/// What limits every principal of the account beyond its own policies: the SCPs of each level
/// of the account's chain (each must allow), or why they cannot be known.
struct AccountLimits<'a> {
    account_id: &'a str,
    organization_id: Option<String>,
    scp_levels: Vec<Vec<&'a crate::snapshot::policy::PolicyDocument>>,
    scp_unknown: Option<String>,
}

impl<'a> Subject<'a> {
    /// SCPs do not apply to service-linked roles.
    fn scp_exempt(&self) -> bool {
        self.kind == PrincipalKind::Role && self.arn.contains(":role/aws-service-role/")
    }

    /// Each SCP level summarised for this principal (conditions naming it are decided).
    fn scp_levels(&self, cache: &mut StatementReader) -> Vec<PolicySetSummary<'a>> {
        if self.scp_exempt() {
            return Vec::new();
        }
        let mut ignored = Vec::new();
        self.limits
            .scp_levels
            .iter()
            .map(|level| {
                let statements = level.iter().flat_map(|document| document.statements.iter());
                PolicySetSummary::new(
                    statements
                        .map(|s| analyse_statement(usize::MAX, s, cache, &mut ignored))
                        .collect(),
                )
            })
            .collect()
    }

    fn scp_unknown(&self) -> Option<&str> {
        self.limits.scp_unknown.as_deref().filter(|_| !self.scp_exempt())
    }
}

#[allow(clippy::too_many_arguments)]
fn principal<'a>(
    account_id: &str,
    subject: Subject<'a>,
    inherited: Vec<Reaching<'a>>,
    mut unreadable: Vec<UnreadablePolicy>,
    managed: &HashMap<&str, &'a ManagedPolicy>,
    knowledge: &IamKnowledge,
    cache: &mut StatementReader,
    index: &mut ResourceIndex,
) -> (PrincipalFacts, Computed) {
    // Its own policies first, then what it inherits (a user's groups).
    let mut reaching = Vec::new();
    collect(
        subject.arn,
        subject.inline,
        subject.attached,
        managed,
        &mut reaching,
        &mut unreadable,
    );
    reaching.extend(inherited);
    let catalog = catalog();
    let mut unknown = Vec::new();
    cache.principal = Some(PrincipalContext {
        arn: subject.arn.to_string(),
        account: subject.limits.account_id.to_string(),
        organization_id: subject.limits.organization_id.clone(),
    });
    let (statements, admin_grants) = read_statements(&reaching, cache, &mut unknown, &mut unreadable);
    let mut summary = PolicySetSummary::new(statements);
    let boundary = boundary_of(subject.boundary, managed, cache, &mut unknown, &mut unreadable);
    if let Some(boundary) = &boundary {
        summary.bound_by(boundary);
    }
    let boundary_unreadable = subject.boundary.is_some() && boundary.is_none();
    let scp_levels = subject.scp_levels(cache);
    let scp_unknown = subject.scp_unknown();
    // Full administrator: holds, everywhere and unconditionally, everything the SCPs allow.
    let mut scp_allowed = ActionSet::full(catalog.len());
    for level in &scp_levels {
        scp_allowed.intersect_with(&level.somewhere);
    }
    let mut not_held = scp_allowed.clone();
    not_held.subtract(&summary.everywhere_unconditional);
    let holds_all_allowed = !scp_allowed.is_empty() && not_held.is_empty();
    let everywhere_before_scps = summary.everywhere_unconditional.count();
    for level in &scp_levels {
        summary.bound_by(level);
    }
    let limits_unreadable = boundary_unreadable || scp_unknown.is_some();
    let grant_of = |action: usize| -> Option<ActionGrant> {
        let mut grant = summary.grant(action)?;
        // An unreadable boundary could only cut: what the policies allow is an upper bound.
        if let Some(boundary) = &boundary {
            grant = grant.within(&boundary.grant(action)?)?;
        }
        for level in &scp_levels {
            grant = grant.within(&level.grant(action)?)?;
        }
        Some(grant)
    };
    let policy_names = |origins: &[usize]| -> Vec<String> {
        origins
            .iter()
            .filter_map(|o| reaching.get(*o).map(|r| r.policy.clone()))
            .collect()
    };
    let mut allowed = BTreeMap::new();
    let mut method_actions = HashMap::new();
    for &action in &knowledge.interest {
        if let Some(grant) = grant_of(action) {
            let entry = AllowedAction {
                resources: grant.resources.clone(),
                conditional: grant.conditional,
                policies: policy_names(&grant.origins),
            };
            method_actions.insert(action, entry.clone());
            allowed.insert(catalog.actions[action].full_name.clone(), entry);
        }
    }
    let escalation_methods = escalation_matches(knowledge, &method_actions, subject.arn);
    // Unknown SCPs leave no level to hold: "*" on "*" still holds whatever they allow.
    let full_admin = holds_all_allowed && !boundary_unreadable;
    // What an unreadable boundary or SCP might cut is not proven privileged (nor proven harmless).
    let privileged = full_admin || (!limits_unreadable && escalation_methods.iter().any(escalates_unconditionally));
    if let Some(reason) = scp_unknown {
        unreadable.push(UnreadablePolicy {
            policy: "service control policies".into(),
            reason: reason.to_string(),
        });
    }

    let (pm_listed, pm_count) = permissions_management(&summary, knowledge);
    let service_wildcards = service_wildcards(&summary, &reaching);

    let key = index_principal(index, account_id, &subject, &unreadable);
    let computed = Computed {
        kind: subject.kind,
        arn: subject.arn.to_string(),
        assume: catalog.id("sts:AssumeRole").and_then(grant_of),
        pass_role: catalog.id("iam:PassRole").and_then(grant_of),
        method_actions,
        limits_unreadable,
        everywhere: summary.everywhere_unconditional.clone(),
    };
    let facts = PrincipalFacts {
        key,
        arn: subject.arn.to_string(),
        kind: subject.kind,
        name: subject.name.to_string(),
        policies: reaching.iter().map(|r| r.policy.clone()).collect(),
        inline_policy_count: subject.inline.len(),
        attached_policy_count: subject.attached.len(),
        permissions_boundary: subject.boundary.map(str::to_string),
        full_admin,
        admin_grants,
        allowed,
        unconditional_action_count: summary.everywhere_unconditional.count(),
        service_wildcards,
        permissions_management_everywhere: pm_listed,
        permissions_management_everywhere_count: pm_count,
        escalation_methods,
        pass_role_holdings: Vec::new(),
        reachable_capabilities: Vec::new(),
        held_everywhere: gains::Holdings::default(),
        edges: Vec::new(),
        privileged,
        path_to_privileged: None,
        unknown_actions: unknown,
        unreadable_policies: unreadable,
        trust: Vec::new(),
        trust_unreadable: None,
        credentials: None,
        permissions_boundary_unreadable: boundary_unreadable,
        scp_limited: summary.everywhere_unconditional.count() < everywhere_before_scps,
        escalation_unknown: limits_unknown_reason(&subject, boundary_unreadable, scp_unknown),
    };
    (if limits_unreadable { unproven(facts) } else { facts }, computed)
}

/// Why what limits the principal cannot be read (its boundary, or the SCPs above its account).
fn limits_unknown_reason(
    subject: &Subject<'_>,
    boundary_unreadable: bool,
    scp_unknown: Option<&str>,
) -> Option<String> {
    match (subject.boundary.filter(|_| boundary_unreadable), scp_unknown) {
        (Some(arn), _) => Some(format!(
            "its permissions boundary {arn} cannot be read, and it could cut every route"
        )),
        (None, Some(reason)) => Some(format!("{reason}, and the SCPs could cut every route")),
        (None, None) => None,
    }
}

/// An unreadable boundary could cut any grant: what the policies allow is only an upper bound,
/// so no grant is reported and no rule fails on one; the principal is incomplete, so the rules
/// that read its grants are `not_evaluated` (the graph still follows the upper bound).
fn unproven(facts: PrincipalFacts) -> PrincipalFacts {
    PrincipalFacts {
        admin_grants: if facts.full_admin {
            facts.admin_grants
        } else {
            Vec::new()
        },
        allowed: BTreeMap::new(),
        unconditional_action_count: 0,
        service_wildcards: Vec::new(),
        permissions_management_everywhere: Vec::new(),
        permissions_management_everywhere_count: 0,
        escalation_methods: Vec::new(),
        ..facts
    }
}

/// The statements of every readable policy reaching the principal (unreadable ones are listed),
/// and where `*` on `*` is granted.
fn read_statements<'a>(
    reaching: &[Reaching<'a>],
    cache: &mut StatementReader,
    unknown: &mut Vec<String>,
    unreadable: &mut Vec<UnreadablePolicy>,
) -> (Vec<Analysed<'a>>, Vec<StatementOrigin>) {
    let mut statements = Vec::new();
    let mut admin_grants = Vec::new();
    for (origin, entry) in reaching.iter().enumerate() {
        let Some(document) = &entry.source.document else {
            unreadable.push(UnreadablePolicy {
                policy: entry.policy.clone(),
                reason: unreadable_reason(entry.source, "no document"),
            });
            continue;
        };
        for statement in &document.statements {
            let analysed = analyse_statement(origin, statement, cache, unknown);
            if analysed.condition == ConditionVerdict::Always && allows_everything(statement) {
                admin_grants.push(StatementOrigin {
                    policy: entry.policy.clone(),
                    via: entry.via.to_string(),
                    sid: statement.sid.clone(),
                });
            }
            statements.push(analysed);
        }
    }
    (statements, admin_grants)
}

/// The permissions boundary, summarised; `None` when there is none or it cannot be read (listed).
fn boundary_of<'a>(
    boundary: Option<&str>,
    managed: &HashMap<&str, &'a ManagedPolicy>,
    cache: &mut StatementReader,
    unknown: &mut Vec<String>,
    unreadable: &mut Vec<UnreadablePolicy>,
) -> Option<PolicySetSummary<'a>> {
    let arn = boundary?;
    let Some(document) = managed.get(arn).and_then(|p| p.source.document.as_ref()) else {
        unreadable.push(UnreadablePolicy {
            policy: arn.to_string(),
            reason: "permissions boundary policy is not readable in the snapshot".into(),
        });
        return None;
    };
    Some(PolicySetSummary::new(
        document
            .statements
            .iter()
            .map(|s| analyse_statement(usize::MAX, s, cache, unknown))
            .collect(),
    ))
}

/// The escalation methods (other than pass-role) whose every action the principal holds.
fn escalation_matches(
    knowledge: &IamKnowledge,
    method_actions: &HashMap<usize, AllowedAction>,
    arn: &str,
) -> Vec<MethodMatch> {
    knowledge
        .methods
        .iter()
        .filter(|m| m.kind != MethodKind::PassRole && !m.action_ids.is_empty())
        .filter(|m| m.action_ids.len() == m.actions.len())
        .filter_map(|m| {
            let grants: Vec<AllowedAction> = m
                .action_ids
                .iter()
                .map(|a| method_actions.get(a).and_then(|grant| usable_by(m, grant)))
                .collect::<Option<_>>()?;
            Some(MethodMatch {
                id: m.id.clone(),
                kind: m.kind,
                actions: m.actions.clone(),
                conditional: grants.iter().any(|g| g.conditional),
                only_on_self: grants
                    .iter()
                    .all(|g| g.resources.iter().all(|r| r == arn || r.contains("${aws:username}"))),
                unscoped: all_unscoped(&grants),
                ignore_when_only_on_self: m.ignore_when_only_on_self,
            })
        })
        .collect()
}

/// The part of a grant a method can use: without the AWS managed policies when the method
/// cannot act on them; `None` when nothing is left.
fn usable_by(method: &EscalationMethod, grant: &AllowedAction) -> Option<AllowedAction> {
    if !method.ignore_on_aws_managed_policies {
        return Some(grant.clone());
    }
    let resources: Vec<String> = grant
        .resources
        .iter()
        .filter(|r| !names_only_aws_managed_policies(r))
        .cloned()
        .collect();
    (!resources.is_empty()).then(|| AllowedAction {
        resources,
        ..grant.clone()
    })
}

/// A resource pattern every match of which is an AWS managed policy: IAM, no region, account
/// `aws` written out (a wildcard account may name the customer's own policies).
fn names_only_aws_managed_policies(pattern: &str) -> bool {
    let fields: Vec<&str> = pattern.splitn(6, ':').collect();
    matches!(fields.as_slice(), ["arn", _, "iam", "", "aws", resource] if resource.starts_with("policy/"))
}

/// Permissions-management actions allowed everywhere without condition: the first fifty (those
/// of sensitive services first, so the listed ones are the ones that matter most) and the count.
fn permissions_management(summary: &PolicySetSummary<'_>, knowledge: &IamKnowledge) -> (Vec<String>, usize) {
    let catalog = catalog();
    let mut held = summary.everywhere_unconditional.clone();
    held.intersect_with(&catalog.permissions_management);
    let mut actions: Vec<&str> = held.iter().map(|a| catalog.actions[a].full_name.as_str()).collect();
    let count = actions.len();
    let outside_sensitive_services = |name: &str| {
        let service = name.split(':').next().unwrap_or_default();
        !knowledge.sensitive_services.iter().any(|s| s == service)
    };
    actions.sort_by_key(|name| outside_sensitive_services(name));
    let listed = actions
        .into_iter()
        .take(LISTED_PERMISSIONS_MANAGEMENT)
        .map(str::to_string)
        .collect();
    (listed, count)
}

/// Indexes the principal under its ARN, incomplete for each policy that could not be read.
fn index_principal(
    index: &mut ResourceIndex,
    account_id: &str,
    subject: &Subject<'_>,
    unreadable: &[UnreadablePolicy],
) -> String {
    let key = subject.arn.to_string();
    index.insert(
        key.clone(),
        ResourceRef {
            arn: subject.arn.to_string(),
            resource_type: subject.kind.resource_type().into(),
            name: subject.name.to_string(),
            account: account_id.to_string(),
            region: GLOBAL_REGION.into(),
        },
    );
    for policy in unreadable {
        index.mark_incomplete(&key, Section::Iam, format!("{}: {}", policy.policy, policy.reason));
    }
    key
}

/// Allow statements naming `service:*`, for services the principal keeps some action of.
fn service_wildcards(summary: &PolicySetSummary<'_>, reaching: &[Reaching<'_>]) -> Vec<ServiceWildcard> {
    let catalog = catalog();
    let mut found: Vec<ServiceWildcard> = Vec::new();
    for analysed in summary
        .statements
        .iter()
        .filter(|a| a.statement.effect == Effect::Allow && a.condition != ConditionVerdict::Never)
    {
        for pattern in analysed.statement.action.iter().flatten() {
            let Some(service) = pattern.strip_suffix(":*") else {
                continue;
            };
            let Some(range) = catalog.service_range(service) else {
                continue;
            };
            if !range.clone().any(|id| summary.somewhere.contains(id)) {
                continue;
            }
            let Some(origin) = reaching.get(analysed.origin) else {
                continue;
            };
            found.push(ServiceWildcard {
                service: service.to_ascii_lowercase(),
                policy: origin.policy.clone(),
                resources: analysed
                    .statement
                    .resource
                    .clone()
                    .unwrap_or_else(|| vec!["*".to_string()]),
                conditional: analysed.conditional,
            });
        }
    }
    found
}

/// A `self` method that surely escalates: unconditional, and not merely self-service.
pub(crate) fn escalates_unconditionally(method: &MethodMatch) -> bool {
    method.kind == MethodKind::OnSelf
        && !method.conditional
        && !(method.ignore_when_only_on_self && method.only_on_self)
}

fn is_all_actions(pattern: &str) -> bool {
    pattern == "*" || pattern == "*:*"
}

/// An Allow of every action on every resource, with or without a condition.
fn allows_everything(statement: &Statement) -> bool {
    statement.effect == Effect::Allow
        && statement
            .action
            .as_ref()
            .is_some_and(|a| a.iter().any(|p| is_all_actions(p)))
        && statement.resource.as_ref().is_some_and(|r| r.iter().any(|p| p == "*"))
}

fn days_since(date: Option<&str>, as_of: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let parsed = chrono::DateTime::parse_from_rfc3339(date?).ok()?;
    Some((as_of - parsed.with_timezone(&chrono::Utc)).num_days())
}

fn credentials(entry: &CredentialReportEntry, as_of: chrono::DateTime<chrono::Utc>) -> CredentialFacts {
    CredentialFacts {
        password_enabled: entry.password_enabled,
        mfa_active: entry.mfa_active,
        password_last_used: entry.password_last_used.clone(),
        access_keys: entry
            .access_keys
            .iter()
            .map(|key| {
                let age_days = days_since(key.last_rotated.as_deref(), as_of);
                AccessKeyFacts {
                    number: key.number,
                    active: key.active,
                    last_rotated: key.last_rotated.clone(),
                    last_used: key.last_used.clone(),
                    age_days,
                    unused_days: days_since(key.last_used.as_deref(), as_of).or(age_days),
                }
            })
            .collect(),
    }
}
