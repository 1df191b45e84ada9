//! IAM facts: for each principal, the policies that reach it (own inline and attached, and for
//! users every group's) and whether they add up to full administrator access.

use super::{ResourceIndex, ResourceRef, GLOBAL_REGION};
use crate::snapshot::policy::{Effect, PolicyDocument, Statement};
use crate::snapshot::{IamSection, InlinePolicy, ManagedPolicy, PolicySource};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize)]
pub struct IamFacts {
    pub principals: Vec<PrincipalFacts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// A statement that grants or limits, named by the policy it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct StatementOrigin {
    /// Managed policy ARN, or `inline:<name>` on `via`.
    pub policy: String,
    /// The principal the policy is attached to (the group, for a user's group policies).
    pub via: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PrincipalFacts {
    pub key: String,
    pub arn: String,
    pub kind: PrincipalKind,
    pub name: String,
    /// Every policy that reaches the principal (managed ARNs and `inline:<name>`).
    pub policies: Vec<String>,
    /// `*` on `*` allowed without condition, not cut by an unconditional deny on all
    /// resources, and within the permissions boundary.
    pub full_admin: bool,
    /// The statements that grant `*` on `*` (even where a deny or boundary cuts them).
    pub admin_grants: Vec<StatementOrigin>,
    /// Unconditional denies on all resources that cut full access.
    pub limiting_denies: Vec<StatementOrigin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// Policies that could not be read; verdicts that need them are `not_evaluated`.
    pub unreadable_policies: Vec<UnreadablePolicy>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnreadablePolicy {
    pub policy: String,
    pub reason: String,
}

/// A policy document reaching a principal, with where it came from.
struct Reaching<'a> {
    origin_policy: String,
    via: &'a str,
    source: &'a PolicySource,
}

pub fn analyse(account_id: &str, section: &IamSection, index: &mut ResourceIndex) -> IamFacts {
    let managed: HashMap<&str, &ManagedPolicy> = section.policies.iter().map(|p| (p.arn.as_str(), p)).collect();
    let groups_by_name: HashMap<&str, &crate::snapshot::IamGroup> =
        section.groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let mut principals = Vec::with_capacity(section.users.len() + section.groups.len() + section.roles.len());

    for user in &section.users {
        let mut reaching = Vec::new();
        let mut missing = Vec::new();
        collect_policies(
            &user.arn,
            &user.inline_policies,
            &user.attached_policies,
            &managed,
            &mut reaching,
            &mut missing,
        );
        for group_name in &user.groups {
            match groups_by_name.get(group_name.as_str()) {
                Some(group) => collect_policies(
                    &group.arn,
                    &group.inline_policies,
                    &group.attached_policies,
                    &managed,
                    &mut reaching,
                    &mut missing,
                ),
                None => missing.push(UnreadablePolicy {
                    policy: format!("group:{group_name}"),
                    reason: "the user's group is not in the snapshot".into(),
                }),
            }
        }
        principals.push(principal(
            account_id,
            PrincipalKind::User,
            &user.arn,
            &user.name,
            reaching,
            missing,
            user.permissions_boundary.as_deref(),
            &managed,
            index,
        ));
    }
    for group in &section.groups {
        let mut reaching = Vec::new();
        let mut missing = Vec::new();
        collect_policies(
            &group.arn,
            &group.inline_policies,
            &group.attached_policies,
            &managed,
            &mut reaching,
            &mut missing,
        );
        principals.push(principal(
            account_id,
            PrincipalKind::Group,
            &group.arn,
            &group.name,
            reaching,
            missing,
            None,
            &managed,
            index,
        ));
    }
    for role in &section.roles {
        let mut reaching = Vec::new();
        let mut missing = Vec::new();
        collect_policies(
            &role.arn,
            &role.inline_policies,
            &role.attached_policies,
            &managed,
            &mut reaching,
            &mut missing,
        );
        principals.push(principal(
            account_id,
            PrincipalKind::Role,
            &role.arn,
            &role.name,
            reaching,
            missing,
            role.permissions_boundary.as_deref(),
            &managed,
            index,
        ));
    }
    IamFacts { principals }
}

fn collect_policies<'a>(
    via: &'a str,
    inline: &'a [InlinePolicy],
    attached: &'a [String],
    managed: &HashMap<&str, &'a ManagedPolicy>,
    reaching: &mut Vec<Reaching<'a>>,
    missing: &mut Vec<UnreadablePolicy>,
) {
    for policy in inline {
        reaching.push(Reaching {
            origin_policy: format!("inline:{}", policy.name),
            via,
            source: &policy.source,
        });
    }
    for arn in attached {
        match managed.get(arn.as_str()) {
            Some(policy) => reaching.push(Reaching {
                origin_policy: arn.clone(),
                via,
                source: &policy.source,
            }),
            None => missing.push(UnreadablePolicy {
                policy: arn.clone(),
                reason: "attached managed policy is not in the snapshot".into(),
            }),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn principal(
    account_id: &str,
    kind: PrincipalKind,
    arn: &str,
    name: &str,
    reaching: Vec<Reaching<'_>>,
    mut unreadable: Vec<UnreadablePolicy>,
    boundary: Option<&str>,
    managed: &HashMap<&str, &ManagedPolicy>,
    index: &mut ResourceIndex,
) -> PrincipalFacts {
    let mut admin_grants = Vec::new();
    let mut limiting_denies = Vec::new();
    let mut policies = Vec::with_capacity(reaching.len());
    for entry in &reaching {
        policies.push(entry.origin_policy.clone());
        let Some(document) = &entry.source.document else {
            unreadable.push(UnreadablePolicy {
                policy: entry.origin_policy.clone(),
                reason: entry
                    .source
                    .decode_error
                    .clone()
                    .unwrap_or_else(|| "no document".into()),
            });
            continue;
        };
        for statement in &document.statements {
            let origin = || StatementOrigin {
                policy: entry.origin_policy.clone(),
                via: entry.via.to_string(),
                sid: statement.sid.clone(),
            };
            if grants_everything(statement) {
                admin_grants.push(origin());
            } else if limits_everything(statement) {
                limiting_denies.push(origin());
            }
        }
    }
    let boundary_allows_all = match boundary {
        None => Some(true),
        Some(boundary_arn) => match managed.get(boundary_arn).and_then(|p| p.source.document.as_ref()) {
            Some(document) => Some(document_allows_everything(document)),
            None => {
                unreadable.push(UnreadablePolicy {
                    policy: boundary_arn.to_string(),
                    reason: "permissions boundary policy is not readable in the snapshot".into(),
                });
                None
            }
        },
    };
    let full_admin = !admin_grants.is_empty() && limiting_denies.is_empty() && boundary_allows_all == Some(true);

    let key = arn.to_string();
    index.insert(
        key.clone(),
        ResourceRef {
            arn: arn.to_string(),
            resource_type: kind.resource_type().into(),
            name: name.to_string(),
            account: account_id.to_string(),
            region: GLOBAL_REGION.into(),
        },
    );
    for policy in &unreadable {
        index.mark_incomplete(&key, "iam", format!("{}: {}", policy.policy, policy.reason));
    }
    PrincipalFacts {
        key,
        arn: arn.to_string(),
        kind,
        name: name.to_string(),
        policies,
        full_admin,
        admin_grants,
        limiting_denies,
        permissions_boundary: boundary.map(str::to_string),
        unreadable_policies: unreadable,
    }
}

fn is_all_actions(pattern: &str) -> bool {
    pattern == "*" || pattern == "*:*"
}

fn covers_all_resources(statement: &Statement) -> bool {
    statement.resource.as_ref().is_some_and(|r| r.iter().any(|p| p == "*"))
}

/// An unconditional Allow of every action on every resource.
fn grants_everything(statement: &Statement) -> bool {
    statement.effect == Effect::Allow
        && !statement.has_condition()
        && statement
            .action
            .as_ref()
            .is_some_and(|a| a.iter().any(|p| is_all_actions(p)))
        && covers_all_resources(statement)
}

/// An unconditional Deny on all resources: some action is then not allowed anywhere.
/// A deny scoped to some resources does not cut `*` on `*` (a bucket deny leaves admin admin).
fn limits_everything(statement: &Statement) -> bool {
    statement.effect == Effect::Deny
        && !statement.has_condition()
        && (covers_all_resources(statement) || statement.not_resource.is_some())
}

fn document_allows_everything(document: &PolicyDocument) -> bool {
    document.statements.iter().any(grants_everything) && !document.statements.iter().any(limits_everything)
}
