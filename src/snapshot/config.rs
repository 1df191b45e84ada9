//! The AWS Config section of a region: recorders, delivery channels and rule compliance.

use super::NamedStatus;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigSection {
    #[serde(default)]
    pub recorders: Vec<ConfigRecorder>,
    #[serde(default)]
    pub delivery_channels: Vec<String>,
    /// Config rules with their compliance; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<NamedStatus>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigRecorder {
    pub name: String,
    pub recording: bool,
    pub all_supported: bool,
    pub include_global_resource_types: bool,
    /// The IAM role the recorder uses (`roleARN`); `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}
