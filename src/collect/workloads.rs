//! The workloads of one region that run as a role (the `workloads` section): CodeBuild
//! projects, CloudFormation stacks, running ECS tasks and SageMaker notebook instances, each
//! with the role AWS names for it. Each list is read on its own: one that fails is `None` with a
//! coverage gap, and the others stand.

use super::paging::{PageTokens, LOOP};
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::{RoleWorkload, WorkloadsSection};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::{BTreeMap, BTreeSet};

/// BatchGetProjects and DescribeTasks take at most 100 names per call.
const BATCH: usize = 100;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<WorkloadsSection> {
    let (codebuild_projects, cloudformation_stacks, ecs_tasks, sagemaker_notebooks) = tokio::join!(
        Box::pin(with_permit(context, codebuild(context, region))),
        Box::pin(with_permit(context, cloudformation(context, region))),
        Box::pin(with_permit(context, ecs(context, region))),
        Box::pin(with_permit(context, sagemaker(context, region))),
    );
    let section = WorkloadsSection {
        codebuild_projects,
        cloudformation_stacks,
        ecs_tasks,
        sagemaker_notebooks,
    };
    let any = section.codebuild_projects.is_some()
        || section.cloudformation_stacks.is_some()
        || section.ecs_tasks.is_some()
        || section.sagemaker_notebooks.is_some();
    any.then_some(section)
}

async fn with_permit<T>(context: &AccountContext, work: impl std::future::Future<Output = Option<T>>) -> Option<T> {
    let _permit = context.limit.acquire().await.ok()?;
    work.await
}

/// One page of a listing, or `None` after recording why the listing is incomplete.
fn page_of<O, E>(
    calls: &mut ServiceCalls<'_>,
    operation: &str,
    page: Result<O, SdkError<E, HttpResponse>>,
    tokens: &mut PageTokens,
    next: impl Fn(&O) -> Option<&str>,
) -> Option<O>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    calls.call();
    match page {
        Ok(page) if tokens.repeats(next(&page)) => {
            calls.fail(operation, LOOP.into());
            None
        }
        Ok(page) => Some(page),
        Err(error) => {
            calls.fail(operation, describe(&error));
            None
        }
    }
}

async fn codebuild(context: &AccountContext, region: &str) -> Option<Vec<RoleWorkload>> {
    let config = aws_sdk_codebuild::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("codebuild"))
        .build();
    let client = aws_sdk_codebuild::Client::from_conf(config);
    // ListProjects names them; BatchGetProjects (by 100) gives each one's service role.
    let mut calls = ServiceCalls::start(context, "codebuild", region);
    let (mut names, mut tokens) = (Vec::new(), PageTokens::default());
    let mut pages = client.list_projects().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page_of(&mut calls, "ListProjects", page, &mut tokens, |p| p.next_token())?;
        names.extend(page.projects().iter().cloned());
    }
    let mut projects = Vec::new();
    for batch in names.chunks(BATCH) {
        calls.call();
        match client.batch_get_projects().set_names(Some(batch.to_vec())).send().await {
            Ok(output) => projects.extend(output.projects().iter().filter_map(|project| {
                let role = project.service_role().map(str::to_string);
                Some(RoleWorkload::new(project.arn()?.to_string(), role, None))
            })),
            Err(error) => {
                calls.fail("BatchGetProjects", describe(&error));
                return None;
            }
        }
    }
    Some(projects)
}

async fn cloudformation(context: &AccountContext, region: &str) -> Option<Vec<RoleWorkload>> {
    let config = aws_sdk_cloudformation::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("cloudformation"))
        .build();
    let client = aws_sdk_cloudformation::Client::from_conf(config);
    let mut calls = ServiceCalls::start(context, "cloudformation", region);
    let (mut stacks, mut tokens) = (Vec::new(), PageTokens::default());
    let mut pages = client.describe_stacks().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page_of(&mut calls, "DescribeStacks", page, &mut tokens, |p| p.next_token())?;
        stacks.extend(page.stacks().iter().filter_map(|stack| {
            let status = stack.stack_status().map(|s| s.as_str().to_string());
            Some(RoleWorkload::new(
                stack.stack_id()?.to_string(),
                stack.role_arn().map(str::to_string),
                status,
            ))
        }));
    }
    Some(stacks)
}

async fn ecs(context: &AccountContext, region: &str) -> Option<Vec<RoleWorkload>> {
    let config = aws_sdk_ecs::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("ecs"))
        .build();
    ecs_with(&aws_sdk_ecs::Client::from_conf(config), context, region).await
}

