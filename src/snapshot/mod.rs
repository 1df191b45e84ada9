//! The snapshot: everything posture knows about a set of accounts, as plain versioned serde
//! structs (no SDK types). Collectors and importers write it; facts read it.
//!
//! A section that is `None` was not collected (its rules report `not_evaluated`); a section
//! that is present but empty was collected and holds nothing.

mod config;
mod guardduty;
mod iam;
mod network;
mod organization;
pub mod policy;
mod resources;
mod section;
mod securityhub;
mod workloads;

pub use config::*;
pub use guardduty::*;
pub use iam::*;
pub use network::*;
pub use organization::*;
pub use policy::PolicySource;
pub use resources::*;
pub use section::Section;
pub use securityhub::*;
pub use workloads::*;

use crate::error::InputError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: &str = "1";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always "1" for this layout.
    pub schema_version: String,
    /// RFC 3339 time the data was collected or generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// Where the data came from: `collect`, `gaad`, `synth`, `fixture`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default)]
    pub accounts: Vec<AccountSnapshot>,
    /// The organisation the accounts belong to, with its control policies; `None` when not
    /// collected (the accounts are then judged without SCPs and RCPs, which can only remove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationSnapshot>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountSnapshot {
    /// 12-digit AWS account id.
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Global IAM data; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<IamSection>,
    /// S3 buckets and Block Public Access (global: ListBuckets names every region's buckets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Section>,
    /// One entry per region that was scanned.
    #[serde(default)]
    pub regions: Vec<RegionSnapshot>,
    /// Calls that failed while collecting this account.
    #[serde(default)]
    pub coverage_gaps: Vec<CoverageGap>,
}

/// A call that could not be made or completed; the data it would have brought is missing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageGap {
    pub account: String,
    /// Region name, or `global` for IAM and other global services.
    pub region: String,
    pub service: String,
    pub operation: String,
    /// Error code and message, never credentials.
    pub error: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionSnapshot {
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardduty: Option<GuardDutySection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub securityhub: Option<SecurityHubSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigSection>,
    /// KMS keys and their key policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms: Option<PolicyResources>,
    /// SQS queues and their queue policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqs: Option<PolicyResources>,
    /// SNS topics and their topic policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns: Option<PolicyResources>,
    /// Secrets Manager secrets and their resource policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secretsmanager: Option<PolicyResources>,
    /// Lambda functions, their resource policies and execution roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<PolicyResources>,
    /// ECR repositories and their repository policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecr: Option<PolicyResources>,
    /// CodeBuild projects, CloudFormation stacks, ECS tasks and SageMaker notebooks, with the
    /// roles they run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workloads: Option<WorkloadsSection>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedStatus {
    pub name: String,
    pub status: String,
}

impl Snapshot {
    pub fn new(source: &str, accounts: Vec<AccountSnapshot>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION.to_string(),
            generated_at: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            source: Some(source.to_string()),
            accounts,
            organization: None,
        }
    }

    /// Reads and validates a snapshot file; errors name the file and the JSON path.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let bytes = std::fs::read(path).map_err(|source| InputError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_slice(&bytes, path)
    }

    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Self, InputError> {
        // Fast path first; only on failure parse again, to name the version or the JSON path.
        match serde_json::from_slice::<Snapshot>(bytes) {
            Ok(snapshot) => {
                check_schema_version(Some(&serde_json::Value::String(snapshot.schema_version.clone())), path)?;
                Ok(snapshot)
            }
            Err(error) => {
                if let Ok(probe) = serde_json::from_slice::<VersionProbe>(bytes) {
                    check_schema_version(probe.schema_version.as_ref(), path)?;
                } else {
                    return Err(InputError::at(path, "$".to_string(), &error));
                }
                let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
                match serde_path_to_error::deserialize::<_, Snapshot>(deserializer) {
                    Ok(snapshot) => Ok(snapshot),
                    Err(error) => Err(InputError::at(path, error.path().to_string(), error.inner())),
                }
            }
        }
    }

    /// Sorts everything so that the same data always serialises to the same bytes.
    pub fn sort(&mut self) {
        self.accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        for account in &mut self.accounts {
            account.sort();
        }
        if let Some(organization) = &mut self.organization {
            organization.sort();
        }
    }
}

impl RegionSnapshot {
    /// The resource-policy sections of the region, with their section names.
    pub fn policy_sections(&self) -> [(Section, Option<&PolicyResources>); 6] {
        [
            (Section::Kms, self.kms.as_ref()),
            (Section::Sqs, self.sqs.as_ref()),
            (Section::Sns, self.sns.as_ref()),
            (Section::Secretsmanager, self.secretsmanager.as_ref()),
            (Section::Lambda, self.lambda.as_ref()),
            (Section::Ecr, self.ecr.as_ref()),
        ]
    }

    fn policy_sections_mut(&mut self) -> impl Iterator<Item = &mut PolicyResources> {
        [
            self.kms.as_mut(),
            self.sqs.as_mut(),
            self.sns.as_mut(),
            self.secretsmanager.as_mut(),
            self.lambda.as_mut(),
            self.ecr.as_mut(),
        ]
        .into_iter()
        .flatten()
    }
}

impl AccountSnapshot {
    /// Sorts the account's lists so that the same data always gives the same facts and bytes.
    pub fn sort(&mut self) {
        self.regions.sort_by(|a, b| a.region.cmp(&b.region));
        self.coverage_gaps.sort();
        if let Some(iam) = &mut self.iam {
            iam.users.sort_by(|a, b| a.arn.cmp(&b.arn));
            iam.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
            iam.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
            iam.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
        if let Some(s3) = &mut self.s3 {
            s3.buckets.sort_by(|a, b| a.name.cmp(&b.name));
        }
        for region in &mut self.regions {
            for section in region.policy_sections_mut() {
                section.resources.sort_by(|a, b| a.arn.cmp(&b.arn));
            }
            for list in region.workloads.iter_mut().flat_map(WorkloadsSection::lists_mut) {
                list.sort_by(|a, b| a.arn.cmp(&b.arn));
            }
            if let Some(groups) = region.workloads.as_mut().and_then(|w| w.auto_scaling_groups.as_mut()) {
                groups.sort_by(|a, b| a.arn.cmp(&b.arn));
            }
        }
    }
}

#[derive(Deserialize)]
struct VersionProbe {
    schema_version: Option<serde_json::Value>,
}

fn check_schema_version(version: Option<&serde_json::Value>, path: &Path) -> Result<(), InputError> {
    match version {
        Some(serde_json::Value::String(version)) if version == SCHEMA_VERSION => Ok(()),
        Some(other) => Err(InputError::Invalid {
            path: path.to_path_buf(),
            json_path: "schema_version".into(),
            message: format!("unsupported snapshot schema version {other}, this build reads \"{SCHEMA_VERSION}\""),
        }),
        None => Err(InputError::Invalid {
            path: path.to_path_buf(),
            json_path: "schema_version".into(),
            message: "missing; is this a posture snapshot? (use --gaad for an IAM authorization dump)".into(),
        }),
    }
}

/// JSON Schema of the snapshot, generated from these types, with keys in sorted order (so the
/// checked-in file is the same whatever serde_json features the build unified).
pub fn json_schema() -> serde_json::Value {
    sort_keys(schemars::schema_for!(Snapshot).to_value())
}

pub fn sort_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}
