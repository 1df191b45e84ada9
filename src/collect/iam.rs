//! IAM (global): GetAccountAuthorizationDetails, paginated, and the credential report.

use super::paging::{PageTokens, LOOP};
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::{AccessKeyEntry, CredentialReportEntry, IamSection, PasswordPolicy};
use aws_sdk_iam::Client;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const GLOBAL: &str = "global";

fn date(value: Option<&aws_smithy_types::DateTime>) -> Value {
    value
        .and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

fn inline(list: &[aws_sdk_iam::types::PolicyDetail]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| json!({"PolicyName": p.policy_name(), "PolicyDocument": p.policy_document()}))
            .collect(),
    )
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| json!({"PolicyName": p.policy_name(), "PolicyArn": p.policy_arn()}))
            .collect(),
    )
}

fn boundary(value: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>) -> Value {
    value
        .and_then(|b| b.permissions_boundary_arn())
        .map(|arn| json!({"PermissionsBoundaryArn": arn}))
        .unwrap_or(Value::Null)
}

pub(super) async fn collect(context: &AccountContext) -> Option<IamSection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_iam::config::Builder::from(&context.config)
        .retry_partition(context.partition("iam"))
        .build();
    collect_with(&Client::from_conf(config), context, started).await
}

/// The IAM section through a given client (a mock one in tests).
pub(super) async fn collect_with(client: &Client, context: &AccountContext, started: Instant) -> Option<IamSection> {
    let mut calls = ServiceCalls::since(context, "iam", GLOBAL, started);
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut roles = Vec::new();
    let mut policies = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.get_account_authorization_details().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        let page = match page {
            Ok(page) if tokens.repeats(page.marker()) => {
                calls.fail("GetAccountAuthorizationDetails", LOOP.into());
                return None;
            }
            Ok(page) => page,
            Err(error) => {
                // An interrupted pagination would give a partial, misleading IAM picture.
                calls.fail("GetAccountAuthorizationDetails", describe(&error));
                return None;
            }
        };
        users.extend(page.user_detail_list().iter().map(|u| {
            json!({"UserName": u.user_name(), "Arn": u.arn(), "CreateDate": date(u.create_date()),
                   "UserPolicyList": inline(u.user_policy_list()), "GroupList": u.group_list(),
                   "AttachedManagedPolicies": attached(u.attached_managed_policies()),
                   "PermissionsBoundary": boundary(u.permissions_boundary())})
        }));
        groups.extend(page.group_detail_list().iter().map(|g| {
            json!({"GroupName": g.group_name(), "Arn": g.arn(), "GroupPolicyList": inline(g.group_policy_list()),
                   "AttachedManagedPolicies": attached(g.attached_managed_policies())})
        }));
        roles.extend(page.role_detail_list().iter().map(|r| {
            json!({"RoleName": r.role_name(), "Arn": r.arn(), "CreateDate": date(r.create_date()),
                   "AssumeRolePolicyDocument": r.assume_role_policy_document(),
                   "RolePolicyList": inline(r.role_policy_list()),
                   "AttachedManagedPolicies": attached(r.attached_managed_policies()),
                   "PermissionsBoundary": boundary(r.permissions_boundary()),
                   "InstanceProfileList": r.instance_profile_list().iter().map(|p| json!({"Arn": p.arn()})).collect::<Vec<_>>()})
        }));
        policies.extend(page.policies().iter().map(|p| {
            json!({"PolicyName": p.policy_name(), "Arn": p.arn(), "DefaultVersionId": p.default_version_id(),
                   "PolicyVersionList": p.policy_version_list().iter().map(|v| json!({
                       "Document": v.document(), "VersionId": v.version_id(), "IsDefaultVersion": v.is_default_version()
                   })).collect::<Vec<_>>()})
        }));
    }
    let gaad =
        json!({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies});
    let mut section = match crate::import::gaad::iam_from_value(strip_nulls(gaad)) {
        Ok(section) => section,
        Err(error) => {
            calls.fail("GetAccountAuthorizationDetails", format!("unexpected answer: {error}"));
            return None;
        }
    };
    section.credential_report = credential_report(client, &mut calls).await;
    password_policy(client, &mut calls, &mut section).await;
    account_summary(client, &mut calls, &mut section).await;
    Some(section)
}

