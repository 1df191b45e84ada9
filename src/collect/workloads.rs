//! The workloads of one region that run as a role (the `workloads` section): CodeBuild
//! projects, CloudFormation stacks, running ECS tasks, SageMaker notebook instances, Glue dev
//! endpoints and App Runner services, each with the role AWS names for it. Each list is read on
//! its own: one that fails is `None` with a coverage gap, and the others stand. A service whose
//! endpoint cannot be reached in a region where AWS does not offer it (service_regions.tsv) has
//! no workloads there: an empty list, not a gap.

use super::paging::{PageTokens, LOOP};
use super::resource_policy::partition;
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::{AutoScalingGroup, LaunchTemplateUse, RoleWorkload, WorkloadsSection};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::{BTreeMap, BTreeSet};

/// BatchGetProjects and DescribeTasks take at most 100 names per call.
const BATCH: usize = 100;

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<WorkloadsSection> {
    let (
        codebuild_projects,
        cloudformation_stacks,
        ecs_tasks,
        sagemaker_notebooks,
        glue_dev_endpoints,
        apprunner_services,
        auto_scaling_groups,
    ) = tokio::join!(
        Box::pin(with_permit(context, codebuild(context, region))),
        Box::pin(with_permit(context, cloudformation(context, region))),
        Box::pin(with_permit(context, ecs(context, region))),
        Box::pin(with_permit(context, sagemaker(context, region))),
        Box::pin(with_permit(context, glue(context, region))),
        Box::pin(with_permit(context, apprunner(context, region))),
        Box::pin(with_permit(context, autoscaling(context, region))),
    );
    let mut section = WorkloadsSection {
        codebuild_projects,
        cloudformation_stacks,
        ecs_tasks,
        sagemaker_notebooks,
        glue_dev_endpoints,
        apprunner_services,
        auto_scaling_groups,
    };
    let any = section.lists_mut().next().is_some() || section.auto_scaling_groups.is_some();
    any.then_some(section)
}

/// Why a list was not read: the service is not offered in the region (so it has no workloads
/// there), or a call failed (a coverage gap was recorded).
#[derive(Debug, PartialEq)]
pub(super) enum Unread {
    NotOffered,
    Failed,
}

/// One kind of workload of a region, read whole, or why not.
pub(super) type Listed = Result<Vec<RoleWorkload>, Unread>;

async fn with_permit<T>(
    context: &AccountContext,
    work: impl std::future::Future<Output = Result<Vec<T>, Unread>>,
) -> Option<Vec<T>> {
    let _permit = context.limit.acquire().await.ok()?;
    match work.await {
        Ok(workloads) => Some(workloads),
        Err(Unread::NotOffered) => Some(Vec::new()),
        Err(Unread::Failed) => None,
    }
}

/// One page of a listing, or why the listing is incomplete (recorded as a gap, unless the
/// first call found no endpoint where the service is not offered).
fn page_of<O, E>(
    calls: &mut ServiceCalls<'_>,
    operation: &str,
    page: Result<O, SdkError<E, HttpResponse>>,
    tokens: &mut PageTokens,
    next: impl Fn(&O) -> Option<&str>,
) -> Result<O, Unread>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    calls.call();
    match page {
        Ok(page) if tokens.repeats(next(&page)) => {
            calls.fail(operation, LOOP.into());
            Err(Unread::Failed)
        }
        Ok(page) => Ok(page),
        Err(SdkError::DispatchFailure(failure)) if !failure.is_timeout() && calls.first_call_not_offered() => {
            Err(Unread::NotOffered)
        }
        Err(error) => {
            calls.fail(operation, describe(&error));
            Err(Unread::Failed)
        }
    }
}

async fn codebuild(context: &AccountContext, region: &str) -> Listed {
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
                return Err(Unread::Failed);
            }
        }
    }
    Ok(projects)
}

async fn cloudformation(context: &AccountContext, region: &str) -> Listed {
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
    Ok(stacks)
}

async fn ecs(context: &AccountContext, region: &str) -> Listed {
    let config = aws_sdk_ecs::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("ecs"))
        .build();
    ecs_with(&aws_sdk_ecs::Client::from_conf(config), context, region).await
}

/// Running tasks through a given client (a mock one in tests: moto neither keeps a task's
/// `enableExecuteCommand` nor reports it running).
pub(super) async fn ecs_with(client: &aws_sdk_ecs::Client, context: &AccountContext, region: &str) -> Listed {
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
    Ok(tasks.into_iter().map(with_role).collect())
}

/// The running tasks of one cluster, each with its task definition's ARN.
async fn ecs_tasks_of(
    client: &aws_sdk_ecs::Client,
    calls: &mut ServiceCalls<'_>,
    cluster: &str,
) -> Result<Vec<(RoleWorkload, String)>, Unread> {
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
                return Err(Unread::Failed);
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
            return Err(Unread::Failed);
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
    Ok(tasks)
}

