//! S3 of one account (global: ListBuckets names every region's buckets): each bucket's region,
//! policy and Block Public Access, and the account's Block Public Access from S3 Control.

use super::paging::{PageTokens, LOOP};
use super::resource_policy::{read_policy, PolicyRead};
use super::{code, describe, AccountContext, ServiceCalls};
use crate::snapshot::{Bucket, PublicAccessBlock, S3Section};
use aws_sdk_s3::Client;
use std::collections::BTreeMap;
use std::time::Instant;

/// Where ListBuckets goes, and the region of a bucket whose location is empty.
const HOME_REGION: &str = "us-east-1";
/// The code S3 and S3 Control answer with when no Block Public Access is configured.
const NO_BLOCK: &str = "NoSuchPublicAccessBlockConfiguration";

/// S3 clients by region: a bucket's own calls must go to its region's endpoint.
pub(super) struct S3Clients<'a> {
    home: Client,
    /// `None`: the home client answers for every region (a mock one in tests).
    context: Option<&'a AccountContext>,
    regional: BTreeMap<String, Client>,
}

impl<'a> S3Clients<'a> {
    fn live(context: &'a AccountContext) -> Self {
        S3Clients {
            home: client(context, HOME_REGION),
            context: Some(context),
            regional: BTreeMap::new(),
        }
    }

    #[cfg(test)]
    pub(super) fn single(client: Client) -> Self {
        S3Clients {
            home: client,
            context: None,
            regional: BTreeMap::new(),
        }
    }

    fn region(&mut self, region: &str) -> &Client {
        match self.context {
            Some(context) if region != HOME_REGION => self
                .regional
                .entry(region.to_string())
                .or_insert_with(|| client(context, region)),
            _ => &self.home,
        }
    }
}

fn client(context: &AccountContext, region: &str) -> Client {
    let config = aws_sdk_s3::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("s3"))
        .build();
    Client::from_conf(config)
}

pub(super) async fn collect(context: &AccountContext) -> Option<S3Section> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let control = aws_sdk_s3control::config::Builder::from(&context.regional(HOME_REGION))
        .retry_partition(context.partition("s3control"))
        .build();
    let control = aws_sdk_s3control::Client::from_conf(control);
    collect_with(&mut S3Clients::live(context), &control, context, started).await
}

/// The S3 section of an account through given clients (mock ones in tests).
pub(super) async fn collect_with(
    clients: &mut S3Clients<'_>,
    control: &aws_sdk_s3control::Client,
    context: &AccountContext,
    started: Instant,
) -> Option<S3Section> {
    let mut calls = ServiceCalls::since(context, "s3", "global", started);
    let mut listed = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = clients.home.list_buckets().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.continuation_token()) => {
                calls.fail("ListBuckets", LOOP.into());
                return None;
            }
            Ok(page) => listed.extend(
                page.buckets()
                    .iter()
                    .filter_map(|b| Some((b.name()?.to_string(), b.bucket_region().map(str::to_string)))),
            ),
            Err(error) => {
                calls.fail("ListBuckets", describe(&error));
                return None;
            }
        }
    }
    let mut section = S3Section {
        account_public_access_block: account_block(control, context).await,
        buckets: Vec::new(),
    };
    for (name, listed_region) in listed {
        let region = match listed_region {
            Some(region) => Some(region),
            None => location(&clients.home, &name, &mut calls).await,
        };
        let client = clients.region(region.as_deref().unwrap_or(HOME_REGION));
        section.buckets.push(bucket(client, name, region, &mut calls).await);
    }
    Some(section)
}

/// A bucket's region from GetBucketLocation (empty is us-east-1, `EU` is eu-west-1); `None`
/// with a gap when it cannot be read.
async fn location(client: &Client, name: &str, calls: &mut ServiceCalls<'_>) -> Option<String> {
    calls.call();
    match client.get_bucket_location().bucket(name).send().await {
        Ok(output) => Some(match output.location_constraint().map(|c| c.as_str()) {
            None | Some("") => HOME_REGION.to_string(),
            Some("EU") => "eu-west-1".to_string(),
            Some(region) => region.to_string(),
        }),
        Err(error) => {
            calls.fail("GetBucketLocation", describe(&error));
            None
        }
    }
}

async fn bucket(client: &Client, name: String, region: Option<String>, calls: &mut ServiceCalls<'_>) -> Bucket {
    let request = client.get_bucket_policy().bucket(&name).send();
    let read = read_policy(calls, "GetBucketPolicy", &["NoSuchBucketPolicy"], request, |o| {
        o.policy()
    })
    .await;
    calls.call();
    let public_access_block = match client.get_public_access_block().bucket(&name).send().await {
        Ok(output) => Some(
            output
                .public_access_block_configuration()
                .map(block)
                .unwrap_or_default(),
        ),
        Err(error) if code(&error).as_deref() == Some(NO_BLOCK) => Some(PublicAccessBlock::default()),
        Err(error) => {
            calls.fail("GetPublicAccessBlock", describe(&error));
            None
        }
    };
    let PolicyRead { policy, collected } = read;
    Bucket {
        name,
        region,
        policy,
        policy_collected: collected,
        public_access_block,
    }
}

fn block(config: &aws_sdk_s3::types::PublicAccessBlockConfiguration) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: config.block_public_acls().unwrap_or(false),
        ignore_public_acls: config.ignore_public_acls().unwrap_or(false),
        block_public_policy: config.block_public_policy().unwrap_or(false),
        restrict_public_buckets: config.restrict_public_buckets().unwrap_or(false),
    }
}

/// The account's Block Public Access (S3 Control); `None` with a gap when it cannot be read.
async fn account_block(control: &aws_sdk_s3control::Client, context: &AccountContext) -> Option<PublicAccessBlock> {
    let mut calls = ServiceCalls::start(context, "s3control", "global");
    calls.call();
    match control
        .get_public_access_block()
        .account_id(&context.account_id)
        .send()
        .await
    {
        Ok(output) => Some(
            output
                .public_access_block_configuration()
                .map(|c| PublicAccessBlock {
                    block_public_acls: c.block_public_acls().unwrap_or(false),
                    ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                    block_public_policy: c.block_public_policy().unwrap_or(false),
                    restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                })
                .unwrap_or_default(),
        ),
        Err(error) if code(&error).as_deref() == Some(NO_BLOCK) => Some(PublicAccessBlock::default()),
        Err(error) => {
            calls.fail("GetPublicAccessBlock", describe(&error));
            None
        }
    }
}
