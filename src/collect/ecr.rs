//! ECR of one region: every private repository with its repository policy.

use super::paging::{PageTokens, LOOP};
use super::resource_policy::read_policy;
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::PolicyResources;
use aws_sdk_ecr::Client;
use std::time::Instant;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<PolicyResources> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_ecr::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("ecr"))
        .build();
    collect_with(&Client::from_conf(config), context, region, started).await
}

/// The ECR section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<PolicyResources> {
    let mut calls = ServiceCalls::since(context, "ecr", region, started);
    let mut repositories = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.describe_repositories().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("DescribeRepositories", LOOP.into());
                return None;
            }
            Ok(page) => repositories.extend(page.repositories().iter().filter_map(|r| {
                let arn = r.repository_arn()?.to_string();
                Some((
                    arn,
                    r.repository_name()?.to_string(),
                    r.registry_id().map(str::to_string),
                ))
            })),
            Err(error) => {
                calls.fail("DescribeRepositories", describe(&error));
                return None;
            }
        }
    }
    let mut section = PolicyResources::default();
    for (arn, name, registry) in repositories {
        let request = client
            .get_repository_policy()
            .repository_name(&name)
            .set_registry_id(registry)
            .send();
        let none = ["RepositoryPolicyNotFoundException"];
        let read = read_policy(&mut calls, "GetRepositoryPolicy", &none, request, |o| o.policy_text()).await;
        section.resources.push(read.into_resource(arn, Some(name)));
    }
    Some(section)
}
