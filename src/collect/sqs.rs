//! SQS of one region: every queue with its queue policy.

use super::paging::{PageTokens, LOOP};
use super::resource_policy::{partition, read_policy};
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::PolicyResources;
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;
use std::time::Instant;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<PolicyResources> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_sqs::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("sqs"))
        .build();
    collect_with(&Client::from_conf(config), context, region, started).await
}

/// The SQS section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<PolicyResources> {
    let mut calls = ServiceCalls::since(context, "sqs", region, started);
    let mut urls = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_queues().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("ListQueues", LOOP.into());
                return None;
            }
            Ok(page) => urls.extend(page.queue_urls().iter().cloned()),
            Err(error) => {
                calls.fail("ListQueues", describe(&error));
                return None;
            }
        }
    }
    let mut section = PolicyResources::default();
    for url in urls {
        let name = queue_name(&url);
        let request = client
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::Policy)
            .attribute_names(QueueAttributeName::QueueArn)
            .send();
        let mut arn = None;
        let read = read_policy(&mut calls, "GetQueueAttributes", &[], request, |output| {
            let attributes = output.attributes()?;
            arn = attributes.get(&QueueAttributeName::QueueArn).cloned();
            attributes.get(&QueueAttributeName::Policy).map(String::as_str)
        })
        .await;
        let arn = arn.unwrap_or_else(|| queue_arn(&url, region, &context.account_id));
        section.resources.push(read.into_resource(arn, Some(name)));
    }
    Some(section)
}

/// The queue name: the URL's last path segment.
fn queue_name(url: &str) -> String {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url).to_string()
}

/// The ARN from the URL (`…/<account>/<name>`), when the attributes could not be read.
fn queue_arn(url: &str, region: &str, account: &str) -> String {
    let mut segments = url.trim_end_matches('/').rsplit('/');
    let name = segments.next().unwrap_or(url);
    let owner = segments
        .next()
        .filter(|s| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(account);
    format!("arn:{}:sqs:{region}:{owner}:{name}", partition(region))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arn_and_name_come_from_the_url_when_the_attributes_do_not() {
        let url = "https://sqs.eu-west-1.amazonaws.com/111122223333/orders";
        assert_eq!(queue_name(url), "orders");
        assert_eq!(
            queue_arn(url, "eu-west-1", "999999999999"),
            "arn:aws:sqs:eu-west-1:111122223333:orders"
        );
        assert_eq!(
            queue_arn("orders", "cn-north-1", "111122223333"),
            "arn:aws-cn:sqs:cn-north-1:111122223333:orders"
        );
    }
}
