//! Pass-role methods a principal holds whole, and the roles it could pass through each today:
//! the facts IAM-021 (latent escalation) decides from. A method held on every role the account
//! could create but with no privileged role to pass is not an escalation yet; it becomes one with
//! the next privileged role that trusts the service.

use super::catalog::{catalog, resource_match};
use super::effective::ActionGrant;
use super::{Computed, EscalationMethod, IamKnowledge, MethodKind, PrincipalFacts, PrincipalKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PassRoleHolding {
    /// The pass-role method id (`data.posture.iam.escalation_methods`).
    pub id: String,
    /// The service the passed role must trust.
    pub service: String,
    /// The method's actions, then `iam:PassRole`.
    pub actions: Vec<String>,
    /// Some action (or iam:PassRole) is allowed only under a condition.
    pub conditional: bool,
    /// `iam:PassRole` covers every role the account could create (`*`, `role/*`, ...).
    pub every_future_role: bool,
    /// The roles it could pass through this method today (they trust the service and the
    /// iam:PassRole grant covers them), and roles whose trust cannot be read that it covers.
    pub targets: Vec<PassTarget>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PassTarget {
    pub role: String,
    /// The role is privileged or has a path to a privileged principal.
    pub escalates: bool,
    /// Why the role's trust, policies or route cannot be known; absent when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// Fills `pass_role_holdings` of every user and role whose limits are readable.
pub(super) fn link(principals: &mut [PrincipalFacts], computed: &[Computed], knowledge: &IamKnowledge) {
    let holdings: Vec<Vec<PassRoleHolding>> = computed
        .iter()
        .map(|state| {
            if state.kind == PrincipalKind::Group || state.limits_unreadable {
                return Vec::new();
            }
            held_methods(knowledge, state)
                .filter_map(|method| holding(method, state, principals, computed))
                .collect()
        })
        .collect();
    for (principal, held) in principals.iter_mut().zip(holdings) {
        principal.pass_role_holdings = held;
    }
}

/// The pass-role methods whose every action `state` holds.
fn held_methods<'k>(knowledge: &'k IamKnowledge, state: &'k Computed) -> impl Iterator<Item = &'k EscalationMethod> {
    knowledge.methods.iter().filter(move |m| {
        m.kind == MethodKind::PassRole
            && m.service.is_some()
            && m.action_ids.len() == m.actions.len()
            && m.action_ids.iter().all(|a| state.method_actions.contains_key(a))
    })
}

fn holding(
    method: &EscalationMethod,
    state: &Computed,
    principals: &[PrincipalFacts],
    computed: &[Computed],
) -> Option<PassRoleHolding> {
    let pass = state.pass_role.as_ref()?;
    let service = method.service.clone()?;
    let catalog = catalog();
    let conditional = pass.conditional
        || method
            .action_ids
            .iter()
            .any(|a| state.method_actions.get(a).is_some_and(|g| g.conditional));
    let mut actions: Vec<String> = method
        .action_ids
        .iter()
        .map(|a| catalog.actions[*a].full_name.clone())
        .collect();
    actions.push("iam:PassRole".into());
    let targets = principals
        .iter()
        .zip(computed)
        .filter(|(role, other)| other.kind == PrincipalKind::Role && role.arn != state.arn && pass.covers(&role.arn))
        .filter_map(|(role, _)| target(role, &service))
        .collect();
    Some(PassRoleHolding {
        id: method.id.clone(),
        service,
        actions,
        conditional,
        every_future_role: covers_every_role(pass, &state.arn),
        targets,
    })
}

/// The role as a target of a method for `service`: when its trust names the service, or cannot
/// be read (it may).
fn target(role: &PrincipalFacts, service: &str) -> Option<PassTarget> {
    if let Some(reason) = &role.trust_unreadable {
        return Some(PassTarget {
            role: role.arn.clone(),
            escalates: false,
            unknown: Some(format!("the trust policy of {} is unreadable: {reason}", role.arn)),
        });
    }
    if !super::trust::names_service(&role.trust, service) {
        return None;
    }
    let unknown = role
        .unreadable_policies
        .first()
        .map(|p| format!("{} of {} is unreadable ({})", p.policy, role.arn, p.reason))
        .or_else(|| role.escalation_unknown.clone());
    Some(PassTarget {
        role: role.arn.clone(),
        escalates: role.privileged || role.path_to_privileged.is_some(),
        unknown,
    })
}

/// Whether the grant covers any role name under any path in the principal's account: some
/// pattern is `<prefix>*` where `<prefix>` matches the start of `arn:<partition>:iam::<account>:role/`.
fn covers_every_role(grant: &ActionGrant, principal_arn: &str) -> bool {
    let fields: Vec<&str> = principal_arn.splitn(6, ':').collect();
    let (Some(partition), Some(account)) = (fields.get(1), fields.get(4)) else {
        return false;
    };
    let base = format!("arn:{partition}:iam::{account}:role/");
    grant.resources.iter().any(|pattern| {
        pattern == "*"
            || pattern.strip_suffix('*').is_some_and(|prefix| {
                (0..=base.len()).any(|end| base.is_char_boundary(end) && prefix_matches(prefix, &base[..end]))
            })
    })
}

/// A pattern with no wildcard left matches only itself; otherwise glob it.
fn prefix_matches(prefix: &str, text: &str) -> bool {
    if prefix.is_empty() {
        return text.is_empty();
    }
    resource_match(prefix, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(resources: &[&str]) -> ActionGrant {
        ActionGrant {
            resources: resources.iter().map(|r| r.to_string()).collect(),
            conditional: false,
            origins: Vec::new(),
        }
    }

    const USER: &str = "arn:aws:iam::111122223333:user/dev";

    #[test]
    fn every_role_patterns_cover_future_roles() {
        for pattern in [
            "*",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::111122223333:*",
            "arn:aws:iam::*",
            "arn:*:iam::111122223333:role/*",
        ] {
            assert!(covers_every_role(&grant(&[pattern]), USER), "{pattern}");
        }
    }

    #[test]
    fn scoped_patterns_do_not_cover_future_roles() {
        for pattern in [
            "arn:aws:iam::111122223333:role/pipeline-*",
            "arn:aws:iam::111122223333:role/service-role/*",
            "arn:aws:iam::444455556666:role/*",
            "arn:aws:iam::111122223333:role/admin",
            "arn:aws:s3:::*",
        ] {
            assert!(!covers_every_role(&grant(&[pattern]), USER), "{pattern}");
        }
    }
}
