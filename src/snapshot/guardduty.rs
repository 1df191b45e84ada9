//! The GuardDuty section of a region: detectors with their features, and active findings.

use super::NamedStatus;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDutySection {
    #[serde(default)]
    pub detectors: Vec<GuardDutyDetector>,
    /// Active (non-archived) findings; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<Vec<GuardDutyFinding>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDutyDetector {
    pub id: String,
    /// `ENABLED` or `DISABLED` (suspended).
    pub status: String,
    #[serde(default)]
    pub features: Vec<NamedStatus>,
    /// The older `DataSources` answer, by path as AWS names it (`S3Logs`, `Kubernetes.AuditLogs`,
    /// `MalwareProtection.ScanEc2InstanceWithFindings.EbsVolumes`, …); empty when not reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_sources: Vec<NamedStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDutyFinding {
    pub id: String,
    #[serde(rename = "type")]
    pub finding_type: String,
    /// 1.0–8.9; high is ≥ 7.0.
    pub severity: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default = "one")]
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
}

fn one() -> u64 {
    1
}
