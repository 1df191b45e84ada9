//! ECS tasks through the SDK's real types with `aws-smithy-mocks`, where moto falls short (it
//! keeps no `enableExecuteCommand` and reports a started task as deactivating): each task's
//! ECS Exec flag, cluster and role override as read, the definition's role, a definition that
//! cannot be read as an unknown role, and a task gone since it was listed left out.

use super::{workloads, AccountContext, CallCounter, Gaps};
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ecs::operation::describe_task_definition::{DescribeTaskDefinitionError, DescribeTaskDefinitionOutput};
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::{list_clusters::ListClustersOutput, list_tasks::ListTasksOutput};
use aws_sdk_ecs::types::{Failure, Task, TaskDefinition, TaskOverride};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use std::sync::Arc;
use tokio::sync::Semaphore;

const ACCOUNT: &str = "111122223333";
const CLUSTER: &str = "arn:aws:ecs:eu-west-1:111122223333:cluster/prod";

fn context() -> AccountContext {
    AccountContext {
        account_id: ACCOUNT.into(),
        config: SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build(),
        gaps: Gaps::new(ACCOUNT),
        calls: Arc::new(CallCounter::default()),
        limit: Arc::new(Semaphore::new(4)),
    }
}

fn task(id: &str, definition: &str, exec: bool) -> aws_sdk_ecs::types::builders::TaskBuilder {
    Task::builder()
        .task_arn(format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:task/prod/{id}"))
        .cluster_arn(CLUSTER)
        .task_definition_arn(format!(
            "arn:aws:ecs:eu-west-1:{ACCOUNT}:task-definition/{definition}:1"
        ))
        .last_status("RUNNING")
        .enable_execute_command(exec)
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

#[tokio::test]
async fn each_running_task_is_read_with_its_exec_flag_cluster_and_role() {
    let clusters = mock!(aws_sdk_ecs::Client::list_clusters)
        .then_output(|| ListClustersOutput::builder().cluster_arns(CLUSTER).build());
    let listed = mock!(aws_sdk_ecs::Client::list_tasks).then_output(|| {
        let ids = ["web", "batch", "override", "gone"];
        let arns = ids.map(|id| format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:task/prod/{id}"));
        ListTasksOutput::builder().set_task_arns(Some(arns.to_vec())).build()
    });
    let described = mock!(aws_sdk_ecs::Client::describe_tasks).then_output(|| {
        let overridden = TaskOverride::builder().task_role_arn(role("override")).build();
        DescribeTasksOutput::builder()
            .tasks(task("web", "web", true).build())
            .tasks(task("batch", "secret", false).build())
            .tasks(task("override", "secret", true).overrides(overridden).build())
            .failures(Failure::builder().arn("task/prod/gone").reason("MISSING").build())
            .build()
    });
    let web = mock!(aws_sdk_ecs::Client::describe_task_definition)
        .match_requests(|r| r.task_definition().is_some_and(|d| d.contains("/web:")))
        .then_output(|| {
            let definition = TaskDefinition::builder().task_role_arn(role("web")).build();
            DescribeTaskDefinitionOutput::builder()
                .task_definition(definition)
                .build()
        });
    let refused = mock!(aws_sdk_ecs::Client::describe_task_definition).then_error(|| {
        let metadata = ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message("from the mock")
            .build();
        DescribeTaskDefinitionError::generic(metadata)
    });
    let client = mock_client!(
        aws_sdk_ecs,
        RuleMode::MatchAny,
        [&clusters, &listed, &described, &web, &refused]
    );
    let context = context();
    let tasks = workloads::ecs_with(&client, &context, "eu-west-1")
        .await
        .expect("listed");
    let read: Vec<_> = tasks
        .iter()
        .map(|t| {
            let id = t.arn.rsplit('/').next().unwrap_or_default();
            (
                id,
                t.role.clone(),
                t.role_collected,
                t.role_override.clone(),
                t.execute_command,
            )
        })
        .collect();
    assert_eq!(
        read,
        vec![
            ("web", Some(role("web")), true, None, Some(true)),
            ("batch", None, false, None, Some(false)),
            ("override", None, true, Some(role("override")), Some(true)),
        ],
        "the missing task is gone; the unreadable definition leaves batch's role unknown"
    );
    assert!(tasks.iter().all(|t| t.cluster.as_deref() == Some(CLUSTER)));
    let gaps = context.gaps.take();
    assert_eq!(
        gaps.iter()
            .map(|g| (g.service.as_str(), g.operation.as_str()))
            .collect::<Vec<_>>(),
        vec![("ecs", "DescribeTaskDefinition")]
    );
    assert!(gaps[0].error.contains("AccessDeniedException"), "{gaps:?}");
}
