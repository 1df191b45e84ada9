//! `aws iam get-account-authorization-details` output → [`AccountSnapshot`].
//!
//! The structure must be right (otherwise exit 2 with the JSON path); each policy document is
//! decoded on its own, and one that cannot be decoded is kept as a `decode_error` so that only
//! what depends on it becomes `not_evaluated`.

use crate::error::InputError;
use crate::snapshot::policy::decode_policy_value;
use crate::snapshot::{
    AccountSnapshot, IamGroup, IamRole, IamSection, IamUser, InlinePolicy, ManagedPolicy, PolicySource,
};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Gaad {
    #[serde(default)]
    user_detail_list: Vec<GaadUser>,
    #[serde(default)]
    group_detail_list: Vec<GaadGroup>,
    #[serde(default)]
    role_detail_list: Vec<GaadRole>,
    #[serde(default)]
    policies: Vec<GaadPolicy>,
    #[serde(default)]
    is_truncated: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadInline {
    policy_name: String,
    policy_document: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadAttached {
    policy_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadBoundary {
    permissions_boundary_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadUser {
    user_name: String,
    arn: String,
    #[serde(default)]
    create_date: Option<String>,
    #[serde(default)]
    user_policy_list: Vec<GaadInline>,
    #[serde(default)]
    group_list: Vec<String>,
    #[serde(default)]
    attached_managed_policies: Vec<GaadAttached>,
    #[serde(default)]
    permissions_boundary: Option<GaadBoundary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadGroup {
    group_name: String,
    arn: String,
    #[serde(default)]
    group_policy_list: Vec<GaadInline>,
    #[serde(default)]
    attached_managed_policies: Vec<GaadAttached>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadInstanceProfile {
    arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadRole {
    role_name: String,
    arn: String,
    #[serde(default)]
    create_date: Option<String>,
    #[serde(default)]
    assume_role_policy_document: Option<Value>,
    #[serde(default)]
    role_policy_list: Vec<GaadInline>,
    #[serde(default)]
    attached_managed_policies: Vec<GaadAttached>,
    #[serde(default)]
    permissions_boundary: Option<GaadBoundary>,
    #[serde(default)]
    instance_profile_list: Vec<GaadInstanceProfile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadPolicy {
    arn: String,
    /// moto omits it; real AWS sends it.
    #[serde(default)]
    policy_name: Option<String>,
    #[serde(default)]
    default_version_id: Option<String>,
    #[serde(default)]
    policy_version_list: Vec<GaadPolicyVersion>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadPolicyVersion {
    #[serde(default)]
    document: Option<Value>,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    is_default_version: bool,
}

/// A dump larger than this is refused: real accounts' dumps are megabytes, not gigabytes.
const MAX_DUMP_BYTES: u64 = 1 << 30;

/// Reads one GAAD dump file, as a stream (a device such as `/dev/zero` fails at its first byte).
pub fn load_gaad(path: &Path) -> Result<AccountSnapshot, InputError> {
    let unreadable = |source| InputError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    if file.metadata().map_err(unreadable)?.len() > MAX_DUMP_BYTES {
        return Err(InputError::Invalid {
            path: path.to_path_buf(),
            json_path: "$".into(),
            message: format!(
                "larger than {} MiB; is this an authorization dump?",
                MAX_DUMP_BYTES >> 20
            ),
        });
    }
    let reader = std::io::BufReader::new(std::io::Read::take(file, MAX_DUMP_BYTES));
    let deserializer = &mut serde_json::Deserializer::from_reader(reader);
    let gaad: Gaad = serde_path_to_error::deserialize(deserializer)
        .map_err(|error| InputError::at(path, error.path().to_string(), error.inner()))?;
    let account_id = account_of_dump(&gaad).ok_or_else(|| InputError::Invalid {
        path: path.to_path_buf(),
        json_path: "$".into(),
        message: "no ARN with an account id found; is this a get-account-authorization-details dump?".into(),
    })?;
    // A truncated dump is a partial picture: like a broken pagination live, the IAM section is
    // dropped (its rules are not_evaluated) and the gap says why.
    if gaad.is_truncated {
        tracing::warn!(file = %path.display(), "dump says IsTruncated: true; its IAM data is not evaluated");
        return Ok(AccountSnapshot {
            coverage_gaps: vec![crate::snapshot::CoverageGap {
                account: account_id.clone(),
                region: "global".into(),
                service: "iam".into(),
                operation: "GetAccountAuthorizationDetails".into(),
                error: format!(
                    "{}: the dump says IsTruncated: true (principals on later pages are missing)",
                    path.display()
                ),
            }],
            account_id,
            ..Default::default()
        });
    }
    Ok(AccountSnapshot {
        account_id,
        iam: Some(convert(gaad)),
        ..Default::default()
    })
}

/// Converts GAAD pages (as the API's JSON, merged) into the IAM section: the live collector
/// goes through here too, so both decode policy documents the same way.
pub fn iam_from_value(value: serde_json::Value) -> Result<IamSection, String> {
    let gaad: Gaad =
        serde_path_to_error::deserialize(value).map_err(|error| format!("{}: {}", error.path(), error.inner()))?;
    Ok(convert(gaad))
}

/// The account id is the fifth field of any principal ARN in the dump.
fn account_of_dump(gaad: &Gaad) -> Option<String> {
    let arns = gaad
        .user_detail_list
        .iter()
        .map(|u| &u.arn)
        .chain(gaad.role_detail_list.iter().map(|r| &r.arn))
        .chain(gaad.group_detail_list.iter().map(|g| &g.arn));
    arns.filter_map(|arn| arn.split(':').nth(4))
        .find(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

fn decode(raw: Option<&Value>) -> PolicySource {
    match raw {
        None | Some(Value::Null) => PolicySource::failed("policy document is missing"),
        Some(value) => match decode_policy_value(value) {
            Ok(document) => PolicySource::decoded(document),
            Err(error) => PolicySource::failed(error),
        },
    }
}

fn inline(list: Vec<GaadInline>) -> Vec<InlinePolicy> {
    list.into_iter()
        .map(|p| InlinePolicy {
            source: decode(Some(&p.policy_document)),
            name: p.policy_name,
        })
        .collect()
}

fn attached(list: Vec<GaadAttached>) -> Vec<String> {
    list.into_iter().map(|a| a.policy_arn).collect()
}

fn convert(gaad: Gaad) -> IamSection {
    let users = gaad
        .user_detail_list
        .into_iter()
        .map(|u| IamUser {
            arn: u.arn,
            name: u.user_name,
            create_date: u.create_date,
            inline_policies: inline(u.user_policy_list),
            attached_policies: attached(u.attached_managed_policies),
            groups: u.group_list,
            permissions_boundary: u.permissions_boundary.map(|b| b.permissions_boundary_arn),
        })
        .collect();
    let groups = gaad
        .group_detail_list
        .into_iter()
        .map(|g| IamGroup {
            arn: g.arn,
            name: g.group_name,
            inline_policies: inline(g.group_policy_list),
            attached_policies: attached(g.attached_managed_policies),
        })
        .collect();
    let roles = gaad
        .role_detail_list
        .into_iter()
        .map(|r| IamRole {
            assume_role_policy: decode(r.assume_role_policy_document.as_ref()),
            arn: r.arn,
            name: r.role_name,
            create_date: r.create_date,
            inline_policies: inline(r.role_policy_list),
            attached_policies: attached(r.attached_managed_policies),
            permissions_boundary: r.permissions_boundary.map(|b| b.permissions_boundary_arn),
            instance_profiles: r.instance_profile_list.into_iter().map(|p| p.arn).collect(),
        })
        .collect();
    let policies = gaad.policies.into_iter().map(convert_policy).collect();
    IamSection {
        users,
        groups,
        roles,
        policies,
        credential_report: None,
        password_policy: None,
        account_summary: None,
    }
}

/// Only the default version counts; the name comes from the ARN when the dump lacks it.
fn convert_policy(policy: GaadPolicy) -> ManagedPolicy {
    let name = policy
        .policy_name
        .unwrap_or_else(|| policy.arn.rsplit('/').next().unwrap_or(&policy.arn).to_string());
    let default_version = policy
        .policy_version_list
        .iter()
        .find(|v| v.is_default_version)
        .or_else(|| {
            policy
                .policy_version_list
                .iter()
                .find(|v| v.version_id.is_some() && v.version_id == policy.default_version_id)
        });
    let source = match default_version {
        Some(version) => decode(version.document.as_ref()),
        None => PolicySource::failed("no default policy version in the dump"),
    };
    ManagedPolicy {
        arn: policy.arn,
        name,
        default_version_id: policy.default_version_id,
        source,
    }
}
