//! The organisation as the facts need it, prepared once per scan: each account's chain of
//! parents (root, units, account) and the service and resource control policies on each level,
//! with what could not be read. SCPs and RCPs only ever remove: an account judged without them
//! (no organisation data) gets an upper bound, never a pass that they would have refused.

use crate::snapshot::policy::PolicyDocument;
use crate::snapshot::{OrgPolicy, OrgPolicyType, OrganizationSnapshot};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// The deepest chain AWS allows is the root, five levels of units and the account.
const MAX_DEPTH: usize = 8;

pub struct OrgModel {
    pub snapshot: OrganizationSnapshot,
    /// Account id → its parent.
    parent_of_account: HashMap<String, String>,
    /// Unit id → its parent.
    parent_of_unit: HashMap<String, String>,
    /// Target id → indices of the policies attached to it.
    attached: HashMap<String, Vec<usize>>,
    /// Why some policy's attachments are unknown (its targets could not be listed).
    unknown_targets: Option<String>,
}

/// The control policies of one type that govern an account: one list per level of its chain,
/// each level of which must allow.
#[derive(Debug, Clone, Default)]
pub struct Guardrails<'m> {
    /// Empty when none apply (not a member, the management account, or the type not enabled).
    pub levels: Vec<Vec<&'m OrgPolicy>>,
    /// Why the guardrails cannot be known; what they would remove is then unknown.
    pub unknown: Option<String>,
}

impl Guardrails<'_> {
    /// The documents of each level (only meaningful when `unknown` is `None`).
    pub fn documents(&self) -> Vec<Vec<&PolicyDocument>> {
        self.levels
            .iter()
            .map(|level| level.iter().filter_map(|p| p.source.document.as_ref()).collect())
            .collect()
    }

    pub fn names(&self) -> Vec<String> {
        let names: BTreeSet<&str> = self.levels.iter().flatten().map(|p| p.name.as_str()).collect();
        names.into_iter().map(str::to_string).collect()
    }
}

impl OrgModel {
    pub fn new(mut snapshot: OrganizationSnapshot) -> Self {
        snapshot.sort();
        let parent_of_account = snapshot
            .accounts
            .iter()
            .map(|a| (a.account_id.clone(), a.parent_id.clone()))
            .collect();
        let parent_of_unit = snapshot
            .units
            .iter()
            .map(|u| (u.id.clone(), u.parent_id.clone()))
            .collect();
        let mut attached: HashMap<String, Vec<usize>> = HashMap::new();
        let mut unknown_targets = None;
        for (index, policy) in snapshot.policies.iter().enumerate() {
            match &policy.targets {
                Some(targets) => {
                    for target in targets {
                        attached.entry(target.clone()).or_default().push(index);
                    }
                }
                None => {
                    unknown_targets.get_or_insert(format!("the targets of policy {} could not be listed", policy.name));
                }
            }
        }
        OrgModel {
            snapshot,
            parent_of_account,
            parent_of_unit,
            attached,
            unknown_targets,
        }
    }

    pub fn is_member(&self, account: &str) -> bool {
        self.parent_of_account.contains_key(account)
    }

    pub fn is_management(&self, account: &str) -> bool {
        self.snapshot.management_account_id == account
    }

    /// Root first, then units, then the account; `Err` when a parent is not in the data.
    fn chain(&self, account: &str) -> Result<Vec<String>, String> {
        let mut chain = vec![account.to_string()];
        let mut parent = self.parent_of_account.get(account).cloned();
        while let Some(id) = parent {
            chain.push(id.clone());
            if id == self.snapshot.root_id {
                chain.reverse();
                return Ok(chain);
            }
            if chain.len() > MAX_DEPTH {
                return Err(format!("the parents of account {account} form a loop or are too deep"));
            }
            parent = self.parent_of_unit.get(&id).cloned();
        }
        Err(format!(
            "the organisational unit above account {account} is not in the organisation data"
        ))
    }

    /// The policies of `kind` on every level above and on the account.
    pub fn guardrails(&self, account: &str, kind: OrgPolicyType) -> Guardrails<'_> {
        let exempt = self.is_management(account) || !self.is_member(account);
        if exempt || !self.snapshot.enabled_policy_types.contains(&kind) {
            return Guardrails::default();
        }
        let chain = match self.chain(account) {
            Ok(chain) => chain,
            Err(reason) => return unknown(reason),
        };
        if let Some(reason) = &self.unknown_targets {
            return unknown(reason.clone());
        }
        let mut levels = Vec::with_capacity(chain.len());
        for target in &chain {
            let level: Vec<&OrgPolicy> = self
                .attached
                .get(target)
                .into_iter()
                .flatten()
                .map(|index| &self.snapshot.policies[*index])
                .filter(|policy| policy.policy_type == kind)
                .collect();
            if let Some(policy) = level.iter().find(|p| p.source.document.is_none()) {
                return unknown(format!("{} {} cannot be read", kind_name(kind), policy.name));
            }
            levels.push(level);
        }
        Guardrails { levels, unknown: None }
    }

    /// What the rules see of the organisation, for one account.
    pub fn facts_for(&self, account: &str) -> OrganizationFacts {
        let scp = self.guardrails(account, OrgPolicyType::ServiceControlPolicy);
        let rcp = self.guardrails(account, OrgPolicyType::ResourceControlPolicy);
        OrganizationFacts {
            id: self.snapshot.id.clone(),
            member: self.is_member(account),
            management_account: self.is_management(account),
            service_control_policies: scp.names(),
            resource_control_policies: rcp.names(),
            scp_unknown: scp.unknown.clone(),
            rcp_unknown: rcp.unknown.clone(),
            perimeter: super::perimeter::of(&scp, &rcp, &self.snapshot.id),
        }
    }
}

fn unknown(reason: String) -> Guardrails<'static> {
    Guardrails {
        levels: Vec::new(),
        unknown: Some(reason),
    }
}

pub fn kind_name(kind: OrgPolicyType) -> &'static str {
    match kind {
        OrgPolicyType::ServiceControlPolicy => "service control policy",
        OrgPolicyType::ResourceControlPolicy => "resource control policy",
    }
}

/// `input.organization`: the account's place in the organisation and its guardrails.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OrganizationFacts {
    pub id: String,
    pub member: bool,
    pub management_account: bool,
    /// Names of the SCPs on the account's chain (none for the exempt management account).
    pub service_control_policies: Vec<String>,
    pub resource_control_policies: Vec<String>,
    /// Why the SCPs that govern the account cannot be known.
    pub scp_unknown: Option<String>,
    pub rcp_unknown: Option<String>,
    pub perimeter: super::perimeter::PerimeterFacts,
}
