//! AWS Config of one region: recorders and whether they record, delivery channels, and the
//! compliance of each Config rule.

use super::paging::{PageTokens, LOOP};
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::{ConfigRecorder, ConfigSection, NamedStatus};
use std::time::Instant;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<ConfigSection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let sdk = aws_sdk_config::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("config"))
        .build();
    collect_with(&aws_sdk_config::Client::from_conf(sdk), context, region, started).await
}

/// The Config section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &aws_sdk_config::Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<ConfigSection> {
    let mut calls = ServiceCalls::since(context, "config", region, started);
    calls.call();
    let recorders = match client.describe_configuration_recorders().send().await {
        Ok(output) => output.configuration_recorders().to_vec(),
        Err(error) => {
            calls.fail("DescribeConfigurationRecorders", describe(&error));
            return None;
        }
    };
    calls.call();
    let statuses = match client.describe_configuration_recorder_status().send().await {
        Ok(output) => output.configuration_recorders_status().to_vec(),
        Err(error) => {
            calls.fail("DescribeConfigurationRecorderStatus", describe(&error));
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
                    role_arn: r.role_arn().map(str::to_string),
                    name,
                }
            })
            .collect(),
        ..ConfigSection::default()
    };
    calls.call();
    match client.describe_delivery_channels().send().await {
        Ok(output) => {
            section.delivery_channels = output
                .delivery_channels()
                .iter()
                .filter_map(|c| c.name().map(str::to_string))
                .collect()
        }
        // An unread list would read as "no delivery channel", a failure the data does not show.
        Err(error) => {
            calls.fail("DescribeDeliveryChannels", describe(&error));
            return None;
        }
    }
    section.rules = rules(client, &mut calls).await;
    Some(section)
}

/// Each Config rule with its compliance; `None` (and a gap) when the listing broke off.
async fn rules(client: &aws_sdk_config::Client, calls: &mut ServiceCalls<'_>) -> Option<Vec<NamedStatus>> {
    let mut rules = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.describe_compliance_by_config_rule().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("DescribeComplianceByConfigRule", LOOP.into());
                return None;
            }
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
                calls.fail("DescribeComplianceByConfigRule", describe(&error));
                return None;
            }
        }
    }
    Some(rules)
}
