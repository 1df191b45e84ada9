//! The escalation graph of one account: who can assume or pass which role, and the shortest
//! path from each principal to a privileged one (one reverse breadth-first search per account).

use super::catalog::wildcard_match;
use super::workloads::Workloads;
use super::{Computed, IamKnowledge, MethodKind, PrincipalFacts, PrincipalKind};
use crate::snapshot::IamRole;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// What a step's `kind` may be.
pub const STEP_KINDS: &[&str] = &["assume", "assume_cross_account", "pass_role", "workload"];

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Edge {
    pub to: String,
    /// `sts:AssumeRole`, or the pass-role or existing-compute escalation method id.
    pub via: String,
    /// `assume`, `pass_role` or `workload`.
    pub kind: &'static str,
    pub conditional: bool,
    /// For `workload`: the function or instance taken over, which runs as `to`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    pub from: String,
    pub to: String,
    pub via: String,
    #[serde(deserialize_with = "step_kind")]
    pub kind: super::KnownStr,
    /// For `workload`: the function or instance taken over, which runs as `to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
}

impl Step {
    /// The step `from` takes along `edge`.
    pub fn along(from: &str, edge: &Edge) -> Step {
        Step {
            from: from.to_string(),
            to: edge.to.clone(),
            via: edge.via.clone(),
            kind: edge.kind,
            workload: edge.workload.clone(),
        }
    }
}

fn step_kind<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    super::known_str(deserializer, STEP_KINDS)
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
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

