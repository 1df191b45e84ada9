//! ECS tasks through the SDK's real types with `aws-smithy-mocks`, where moto falls short (it
//! keeps no `enableExecuteCommand` and reports a started task as deactivating): each task's
//! ECS Exec flag, cluster and role override as read, the definition's role, a definition that
//! cannot be read as an unknown role, and a task gone since it was listed left out.

use super::resource_mock_tests::{context, ACCOUNT};
use super::workloads;
use aws_sdk_ecs::operation::describe_task_definition::{DescribeTaskDefinitionError, DescribeTaskDefinitionOutput};
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::{list_clusters::ListClustersOutput, list_tasks::ListTasksOutput};
use aws_sdk_ecs::types::{Failure, Task, TaskDefinition, TaskOverride};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;

const CLUSTER: &str = "arn:aws:ecs:eu-west-1:111122223333:cluster/prod";

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

/// App Runner through a mock (moto has none): each service's instance role and status; a
/// service without an instance role runs as none; a refused DescribeService loses the list.
#[tokio::test]
async fn app_runner_services_are_read_with_their_instance_roles() {
    use aws_sdk_apprunner::operation::describe_service::{DescribeServiceError, DescribeServiceOutput};
    use aws_sdk_apprunner::operation::list_services::ListServicesOutput;
    use aws_sdk_apprunner::types::{InstanceConfiguration, Service, ServiceStatus, ServiceSummary};
    let arn = |name: &str| format!("arn:aws:apprunner:eu-west-1:{ACCOUNT}:service/{name}/0123");
    let listed = mock!(aws_sdk_apprunner::Client::list_services).then_output(move || {
        let summary = |name: &str| ServiceSummary::builder().service_arn(arn(name)).build();
        ListServicesOutput::builder()
            .service_summary_list(summary("api"))
            .service_summary_list(summary("static"))
            .build()
            .expect("a complete listing")
    });
    let described = |name: &'static str, role: Option<String>| {
        mock!(aws_sdk_apprunner::Client::describe_service)
            .match_requests(move |r| r.service_arn().is_some_and(|a| a.contains(&format!("/{name}/"))))
            .then_output(move || {
                let service = Service::builder()
                    .service_name(name)
                    .service_id("0123")
                    .service_arn(format!("arn:aws:apprunner:eu-west-1:{ACCOUNT}:service/{name}/0123"))
                    .status(ServiceStatus::Running)
                    .created_at(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                    .updated_at(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                    .instance_configuration(
                        InstanceConfiguration::builder()
                            .set_instance_role_arn(role.clone())
                            .build(),
                    )
                    .build()
                    .expect("a complete service");
                DescribeServiceOutput::builder().service(service).build()
            })
    };
    let (api, plain) = (described("api", Some(role("api"))), described("static", None));
    let client = mock_client!(aws_sdk_apprunner, RuleMode::MatchAny, [&listed, &api, &plain]);
    let context = context();
    let services = workloads::apprunner_with(&client, &context, "eu-west-1")
        .await
        .expect("listed");
    let read: Vec<_> = services
        .iter()
        .map(|s| (s.arn.clone(), s.role.clone(), s.status.clone()))
        .collect();
    let running = Some("RUNNING".to_string());
    assert_eq!(
        read,
        vec![
            (arn("api"), Some(role("api")), running.clone()),
            (arn("static"), None, running)
        ]
    );

    let refused = mock!(aws_sdk_apprunner::Client::describe_service).then_error(|| {
        let metadata = ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message("from the mock")
            .build();
        DescribeServiceError::generic(metadata)
    });
    let client = mock_client!(aws_sdk_apprunner, RuleMode::MatchAny, [&listed, &refused]);
    let context = super::resource_mock_tests::context();
    assert!(
        workloads::apprunner_with(&client, &context, "eu-west-1").await.is_err(),
        "not collected, not empty"
    );
    assert_eq!(context.gaps.take()[0].operation, "DescribeService");
}

/// An endpoint that cannot be reached (a real client, a closed loopback port): where App
/// Runner is not offered (ca-central-1) the region has no services and no gap; where it is
/// offered (eu-west-1) the list is unread and the gap says why.
#[tokio::test]
async fn an_unreachable_endpoint_means_no_workloads_only_where_the_service_is_not_offered() {
    use aws_sdk_apprunner::config::{retry::RetryConfig, BehaviorVersion, Credentials, Region};
    use workloads::Unread;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let endpoint = format!("http://{}", closed.local_addr().expect("its address"));
    drop(closed);
    let client = |region: &'static str| {
        let config = aws_sdk_apprunner::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .credentials_provider(Credentials::new("AKIDEXAMPLE", "not-a-secret", None, None, "test"))
            .endpoint_url(endpoint.clone())
            .retry_config(RetryConfig::disabled())
            .build();
        aws_sdk_apprunner::Client::from_conf(config)
    };
    let context = context();
    let canada = workloads::apprunner_with(&client("ca-central-1"), &context, "ca-central-1").await;
    assert!(matches!(canada, Err(Unread::NotOffered)), "{canada:?}");
    assert!(context.gaps.take().is_empty(), "not offered is no gap");

    let ireland = workloads::apprunner_with(&client("eu-west-1"), &context, "eu-west-1").await;
    assert!(matches!(ireland, Err(Unread::Failed)), "{ireland:?}");
    let gaps = context.gaps.take();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].operation, "ListServices");
    assert!(gaps[0].error.starts_with("DispatchFailure"), "{gaps:?}");
}
