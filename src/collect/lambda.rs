//! Lambda of one region: every function with its resource policy (the unqualified function's;
//! aliases and versions have their own, not read) and its execution role.

use super::paging::{PageTokens, LOOP};
use super::resource_policy::read_policy;
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::PolicyResources;
use aws_sdk_lambda::Client;
use std::time::Instant;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<PolicyResources> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_lambda::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("lambda"))
        .build();
    collect_with(&Client::from_conf(config), context, region, started).await
}

/// The Lambda section of a region through a given client (a mock one in tests).
pub(super) async fn collect_with(
    client: &Client,
    context: &AccountContext,
    region: &str,
    started: Instant,
) -> Option<PolicyResources> {
    let mut calls = ServiceCalls::since(context, "lambda", region, started);
    let mut functions = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_marker()) => {
                calls.fail("ListFunctions", LOOP.into());
                return None;
            }
            Ok(page) => functions.extend(page.functions().iter().filter_map(|f| {
                let arn = f.function_arn()?.to_string();
                Some((arn, f.function_name().map(str::to_string), f.role().map(str::to_string)))
            })),
            Err(error) => {
                calls.fail("ListFunctions", describe(&error));
                return None;
            }
        }
    }
    let mut section = PolicyResources::default();
    for (arn, name, role) in functions {
        let request = client.get_policy().function_name(&arn).send();
        // A function that no one else was permitted to invoke has no policy at all.
        let none = ["ResourceNotFoundException"];
        let read = read_policy(&mut calls, "GetPolicy", &none, request, |o| o.policy()).await;
        let mut function = read.into_resource(arn, name);
        function.role = role;
        section.resources.push(function);
    }
    Some(section)
}
