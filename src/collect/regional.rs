//! Regions, and the regional detection services: GuardDuty, Security Hub and AWS Config.

use super::{code, describe, AccountContext};
use crate::snapshot::{
    ConfigRecorder, ConfigSection, GuardDutyDetector, GuardDutyFinding, GuardDutySection, NamedStatus,
    SecurityHubControl, SecurityHubSection, SecurityHubStandard,
};
use std::collections::BTreeMap;
use std::time::Instant;

/// GetFindings takes at most 50 ids.
const GUARDDUTY_BATCH: usize = 50;
/// BatchGetSecurityControls takes at most 100 ids.
const SECURITY_CONTROL_BATCH: usize = 100;

/// Every region enabled for the account (DescribeRegions without AllRegions lists only those).
pub(super) async fn enabled_regions(context: &AccountContext) -> Vec<String> {
    let home = context
        .config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let started = Instant::now();
    let client = aws_sdk_ec2::Client::new(&context.config);
    match client.describe_regions().send().await {
        Ok(output) => {
            context.calls.record("ec2", 1, 0, started.elapsed().as_secs_f64());
            let mut regions: Vec<String> = output
                .regions()
                .iter()
                .filter_map(|r| r.region_name().map(str::to_string))
                .collect();
            regions.sort();
            regions
        }
        Err(error) => {
            context.calls.record("ec2", 1, 1, started.elapsed().as_secs_f64());
            context.gaps.add(&home, "ec2", "DescribeRegions", describe(&error));
            vec![home]
        }
    }
}

pub(super) async fn guardduty(context: &AccountContext, region: &str) -> Option<GuardDutySection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_guardduty::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("guardduty"))
        .build();
    guardduty_with(&aws_sdk_guardduty::Client::from_conf(config), context, region, started).await
}

/// The GuardDuty section of a region through a given client (a mock one in tests).
pub(super) async fn guardduty_with(
    client: &aws_sdk_guardduty::Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<GuardDutySection> {
    let mut calls = 0;
    let mut failed = 0;
    let record = |calls, failed| {
        context
            .calls
            .record("guardduty", calls, failed, started.elapsed().as_secs_f64())
    };
    let mut detector_ids = Vec::new();
    let mut pages = client.list_detectors().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls += 1;
        match page {
            Ok(page) => detector_ids.extend(page.detector_ids().iter().cloned()),
            Err(error) => {
                context.gaps.add(region, "guardduty", "ListDetectors", describe(&error));
                record(calls, 1);
                return None;
            }
        }
    }
    let mut section = GuardDutySection::default();
    let mut findings: Option<Vec<GuardDutyFinding>> = Some(Vec::new());
    for id in detector_ids {
        calls += 1;
        match client.get_detector().detector_id(&id).send().await {
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
            }),
            Err(error) => {
                failed += 1;
                context.gaps.add(region, "guardduty", "GetDetector", describe(&error));
                // Status unknown: the region's detection data cannot be trusted as a whole.
                record(calls, failed);
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
                failed += 1;
                context.gaps.add(region, "guardduty", operation, error);
                findings = None;
            }
        }
    }
    section.findings = findings;
    record(calls, failed);
    Some(section)
}

