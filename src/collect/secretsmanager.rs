//! Secrets Manager of one region: every secret with its resource policy.

use super::paging::{PageTokens, LOOP};
use super::resource_policy::read_policy;
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::PolicyResources;
use aws_sdk_secretsmanager::Client;
use std::time::Instant;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<PolicyResources> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_secretsmanager::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("secretsmanager"))
        .build();
    collect_with(&Client::from_conf(config), context, region, started).await
}

/// The Secrets Manager section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<PolicyResources> {
    let mut calls = ServiceCalls::since(context, "secretsmanager", region, started);
    let mut secrets = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_secrets().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("ListSecrets", LOOP.into());
                return None;
            }
            Ok(page) => secrets.extend(
                page.secret_list()
                    .iter()
                    .filter_map(|s| Some((s.arn()?.to_string(), s.name().map(str::to_string)))),
            ),
            Err(error) => {
                calls.fail("ListSecrets", describe(&error));
                return None;
            }
        }
    }
    let mut section = PolicyResources::default();
    for (arn, name) in secrets {
        let request = client.get_resource_policy().secret_id(&arn).send();
        // A secret without a policy answers with no ResourcePolicy, not an error.
        let read = read_policy(&mut calls, "GetResourcePolicy", &[], request, |o| o.resource_policy()).await;
        section.resources.push(read.into_resource(arn, name));
    }
    Some(section)
}