/// Reads the password policy; "no such entity" means the account has none.
async fn password_policy(client: &Client, calls: &mut ServiceCalls<'_>, section: &mut IamSection) {
    calls.call();
    match client.get_account_password_policy().send().await {
        Ok(output) => {
            section.password_policy = output.password_policy().map(|p| PasswordPolicy {
                configured: true,
                minimum_password_length: p.minimum_password_length(),
                require_symbols: p.require_symbols(),
                require_numbers: p.require_numbers(),
                require_uppercase_characters: p.require_uppercase_characters(),
                require_lowercase_characters: p.require_lowercase_characters(),
                max_password_age: p.max_password_age(),
                password_reuse_prevention: p.password_reuse_prevention(),
            });
        }
        Err(error) if super::code(&error).as_deref() == Some("NoSuchEntity") => {
            section.password_policy = Some(PasswordPolicy::default());
        }
        Err(error) => calls.fail("GetAccountPasswordPolicy", describe(&error)),
    }
}

/// Reads the account summary counts.
async fn account_summary(client: &Client, calls: &mut ServiceCalls<'_>, section: &mut IamSection) {
    calls.call();
    match client.get_account_summary().send().await {
        Ok(output) => {
            section.account_summary = output.summary_map().map(|map| {
                map.iter()
                    .map(|(k, v)| (k.as_str().to_string(), i64::from(*v)))
                    .collect()
            });
        }
        Err(error) => calls.fail("GetAccountSummary", describe(&error)),
    }
}

/// Absent optional fields become nulls above; the importer wants them absent.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// Generates (waiting a little) and reads the credential report.
async fn credential_report(client: &Client, calls: &mut ServiceCalls<'_>) -> Option<Vec<CredentialReportEntry>> {
    for attempt in 0..10 {
        calls.call();
        match client.generate_credential_report().send().await {
            Ok(output) if output.state().is_some_and(|s| s.as_str() == "COMPLETE") => break,
            Ok(_) => tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await,
            Err(error) => {
                calls.fail("GenerateCredentialReport", describe(&error));
                return None;
            }
        }
    }
    calls.call();
    let content = match client.get_credential_report().send().await {
        Ok(output) => output
            .content()
            .map(|blob| String::from_utf8_lossy(blob.as_ref()).to_string())
            .unwrap_or_default(),
        Err(error) => {
            calls.fail("GetCredentialReport", describe(&error));
            return None;
        }
    };
    match parse_credential_report(&content) {
        Ok(entries) => Some(entries),
        Err(error) => {
            calls.fail("GetCredentialReport", error);
            None
        }
    }
}

fn cell(value: Option<&&str>) -> Option<String> {
    value
        .filter(|v| !matches!(**v, "" | "N/A" | "no_information" | "not_supported"))
        .map(|v| v.to_string())
}

/// Parses the report's CSV (its fields never hold commas).
pub fn parse_credential_report(csv: &str) -> Result<Vec<CredentialReportEntry>, String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().ok_or("empty credential report")?.split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let user = column("user").ok_or("credential report has no user column")?;
    let arn = column("arn").ok_or("credential report has no arn column")?;
    let mut entries = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let get = |name: &str| column(name).and_then(|i| fields.get(i));
        let flag = |name: &str| get(name).is_some_and(|v| *v == "true");
        let access_keys = [1u8, 2]
            .into_iter()
            .map(|n| AccessKeyEntry {
                number: n,
                active: flag(&format!("access_key_{n}_active")),
                last_rotated: cell(get(&format!("access_key_{n}_last_rotated"))),
                last_used: cell(get(&format!("access_key_{n}_last_used_date"))),
            })
            .filter(|k| k.active || k.last_rotated.is_some())
            .collect();
        entries.push(CredentialReportEntry {
            user: fields.get(user).map(|s| s.to_string()).unwrap_or_default(),
            arn: fields.get(arn).map(|s| s.to_string()).unwrap_or_default(),
            password_enabled: flag("password_enabled"),
            password_last_used: cell(get("password_last_used")),
            mfa_active: flag("mfa_active"),
            access_keys,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_report_csv() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,not_supported,not_supported,false,true,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";
        let entries = super::parse_credential_report(csv).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].user, "<root_account>");
        assert!(!entries[0].mfa_active);
        assert_eq!(entries[0].access_keys.len(), 1);
        assert!(entries[0].access_keys[0].active);
        assert_eq!(entries[0].access_keys[0].last_used, None);
    }
}