/// Fills `edges`, `path_to_privileged` and `escalation_unknown` of every user and role.
pub(super) fn link(
    account_id: &str,
    principals: &mut [PrincipalFacts],
    computed: &[Computed],
    roles: &[IamRole],
    knowledge: &IamKnowledge,
    workloads: &Workloads,
) {
    let position: HashMap<&str, usize> = computed.iter().enumerate().map(|(i, c)| (c.arn.as_str(), i)).collect();
    let graph = Graph {
        account_id,
        root: format!("arn:aws:iam::{account_id}:root"),
        computed,
        knowledge,
        workloads,
        position: &position,
        role_trust: roles
            .iter()
            .filter_map(|role| {
                position.get(role.arn.as_str()).map(|i| {
                    (
                        *i,
                        principals[*i].trust.as_slice(),
                        principals[*i].trust_unreadable.is_some(),
                    )
                })
            })
            .collect(),
        trust_index: std::cell::OnceCell::new(),
    };
    let mut edges: Vec<Vec<Edge>> = vec![Vec::new(); principals.len()];
    let mut unknown: Vec<Vec<UnknownEdge>> = vec![Vec::new(); principals.len()];
    let mut workload_unknown: Vec<Option<String>> = vec![None; principals.len()];
    for (from, state) in computed.iter().enumerate() {
        if state.kind != PrincipalKind::Group {
            (edges[from], unknown[from]) = graph.edges_from(from);
            let (taken_over, not_seen) = graph.workload_edges(state);
            edges[from].extend(taken_over);
            workload_unknown[from] = not_seen;
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
        let Some(hop) = certain[index].or(possible[index]) else {
            continue;
        };
        let table = if certain[index].is_none() { &possible } else { &certain };
        principals[index].path_to_privileged = follow(principals, &position, &reasons, table, index, hop);
    }
    let unknowns = Unknowns {
        edges: &unknown,
        workloads: &workload_unknown,
    };
    mark_unknown_routes(principals, computed, &unknowns, &reasons, &position);
}

/// An edge that may exist: the target role's trust policy cannot be read, and the principal
/// holds what it would take to assume or pass the role if the trust allowed it.
#[derive(Debug, Clone)]
struct UnknownEdge {
    to: usize,
    via: String,
}

/// What the edges of one account are computed from.
struct Graph<'a> {
    account_id: &'a str,
    root: String,
    computed: &'a [Computed],
    knowledge: &'a IamKnowledge,
    workloads: &'a Workloads,
    position: &'a HashMap<&'a str, usize>,
    /// Each role's position, trust entries and whether its trust policy was unreadable.
    role_trust: Vec<(usize, &'a [super::trust::TrustEntry], bool)>,
    /// A role's position → its index in `role_trust`, built when first asked.
    trust_index: std::cell::OnceCell<HashMap<usize, usize>>,
}

impl Graph<'_> {
    /// The known edges from one principal, and the unknown ones (to roles with unreadable trust).
    fn edges_from(&self, from: usize) -> (Vec<Edge>, Vec<UnknownEdge>) {
        let state = &self.computed[from];
        let mut edges = Vec::new();
        let mut unknown = Vec::new();
        for &(to, trust, trust_unreadable) in &self.role_trust {
            if to == from {
                continue;
            }
            let target = &self.computed[to].arn;
            if trust_unreadable {
                if let Some(via) = self.possible_via(state, target) {
                    unknown.push(UnknownEdge { to, via });
                }
                continue;
            }
            if let Some(conditional) = self.assume(state, target, trust) {
                edges.push(Edge {
                    to: target.clone(),
                    via: "sts:AssumeRole".into(),
                    kind: "assume",
                    conditional,
                    workload: None,
                });
            }
            if let Some(edge) = self.pass_role(state, target, trust) {
                edges.push(edge);
            }
        }
        (edges, unknown)
    }

    /// Whether `state` may assume `target` under `trust`, and if so whether only conditionally.
    /// A trust naming the principal itself needs no identity grant in the same account; one
    /// naming the account or `*` needs sts:AssumeRole on the role.
    fn assume(&self, state: &Computed, target: &str, trust: &[super::trust::TrustEntry]) -> Option<bool> {
        let mut assume: Option<bool> = None;
        for entry in trust
            .iter()
            .filter(|e| e.principal_type == "AWS" && trusts_assume(&e.actions))
        {
            let conditional = !entry.conditions.is_empty();
            let allowed = if entry.principal == state.arn {
                Some(conditional)
            } else if entry.principal == "*" || entry.principal == self.root || entry.principal == self.account_id {
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
        assume
    }

    /// The pass-role edge to `target` through the first method whose service `trust` names.
    fn pass_role(&self, state: &Computed, target: &str, trust: &[super::trust::TrustEntry]) -> Option<Edge> {
        let pass = state.pass_role.as_ref().filter(|g| g.covers(target))?;
        let method = self.pass_role_methods(state).find(|m| {
            m.service
                .as_ref()
                .is_some_and(|service| super::trust::names_service(trust, service))
        })?;
        let conditional = pass.conditional
            || method
                .action_ids
                .iter()
                .any(|a| state.method_actions.get(a).is_some_and(|g| g.conditional));
        Some(Edge {
            to: target.to_string(),
            via: method.id.clone(),
            kind: "pass_role",
            conditional,
            workload: None,
        })
    }

    /// The pass-role methods whose every action `state` holds.
    fn pass_role_methods<'k>(&'k self, state: &'k Computed) -> impl Iterator<Item = &'k super::EscalationMethod> {
        self.knowledge.methods.iter().filter(move |m| {
            m.kind == MethodKind::PassRole
                && m.service.is_some()
                && m.action_ids.len() == m.actions.len()
                && m.action_ids.iter().all(|a| state.method_actions.contains_key(a))
        })
    }

    /// Edges to the roles of the workloads `state` may take over with an `existing_compute`
    /// method scoped to some of them, and why it may reach more than those. A method on `*`
    /// escalates by itself (IAM-002 decides it) and adds no edge.
    fn workload_edges(&self, state: &Computed) -> (Vec<Edge>, Option<String>) {
        let mut edges: Vec<Edge> = Vec::new();
        let mut unknown = Vec::new();
        for (method, grants) in self.scoped_existing_compute(state) {
            let conditional = grants.iter().any(|(_, g)| g.conditional);
            let Some(kind) = method.workload else {
                unknown.push(format!(
                    "{} on {}: what these resources run as is not in the snapshot",
                    method.id,
                    resources_of(grants.iter().map(|(_, g)| *g))
                ));
                continue;
            };
            let reach = self.workloads.reach(kind, self.account_id, &grants);
            for (role, workload) in reach.roles {
                let known_role = role != state.arn && self.position.contains_key(role.as_str());
                let known_role = known_role && (!kind.launches_any_profile() || self.ec2_may_use(&role, &mut unknown));
                if known_role && !edges.iter().any(|e| e.to == role && e.via == method.id) {
                    edges.push(Edge {
                        to: role,
                        via: method.id.clone(),
                        kind: "workload",
                        conditional,
                        workload: Some(workload),
                    });
                }
            }
            unknown.extend(reach.unknown.map(|note| format!("{}: {note}", method.id)));
        }
        (edges, (!unknown.is_empty()).then(|| unknown.join("; ")))
    }

    /// Whether an instance can run as `role`, which a launch template version names: its trust
    /// names EC2. An unreadable trust is noted as unknown.
    fn ec2_may_use(&self, role: &str, unknown: &mut Vec<String>) -> bool {
        let Some(&index) = self.position.get(role) else {
            return false;
        };
        let trust_index = self.trust_index.get_or_init(|| {
            let positions = self.role_trust.iter().enumerate().map(|(at, (i, _, _))| (*i, at));
            positions.collect()
        });
        let Some(&(_, trust, unreadable)) = trust_index.get(&index).map(|&at| &self.role_trust[at]) else {
            return false;
        };
        if unreadable {
            unknown.push(format!("{role}: its trust policy could not be read"));
            return false;
        }
        super::trust::names_service(trust, "ec2.amazonaws.com")
    }

    /// The `existing_compute` methods `state` holds whole, with their grants, where some action
    /// is not allowed on `*`.
    fn scoped_existing_compute<'k>(
        &'k self,
        state: &'k Computed,
    ) -> impl Iterator<Item = (&'k super::EscalationMethod, Vec<super::workloads::Grant<'k>>)> {
        self.knowledge
            .methods
            .iter()
            .filter(|m| m.kind == MethodKind::ExistingCompute && m.action_ids.len() == m.actions.len())
            .filter_map(move |m| {
                let grants: Vec<super::workloads::Grant<'k>> = m
                    .action_ids
                    .iter()
                    .map(|a| state.method_actions.get(a).map(|g| (*a, g)))
                    .collect::<Option<_>>()?;
                let unscoped = super::all_unscoped(grants.iter().map(|(_, g)| *g));
                (!grants.is_empty() && !unscoped).then_some((m, grants))
            })
    }

    /// How `state` could reach `target` if its unreadable trust allowed it: sts:AssumeRole on it,
    /// or iam:PassRole on it with a pass-role method's actions.
    fn possible_via(&self, state: &Computed, target: &str) -> Option<String> {
        if state.assume.as_ref().is_some_and(|g| g.covers(target)) {
            return Some("sts:AssumeRole".into());
        }
        state.pass_role.as_ref().filter(|g| g.covers(target))?;
        self.pass_role_methods(state).next().map(|m| m.id.clone())
    }
}

/// The path from `index` whose first hop is `hop`, along the next hops of `table`.
fn follow(
    principals: &[PrincipalFacts],
    position: &HashMap<&str, usize>,
    reasons: &[Option<String>],
    table: &[Option<usize>],
    index: usize,
    mut hop: usize,
) -> Option<PathFacts> {
    let mut path = vec![principals[index].arn.clone()];
    let mut steps = Vec::new();
    let mut current = index;
    let mut conditional = false;
    while path.len() <= principals.len() {
        let edge = principals[current]
            .edges
            .iter()
            .find(|e| position.get(e.to.as_str()) == Some(&hop))?;
        conditional |= edge.conditional;
        steps.push(Step::along(&principals[current].arn, edge));
        path.push(edge.to.clone());
        current = hop;
        if let Some(reason) = &reasons[current] {
            return Some(PathFacts {
                path,
                steps,
                target_reason: reason.clone(),
                conditional,
            });
        }
        hop = table[current]?;
    }
    None
}

/// What the graph could not see: per principal, the edges that may exist (to roles whose trust
/// cannot be read) and why it may take over workloads the snapshot does not show.
struct Unknowns<'a> {
    edges: &'a [Vec<UnknownEdge>],
    workloads: &'a [Option<String>],
}

