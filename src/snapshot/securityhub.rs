//! The Security Hub section of a region: whether it is on, its standards and its controls.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityHubSection {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_arn: Option<String>,
    /// Enabled standards; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standards: Option<Vec<SecurityHubStandard>>,
    /// Security controls with their status; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls: Option<Vec<SecurityHubControl>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityHubStandard {
    pub arn: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityHubControl {
    pub id: String,
    pub title: String,
    /// `PASSED`, `FAILED`, `WARNING`, `NOT_AVAILABLE`.
    pub status: String,
    pub severity: String,
    #[serde(default)]
    pub failed_resources: Vec<String>,
}
