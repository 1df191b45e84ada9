//! What a principal can obtain through others: the roles it reaches by assuming or passing roles
//! (the escalation graph's edges, transitively) that hold, on every resource and without
//! condition, actions or permissions management it does not hold itself. IAM-022 decides from it
//! which of them are sensitive. With other accounts in the scan, the roles of theirs that the
//! principal, or a role it reaches, may assume count too (the cross-account index keeps what
//! each holds).

use super::catalog::{catalog, ActionSet};
use super::cross_account::{CrossAccountIndex, ForeignHop};
use super::graph::Step;
use super::{Computed, IamKnowledge, PrincipalFacts, PrincipalKind, LISTED_PERMISSIONS_MANAGEMENT};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReachedRole {
    pub role: String,
    /// The shortest path to it (empty when it is reached only through an edge that may exist).
    pub steps: Vec<Step>,
    /// Some step holds only under a condition.
    pub conditional: bool,
    /// Actions named in `data.posture.iam` the role holds on `*` without condition and the
    /// principal does not.
    pub actions: Vec<String>,
    /// Permissions-management actions the role holds on `*` without condition and the
    /// principal does not (the first fifty; the count is full).
    pub permissions_management: Vec<String>,
    pub permissions_management_count: usize,
    /// Why what the role holds, or whether it is reached, cannot be known; absent when it can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// What a role holds on `*` without condition, by action name: the actions named in the data
/// and the permissions-management actions (an action may be in both).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Holdings {
    pub actions: Vec<String>,
    pub permissions_management: Vec<String>,
}

impl Holdings {
    pub(super) fn of(everywhere: &ActionSet, knowledge: &IamKnowledge) -> Holdings {
        let catalog = catalog();
        let name = |id: usize| catalog.actions[id].full_name.clone();
        let mut management = everywhere.clone();
        management.intersect_with(&catalog.permissions_management);
        Holdings {
            actions: knowledge
                .interest
                .iter()
                .copied()
                .filter(|a| everywhere.contains(*a))
                .map(name)
                .collect(),
            permissions_management: management.iter().map(name).collect(),
        }
    }

    /// What of it `held` (a principal's own everywhere set) lacks.
    fn beyond(&self, held: &ActionSet) -> Holdings {
        let catalog = catalog();
        let lacks = |name: &&String| catalog.id(name).is_none_or(|id| !held.contains(id));
        Holdings {
            actions: self.actions.iter().filter(lacks).cloned().collect(),
            permissions_management: self.permissions_management.iter().filter(lacks).cloned().collect(),
        }
    }
}

/// The scan's cross-account index and the account analysed.
pub(super) type Foreign<'a> = Option<(&'a CrossAccountIndex, &'a str)>;

/// Fills `reachable_capabilities` of every user and role whose limits are readable.
pub(super) fn link(
    principals: &mut [PrincipalFacts],
    computed: &[Computed],
    knowledge: &IamKnowledge,
    foreign: Foreign<'_>,
) {
    let position: HashMap<&str, usize> = principals
        .iter()
        .enumerate()
        .map(|(i, p)| (p.arn.as_str(), i))
        .collect();
    let adjacency: Vec<Vec<Hop>> = (0..principals.len())
        .map(|from| hops_from(from, principals, computed, &position))
        .collect();
    let foreign_hops: Vec<Vec<ForeignHop<'_>>> = principals
        .iter()
        .map(|p| match foreign {
            Some((index, account_id)) if p.kind != PrincipalKind::Group => index.hops_from(account_id, p),
            _ => Vec::new(),
        })
        .collect();
    let reached: Vec<Vec<ReachedRole>> = (0..principals.len())
        .map(|from| {
            if computed[from].kind == PrincipalKind::Group || computed[from].limits_unreadable {
                return Vec::new();
            }
            reach(Walk {
                from,
                principals,
                computed,
                knowledge,
                adjacency: &adjacency,
                foreign: &foreign_hops,
            })
        })
        .collect();
    for (principal, list) in principals.iter_mut().zip(reached) {
        principal.reachable_capabilities = list;
    }
}

