//! Who can assume a role: one entry per principal value of each Allow statement of its trust
//! policy, with the conditions that restrict it.

use crate::snapshot::policy::{Effect, PolicyDocument};
use serde::{Deserialize, Serialize};

/// What `scope` may be.
pub const SCOPES: &[&str] = &["any", "same_account", "other_account", "service", "federated"];

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrustCondition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrustEntry {
    /// `AWS`, `Service`, `Federated` or `CanonicalUser`.
    pub principal_type: String,
    pub principal: String,
    /// `any`, `same_account`, `other_account`, `service` or `federated`.
    #[serde(deserialize_with = "scope_of")]
    pub scope: super::KnownStr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub actions: Vec<String>,
    /// Lower-case condition keys.
    pub condition_keys: Vec<String>,
    pub conditions: Vec<TrustCondition>,
}

fn scope_of<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    super::known_str(deserializer, SCOPES)
}

/// The account of an AWS principal value: a bare 12-digit id or the fifth ARN field.
/// Whether the trust lets `service` (`ec2.amazonaws.com`) assume the role.
pub fn names_service(trust: &[TrustEntry], service: &str) -> bool {
    trust
        .iter()
        .any(|e| e.principal_type == "Service" && e.principal == service)
}

pub fn account_of(principal: &str) -> Option<String> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal.to_string());
    }
    principal
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

pub fn entries(account_id: &str, document: &PolicyDocument) -> Vec<TrustEntry> {
    let mut entries = Vec::new();
    for statement in document.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(principals) = &statement.principal else {
            continue;
        };
        let conditions: Vec<TrustCondition> = statement
            .condition
            .iter()
            .flatten()
            .flat_map(|(operator, keys)| {
                keys.iter().map(move |(key, values)| TrustCondition {
                    operator: operator.clone(),
                    key: key.clone(),
                    values: values.clone(),
                })
            })
            .collect();
        let condition_keys: Vec<String> = conditions.iter().map(|c| c.key.to_ascii_lowercase()).collect();
        for (principal_type, values) in principals {
            for value in values {
                let (scope, account) = match principal_type.as_str() {
                    "AWS" if value == "*" => ("any", None),
                    "AWS" | "CanonicalUser" => match account_of(value) {
                        Some(account) if account == account_id => ("same_account", Some(account)),
                        Some(account) => ("other_account", Some(account)),
                        None => ("other_account", None),
                    },
                    "Service" => ("service", None),
                    "Federated" => ("federated", None),
                    _ => ("other_account", None),
                };
                entries.push(TrustEntry {
                    principal_type: principal_type.clone(),
                    principal: value.clone(),
                    scope,
                    account,
                    actions: statement.action.clone().unwrap_or_default(),
                    condition_keys: condition_keys.clone(),
                    conditions: conditions.clone(),
                });
            }
        }
    }
    entries
}