/// Active (non-archived) findings of one detector, listed then fetched in batches.
async fn detector_findings(
    client: &aws_sdk_guardduty::Client,
    detector: &str,
    calls: &mut u64,
) -> Result<Vec<GuardDutyFinding>, (&'static str, String)> {
    use aws_sdk_guardduty::types::{Condition, FindingCriteria};
    let criteria = FindingCriteria::builder()
        .criterion("service.archived", Condition::builder().equals("false").build())
        .build();
    let mut ids = Vec::new();
    let mut pages = client
        .list_findings()
        .detector_id(detector)
        .finding_criteria(criteria)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        *calls += 1;
        let page = page.map_err(|error| ("ListFindings", describe(&error)))?;
        ids.extend(page.finding_ids().iter().cloned());
    }
    let mut findings = Vec::new();
    for batch in ids.chunks(GUARDDUTY_BATCH) {
        *calls += 1;
        let output = client
            .get_findings()
            .detector_id(detector)
            .set_finding_ids(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|error| ("GetFindings", describe(&error)))?;
        for finding in output.findings() {
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
            findings.push(GuardDutyFinding {
                id: finding.id().unwrap_or_default().to_string(),
                finding_type: finding.r#type().unwrap_or_default().to_string(),
                severity: finding.severity().unwrap_or_default(),
                resource_arn,
                resource_type,
                count: service.and_then(|s| s.count()).map(|c| c.max(1) as u64).unwrap_or(1),
                first_seen: service.and_then(|s| s.event_first_seen()).map(str::to_string),
                last_seen: service.and_then(|s| s.event_last_seen()).map(str::to_string),
            });
        }
    }
    Ok(findings)
}

pub(super) async fn securityhub(context: &AccountContext, region: &str) -> Option<SecurityHubSection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_securityhub::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("securityhub"))
        .build();
    let client = aws_sdk_securityhub::Client::from_conf(config);
    let mut calls = 1;
    let mut failed = 0;
    let hub = client.describe_hub().send().await;
    let hub_arn = match hub {
        Ok(output) => output.hub_arn().map(str::to_string),
        // "not subscribed" is an answer: Security Hub is off here.
        Err(error) if code(&error).as_deref() == Some("InvalidAccessException") => {
            context
                .calls
                .record("securityhub", calls, 0, started.elapsed().as_secs_f64());
            return Some(SecurityHubSection {
                enabled: false,
                ..SecurityHubSection::default()
            });
        }
        Err(error) => {
            context.gaps.add(region, "securityhub", "DescribeHub", describe(&error));
            context
                .calls
                .record("securityhub", calls, 1, started.elapsed().as_secs_f64());
            return None;
        }
    };
    let mut section = SecurityHubSection {
        enabled: true,
        hub_arn,
        standards: None,
        controls: None,
    };
    let mut standards = Vec::new();
    let mut pages = client.get_enabled_standards().into_paginator().send();
    let mut standards_ok = true;
    while let Some(page) = pages.next().await {
        calls += 1;
        match page {
            Ok(page) => standards.extend(page.standards_subscriptions().iter().map(|s| SecurityHubStandard {
                arn: s.standards_arn().unwrap_or_default().to_string(),
                status: s.standards_status().map(|x| x.as_str().to_string()).unwrap_or_default(),
            })),
            Err(error) => {
                failed += 1;
                standards_ok = false;
                context
                    .gaps
                    .add(region, "securityhub", "GetEnabledStandards", describe(&error));
                break;
            }
        }
    }
    if standards_ok {
        section.standards = Some(standards);
    }
    match controls(&client, context, region, &mut calls, &mut failed).await {
        Ok(controls) => section.controls = Some(controls),
        Err((operation, error)) => {
            failed += 1;
            context.gaps.add(region, "securityhub", operation, error);
        }
    }
    context
        .calls
        .record("securityhub", calls, failed, started.elapsed().as_secs_f64());
    Some(section)
}

