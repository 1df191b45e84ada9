//! Workloads that run as an IAM role and that someone with the right permissions can take over
//! without passing a role: CodeBuild projects, CloudFormation stacks, running ECS tasks,
//! SageMaker notebook instances, Glue dev endpoints and App Runner services. Only what the
//! escalation analysis needs: each one's ARN, the role AWS says it runs as, and its state. Lambda
//! functions and EC2 instances keep their own sections (`lambda`, `network`). Auto Scaling groups
//! are listed with the launch templates they launch from: a new version of such a template
//! names any instance profile, and the group launches it without checking its editor's rights.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One region's workloads; a list that was not collected is `None`, not empty.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadsSection {
    /// CodeBuild projects (`BatchGetProjects`): `role` is the project's service role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codebuild_projects: Option<Vec<RoleWorkload>>,
    /// CloudFormation stacks (`DescribeStacks`): `role` is the stack's service role (`RoleARN`);
    /// none when the stack acts with its caller's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudformation_stacks: Option<Vec<RoleWorkload>>,
    /// Running ECS tasks (`DescribeTasks`): `role` is the task definition's task role,
    /// `role_override` the task's own override of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_tasks: Option<Vec<RoleWorkload>>,
    /// SageMaker notebook instances (`DescribeNotebookInstance`): `role` is `RoleArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sagemaker_notebooks: Option<Vec<RoleWorkload>>,
    /// Glue dev endpoints (`GetDevEndpoints`): `role` is `RoleArn`; the ARN is built from the
    /// endpoint's name, as Glue returns none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glue_dev_endpoints: Option<Vec<RoleWorkload>>,
    /// App Runner services (`DescribeService`): `role` is the instance role
    /// (`InstanceConfiguration.InstanceRoleArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apprunner_services: Option<Vec<RoleWorkload>>,
    /// Auto Scaling groups (`DescribeAutoScalingGroups`) and the launch templates they use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_scaling_groups: Option<Vec<AutoScalingGroup>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoScalingGroup {
    pub arn: String,
    /// `Status` as AWS words it: `Delete in progress` while the group is being deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The launch templates it launches from: its own, its mixed instances policy's and that
    /// policy's overrides. A group on a launch configuration has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub launch_templates: Vec<LaunchTemplateUse>,
}

/// A launch template as a group names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplateUse {
    /// `lt-…`; `None` when the group names the template by name only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `$Latest`, `$Default` or a version number; `None` is the template's default version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleWorkload {
    pub arn: String,
    /// The role ARN it runs as, as AWS returned it; `None` when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// False when the call that names its role failed: what it runs as is then unknown.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub role_collected: bool,
    /// Its status as AWS words it (`StackStatus`, `lastStatus`, `NotebookInstanceStatus`, a dev
    /// endpoint's `Status`, a service's `Status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// ECS: the ARN of the task's cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// ECS: the task role named in the task's overrides, which replaces the definition's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_override: Option<String>,
    /// ECS: whether the task was started with ECS Exec enabled (`enableExecuteCommand`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_command: Option<bool>,
}

impl RoleWorkload {
    /// A workload with its role as read; the other fields empty.
    pub fn new(arn: String, role: Option<String>, status: Option<String>) -> Self {
        RoleWorkload {
            arn,
            role,
            role_collected: true,
            status,
            cluster: None,
            role_override: None,
            execute_command: None,
        }
    }
}

impl WorkloadsSection {
    /// Every list of role workloads that was collected.
    pub fn lists_mut(&mut self) -> impl Iterator<Item = &mut Vec<RoleWorkload>> {
        [
            self.codebuild_projects.as_mut(),
            self.cloudformation_stacks.as_mut(),
            self.ecs_tasks.as_mut(),
            self.sagemaker_notebooks.as_mut(),
            self.glue_dev_endpoints.as_mut(),
            self.apprunner_services.as_mut(),
        ]
        .into_iter()
        .flatten()
    }
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}