async fn sagemaker(context: &AccountContext, region: &str) -> Listed {
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
                return Err(Unread::Failed);
            }
        }
    }
    Ok(notebooks)
}

async fn glue(context: &AccountContext, region: &str) -> Listed {
    let config = aws_sdk_glue::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("glue"))
        .build();
    let client = aws_sdk_glue::Client::from_conf(config);
    let mut calls = ServiceCalls::start(context, "glue", region);
    let (mut endpoints, mut tokens) = (Vec::new(), PageTokens::default());
    let mut pages = client.get_dev_endpoints().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page_of(&mut calls, "GetDevEndpoints", page, &mut tokens, |p| p.next_token())?;
        endpoints.extend(page.dev_endpoints().iter().filter_map(|endpoint| {
            let arn = format!(
                "arn:{}:glue:{region}:{}:devEndpoint/{}",
                partition(region),
                context.account_id,
                endpoint.endpoint_name()?
            );
            let (role, status) = (endpoint.role_arn(), endpoint.status());
            Some(RoleWorkload::new(
                arn,
                role.map(str::to_string),
                status.map(str::to_string),
            ))
        }));
    }
    Ok(endpoints)
}

async fn apprunner(context: &AccountContext, region: &str) -> Listed {
    let config = aws_sdk_apprunner::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("apprunner"))
        .build();
    apprunner_with(&aws_sdk_apprunner::Client::from_conf(config), context, region).await
}

/// Every service with its instance role (ListServices, then DescribeService each), through a
/// given client (a mock one in tests: moto has no App Runner).
pub(super) async fn apprunner_with(
    client: &aws_sdk_apprunner::Client,
    context: &AccountContext,
    region: &str,
) -> Listed {
    let mut calls = ServiceCalls::start(context, "apprunner", region);
    let (mut arns, mut tokens) = (Vec::new(), PageTokens::default());
    let mut pages = client.list_services().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page_of(&mut calls, "ListServices", page, &mut tokens, |p| p.next_token())?;
        arns.extend(
            page.service_summary_list()
                .iter()
                .filter_map(|s| s.service_arn().map(str::to_string)),
        );
    }
    let mut services = Vec::new();
    for arn in arns {
        calls.call();
        match client.describe_service().service_arn(&arn).send().await {
            Ok(output) => services.extend(output.service().map(|service| {
                let role = service.instance_configuration().and_then(|c| c.instance_role_arn());
                let status = service.status().as_str().to_string();
                RoleWorkload::new(
                    service.service_arn().to_string(),
                    role.map(str::to_string),
                    Some(status),
                )
            })),
            Err(error) => {
                calls.fail("DescribeService", describe(&error));
                return Err(Unread::Failed);
            }
        }
    }
    Ok(services)
}

async fn autoscaling(context: &AccountContext, region: &str) -> Result<Vec<AutoScalingGroup>, Unread> {
    let config = aws_sdk_autoscaling::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("autoscaling"))
        .build();
    let client = aws_sdk_autoscaling::Client::from_conf(config);
    let mut calls = ServiceCalls::start(context, "autoscaling", region);
    let (mut groups, mut tokens) = (Vec::new(), PageTokens::default());
    let mut pages = client.describe_auto_scaling_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page_of(&mut calls, "DescribeAutoScalingGroups", page, &mut tokens, |p| {
            p.next_token()
        })?;
        groups.extend(page.auto_scaling_groups().iter().filter_map(|group| {
            Some(AutoScalingGroup {
                arn: group.auto_scaling_group_arn()?.to_string(),
                status: group.status().map(str::to_string),
                launch_templates: launch_templates_of(group),
            })
        }));
    }
    Ok(groups)
}

/// The launch templates a group launches from: its own, and its mixed instances policy's with
/// that policy's overrides.
fn launch_templates_of(group: &aws_sdk_autoscaling::types::AutoScalingGroup) -> Vec<LaunchTemplateUse> {
    let mixed = group.mixed_instances_policy().and_then(|p| p.launch_template());
    let overrides = mixed
        .into_iter()
        .flat_map(|t| t.overrides())
        .filter_map(|o| o.launch_template_specification());
    let specifications = group
        .launch_template()
        .into_iter()
        .chain(mixed.and_then(|t| t.launch_template_specification()))
        .chain(overrides);
    let mut uses: Vec<LaunchTemplateUse> = Vec::new();
    for specification in specifications {
        let template = LaunchTemplateUse {
            id: specification.launch_template_id().map(str::to_string),
            name: specification.launch_template_name().map(str::to_string),
            version: specification.version().map(str::to_string),
        };
        if !uses.contains(&template) {
            uses.push(template);
        }
    }
    uses
}
