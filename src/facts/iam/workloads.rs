//! The roles existing workloads run as: Lambda functions' execution roles, EC2 instances'
//! instance-profile roles, CodeBuild projects' and CloudFormation stacks' service roles, running
//! ECS tasks' task roles, SageMaker notebooks', Glue dev endpoints' and App Runner services'
//! roles. An `existing_compute` method scoped to
//! some workloads (one function, `instance/*`) reaches the roles of the workloads it covers;
//! where those workloads were not collected, or a workload's role cannot be found, the route is
//! unknown, never absent.

use super::catalog::{catalog, resource_match};
use super::resource_types::{pattern_tokens, ResourceType};
use super::AllowedAction;
use crate::snapshot::{AccountSnapshot, AutoScalingGroup, RoleWorkload, WorkloadsSection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The workloads an `existing_compute` method takes over, as named in `rules/data/iam.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadKind {
    LambdaFunction,
    Ec2Instance,
    CodebuildProject,
    CloudformationStack,
    EcsTask,
    SagemakerNotebook,
    GlueDevEndpoint,
    ApprunnerService,
    /// A launch template an Auto Scaling group launches at its default or latest version.
    LaunchTemplate,
    /// A launch template an Auto Scaling group launches at `$Latest`: a new version is enough.
    LaunchTemplateLatest,
}

/// The ARN formats of the workloads, tokenised once (named and written as `resource_types.tsv`
/// has them, so that an action's resource types name them).
static LAMBDA_FUNCTION: LazyLock<ResourceType> =
    LazyLock::new(|| ResourceType::parse("function", "lambda:${Region}:${Account}:function:${FunctionName}"));
static EC2_INSTANCE: LazyLock<ResourceType> =
    LazyLock::new(|| ResourceType::parse("instance", "ec2:${Region}:${Account}:instance/${InstanceId}"));
static CODEBUILD_PROJECT: LazyLock<ResourceType> =
    LazyLock::new(|| ResourceType::parse("project", "codebuild:${Region}:${Account}:project/${ProjectName}"));
static CLOUDFORMATION_STACK: LazyLock<ResourceType> =
    LazyLock::new(|| ResourceType::parse("stack", "cloudformation:${Region}:${Account}:stack/${StackName}/${Id}"));
static ECS_TASK: LazyLock<ResourceType> =
    LazyLock::new(|| ResourceType::parse("task", "ecs:${Region}:${Account}:task/${ClusterName}/${TaskId}"));
static SAGEMAKER_NOTEBOOK: LazyLock<ResourceType> = LazyLock::new(|| {
    ResourceType::parse(
        "notebook-instance",
        "sagemaker:${Region}:${Account}:notebook-instance/${NotebookInstanceName}",
    )
});

static GLUE_DEV_ENDPOINT: LazyLock<ResourceType> = LazyLock::new(|| {
    ResourceType::parse(
        "devendpoint",
        "glue:${Region}:${Account}:devEndpoint/${DevEndpointName}",
    )
});
static APPRUNNER_SERVICE: LazyLock<ResourceType> = LazyLock::new(|| {
    ResourceType::parse(
        "service",
        "apprunner:${Region}:${Account}:service/${ServiceName}/${ServiceId}",
    )
});

static LAUNCH_TEMPLATE: LazyLock<ResourceType> = LazyLock::new(|| {
    ResourceType::parse(
        "launch-template",
        "ec2:${Region}:${Account}:launch-template/${LaunchTemplateId}",
    )
});

impl WorkloadKind {
    fn resource_type(self) -> &'static ResourceType {
        match self {
            WorkloadKind::LambdaFunction => &LAMBDA_FUNCTION,
            WorkloadKind::Ec2Instance => &EC2_INSTANCE,
            WorkloadKind::CodebuildProject => &CODEBUILD_PROJECT,
            WorkloadKind::CloudformationStack => &CLOUDFORMATION_STACK,
            WorkloadKind::EcsTask => &ECS_TASK,
            WorkloadKind::SagemakerNotebook => &SAGEMAKER_NOTEBOOK,
            WorkloadKind::GlueDevEndpoint => &GLUE_DEV_ENDPOINT,
            WorkloadKind::ApprunnerService => &APPRUNNER_SERVICE,
            WorkloadKind::LaunchTemplate | WorkloadKind::LaunchTemplateLatest => &LAUNCH_TEMPLATE,
        }
    }

    /// A launch template's new version may name any instance profile, not one role.
    pub fn launches_any_profile(self) -> bool {
        matches!(self, WorkloadKind::LaunchTemplate | WorkloadKind::LaunchTemplateLatest)
    }

    fn plural(self) -> &'static str {
        match self {
            WorkloadKind::LambdaFunction => "Lambda functions",
            WorkloadKind::Ec2Instance => "EC2 instances",
            WorkloadKind::CodebuildProject => "CodeBuild projects",
            WorkloadKind::CloudformationStack => "CloudFormation stacks",
            WorkloadKind::EcsTask => "ECS tasks",
            WorkloadKind::SagemakerNotebook => "SageMaker notebook instances",
            WorkloadKind::GlueDevEndpoint => "Glue dev endpoints",
            WorkloadKind::ApprunnerService => "App Runner services",
            WorkloadKind::LaunchTemplate | WorkloadKind::LaunchTemplateLatest => {
                "launch templates of Auto Scaling groups"
            }
        }
    }

    /// The lists of the `workloads` section, by kind.
    fn lists(section: &WorkloadsSection) -> [(WorkloadKind, Option<&Vec<RoleWorkload>>); 6] {
        [
            (WorkloadKind::CodebuildProject, section.codebuild_projects.as_ref()),
            (
                WorkloadKind::CloudformationStack,
                section.cloudformation_stacks.as_ref(),
            ),
            (WorkloadKind::EcsTask, section.ecs_tasks.as_ref()),
            (WorkloadKind::SagemakerNotebook, section.sagemaker_notebooks.as_ref()),
            (WorkloadKind::GlueDevEndpoint, section.glue_dev_endpoints.as_ref()),
            (WorkloadKind::ApprunnerService, section.apprunner_services.as_ref()),
        ]
    }

    /// States in which the workload can no longer be taken over: deleted or deleting, a stack
    /// whose creation rolled back (it can only be deleted), a task that stopped, an endpoint or
    /// service that failed to be created.
    fn is_gone(self, status: Option<&str>) -> bool {
        let Some(status) = status else {
            return false;
        };
        match self {
            WorkloadKind::Ec2Instance => matches!(status, "terminated" | "shutting-down"),
            WorkloadKind::CloudformationStack => {
                matches!(status, "DELETE_COMPLETE" | "DELETE_IN_PROGRESS" | "ROLLBACK_COMPLETE")
            }
            WorkloadKind::EcsTask => matches!(status, "DEACTIVATING" | "STOPPING" | "DEPROVISIONING" | "STOPPED"),
            WorkloadKind::SagemakerNotebook => matches!(status, "Deleting" | "Failed"),
            WorkloadKind::GlueDevEndpoint => matches!(status, "FAILED" | "TERMINATING"),
            WorkloadKind::ApprunnerService => matches!(status, "DELETED" | "CREATE_FAILED"),
            WorkloadKind::LambdaFunction
            | WorkloadKind::CodebuildProject
            | WorkloadKind::LaunchTemplate
            | WorkloadKind::LaunchTemplateLatest => false,
        }
    }
}

/// What a workload runs as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RunsAs {
    /// No role (an instance without an instance profile, a stack without a service role).
    Nothing,
    Role(String),
    /// It runs as something the snapshot cannot name: why.
    Unresolved(String),
    /// Whatever instance profile a new version names (a group's launch template).
    AnyInstanceProfile,
}

#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub arn: String,
    /// The ECS cluster of a task: ECS Exec is authorised on the task and on its cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub runs_as: RunsAs,
}

/// One account's workloads and, per kind, the regions whose inventory was read.
#[derive(Debug, Default, Serialize)]
pub struct Workloads {
    collected: Vec<(WorkloadKind, String)>,
    items: Vec<Workload>,
    /// The roles of the account's instance profiles, which a new launch template version may name.
    profile_roles: Vec<String>,
}

/// What a method scoped to some workloads reaches: `(role, workload)` pairs, and why more may
/// be reached than the snapshot shows.
#[derive(Debug, Default)]
pub struct Reach {
    pub roles: Vec<(String, String)>,
    pub unknown: Option<String>,
}

/// One action of a method and the grant that allows it.
pub type Grant<'a> = (usize, &'a AllowedAction);

impl Workloads {
    pub fn of(account: &AccountSnapshot) -> Workloads {
        let mut workloads = Workloads::default();
        let profiles = InstanceProfiles::of(account);
        workloads.profile_roles = profiles.roles();
        for region in &account.regions {
            if let Some(lambda) = &region.lambda {
                workloads
                    .collected
                    .push((WorkloadKind::LambdaFunction, region.region.clone()));
                workloads.items.extend(lambda.resources.iter().map(|function| Workload {
                    kind: WorkloadKind::LambdaFunction,
                    arn: function.arn.clone(),
                    cluster: None,
                    runs_as: match &function.role {
                        Some(role) => RunsAs::Role(role.clone()),
                        None => RunsAs::Unresolved("its execution role was not recorded".into()),
                    },
                }));
            }
            if let Some(network) = &region.network {
                let kind = WorkloadKind::Ec2Instance;
                workloads.collected.push((kind, region.region.clone()));
                let live = network.instances.iter().filter(|i| !kind.is_gone(i.state.as_deref()));
                workloads.items.extend(live.map(|instance| Workload {
                    kind,
                    arn: crate::facts::network::ec2_arn(&region.region, &account.account_id, "instance", &instance.id),
                    cluster: None,
                    runs_as: profiles.runs_as(instance.instance_profile_arn.as_deref()),
                }));
            }
            for (kind, list) in region.workloads.iter().flat_map(WorkloadKind::lists) {
                let Some(list) = list else { continue };
                workloads.collected.push((kind, region.region.clone()));
                let live = list.iter().filter(|w| !kind.is_gone(w.status.as_deref()));
                workloads.items.extend(live.map(|workload| Workload {
                    kind,
                    arn: workload.arn.clone(),
                    cluster: workload.cluster.clone(),
                    runs_as: role_workload_runs_as(kind, workload),
                }));
            }
            if let Some(groups) = region.workloads.as_ref().and_then(|w| w.auto_scaling_groups.as_ref()) {
                workloads.add_group_templates(groups, &region.region, &account.account_id);
            }
        }
        workloads
    }

    /// The launch templates Auto Scaling groups launch at `$Default` or `$Latest` (a pinned
    /// version cannot be replaced by a new one). A group naming its template by name only
    /// leaves the region's templates uncollected: a grant names templates by id.
    fn add_group_templates(&mut self, groups: &[AutoScalingGroup], region: &str, account_id: &str) {
        use WorkloadKind::{LaunchTemplate, LaunchTemplateLatest};
        let live: Vec<_> = groups
            .iter()
            .filter(|g| g.status.as_deref() != Some("Delete in progress"))
            .flat_map(|g| &g.launch_templates)
            .collect();
        if live.iter().any(|t| t.id.is_none()) {
            return;
        }
        self.collected.push((LaunchTemplate, region.to_string()));
        self.collected.push((LaunchTemplateLatest, region.to_string()));
        // Several groups may launch one template: each (kind, template) once.
        let mut seen: std::collections::HashSet<(WorkloadKind, String)> = std::collections::HashSet::new();
        for template in live {
            let kinds: &[WorkloadKind] = match template.version.as_deref() {
                None | Some("$Default") => &[LaunchTemplate],
                Some("$Latest") => &[LaunchTemplate, LaunchTemplateLatest],
                Some(_) => continue,
            };
            let id = template.id.as_deref().unwrap_or_default();
            let arn = crate::facts::network::ec2_arn(region, account_id, "launch-template", id);
            for &kind in kinds {
                if seen.insert((kind, arn.clone())) {
                    let runs_as = RunsAs::AnyInstanceProfile;
                    self.items.push(Workload {
                        kind,
                        arn: arn.clone(),
                        cluster: None,
                        runs_as,
                    });
                }
            }
        }
    }

    /// The workloads of `kind` in `account_id` that every grant covers, with their roles.
    pub fn reach(&self, kind: WorkloadKind, account_id: &str, grants: &[Grant<'_>]) -> Reach {
        let mut reach = Reach::default();
        let mut unresolved = Vec::new();
        let covered = self.items.iter().filter(|w| w.kind == kind && covers_all(grants, w));
        for workload in covered {
            match &workload.runs_as {
                RunsAs::Nothing => {}
                RunsAs::Role(role) => reach.roles.push((role.clone(), workload.arn.clone())),
                RunsAs::Unresolved(why) => unresolved.push(format!("{}: {why}", workload.arn)),
                RunsAs::AnyInstanceProfile => reach.roles.extend(
                    self.profile_roles
                        .iter()
                        .map(|role| (role.clone(), workload.arn.clone())),
                ),
            }
        }
        let uncollected = self.uncollected(kind, account_id, grants);
        let notes: Vec<String> = uncollected.into_iter().chain(unresolved).collect();
        reach.unknown = (!notes.is_empty()).then(|| notes.join("; "));
        reach
    }

    /// Why workloads the grants may name are missing: their regions' inventory was not read.
    fn uncollected(&self, kind: WorkloadKind, account_id: &str, grants: &[Grant<'_>]) -> Option<String> {
        let format = kind.resource_type();
        let mut missing: Vec<String> = Vec::new();
        for (_, grant) in grants {
            for pattern in grant.resources.iter().filter(|p| format.may_match(&pattern_tokens(p))) {
                let mut fields = pattern.splitn(6, ':').skip(3);
                let (region, account) = (fields.next().unwrap_or("*"), fields.next().unwrap_or("*"));
                let literal = |field: &str| !field.contains(['*', '?', '$']);
                if literal(account) && account != account_id {
                    continue;
                }
                let mut regions = self.collected.iter().filter(|(k, _)| *k == kind);
                let seen = if literal(region) {
                    regions.any(|(_, r)| r == region)
                } else {
                    regions.next().is_some()
                };
                if !seen && !missing.contains(pattern) {
                    missing.push(pattern.clone());
                }
            }
        }
        (!missing.is_empty()).then(|| {
            format!(
                "the {} it may act on ({}) were not collected, so their roles are not in the snapshot",
                kind.plural(),
                missing.join(", ")
            )
        })
    }
}

/// Whether every grant allows its action on the resources the call names: the workload itself
/// and, for ECS Exec, its cluster, each where the action is authorised on that resource type.
/// A method none of whose actions acts on the workload's type reaches nothing.
fn covers_all(grants: &[Grant<'_>], workload: &Workload) -> bool {
    let own_type = workload.kind.resource_type().name;
    let mut constrained = false;
    for (action, grant) in grants {
        let types = catalog().actions.get(*action).map_or("", |a| a.resource_types);
        for (type_name, arn) in [(own_type, Some(&workload.arn)), ("cluster", workload.cluster.as_ref())] {
            let Some(arn) = arn else { continue };
            if !types.split(',').any(|t| t == type_name) {
                continue;
            }
            constrained = true;
            if !grant.resources.iter().any(|p| resource_match(p, arn)) {
                return false;
            }
        }
    }
    constrained
}

/// What a workload of the `workloads` section runs as.
fn role_workload_runs_as(kind: WorkloadKind, workload: &RoleWorkload) -> RunsAs {
    if !workload.role_collected {
        return RunsAs::Unresolved("the call that names its role failed".into());
    }
    if kind == WorkloadKind::EcsTask {
        match workload.execute_command {
            Some(false) => return RunsAs::Nothing,
            None => return RunsAs::Unresolved("whether ECS Exec is enabled on it was not recorded".into()),
            Some(true) => {}
        }
    }
    match workload.role_override.as_ref().or(workload.role.as_ref()) {
        Some(role) => RunsAs::Role(role.clone()),
        None => RunsAs::Nothing,
    }
}

/// Each instance profile of the account's IAM data, by ARN and by name (older snapshots may
/// record either on the instance), and the role it carries.
pub struct InstanceProfiles<'a> {
    roles: HashMap<&'a str, &'a str>,
}

impl<'a> InstanceProfiles<'a> {
    pub fn of(account: &'a AccountSnapshot) -> Self {
        let mut roles = HashMap::new();
        for role in account.iam.iter().flat_map(|iam| &iam.roles) {
            for profile in &role.instance_profiles {
                // An ARN has colons and a name has none: the two kinds of key never meet.
                roles.insert(profile.as_str(), role.arn.as_str());
                roles.insert(profile_name(profile), role.arn.as_str());
            }
        }
        InstanceProfiles { roles }
    }

    /// Every role an instance profile carries, once each.
    fn roles(&self) -> Vec<String> {
        let mut roles: Vec<String> = self.roles.values().map(|r| r.to_string()).collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// The role an instance with this profile (ARN or name) runs as, when IAM lists it.
    pub fn role_of(&self, profile: &str) -> Option<&'a str> {
        self.roles
            .get(profile)
            .or_else(|| self.roles.get(profile_name(profile)))
            .copied()
    }

    fn runs_as(&self, profile: Option<&str>) -> RunsAs {
        let Some(profile) = profile else {
            return RunsAs::Nothing;
        };
        match self.role_of(profile) {
            Some(role) => RunsAs::Role(role.to_string()),
            None => RunsAs::Unresolved(format!(
                "the role of its instance profile {profile} is not in the snapshot"
            )),
        }
    }
}

fn profile_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}
