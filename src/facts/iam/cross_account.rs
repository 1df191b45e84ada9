//! Escalation paths across the accounts of one scan. A first pass over every account keeps the
//! roles that trust another account (or anyone), what each can assume, and how each reaches a
//! privileged principal in its own account; the roles that reach privilege through other
//! accounts' roles are then found once (a fixpoint over that small set). The second pass gives
//! each principal the shortest route that leaves its account: `sts:AssumeRole` must be allowed
//! on both sides (its own policies, within SCPs, and the role's trust policy).

use super::catalog::{resource_match, wildcard_match};
use super::gains::Holdings;
use super::graph::{PathFacts, Step};
use super::trust::{account_of, TrustEntry};
use super::{IamFacts, PrincipalFacts, PrincipalKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The most roles a path may cross after leaving the account (AWS role chaining allows more,
/// but longer chains add nothing a review would not see).
const MAX_HOPS: usize = 8;

/// A role other accounts may assume, as the first pass saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ForeignRole {
    arn: String,
    account: String,
    trust: Vec<TrustEntry>,
    /// The trust policy cannot be read: anyone may be trusted.
    trust_unknown: bool,
    /// Its own `sts:AssumeRole` grant: resource patterns and whether it is conditional.
    assume: Option<(Vec<String>, bool)>,
    /// How it reaches a privileged principal: the path from it (itself first), and why.
    reach: Option<PathFacts>,
    /// Why it may reach privilege through data that cannot be read (when `reach` is `None`).
    reach_unknown: Option<String>,
    /// What it holds on `*` without condition, for IAM-022 (empty for a privileged role).
    #[serde(default)]
    holds: Holdings,
    /// Why what it holds cannot be known: a policy that cannot be read.
    #[serde(default)]
    holds_unknown: Option<String>,
}

/// A role of another account that a principal may assume directly, as IAM-022 sees it.
#[derive(Debug)]
pub struct ForeignHop<'a> {
    pub arn: String,
    pub holds: Option<&'a Holdings>,
    /// Why what it gives cannot be known (its trust or its policies cannot be read, or its
    /// account's IAM data is missing).
    pub unknown: Option<String>,
    pub conditional: bool,
}

/// Every role of the scan that another account may assume. One account's part (before
/// [`CrossAccountIndex::finish`]) is what `--incremental` keeps of its first pass.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CrossAccountIndex {
    roles: Vec<ForeignRole>,
    /// Accounts of the scan whose IAM data is missing: a route into them is unknown.
    unknown_accounts: Vec<String>,
    /// `roles` by what their trust can let in (built on first use, from `roles` alone).
    #[serde(skip)]
    by_trusted: TrustIndex,
}

/// A cache derived from the roles: left out of `Debug`, which shows what the index holds.
#[derive(Default)]
struct TrustIndex(OnceLock<HashMap<String, Vec<usize>>>);

impl std::fmt::Debug for TrustIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrustIndex")
    }
}

/// Under [`CrossAccountIndex::by_trusted`]: the roles whose trust names anyone, and those whose
/// trust cannot be read (account ids are digits, so neither key is one).
const TRUSTS_ANYONE: &str = "*";
const TRUST_UNREAD: &str = "?";