/// Unknown stays unknown: a principal with no known path to a privileged one, but a path
/// through a role whose trust cannot be read, to a principal whose policies cannot be read (it
/// may be privileged) or to one that may take over workloads whose roles are not in the
/// snapshot, gets `escalation_unknown` with the path and what is missing.
fn mark_unknown_routes(
    principals: &mut [PrincipalFacts],
    computed: &[Computed],
    unknowns: &Unknowns,
    reasons: &[Option<String>],
    position: &HashMap<&str, usize>,
) {
    let unknown = unknowns.edges;
    if unknowns.workloads.iter().all(Option::is_none)
        && principals
            .iter()
            .all(|p| p.unreadable_policies.is_empty() && p.trust_unreadable.is_none())
    {
        return;
    }
    // Every edge, known or not, as (to, via, what is unknown about it).
    let adjacency: Vec<Vec<(usize, String, Option<String>)>> = principals
        .iter()
        .zip(unknown)
        .map(|(principal, unknown)| {
            let known = principal
                .edges
                .iter()
                .filter_map(|e| position.get(e.to.as_str()).map(|&to| (to, e.via.clone(), None)));
            let maybe = unknown.iter().map(|e| {
                let note = format!(
                    "the trust policy of {} is unreadable: {}",
                    principals[e.to].arn,
                    principals[e.to].trust_unreadable.as_deref().unwrap_or_default()
                );
                (e.to, e.via.clone(), Some(note))
            });
            known.chain(maybe).collect()
        })
        .collect();
    let unknown_target: Vec<Option<String>> = principals
        .iter()
        .zip(reasons)
        .zip(unknowns.workloads)
        .map(
            |((p, reason), workloads)| match (reason, p.unreadable_policies.first(), workloads) {
                (Some(_), _, _) => None,
                (None, Some(policy), _) => Some(format!(
                    "{} may be privileged: {} is unreadable ({})",
                    p.arn, policy.policy, policy.reason
                )),
                (None, None, Some(note)) => Some(format!("{} may take over a privileged workload: {note}", p.arn)),
                (None, None, None) => None,
            },
        )
        .collect();
    let targets: Vec<bool> = reasons
        .iter()
        .zip(&unknown_target)
        .map(|(r, u)| r.is_some() || u.is_some())
        .collect();
    let next = next_hops(&adjacency, &targets);
    for index in 0..principals.len() {
        let decided = reasons[index].is_some()
            || principals[index].path_to_privileged.is_some()
            || principals[index].escalation_unknown.is_some();
        if decided || computed[index].kind == PrincipalKind::Group {
            continue;
        }
        if let Some(note) = &unknowns.workloads[index] {
            principals[index].escalation_unknown = Some(format!(
                "whether it can escalate depends on data that is not in the snapshot: {note}"
            ));
            continue;
        }
        if next[index].is_none() {
            continue;
        }
        let mut path = vec![principals[index].arn.clone()];
        let mut notes = Vec::new();
        let mut current = index;
        while let (Some(hop), true) = (next[current], path.len() <= principals.len()) {
            let edge = adjacency[current]
                .iter()
                .find(|(to, _, note)| *to == hop && note.is_none());
            let edge = edge.or_else(|| adjacency[current].iter().find(|(to, _, _)| *to == hop));
            if let Some((_, via, note)) = edge {
                path.push(format!("-[{via}]-> {}", principals[hop].arn));
                notes.extend(note.clone());
            }
            current = hop;
        }
        notes.extend(unknown_target[current].clone());
        principals[index].escalation_unknown = Some(format!(
            "whether it can escalate depends on data that cannot be read: {} ({})",
            path.join(" "),
            notes.join("; ")
        ));
    }
}

