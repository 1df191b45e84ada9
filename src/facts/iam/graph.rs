//! The escalation graph of one account: who can assume or pass which role, and the shortest
//! path from each principal to a privileged one (one reverse breadth-first search per account).

use super::catalog::wildcard_match;
use super::{Computed, IamKnowledge, MethodKind, PrincipalFacts, PrincipalKind};
use crate::snapshot::IamRole;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub to: String,
    /// `sts:AssumeRole`, or the pass-role escalation method id.
    pub via: String,
    /// `assume` or `pass_role`.
    pub kind: &'static str,
    pub conditional: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub from: String,
    pub to: String,
    pub via: String,
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct PathFacts {
    /// ARNs from this principal to the privileged one.
    pub path: Vec<String>,
    pub steps: Vec<Step>,
    /// `full_admin` or `method:<id>`.
    pub target_reason: String,
    pub conditional: bool,
}

/// Whether a trust policy action list lets `sts:AssumeRole` through.
fn trusts_assume(actions: &[String]) -> bool {
    actions.is_empty()
        || actions
            .iter()
            .any(|a| wildcard_match(&a.to_ascii_lowercase(), "sts:AssumeRole"))
}

/// Fills `edges` and `path_to_privileged` of every user and role.
pub(super) fn link(
    account_id: &str,
    principals: &mut [PrincipalFacts],
    computed: &[Computed],
    roles: &[IamRole],
    knowledge: &IamKnowledge,
) {
    let position: HashMap<&str, usize> = computed.iter().enumerate().map(|(i, c)| (c.arn.as_str(), i)).collect();
    let root = format!("arn:aws:iam::{account_id}:root");
    let role_trust: Vec<(usize, &[super::trust::TrustEntry])> = roles
        .iter()
        .filter_map(|role| {
            position
                .get(role.arn.as_str())
                .map(|i| (*i, principals[*i].trust.as_slice()))
        })
        .collect();
    let mut edges: Vec<Vec<Edge>> = vec![Vec::new(); principals.len()];
    for (from, state) in computed.iter().enumerate() {
        if state.kind == PrincipalKind::Group {
            continue;
        }
        for (to, trust) in &role_trust {
            if *to == from {
                continue;
            }
            let target = &computed[*to].arn;
            // Assume: a trust naming the principal itself needs no identity grant in the same
            // account; one naming the account or `*` needs sts:AssumeRole on the role.
            let mut assume: Option<bool> = None;
            for entry in trust
                .iter()
                .filter(|e| e.principal_type == "AWS" && trusts_assume(&e.actions))
            {
                let conditional = !entry.conditions.is_empty();
                let allowed = if entry.principal == state.arn {
                    Some(conditional)
                } else if entry.principal == "*" || entry.principal == root || entry.principal == account_id {
                    state
                        .assume
                        .as_ref()
                        .filter(|g| g.covers(target))
                        .map(|g| g.conditional || conditional)
                } else {
                    None
                };
                if let Some(c) = allowed {
                    assume = Some(assume.map_or(c, |previous| previous && c));
                }
            }
            if let Some(conditional) = assume {
                edges[from].push(Edge {
                    to: target.clone(),
                    via: "sts:AssumeRole".into(),
                    kind: "assume",
                    conditional,
                });
            }
            let Some(pass) = state.pass_role.as_ref().filter(|g| g.covers(target)) else {
                continue;
            };
            for method in knowledge.methods.iter().filter(|m| m.kind == MethodKind::PassRole) {
                let Some(service) = &method.service else { continue };
                if !trust
                    .iter()
                    .any(|e| e.principal_type == "Service" && &e.principal == service)
                {
                    continue;
                }
                if method.action_ids.len() != method.actions.len()
                    || !method.action_ids.iter().all(|a| state.method_actions.contains_key(a))
                {
                    continue;
                }
                let conditional = pass.conditional
                    || method
                        .action_ids
                        .iter()
                        .any(|a| state.method_actions.get(a).is_some_and(|g| g.conditional));
                edges[from].push(Edge {
                    to: target.clone(),
                    via: method.id.clone(),
                    kind: "pass_role",
                    conditional,
                });
                break;
            }
        }
    }
    let reasons: Vec<Option<String>> = principals
        .iter()
        .map(|p| {
            if p.full_admin {
                Some("full_admin".to_string())
            } else if p.privileged {
                p.escalation_methods
                    .iter()
                    .find(|m| super::escalates_unconditionally(m))
                    .map(|m| format!("method:{}", m.id))
            } else {
                None
            }
        })
        .collect();
    // Unconditional edges first, so a certain path is preferred to a conditional one.
    let certain = shortest_paths(&edges, &reasons, &position, false);
    let possible = shortest_paths(&edges, &reasons, &position, true);
    for (index, principal) in principals.iter_mut().enumerate() {
        principal.edges = std::mem::take(&mut edges[index]);
    }
    for index in 0..principals.len() {
        if reasons[index].is_some() || computed[index].kind == PrincipalKind::Group {
            continue;
        }
        let next = certain[index].or(possible[index]);
        let Some(mut hop) = next else { continue };
        let use_conditional = certain[index].is_none();
        let table = if use_conditional { &possible } else { &certain };
        let mut path = vec![principals[index].arn.clone()];
        let mut steps = Vec::new();
        let mut current = index;
        let mut conditional = false;
        while path.len() <= principals.len() {
            let edge = principals[current]
                .edges
                .iter()
                .find(|e| position.get(e.to.as_str()) == Some(&hop));
            let Some(edge) = edge else { break };
            conditional |= edge.conditional;
            steps.push(Step {
                from: principals[current].arn.clone(),
                to: edge.to.clone(),
                via: edge.via.clone(),
                kind: edge.kind,
            });
            path.push(edge.to.clone());
            current = hop;
            if let Some(reason) = &reasons[current] {
                principals[index].path_to_privileged = Some(PathFacts {
                    path,
                    steps,
                    target_reason: reason.clone(),
                    conditional,
                });
                break;
            }
            match table[current] {
                Some(next_hop) => hop = next_hop,
                None => break,
            }
        }
    }
}

/// For each node, the next hop on a shortest path to a privileged node (multi-source BFS over
/// reversed edges).
fn shortest_paths(
    edges: &[Vec<Edge>],
    reasons: &[Option<String>],
    position: &HashMap<&str, usize>,
    include_conditional: bool,
) -> Vec<Option<usize>> {
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); edges.len()];
    for (from, list) in edges.iter().enumerate() {
        for edge in list.iter().filter(|e| include_conditional || !e.conditional) {
            if let Some(&to) = position.get(edge.to.as_str()) {
                reverse[to].push(from);
            }
        }
    }
    let mut next: Vec<Option<usize>> = vec![None; edges.len()];
    let mut seen: Vec<bool> = reasons.iter().map(Option::is_some).collect();
    let mut queue: VecDeque<usize> = (0..edges.len()).filter(|i| seen[*i]).collect();
    while let Some(node) = queue.pop_front() {
        for &from in &reverse[node] {
            if !seen[from] {
                seen[from] = true;
                next[from] = Some(node);
                queue.push_back(from);
            }
        }
    }
    next
}
