//! GuardDuty of one region: detectors with their features, and the active findings.

use super::paging::{PageTokens, LOOP};
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::{GuardDutyDetector, GuardDutyFinding, GuardDutySection, NamedStatus};
use std::time::Instant;

/// GetFindings takes at most 50 ids.
const GUARDDUTY_BATCH: usize = 50;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<GuardDutySection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_guardduty::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("guardduty"))
        .build();
    collect_with(&aws_sdk_guardduty::Client::from_conf(config), context, region, started).await
}

/// The GuardDuty section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &aws_sdk_guardduty::Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<GuardDutySection> {
    let mut calls = ServiceCalls::since(context, "guardduty", region, started);
    let mut detector_ids = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_detectors().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("ListDetectors", LOOP.into());
                return None;
            }
            Ok(page) => detector_ids.extend(page.detector_ids().iter().cloned()),
            Err(error) => {
                calls.fail("ListDetectors", describe(&error));
                return None;
            }
        }
    }
    let mut section = GuardDutySection::default();
    let mut findings: Option<Vec<GuardDutyFinding>> = Some(Vec::new());
    for id in detector_ids {
        calls.call();
        match client.get_detector().detector_id(&id).send().await {
            // DataSources gave way to Features, but older detectors (and moto) answer only with it.
            #[allow(deprecated)]
            Ok(detector) => section.detectors.push(GuardDutyDetector {
                id: id.clone(),
                status: detector.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                features: detector
                    .features()
                    .iter()
                    .map(|f| NamedStatus {
                        name: f.name().map(|n| n.as_str().to_string()).unwrap_or_default(),
                        status: f.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                    })
                    .collect(),
                data_sources: detector.data_sources().map(data_sources).unwrap_or_default(),
            }),
            Err(error) => {
                // Status unknown: the region's detection data cannot be trusted as a whole.
                calls.fail("GetDetector", describe(&error));
                return None;
            }
        }
        match detector_findings(client, &id, &mut calls).await {
            Ok(list) => {
                if let Some(all) = findings.as_mut() {
                    all.extend(list);
                }
            }
            Err((operation, error)) => {
                calls.fail(operation, error);
                findings = None;
            }
        }
    }
    section.findings = findings;
    Some(section)
}

/// The `DataSources` statuses, by AWS's path; their meaning as features is decided in facts.
fn data_sources(sources: &aws_sdk_guardduty::types::DataSourceConfigurationsResult) -> Vec<NamedStatus> {
    let status = |name: &str, status: Option<&aws_sdk_guardduty::types::DataSourceStatus>| {
        status.map(|s| NamedStatus {
            name: name.to_string(),
            status: s.as_str().to_string(),
        })
    };
    let ebs = sources
        .malware_protection()
        .and_then(|m| m.scan_ec2_instance_with_findings())
        .and_then(|s| s.ebs_volumes())
        .and_then(|e| e.status());
    [
        status("CloudTrail", sources.cloud_trail().and_then(|s| s.status())),
        status("DNSLogs", sources.dns_logs().and_then(|s| s.status())),
        status("FlowLogs", sources.flow_logs().and_then(|s| s.status())),
        status("S3Logs", sources.s3_logs().and_then(|s| s.status())),
        status(
            "Kubernetes.AuditLogs",
            sources
                .kubernetes()
                .and_then(|k| k.audit_logs())
                .and_then(|a| a.status()),
        ),
        status("MalwareProtection.ScanEc2InstanceWithFindings.EbsVolumes", ebs),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Active (non-archived) findings of one detector, listed then fetched in batches.
async fn detector_findings(
    client: &aws_sdk_guardduty::Client,
    detector: &str,
    calls: &mut ServiceCalls<'_>,
) -> Result<Vec<GuardDutyFinding>, (&'static str, String)> {
    use aws_sdk_guardduty::types::{Condition, FindingCriteria};
    let criteria = FindingCriteria::builder()
        .criterion("service.archived", Condition::builder().equals("false").build())
        .build();
    let mut ids = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client
        .list_findings()
        .detector_id(detector)
        .finding_criteria(criteria)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        calls.call();
        let page = page.map_err(|error| ("ListFindings", describe(&error)))?;
        if tokens.repeats(page.next_token()) {
            return Err(("ListFindings", LOOP.into()));
        }
        ids.extend(page.finding_ids().iter().cloned());
    }
    let mut findings = Vec::new();
    for batch in ids.chunks(GUARDDUTY_BATCH) {
        calls.call();
        let output = client
            .get_findings()
            .detector_id(detector)
            .set_finding_ids(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|error| ("GetFindings", describe(&error)))?;
        findings.extend(output.findings().iter().map(finding));
    }
    Ok(findings)
}

fn finding(finding: &aws_sdk_guardduty::types::Finding) -> GuardDutyFinding {
    let resource = finding.resource();
    let resource_type = resource.and_then(|r| r.resource_type()).map(str::to_string);
    let instance = resource
        .and_then(|r| r.instance_details())
        .and_then(|d| d.instance_id());
    let resource_arn = instance.map(|id| {
        format!(
            "arn:aws:ec2:{}:{}:instance/{id}",
            finding.region().unwrap_or_default(),
            finding.account_id().unwrap_or_default()
        )
    });
    let service = finding.service();
    GuardDutyFinding {
        id: finding.id().unwrap_or_default().to_string(),
        finding_type: finding.r#type().unwrap_or_default().to_string(),
        severity: finding.severity().unwrap_or_default(),
        resource_arn,
        resource_type,
        count: service.and_then(|s| s.count()).map(|c| c.max(1) as u64).unwrap_or(1),
        first_seen: service.and_then(|s| s.event_first_seen()).map(str::to_string),
        last_seen: service.and_then(|s| s.event_last_seen()).map(str::to_string),
    }
}