/// A grant's resources for a message: the first few, and how many more.
fn resources_of<'a>(grants: impl Iterator<Item = &'a super::AllowedAction>) -> String {
    let mut all: Vec<&str> = grants.flat_map(|g| g.resources.iter().map(String::as_str)).collect();
    all.sort_unstable();
    all.dedup();
    match all.len() {
        0..=3 => all.join(", "),
        more => format!("{} and {} more", all[..3].join(", "), more - 3),
    }
}

/// Each node's next hop towards a target, over known and unknown edges alike.
fn next_hops(adjacency: &[Vec<(usize, String, Option<String>)>], targets: &[bool]) -> Vec<Option<usize>> {
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); adjacency.len()];
    for (from, list) in adjacency.iter().enumerate() {
        for (to, _, _) in list {
            reverse[*to].push(from);
        }
    }
    breadth_first(&reverse, targets.to_vec())
}

/// Multi-source breadth-first search over reversed edges from the `seen` nodes: each node's
/// next hop on a shortest path to one of them.
fn breadth_first(reverse: &[Vec<usize>], mut seen: Vec<bool>) -> Vec<Option<usize>> {
    let mut next = vec![None; reverse.len()];
    let mut queue: VecDeque<usize> = (0..reverse.len()).filter(|i| seen[*i]).collect();
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
    breadth_first(&reverse, reasons.iter().map(Option::is_some).collect())
}
