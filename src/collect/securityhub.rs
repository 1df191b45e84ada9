//! Security Hub of one region: whether it is on, the enabled standards, and the security
//! controls with the resources of their failed findings.

use super::paging::{PageTokens, LOOP};
use super::{code, describe, AccountContext, ServiceCalls};
use crate::snapshot::{SecurityHubControl, SecurityHubSection, SecurityHubStandard};
use std::collections::BTreeMap;
use std::time::Instant;

/// BatchGetSecurityControls takes at most 100 ids.
const SECURITY_CONTROL_BATCH: usize = 100;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<SecurityHubSection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_securityhub::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("securityhub"))
        .build();
    collect_with(
        &aws_sdk_securityhub::Client::from_conf(config),
        context,
        region,
        started,
    )
    .await
}

/// The Security Hub section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &aws_sdk_securityhub::Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<SecurityHubSection> {
    let mut calls = ServiceCalls::since(context, "securityhub", region, started);
    calls.call();
    let hub_arn = match client.describe_hub().send().await {
        Ok(output) => output.hub_arn().map(str::to_string),
        // "not subscribed" is an answer: Security Hub is off here.
        Err(error) if code(&error).as_deref() == Some("InvalidAccessException") => {
            return Some(SecurityHubSection {
                enabled: false,
                ..SecurityHubSection::default()
            });
        }
        Err(error) => {
            calls.fail("DescribeHub", describe(&error));
            return None;
        }
    };
    Some(SecurityHubSection {
        enabled: true,
        hub_arn,
        standards: standards(client, &mut calls).await,
        controls: match controls(client, &mut calls).await {
            Ok(controls) => Some(controls),
            Err((operation, error)) => {
                calls.fail(operation, error);
                None
            }
        },
    })
}

/// The enabled standards; `None` (and a gap) when the listing broke off.
async fn standards(
    client: &aws_sdk_securityhub::Client,
    calls: &mut ServiceCalls<'_>,
) -> Option<Vec<SecurityHubStandard>> {
    let mut standards = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.get_enabled_standards().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("GetEnabledStandards", LOOP.into());
                return None;
            }
            Ok(page) => standards.extend(page.standards_subscriptions().iter().map(|s| SecurityHubStandard {
                arn: s.standards_arn().unwrap_or_default().to_string(),
                status: s.standards_status().map(|x| x.as_str().to_string()).unwrap_or_default(),
            })),
            Err(error) => {
                calls.fail("GetEnabledStandards", describe(&error));
                return None;
            }
        }
    }
    Some(standards)
}

/// Security controls with their status, and the resources of failed active findings per control.
async fn controls(
    client: &aws_sdk_securityhub::Client,
    calls: &mut ServiceCalls<'_>,
) -> Result<Vec<SecurityHubControl>, (&'static str, String)> {
    use aws_sdk_securityhub::types::{AwsSecurityFindingFilters, StringFilter, StringFilterComparison};
    // Definitions are best effort (a gap); the failed findings are what the rules need.
    let mut controls = match control_definitions(client, calls).await {
        Ok(found) => found,
        Err((operation, error)) => {
            calls.fail(operation, error);
            BTreeMap::new()
        }
    };
    let equals = |value: &str| {
        StringFilter::builder()
            .value(value)
            .comparison(StringFilterComparison::Equals)
            .build()
    };
    let filters = AwsSecurityFindingFilters::builder()
        .compliance_status(equals("FAILED"))
        .record_state(equals("ACTIVE"))
        .build();
    let mut tokens = PageTokens::default();
    let mut pages = client.get_findings().filters(filters).into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        let page = page.map_err(|error| ("GetFindings", describe(&error)))?;
        if tokens.repeats(page.next_token()) {
            return Err(("GetFindings", LOOP.into()));
        }
        for finding in page.findings() {
            let Some(control_id) = finding.compliance().and_then(|c| c.security_control_id()) else {
                continue;
            };
            let control = controls
                .entry(control_id.to_string())
                .or_insert_with(|| SecurityHubControl {
                    id: control_id.to_string(),
                    title: finding.title().unwrap_or_default().to_string(),
                    status: String::new(),
                    severity: finding
                        .severity()
                        .and_then(|s| s.label())
                        .map(|l| l.as_str().to_string())
                        .unwrap_or_default(),
                    failed_resources: Vec::new(),
                });
            control.status = "FAILED".into();
            control
                .failed_resources
                .extend(finding.resources().iter().filter_map(|r| r.id().map(str::to_string)));
        }
    }
    Ok(controls.into_values().collect())
}

/// Every security control definition with its enablement status.
async fn control_definitions(
    client: &aws_sdk_securityhub::Client,
    calls: &mut ServiceCalls<'_>,
) -> Result<BTreeMap<String, SecurityHubControl>, (&'static str, String)> {
    let mut controls = BTreeMap::new();
    let mut ids = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_security_control_definitions().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        let page = page.map_err(|error| ("ListSecurityControlDefinitions", describe(&error)))?;
        if tokens.repeats(page.next_token()) {
            return Err(("ListSecurityControlDefinitions", LOOP.into()));
        }
        ids.extend(
            page.security_control_definitions()
                .iter()
                .filter_map(|d| d.security_control_id().map(str::to_string)),
        );
    }
    for batch in ids.chunks(SECURITY_CONTROL_BATCH) {
        calls.call();
        let output = client
            .batch_get_security_controls()
            .set_security_control_ids(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|error| ("BatchGetSecurityControls", describe(&error)))?;
        for control in output.security_controls() {
            let id = control.security_control_id().unwrap_or_default().to_string();
            controls.insert(
                id.clone(),
                SecurityHubControl {
                    id,
                    title: control.title().unwrap_or_default().to_string(),
                    status: control
                        .security_control_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    severity: control
                        .severity_rating()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    failed_resources: Vec::new(),
                },
            );
        }
    }
    Ok(controls)
}