impl CrossAccountIndex {
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.unknown_accounts.is_empty()
    }

    /// Feeds the whole index, in an order of its own (workers fill it in any order): what every
    /// account's facts take from the others.
    pub fn feed_digest(&self, feed: &mut dyn FnMut(&[u8])) {
        let mut roles: Vec<String> = self.roles.iter().map(|role| format!("{role:?}")).collect();
        roles.sort_unstable();
        let mut unknown: Vec<&String> = self.unknown_accounts.iter().collect();
        unknown.sort_unstable();
        feed(&(roles.len() as u64).to_le_bytes());
        for role in &roles {
            crate::facts::feed_field(feed, role.as_bytes());
        }
        feed(&(unknown.len() as u64).to_le_bytes());
        for account in unknown {
            crate::facts::feed_field(feed, account.as_bytes());
        }
    }

    /// An account of the scan without IAM data.
    pub fn add_unknown_account(&mut self, account_id: &str) {
        self.unknown_accounts.push(account_id.to_string());
    }

    /// Takes in the roles another worker indexed.
    pub fn append(&mut self, other: CrossAccountIndex) {
        self.by_trusted = TrustIndex::default();
        self.roles.extend(other.roles);
        self.unknown_accounts.extend(other.unknown_accounts);
    }

    /// Keeps the account's roles that trust someone outside it.
    pub fn add_account(&mut self, account_id: &str, facts: &IamFacts) {
        self.by_trusted = TrustIndex::default();
        for role in facts.principals.iter().filter(|p| trusts_outsiders(p)) {
            let trust: Vec<TrustEntry> = role.trust.iter().filter(|e| lets_outsiders_in(e)).cloned().collect();
            let trust_unknown = role.trust_unreadable.is_some();
            let reach = own_reach(role);
            let reach_unknown = reach.is_none().then(|| own_unknown(role)).flatten();
            self.roles.push(ForeignRole {
                arn: role.arn.clone(),
                account: account_id.to_string(),
                trust,
                trust_unknown,
                assume: assume_grant(role),
                reach,
                reach_unknown,
                holds: role.held_everywhere.clone(),
                holds_unknown: role
                    .unreadable_policies
                    .first()
                    .map(|p| format!("{} of {} is unreadable ({})", p.policy, role.arn, p.reason)),
            });
        }
    }

    /// The roles of other accounts `principal` may assume directly that do not reach privilege
    /// (IAM-002 has those), for what it gains through them; and the roles that may be such a
    /// hop through data that cannot be read.
    pub fn hops_from(&self, account_id: &str, principal: &PrincipalFacts) -> Vec<ForeignHop<'_>> {
        let Some((patterns, grant_conditional)) = assume_grant(principal) else {
            return Vec::new();
        };
        let actor = Actor {
            arn: &principal.arn,
            account: account_id,
        };
        let mut hops = Vec::new();
        for role in self.maybe_trusting(&actor).iter().map(|index| &self.roles[*index]) {
            let foreign = role.account != account_id && role.reach.is_none();
            if !foreign || !patterns.iter().any(|p| resource_match(p, &role.arn)) {
                continue;
            }
            let (unknown, conditional) = match actor.trusted_by(&role.trust) {
                Some(conditional) => (role.holds_unknown.clone(), conditional),
                None if role.trust_unknown => (Some(format!("the trust policy of {} cannot be read", role.arn)), false),
                None => continue,
            };
            hops.push(ForeignHop {
                arn: role.arn.clone(),
                holds: Some(&role.holds),
                unknown,
                conditional: grant_conditional || conditional,
            });
        }
        let missing = self.unknown_accounts.iter().filter(|a| *a != account_id);
        hops.extend(
            missing
                .filter(|account| patterns.iter().any(|p| may_name_a_role_of(p, account)))
                .map(|account| ForeignHop {
                    arn: format!("arn:aws:iam::{account}:root"),
                    holds: None,
                    unknown: Some(format!(
                        "it may assume roles of account {account}, whose IAM data is missing from the scan"
                    )),
                    conditional: grant_conditional,
                }),
        );
        hops
    }

    /// Finds the roles that reach privilege only through roles of other accounts.
    pub fn finish(&mut self) {
        for _ in 0..MAX_HOPS {
            let mut changed = false;
            for from in 0..self.roles.len() {
                if self.roles[from].reach.is_some() {
                    continue;
                }
                let actor = Actor::of_role(&self.roles[from]);
                if let Some(path) = self.route_from(&actor, self.roles[from].assume.as_ref()) {
                    self.roles[from].reach = Some(path);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for _ in 0..MAX_HOPS {
            let mut changed = false;
            for from in 0..self.roles.len() {
                if self.roles[from].reach.is_some() || self.roles[from].reach_unknown.is_some() {
                    continue;
                }
                let actor = Actor::of_role(&self.roles[from]);
                if let Some(reason) = self.unknown_from(&actor, self.roles[from].assume.as_ref()) {
                    self.roles[from].reach_unknown = Some(reason);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The roles an actor may be trusted by, in index order: those whose trust names its
    /// account (as an id, its root or one of its principals), anyone, or cannot be read. The
    /// others cannot trust it ([`Actor::trusted_by`]), so they are not looked at: each
    /// principal's routes then cost the roles that may trust it, not every role of the scan.
    fn maybe_trusting(&self, actor: &Actor<'_>) -> Vec<usize> {
        let by_trusted = self.by_trusted.0.get_or_init(|| {
            let mut by_trusted: HashMap<String, Vec<usize>> = HashMap::new();
            for (index, role) in self.roles.iter().enumerate() {
                // The account trust parsing read off each principal; anyone (`*`) has none.
                let mut keys: Vec<&str> = role
                    .trust
                    .iter()
                    .map(|e| e.account.as_deref().unwrap_or(&e.principal))
                    .collect();
                if role.trust_unknown {
                    keys.push(TRUST_UNREAD);
                }
                keys.sort_unstable();
                keys.dedup();
                for key in keys {
                    by_trusted.entry(key.to_string()).or_default().push(index);
                }
            }
            by_trusted
        });
        let own = account_of(actor.arn);
        let keys = [
            Some(actor.account),
            own.as_deref(),
            Some(TRUSTS_ANYONE),
            Some(TRUST_UNREAD),
        ];
        let mut roles: Vec<usize> = keys
            .iter()
            .flatten()
            .filter_map(|key| by_trusted.get(*key))
            .flatten()
            .copied()
            .collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }

    /// Why a principal with no known route out may still have one through unreadable data: a
    /// role whose trust cannot be read, a role whose own route is unknown, or an account of the
    /// scan without IAM data.
    fn unknown_from(&self, actor: &Actor<'_>, assume: Option<&(Vec<String>, bool)>) -> Option<String> {
        let (patterns, _) = assume?;
        let covers = |arn: &str| patterns.iter().any(|p| resource_match(p, arn));
        let candidates = self.maybe_trusting(actor);
        for role in candidates
            .iter()
            .map(|index| &self.roles[*index])
            .filter(|r| r.account != actor.account && covers(&r.arn))
        {
            let trusted = actor.trusted_by(&role.trust).is_some();
            if role.trust_unknown && (role.reach.is_some() || role.reach_unknown.is_some()) {
                return Some(format!("the trust policy of {} cannot be read", role.arn));
            }
            if trusted {
                if let Some(reason) = &role.reach_unknown {
                    return Some(format!("it may assume {}, and {reason}", role.arn));
                }
            }
        }
        self.unknown_accounts
            .iter()
            .filter(|account| *account != actor.account)
            .find(|account| patterns.iter().any(|p| may_name_a_role_of(p, account)))
            .map(|account| format!("it may assume roles of account {account}, whose IAM data is missing from the scan"))
    }

    /// The shortest route from a principal of another account into a privileged role, through
    /// the roles that trust it and that its grant covers; `None` when there is none.
    fn route_from(&self, actor: &Actor<'_>, assume: Option<&(Vec<String>, bool)>) -> Option<PathFacts> {
        let (patterns, grant_conditional) = assume?;
        let mut best: Option<PathFacts> = None;
        let candidates = self.maybe_trusting(actor);
        for role in candidates
            .iter()
            .map(|index| &self.roles[*index])
            .filter(|r| r.account != actor.account)
        {
            let Some(reach) = &role.reach else { continue };
            if !patterns.iter().any(|p| resource_match(p, &role.arn)) {
                continue;
            }
            let Some(trust_conditional) = actor.trusted_by(&role.trust) else {
                continue;
            };
            let candidate = prepend(actor.arn, role, reach, *grant_conditional || trust_conditional);
            let better = best
                .as_ref()
                .is_none_or(|b| (b.conditional, b.path.len()) > (candidate.conditional, candidate.path.len()));
            if better {
                best = Some(candidate);
            }
        }
        best
    }

    /// A principal with no known route out whose route may run through unreadable data: its
    /// escalation is unknown, not absent.
    fn mark_unknown_route(&self, account_id: &str, principal: &mut PrincipalFacts) {
        let eligible = principal.kind != PrincipalKind::Group
            && !principal.privileged
            && principal.path_to_privileged.is_none()
            && principal.escalation_unknown.is_none();
        if !eligible {
            return;
        }
        let actor = Actor {
            arn: &principal.arn,
            account: account_id,
        };
        principal.escalation_unknown = self.unknown_from(&actor, assume_grant(principal).as_ref());
    }

    /// Gives each user and role of the account that is not privileged and has no route of its
    /// own the shortest route that leaves the account, directly or through its own roles.
    pub fn link(&self, account_id: &str, principals: &mut [PrincipalFacts]) {
        let foreign_unknown = self.unknown_accounts.iter().any(|a| a != account_id);
        if self.roles.iter().all(|r| r.account == account_id) && !foreign_unknown {
            return;
        }
        let mut found: Vec<Option<PathFacts>> = principals
            .iter()
            .map(|p| {
                let eligible = p.kind != PrincipalKind::Group && !p.privileged;
                let actor = Actor {
                    arn: &p.arn,
                    account: account_id,
                };
                eligible
                    .then(|| self.route_from(&actor, assume_grant(p).as_ref()))
                    .flatten()
            })
            .collect();
        through_own_roles(principals, &mut found);
        for (principal, path) in principals.iter_mut().zip(found) {
            let Some(path) = path else {
                self.mark_unknown_route(account_id, principal);
                continue;
            };
            let better = principal
                .path_to_privileged
                .as_ref()
                .is_none_or(|own| own.conditional && !path.conditional);
            if better && !principal.privileged {
                principal.path_to_privileged = Some(path);
            }
        }
        unknown_through_own_roles(principals);
    }
}

/// A principal that can reach one of its account's principals whose route out is unknown
/// shares the unknown (a known route of its own wins).
fn unknown_through_own_roles(principals: &mut [PrincipalFacts]) {
    for _ in 0..MAX_HOPS {
        let position: HashMap<&str, usize> = principals
            .iter()
            .enumerate()
            .map(|(i, p)| (p.arn.as_str(), i))
            .collect();
        let updates: Vec<(usize, String)> = principals
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.kind != PrincipalKind::Group
                    && !p.privileged
                    && p.path_to_privileged.is_none()
                    && p.escalation_unknown.is_none()
            })
            .filter_map(|(index, p)| {
                p.edges.iter().find_map(|edge| {
                    let target = &principals[*position.get(edge.to.as_str())?];
                    let reason = target.escalation_unknown.as_ref()?;
                    Some((index, format!("it may reach {}, and {reason}", target.arn)))
                })
            })
            .collect();
        if updates.is_empty() {
            break;
        }
        for (index, reason) in updates {
            principals[index].escalation_unknown = Some(reason);
        }
    }
}

/// Whether a resource pattern can match some role ARN of the account.
fn may_name_a_role_of(pattern: &str, account: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let fields: Vec<&str> = pattern.splitn(6, ':').collect();
    fields.len() == 6
        && resource_match(fields[4], account)
        // A named role, or a pattern (`*`, `ro*`, `role/*`) that can stand for one.
        && (fields[5].starts_with("role/") || resource_match(fields[5], "role/"))
}

/// Routes that first hop through the account's own principals (assume or pass-role edges).
fn through_own_roles(principals: &[PrincipalFacts], found: &mut [Option<PathFacts>]) {
    let position: HashMap<&str, usize> = principals
        .iter()
        .enumerate()
        .map(|(i, p)| (p.arn.as_str(), i))
        .collect();
    for _ in 0..MAX_HOPS {
        let mut changed = false;
        for (index, principal) in principals.iter().enumerate() {
            if found[index].is_some() || principal.kind == PrincipalKind::Group || principal.privileged {
                continue;
            }
            let next = principal.edges.iter().find_map(|edge| {
                let tail = found[*position.get(edge.to.as_str())?].as_ref()?;
                let mut path = vec![principal.arn.clone()];
                path.extend(tail.path.iter().cloned());
                let mut steps = vec![Step::along(&principal.arn, edge)];
                steps.extend(tail.steps.iter().cloned());
                Some(PathFacts {
                    path,
                    steps,
                    target_reason: tail.target_reason.clone(),
                    conditional: tail.conditional || edge.conditional,
                })
            });
            if next.is_some() {
                found[index] = next;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Who is asking to assume a role.
struct Actor<'a> {
    arn: &'a str,
    account: &'a str,
}

impl<'a> Actor<'a> {
    fn of_role(role: &'a ForeignRole) -> Self {
        Actor {
            arn: &role.arn,
            account: &role.account,
        }
    }

    /// Whether a trust policy lets this principal assume the role, and if so whether only under
    /// conditions: it must name the principal, its account (root or id), or anyone.
    fn trusted_by(&self, trust: &[TrustEntry]) -> Option<bool> {
        let root = format!("arn:aws:iam::{}:root", self.account);
        trust
            .iter()
            .filter(|e| {
                e.actions.is_empty()
                    || e.actions
                        .iter()
                        .any(|a| wildcard_match(&a.to_ascii_lowercase(), "sts:AssumeRole"))
            })
            .filter(|e| {
                e.principal == self.arn || e.principal == root || e.principal == self.account || e.principal == "*"
            })
            .map(|e| !e.conditions.is_empty())
            .min()
    }
}

/// A role whose trust names another account or anyone, or cannot be read: the index keeps it.
pub(super) fn trusts_outsiders(principal: &PrincipalFacts) -> bool {
    principal.kind == PrincipalKind::Role
        && (principal.trust_unreadable.is_some() || principal.trust.iter().any(lets_outsiders_in))
}

fn lets_outsiders_in(entry: &TrustEntry) -> bool {
    entry.principal_type == "AWS" && matches!(entry.scope, "other_account" | "any")
}

fn assume_grant(principal: &PrincipalFacts) -> Option<(Vec<String>, bool)> {
    principal
        .allowed
        .get("sts:AssumeRole")
        .map(|grant| (grant.resources.clone(), grant.conditional))
}

/// A role's own way to privilege in its account: itself, or its in-account path.
fn own_reach(role: &PrincipalFacts) -> Option<PathFacts> {
    if role.privileged {
        let reason = if role.full_admin {
            "full_admin".to_string()
        } else {
            let method = role
                .escalation_methods
                .iter()
                .find(|m| super::escalates_unconditionally(m));
            method.map_or_else(|| "privileged".to_string(), |m| format!("method:{}", m.id))
        };
        return Some(PathFacts {
            path: vec![role.arn.clone()],
            steps: Vec::new(),
            target_reason: reason,
            conditional: false,
        });
    }
    role.path_to_privileged.clone()
}

/// Why a role's own way to privilege in its account is unknown (unreadable data on it).
fn own_unknown(role: &PrincipalFacts) -> Option<String> {
    if let Some(reason) = &role.escalation_unknown {
        return Some(format!("{} may escalate: {reason}", role.arn));
    }
    role.unreadable_policies
        .first()
        .map(|policy| format!("{} holds a policy that cannot be read ({})", role.arn, policy.policy))
}

/// `from` assumes `role`, then follows the role's own route.
fn prepend(from: &str, role: &ForeignRole, reach: &PathFacts, conditional: bool) -> PathFacts {
    let mut path = vec![from.to_string()];
    path.extend(reach.path.iter().cloned());
    let mut steps = vec![Step {
        from: from.to_string(),
        to: role.arn.clone(),
        via: "sts:AssumeRole".into(),
        kind: "assume_cross_account",
        workload: None,
    }];
    steps.extend(reach.steps.iter().cloned());
    PathFacts {
        path,
        steps,
        target_reason: reach.target_reason.clone(),
        conditional: conditional || reach.conditional,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn role(index: usize, account: &str, principals: &[&str], trust_unknown: bool) -> ForeignRole {
        let trust = principals
            .iter()
            .map(|principal| {
                serde_json::from_value(serde_json::json!({"principal_type": "AWS", "principal": principal,
                    "scope": "other_account", "account": account_of(principal), "actions": [],
                    "condition_keys": [], "conditions": []}))
                .unwrap()
            })
            .collect();
        ForeignRole {
            arn: format!("arn:aws:iam::{account}:role/r{index}"),
            account: account.to_string(),
            trust,
            trust_unknown,
            assume: None,
            reach: None,
            reach_unknown: None,
            holds: Holdings::default(),
            holds_unknown: None,
        }
    }

    /// Every role that may trust an actor (or whose trust is unread) is among its candidates,
    /// so the routes found through the index are those a walk over every role finds.
    #[test]
    fn the_candidates_of_an_actor_hold_every_role_that_may_trust_it() {
        let trusted = [
            "111111111111",
            "arn:aws:iam::111111111111:root",
            "arn:aws:iam::222222222222:user/alice",
            "arn:aws:sts::222222222222:assumed-role/ops/session",
            "*",
            "arn:aws:iam::*:root",
            "333333333333",
            "arn:aws:iam::333333333333:user/odd",
        ];
        let mut index = CrossAccountIndex::default();
        for (n, principal) in trusted.iter().enumerate() {
            index.roles.push(role(n, "999999999999", &[principal], false));
        }
        index.roles.push(role(90, "999999999999", &[], true));
        index.roles.push(role(
            91,
            "999999999999",
            &["444444444444", "arn:aws:iam::111111111111:root"],
            false,
        ));
        let actors = [
            ("arn:aws:iam::111111111111:user/bob", "111111111111"),
            ("arn:aws:iam::222222222222:user/alice", "222222222222"),
            ("arn:aws:sts::222222222222:assumed-role/ops/session", "222222222222"),
            ("arn:aws:iam::555555555555:role/elsewhere", "555555555555"),
            // A principal whose ARN names another account than the one it is listed under.
            ("arn:aws:iam::333333333333:user/odd", "666666666666"),
        ];
        for (arn, account) in actors {
            let actor = Actor { arn, account };
            let candidates = index.maybe_trusting(&actor);
            assert!(
                candidates.windows(2).all(|w| w[0] < w[1]),
                "in index order: {candidates:?}"
            );
            for (at, role) in index.roles.iter().enumerate() {
                if actor.trusted_by(&role.trust).is_some() || role.trust_unknown {
                    assert!(candidates.contains(&at), "{arn}: {} missing", role.arn);
                }
            }
            assert!(
                candidates.len() < index.roles.len(),
                "{arn}: the index leaves roles out"
            );
        }
        index.append(CrossAccountIndex::default());
        assert!(
            index.by_trusted.0.get().is_none(),
            "a change to the roles drops the index"
        );
    }
}
