//! Detection facts per scanned region: is GuardDuty on, is Security Hub on.

use super::{account_arn, ResourceIndex, ResourceRef};
use crate::snapshot::AccountSnapshot;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct RegionFacts {
    pub region: String,
    /// `null` when GuardDuty was not collected in this region.
    pub guardduty: Option<GuardDutyFacts>,
    /// `null` when Security Hub was not collected in this region.
    pub securityhub: Option<SecurityHubFacts>,
    /// Keys of the per-region scopes, present even when the data is not.
    pub guardduty_key: String,
    pub securityhub_key: String,
}

#[derive(Debug, Serialize)]
pub struct GuardDutyFacts {
    /// At least one detector with status ENABLED.
    pub enabled: bool,
    pub detector_ids: Vec<String>,
    pub suspended_detector_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SecurityHubFacts {
    pub enabled: bool,
}

pub fn analyse(account: &AccountSnapshot, index: &mut ResourceIndex) -> Vec<RegionFacts> {
    let account_id = account.account_id.as_str();
    account
        .regions
        .iter()
        .map(|region| {
            let name = region.region.as_str();
            let guardduty_key = format!("guardduty/{name}");
            let securityhub_key = format!("securityhub/{name}");
            // GuardDuty has no account-level ARN; Security Hub reports such checks on the account.
            index.insert(
                guardduty_key.clone(),
                ResourceRef {
                    arn: account_arn(account_id),
                    resource_type: "AwsAccount".into(),
                    name: format!("GuardDuty in {name}"),
                    account: account_id.to_string(),
                    region: name.to_string(),
                },
            );
            index.insert(
                securityhub_key.clone(),
                ResourceRef {
                    arn: format!("arn:aws:securityhub:{name}:{account_id}:hub/default"),
                    resource_type: "AwsSecurityHubHub".into(),
                    name: format!("Security Hub in {name}"),
                    account: account_id.to_string(),
                    region: name.to_string(),
                },
            );
            let guardduty = region.guardduty.as_ref().map(|section| {
                let (enabled, suspended): (Vec<_>, Vec<_>) = section
                    .detectors
                    .iter()
                    .partition(|d| d.status.eq_ignore_ascii_case("ENABLED"));
                GuardDutyFacts {
                    enabled: !enabled.is_empty(),
                    detector_ids: enabled.iter().map(|d| d.id.clone()).collect(),
                    suspended_detector_ids: suspended.iter().map(|d| d.id.clone()).collect(),
                }
            });
            if guardduty.is_none() {
                index.mark_incomplete(&guardduty_key, "guardduty", gap_reason(account, name, "guardduty"));
            }
            let securityhub = region.securityhub.as_ref().map(|section| SecurityHubFacts {
                enabled: section.enabled,
            });
            if securityhub.is_none() {
                index.mark_incomplete(
                    &securityhub_key,
                    "securityhub",
                    gap_reason(account, name, "securityhub"),
                );
            }
            RegionFacts {
                region: name.to_string(),
                guardduty,
                securityhub,
                guardduty_key,
                securityhub_key,
            }
        })
        .collect()
}

/// The recorded coverage gap for a service in a region, or a plain "not collected".
pub fn gap_reason(account: &AccountSnapshot, region: &str, service: &str) -> String {
    account
        .coverage_gaps
        .iter()
        .find(|gap| gap.region == region && gap.service == service)
        .map(|gap| format!("{} {} failed: {}", gap.service, gap.operation, gap.error))
        .unwrap_or_else(|| format!("{service} was not collected in {region}"))
}