/// Security controls with their status, and the resources of failed active findings per control.
async fn controls(
    client: &aws_sdk_securityhub::Client,
    context: &AccountContext,
    region: &str,
    calls: &mut u64,
    failed: &mut u64,
) -> Result<Vec<SecurityHubControl>, (&'static str, String)> {
    use aws_sdk_securityhub::types::{AwsSecurityFindingFilters, StringFilter, StringFilterComparison};
    // Definitions are best effort (a gap); the failed findings are what the rules need.
    let mut controls = match control_definitions(client, calls).await {
        Ok(found) => found,
        Err((operation, error)) => {
            *failed += 1;
            context.gaps.add(region, "securityhub", operation, error);
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
    let mut pages = client.get_findings().filters(filters).into_paginator().send();
    while let Some(page) = pages.next().await {
        *calls += 1;
        let page = page.map_err(|error| ("GetFindings", describe(&error)))?;
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
    calls: &mut u64,
) -> Result<BTreeMap<String, SecurityHubControl>, (&'static str, String)> {
    let mut controls = BTreeMap::new();
    let mut ids = Vec::new();
    let mut pages = client.list_security_control_definitions().into_paginator().send();
    while let Some(page) = pages.next().await {
        *calls += 1;
        let page = page.map_err(|error| ("ListSecurityControlDefinitions", describe(&error)))?;
        ids.extend(
            page.security_control_definitions()
                .iter()
                .filter_map(|d| d.security_control_id().map(str::to_string)),
        );
    }
    for batch in ids.chunks(SECURITY_CONTROL_BATCH) {
        *calls += 1;
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

pub(super) async fn config(context: &AccountContext, region: &str) -> Option<ConfigSection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let sdk = aws_sdk_config::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("config"))
        .build();
    config_with(&aws_sdk_config::Client::from_conf(sdk), context, region, started).await
}

/// The Config section of a region through a given client (a mock one in tests).
pub(super) async fn config_with(
    client: &aws_sdk_config::Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<ConfigSection> {
    let mut calls = 3;
    let record = |calls, failed| {
        context
            .calls
            .record("config", calls, failed, started.elapsed().as_secs_f64())
    };
    let recorders = match client.describe_configuration_recorders().send().await {
        Ok(output) => output.configuration_recorders().to_vec(),
        Err(error) => {
            context
                .gaps
                .add(region, "config", "DescribeConfigurationRecorders", describe(&error));
            record(1, 1);
            return None;
        }
    };
    let statuses = match client.describe_configuration_recorder_status().send().await {
        Ok(output) => output.configuration_recorders_status().to_vec(),
        Err(error) => {
            context.gaps.add(
                region,
                "config",
                "DescribeConfigurationRecorderStatus",
                describe(&error),
            );
            record(2, 1);
            return None;
        }
    };
    let mut section = ConfigSection {
        recorders: recorders
            .iter()
            .map(|r| {
                let name = r.name().unwrap_or_default().to_string();
                let group = r.recording_group();
                ConfigRecorder {
                    recording: statuses
                        .iter()
                        .any(|s| s.name() == Some(name.as_str()) && s.recording()),
                    all_supported: group.is_some_and(|g| g.all_supported()),
                    include_global_resource_types: group.is_some_and(|g| g.include_global_resource_types()),
                    name,
                }
            })
            .collect(),
        ..ConfigSection::default()
    };
    let mut failed = 0;
    match client.describe_delivery_channels().send().await {
        Ok(output) => {
            section.delivery_channels = output
                .delivery_channels()
                .iter()
                .filter_map(|c| c.name().map(str::to_string))
                .collect()
        }
        Err(error) => {
            failed += 1;
            context
                .gaps
                .add(region, "config", "DescribeDeliveryChannels", describe(&error));
        }
    }
    let mut rules = Vec::new();
    let mut pages = client.describe_compliance_by_config_rule().into_paginator().send();
    let mut rules_ok = true;
    while let Some(page) = pages.next().await {
        calls += 1;
        match page {
            Ok(page) => rules.extend(page.compliance_by_config_rules().iter().map(|r| {
                NamedStatus {
                    name: r.config_rule_name().unwrap_or_default().to_string(),
                    status: r
                        .compliance()
                        .and_then(|c| c.compliance_type())
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                }
            })),
            Err(error) => {
                failed += 1;
                rules_ok = false;
                context
                    .gaps
                    .add(region, "config", "DescribeComplianceByConfigRule", describe(&error));
                break;
            }
        }
    }
    if rules_ok {
        section.rules = Some(rules);
    }
    record(calls, failed);
    Some(section)
}
