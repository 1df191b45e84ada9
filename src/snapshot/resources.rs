//! Resource-based policies: S3 buckets (global section, with Block Public Access), and per
//! region the KMS keys, SQS queues, SNS topics, Secrets Manager secrets, Lambda functions and
//! ECR repositories, each with the policy that says who else may use it.

use super::PolicySource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The account's S3 buckets (ListBuckets is global; each bucket names its region).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Section {
    /// The account-level Block Public Access settings; `None` when not collected, all false
    /// when the account has none configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_public_access_block: Option<PublicAccessBlock>,
    #[serde(default)]
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    #[serde(default)]
    pub block_public_acls: bool,
    #[serde(default)]
    pub ignore_public_acls: bool,
    #[serde(default)]
    pub block_public_policy: bool,
    /// Public policies then admit only the bucket owner's account and AWS services.
    #[serde(default)]
    pub restrict_public_buckets: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The bucket policy; `None` when the bucket has none (NoSuchBucketPolicy). A policy that
    /// could not be read has a `decode_error` (or is named in the coverage gaps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySource>,
    /// Whether the policy could be read at all: false when GetBucketPolicy failed.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub policy_collected: bool,
    /// The bucket's own Block Public Access settings; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block: Option<PublicAccessBlock>,
}

/// One regional service's resources that carry a resource-based policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyResources {
    #[serde(default)]
    pub resources: Vec<PolicyResource>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyResource {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The resource policy; `None` when the resource has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySource>,
    /// Whether the policy could be read at all: false when its call failed.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub policy_collected: bool,
    /// Lambda: the function's execution role ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// KMS: `AWS` or `CUSTOMER` (AWS managed keys' policies are not the account's to change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_manager: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}
