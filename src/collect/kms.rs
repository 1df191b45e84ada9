//! KMS of one region: every key with its key policy (`default`, the only name KMS has) and who
//! manages it; keys pending deletion are left out, as no one can use them.

use super::paging::{PageTokens, LOOP};
use super::resource_policy::{read_policy, PolicyRead};
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::{PolicyResource, PolicyResources};
use aws_sdk_kms::types::KeyState;
use aws_sdk_kms::Client;
use std::time::Instant;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<PolicyResources> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_kms::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("kms"))
        .build();
    collect_with(&Client::from_conf(config), context, region, started).await
}

/// The KMS section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<PolicyResources> {
    let mut calls = ServiceCalls::since(context, "kms", region, started);
    let mut keys = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_keys().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_marker()) => {
                calls.fail("ListKeys", LOOP.into());
                return None;
            }
            Ok(page) => keys.extend(
                page.keys()
                    .iter()
                    .filter_map(|k| Some((k.key_id()?.to_string(), k.key_arn()?.to_string()))),
            ),
            Err(error) => {
                calls.fail("ListKeys", describe(&error));
                return None;
            }
        }
    }
    let mut section = PolicyResources::default();
    for (id, arn) in keys {
        if let Some(key) = key(client, &mut calls, id, arn).await {
            section.resources.push(key);
        }
    }
    Some(section)
}

/// One key, or `None` when it is pending deletion.
async fn key(client: &Client, calls: &mut ServiceCalls<'_>, id: String, arn: String) -> Option<PolicyResource> {
    calls.call();
    let manager = match client.describe_key().key_id(&id).send().await {
        Ok(output) => {
            let metadata = output.key_metadata();
            let state = metadata.and_then(|m| m.key_state());
            if matches!(
                state,
                Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
            ) {
                return None;
            }
            metadata.and_then(|m| m.key_manager()).map(|m| m.as_str().to_string())
        }
        Err(error) => {
            // Unknown state and manager: judged as unreadable, never as safe.
            calls.fail("DescribeKey", describe(&error));
            return Some(PolicyRead::UNREADABLE.into_resource(arn, Some(id)));
        }
    };
    let request = client.get_key_policy().key_id(&id).policy_name("default").send();
    let read = read_policy(calls, "GetKeyPolicy", &[], request, |o| o.policy()).await;
    let mut resource = read.into_resource(arn, Some(id));
    resource.key_manager = manager;
    Some(resource)
}