/// One edge of the walk: to whom, the step it is, and whether it only may exist.
struct Hop {
    to: usize,
    step: Option<Step>,
    conditional: bool,
}

/// The known edges from `from`, and those that may exist: to a role whose trust cannot be read
/// that it could assume, or pass with a pass-role method it holds whole.
fn hops_from(
    from: usize,
    principals: &[PrincipalFacts],
    computed: &[Computed],
    position: &HashMap<&str, usize>,
) -> Vec<Hop> {
    let source = &principals[from];
    let known = source.edges.iter().filter_map(|edge| {
        position.get(edge.to.as_str()).map(|&to| Hop {
            to,
            step: Some(Step::along(&source.arn, edge)),
            conditional: edge.conditional,
        })
    });
    let state = &computed[from];
    let may_pass = !source.pass_role_holdings.is_empty();
    let possible = principals.iter().enumerate().filter_map(move |(to, role)| {
        let unreadable_trust = to != from && role.trust_unreadable.is_some();
        let could = || {
            state.assume.as_ref().is_some_and(|g| g.covers(&role.arn))
                || (may_pass && state.pass_role.as_ref().is_some_and(|g| g.covers(&role.arn)))
        };
        (unreadable_trust && could()).then_some(Hop {
            to,
            step: None,
            conditional: false,
        })
    });
    known.chain(possible).collect()
}

/// What one breadth-first walk reads.
struct Walk<'a> {
    from: usize,
    principals: &'a [PrincipalFacts],
    computed: &'a [Computed],
    knowledge: &'a IamKnowledge,
    adjacency: &'a [Vec<Hop>],
    /// Per principal, the roles of other accounts it may assume directly.
    foreign: &'a [Vec<ForeignHop<'a>>],
}

/// Breadth-first from `walk.from`: each role reached, with what it holds that `from` does not.
/// The walk stops at privileged principals with readable data: beyond them, IAM-002 has it all.
fn reach(walk: Walk<'_>) -> Vec<ReachedRole> {
    let principals = walk.principals;
    let mut parent: Vec<Option<(usize, usize)>> = vec![None; principals.len()];
    let mut seen = vec![false; principals.len()];
    seen[walk.from] = true;
    let mut queue = VecDeque::from([walk.from]);
    let mut out = Vec::new();
    let mut visited = Vec::new();
    while let Some(node) = queue.pop_front() {
        visited.push(node);
        for (index, hop) in walk.adjacency[node].iter().enumerate() {
            if seen[hop.to] {
                continue;
            }
            seen[hop.to] = true;
            parent[hop.to] = Some((node, index));
            let role = &principals[hop.to];
            if !(is_privileged(role) && incomplete(role).is_none()) {
                queue.push_back(hop.to);
            }
            out.extend(reached(&walk, hop.to, &parent));
        }
    }
    for node in visited {
        for hop in &walk.foreign[node] {
            if !out.iter().any(|r: &ReachedRole| r.role == hop.arn) {
                out.extend(reached_abroad(&walk, node, hop, &parent));
            }
        }
    }
    out
}

/// A role of another account that `node` (the principal itself, or a role it reaches) may
/// assume, when it holds something `walk.from` lacks or what it gives is unknown.
fn reached_abroad(
    walk: &Walk<'_>,
    node: usize,
    hop: &ForeignHop<'_>,
    parent: &[Option<(usize, usize)>],
) -> Option<ReachedRole> {
    let gained = hop
        .holds
        .map(|holds| holds.beyond(&walk.computed[walk.from].everywhere))
        .unwrap_or_default();
    if hop.unknown.is_none() && gained.actions.is_empty() && gained.permissions_management.is_empty() {
        return None;
    }
    let (mut steps, conditional) = path_to(walk, node, parent);
    let from = &walk.principals[node].arn;
    steps.push(Step {
        from: from.clone(),
        to: hop.arn.clone(),
        via: "sts:AssumeRole".into(),
        kind: "assume_cross_account",
        workload: None,
    });
    let count = gained.permissions_management.len();
    let mut management = gained.permissions_management;
    management.truncate(LISTED_PERMISSIONS_MANAGEMENT);
    Some(ReachedRole {
        role: hop.arn.clone(),
        steps,
        conditional: conditional || hop.conditional,
        actions: gained.actions,
        permissions_management: management,
        permissions_management_count: count,
        unknown: hop.unknown.clone(),
    })
}

