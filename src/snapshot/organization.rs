//! The organisation around the accounts (top level of the snapshot, collected once from the
//! management or a delegated administrator account): its tree of organisational units, every
//! account's parent, and the service and resource control policies with their targets.

use super::{CoverageGap, PolicySource};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSnapshot {
    /// `o-` followed by 10 to 32 characters.
    pub id: String,
    pub management_account_id: String,
    /// The root (`r-…`), parent of the top-level units and accounts.
    pub root_id: String,
    /// The policy types enabled on the root; a type that is not enabled has no effect.
    #[serde(default)]
    pub enabled_policy_types: Vec<OrgPolicyType>,
    #[serde(default)]
    pub units: Vec<OrganizationalUnit>,
    /// Every member account with its direct parent (the root or a unit).
    #[serde(default)]
    pub accounts: Vec<OrgAccount>,
    /// Every service and resource control policy, AWS managed ones included.
    #[serde(default)]
    pub policies: Vec<OrgPolicy>,
    /// Organizations calls that failed; what they would have brought is unknown.
    #[serde(default)]
    pub coverage_gaps: Vec<CoverageGap>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrgPolicyType {
    ServiceControlPolicy,
    ResourceControlPolicy,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationalUnit {
    /// `ou-…`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The root or another unit.
    pub parent_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgAccount {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The root or a unit.
    pub parent_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPolicy {
    /// `p-…`, or `p-FullAWSAccess` and the like for AWS managed policies.
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub policy_type: OrgPolicyType,
    #[serde(default)]
    pub aws_managed: bool,
    /// The policy text; without a document, what the policy allows or denies is unknown.
    #[serde(flatten)]
    pub source: PolicySource,
    /// Roots, units and accounts it is attached to; `None` when the targets could not be listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
}

impl OrganizationSnapshot {
    /// Sorts everything so that the same organisation always gives the same bytes.
    pub fn sort(&mut self) {
        self.enabled_policy_types.sort();
        self.enabled_policy_types.dedup();
        self.units.sort_by(|a, b| a.id.cmp(&b.id));
        self.accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        self.policies.sort_by(|a, b| a.id.cmp(&b.id));
        for policy in &mut self.policies {
            if let Some(targets) = &mut policy.targets {
                targets.sort();
                targets.dedup();
            }
        }
        self.coverage_gaps.sort();
    }
}
