//! SNS of one region: every topic with its topic policy.

use super::paging::{PageTokens, LOOP};
use super::resource_policy::read_policy;
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::PolicyResources;
use aws_sdk_sns::Client;
use std::time::Instant;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<PolicyResources> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_sns::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("sns"))
        .build();
    collect_with(&Client::from_conf(config), context, region, started).await
}

/// The SNS section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<PolicyResources> {
    let mut calls = ServiceCalls::since(context, "sns", region, started);
    let mut arns = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("ListTopics", LOOP.into());
                return None;
            }
            Ok(page) => arns.extend(page.topics().iter().filter_map(|t| t.topic_arn().map(str::to_string))),
            Err(error) => {
                calls.fail("ListTopics", describe(&error));
                return None;
            }
        }
    }
    let mut section = PolicyResources::default();
    for arn in arns {
        let request = client.get_topic_attributes().topic_arn(&arn).send();
        let read = read_policy(&mut calls, "GetTopicAttributes", &[], request, |output| {
            output.attributes()?.get("Policy").map(String::as_str)
        })
        .await;
        let name = arn.rsplit(':').next().map(str::to_string);
        section.resources.push(read.into_resource(arn, name));
    }
    Some(section)
}