/// Running tasks through a given client (a mock one in tests: moto neither keeps a task's
/// `enableExecuteCommand` nor reports it running).
pub(super) async fn ecs_with(
    client: &aws_sdk_ecs::Client,
    context: &AccountContext,
    region: &str,
) -> Option<Vec<RoleWorkload>> {
    let mut calls = ServiceCalls::start(context, "ecs", region);
    let (mut clusters, mut tokens) = (Vec::new(), PageTokens::default());
    let mut pages = client.list_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page_of(&mut calls, "ListClusters", page, &mut tokens, |p| p.next_token())?;
        clusters.extend(page.cluster_arns().iter().cloned());
    }
    let mut tasks = Vec::new();
    for cluster in &clusters {
        tasks.extend(ecs_tasks_of(client, &mut calls, cluster).await?);
    }
    // Each definition's task role, once per definition; one that cannot be read is absent.
    let mut roles: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut unreadable: BTreeSet<String> = BTreeSet::new();
    for (_, definition) in &tasks {
        if roles.contains_key(definition) || unreadable.contains(definition) {
            continue;
        }
        calls.call();
        match client
            .describe_task_definition()
            .task_definition(definition)
            .send()
            .await
        {
            Ok(output) => {
                let role = output
                    .task_definition()
                    .and_then(|d| d.task_role_arn())
                    .map(str::to_string);
                roles.insert(definition.clone(), role);
            }
            Err(error) => {
                calls.fail("DescribeTaskDefinition", describe(&error));
                unreadable.insert(definition.clone());
            }
        }
    }
    let with_role = |(mut task, definition): (RoleWorkload, String)| {
        match roles.get(&definition) {
            Some(role) => task.role = role.clone(),
            // The override alone names the role when the definition cannot be read.
            None => task.role_collected = task.role_override.is_some(),
        }
        task
    };
    Some(tasks.into_iter().map(with_role).collect())
}

/// The running tasks of one cluster, each with its task definition's ARN.
async fn ecs_tasks_of(
    client: &aws_sdk_ecs::Client,
    calls: &mut ServiceCalls<'_>,
    cluster: &str,
) -> Option<Vec<(RoleWorkload, String)>> {
    let (mut arns, mut tokens) = (Vec::new(), PageTokens::default());
    let mut pages = client.list_tasks().cluster(cluster).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page_of(calls, "ListTasks", page, &mut tokens, |p| p.next_token())?;
        arns.extend(page.task_arns().iter().cloned());
    }
    let mut tasks = Vec::new();
    for batch in arns.chunks(BATCH) {
        calls.call();
        let output = match client
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(batch.to_vec()))
            .send()
            .await
        {
            Ok(output) => output,
            Err(error) => {
                calls.fail("DescribeTasks", describe(&error));
                return None;
            }
        };
        // A task that stopped since it was listed is MISSING: gone, not unknown.
        if let Some(failure) = output.failures().iter().find(|f| f.reason() != Some("MISSING")) {
            calls.fail(
                "DescribeTasks",
                format!(
                    "{}: {}",
                    failure.reason().unwrap_or("failure"),
                    failure.arn().unwrap_or(cluster)
                ),
            );
            return None;
        }
        tasks.extend(output.tasks().iter().filter_map(|task| {
            let mut workload = RoleWorkload::new(
                task.task_arn()?.to_string(),
                None,
                task.last_status().map(str::to_string),
            );
            workload.cluster = Some(task.cluster_arn().unwrap_or(cluster).to_string());
            workload.role_override = task.overrides().and_then(|o| o.task_role_arn()).map(str::to_string);
            workload.execute_command = Some(task.enable_execute_command());
            Some((workload, task.task_definition_arn()?.to_string()))
        }));
    }
    Some(tasks)
}

async fn sagemaker(context: &AccountContext, region: &str) -> Option<Vec<RoleWorkload>> {
    let config = aws_sdk_sagemaker::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("sagemaker"))
        .build();
    let client = aws_sdk_sagemaker::Client::from_conf(config);
    let mut calls = ServiceCalls::start(context, "sagemaker", region);
    let (mut names, mut tokens) = (Vec::new(), PageTokens::default());
    let mut pages = client.list_notebook_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page_of(&mut calls, "ListNotebookInstances", page, &mut tokens, |p| {
            p.next_token()
        })?;
        names.extend(
            page.notebook_instances()
                .iter()
                .filter_map(|n| n.notebook_instance_name().map(str::to_string)),
        );
    }
    let mut notebooks = Vec::new();
    for name in names {
        calls.call();
        match client
            .describe_notebook_instance()
            .notebook_instance_name(&name)
            .send()
            .await
        {
            Ok(output) => notebooks.extend(output.notebook_instance_arn().map(|arn| {
                let status = output.notebook_instance_status().map(|s| s.as_str().to_string());
                RoleWorkload::new(arn.to_string(), output.role_arn().map(str::to_string), status)
            })),
            Err(error) => {
                calls.fail("DescribeNotebookInstance", describe(&error));
                return None;
            }
        }
    }
    Some(notebooks)
}