fn is_privileged(principal: &PrincipalFacts) -> bool {
    principal.full_admin || principal.privileged
}

/// The role at `to` as reached, when it holds something `from` lacks or is unknown; privileged
/// roles with readable data are left to IAM-002. The path is copied only for a role kept.
fn reached(walk: &Walk<'_>, to: usize, parent: &[Option<(usize, usize)>]) -> Option<ReachedRole> {
    let (source, role) = (&walk.principals[walk.from], &walk.principals[to]);
    let unknown = through_unknown_edge(walk, to, parent)
        .map(|arn| {
            format!(
                "whether {} reaches {arn} depends on its unreadable trust policy",
                source.arn
            )
        })
        .or_else(|| incomplete(role));
    if unknown.is_none() && is_privileged(role) {
        return None;
    }
    let mut gained = walk.computed[to].everywhere.clone();
    gained.subtract(&walk.computed[walk.from].everywhere);
    let catalog = catalog();
    let actions: Vec<String> = walk
        .knowledge
        .interest
        .iter()
        .filter(|a| gained.contains(**a))
        .map(|a| catalog.actions[*a].full_name.clone())
        .collect();
    let mut management = gained.clone();
    management.intersect_with(&catalog.permissions_management);
    let management: Vec<usize> = management.iter().collect();
    if unknown.is_none() && actions.is_empty() && management.is_empty() {
        return None;
    }
    let (steps, conditional) = path_to(walk, to, parent);
    Some(ReachedRole {
        role: role.arn.clone(),
        steps,
        conditional,
        actions,
        permissions_management: management
            .iter()
            .take(LISTED_PERMISSIONS_MANAGEMENT)
            .map(|a| catalog.actions[*a].full_name.clone())
            .collect(),
        permissions_management_count: management.len(),
        unknown,
    })
}

/// The hops from `walk.from` to `to`, last first.
fn hops_to<'w>(
    walk: &'w Walk<'_>,
    to: usize,
    parent: &'w [Option<(usize, usize)>],
) -> impl Iterator<Item = (usize, &'w Hop)> + 'w {
    std::iter::successors(parent[to].map(|link| (to, link)), move |&(_, (previous, _))| {
        parent[previous].map(|link| (previous, link))
    })
    .map(move |(node, (previous, index))| (node, &walk.adjacency[previous][index]))
}

/// The role reached through an edge that only may exist on the way to `to`, if any.
fn through_unknown_edge(walk: &Walk<'_>, to: usize, parent: &[Option<(usize, usize)>]) -> Option<String> {
    hops_to(walk, to, parent)
        .filter(|(_, hop)| hop.step.is_none())
        .last()
        .map(|(node, _)| walk.principals[node].arn.clone())
}

/// The steps from `walk.from` to `to`, and whether any is conditional.
fn path_to(walk: &Walk<'_>, to: usize, parent: &[Option<(usize, usize)>]) -> (Vec<Step>, bool) {
    let mut steps: Vec<Step> = hops_to(walk, to, parent)
        .filter_map(|(_, hop)| hop.step.clone())
        .collect();
    let conditional = hops_to(walk, to, parent).any(|(_, hop)| hop.conditional);
    steps.reverse();
    (steps, conditional)
}

/// Why what the principal holds cannot be known.
fn incomplete(principal: &PrincipalFacts) -> Option<String> {
    principal
        .unreadable_policies
        .first()
        .map(|p| format!("{} of {} is unreadable ({})", p.policy, principal.arn, p.reason))
        .or_else(|| {
            principal
                .trust_unreadable
                .as_ref()
                .map(|reason| format!("the trust policy of {} is unreadable: {reason}", principal.arn))
        })
}
