//! The IAM section of an account (global): users, groups, roles, managed policies, the
//! credential report, the password policy and the account summary.

use super::PolicySource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamSection {
    #[serde(default)]
    pub users: Vec<IamUser>,
    #[serde(default)]
    pub groups: Vec<IamGroup>,
    #[serde(default)]
    pub roles: Vec<IamRole>,
    /// Managed policies (customer and AWS managed) referenced by the principals.
    #[serde(default)]
    pub policies: Vec<ManagedPolicy>,
    /// The IAM credential report; `None` when not collected (GAAD dumps have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_report: Option<Vec<CredentialReportEntry>>,
    /// The account password policy (`configured: false` when there is none); `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// GetAccountSummary counts (e.g. `AccountMFAEnabled`, `Users`); `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_summary: Option<BTreeMap<String, i64>>,
}

/// The account password policy as collected.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// False when the account has no password policy (the AWS defaults apply).
    pub configured: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_password_length: Option<i32>,
    #[serde(default)]
    pub require_symbols: bool,
    #[serde(default)]
    pub require_numbers: bool,
    #[serde(default)]
    pub require_uppercase_characters: bool,
    #[serde(default)]
    pub require_lowercase_characters: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<i32>,
}

/// One row of the credential report (`<root_account>` is the root user).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialReportEntry {
    pub user: String,
    pub arn: String,
    pub password_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<String>,
    pub mfa_active: bool,
    #[serde(default)]
    pub access_keys: Vec<AccessKeyEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyEntry {
    /// 1 or 2.
    pub number: u8,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    pub name: String,
    #[serde(flatten)]
    pub source: PolicySource,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamUser {
    pub arn: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Names of the groups the user belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamGroup {
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    pub arn: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    /// The trust policy.
    pub assume_role_policy: PolicySource,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// ARNs of instance profiles that carry this role.
    #[serde(default)]
    pub instance_profiles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    /// The version in force; only its document counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_version_id: Option<String>,
    /// Document of the default version.
    #[serde(flatten)]
    pub source: PolicySource,
}
