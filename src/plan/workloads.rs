//! Planned workloads that run as a role (the snapshot's `workloads` section): CodeBuild
//! projects, SageMaker notebook instances and Glue dev endpoints, whose ARN follows from their
//! name, join their region's list with the role they will run as. CloudFormation stacks, App
//! Runner services, ECS services and Auto Scaling groups get their ARN (or, for ECS, their
//! tasks) only at deploy: a planned one makes its region's list unknown, so a grant that may
//! cover it is `not_evaluated` in the planned scan instead of judged without it.

use super::attrs::{Attrs, Reference};
use super::items::Item;
use crate::snapshot::{AccountSnapshot, RegionSnapshot, RoleWorkload, WorkloadsSection};

/// A list of the `workloads` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadList {
    CodebuildProjects,
    CloudformationStacks,
    EcsTasks,
    SagemakerNotebooks,
    GlueDevEndpoints,
    ApprunnerServices,
    AutoScalingGroups,
}

/// How a type is read: its list, and for a type whose ARN follows from its name, the name
/// attribute, the ARN pattern (`{r}` region, `{a}` account, `{n}` name) and the role attribute.
struct Mapping {
    list: WorkloadList,
    named: Option<(&'static str, &'static str, &'static str)>,
}

fn mapping(resource_type: &str) -> Option<Mapping> {
    use WorkloadList::*;
    let named = |list, name, pattern, role| Mapping {
        list,
        named: Some((name, pattern, role)),
    };
    let unknown = |list| Mapping { list, named: None };
    Some(match resource_type {
        "aws_codebuild_project" => named(
            CodebuildProjects,
            "name",
            "codebuild:{r}:{a}:project/{n}",
            "service_role",
        ),
        "AWS::CodeBuild::Project" => named(
            CodebuildProjects,
            "Name",
            "codebuild:{r}:{a}:project/{n}",
            "ServiceRole",
        ),
        // SageMaker lower-cases the name in the ARN it returns.
        "aws_sagemaker_notebook_instance" => named(
            SagemakerNotebooks,
            "name",
            "sagemaker:{r}:{a}:notebook-instance/{n}",
            "role_arn",
        ),
        "AWS::SageMaker::NotebookInstance" => named(
            SagemakerNotebooks,
            "NotebookInstanceName",
            "sagemaker:{r}:{a}:notebook-instance/{n}",
            "RoleArn",
        ),
        "aws_glue_dev_endpoint" => named(GlueDevEndpoints, "name", "glue:{r}:{a}:devEndpoint/{n}", "role_arn"),
        "AWS::Glue::DevEndpoint" => named(
            GlueDevEndpoints,
            "EndpointName",
            "glue:{r}:{a}:devEndpoint/{n}",
            "RoleArn",
        ),
        "aws_cloudformation_stack" | "AWS::CloudFormation::Stack" => unknown(CloudformationStacks),
        "aws_apprunner_service" | "AWS::AppRunner::Service" => unknown(ApprunnerServices),
        "aws_ecs_service" | "AWS::ECS::Service" => unknown(EcsTasks),
        // A group's ARN carries an id AWS assigns, and its template version may change.
        "aws_autoscaling_group" | "AWS::AutoScaling::AutoScalingGroup" => unknown(AutoScalingGroups),
        _ => return None,
    })
}

/// The items of a planned workload; `None` when the type is not one.
pub fn items(resource_type: &str, at: &Attrs<'_>, (account, region): (&str, &str)) -> Option<Vec<Item>> {
    let mapping = mapping(resource_type)?;
    let unknown = Item::WorkloadsUnknown { list: mapping.list };
    let Some((name_attr, pattern, role_attr)) = mapping.named else {
        // A deployed one the change updates has its ARN already.
        return Some(match deployed_arn(resource_type, at) {
            Some(arn) => {
                let role = deployed_role(resource_type, at, account);
                let mut workload = RoleWorkload::new(arn, role.clone(), None);
                workload.role_collected = role.is_some() || at.unknown_reads().is_empty();
                vec![Item::Workload {
                    list: mapping.list,
                    workload,
                }]
            }
            None => vec![unknown],
        });
    };
    // Without its name the workload has no ARN a grant could be matched against.
    let Some(name) = at.peek(name_attr) else {
        return Some(vec![unknown]);
    };
    let name = if mapping.list == WorkloadList::SagemakerNotebooks {
        name.to_ascii_lowercase()
    } else {
        name
    };
    let arn = format!(
        "arn:aws:{}",
        pattern
            .replace("{r}", region)
            .replace("{a}", account)
            .replace("{n}", &name)
    );
    let role = at.reference(role_attr, Reference::Arn);
    let mut workload = RoleWorkload::new(arn, role.as_deref().map(|r| role_arn(account, r)), None);
    // A role known only after apply (and not a planned role's): what it runs as is unknown.
    workload.role_collected = role.is_some() || !at.unknown_reads().iter().any(|read| read == role_attr);
    Some(vec![Item::Workload {
        list: mapping.list,
        workload,
    }])
}

/// The ARN of a deployed stack or App Runner service (Terraform's `id` of a stack is its ARN).
fn deployed_arn(resource_type: &str, at: &Attrs<'_>) -> Option<String> {
    let attr = match resource_type {
        "aws_cloudformation_stack" => "id",
        "aws_apprunner_service" => "arn",
        _ => return None,
    };
    at.peek(attr).filter(|arn| arn.starts_with("arn:"))
}

fn deployed_role(resource_type: &str, at: &Attrs<'_>, account: &str) -> Option<String> {
    let role = match resource_type {
        "aws_cloudformation_stack" => at.reference("iam_role_arn", Reference::Arn),
        _ => at
            .blocks("instance_configuration")
            .first()
            .and_then(|block| block.reference("instance_role_arn", Reference::Arn)),
    };
    role.map(|r| role_arn(account, &r))
}

/// CodeBuild and CloudFormation take a role's name as well as its ARN.
fn role_arn(account: &str, role: &str) -> String {
    if role.starts_with("arn:") {
        role.to_string()
    } else {
        format!("arn:aws:iam::{account}:role/{role}")
    }
}

/// A list of role workloads; `None` for the Auto Scaling groups, which are not one.
fn list_mut(section: &mut WorkloadsSection, list: WorkloadList) -> Option<&mut Option<Vec<RoleWorkload>>> {
    Some(match list {
        WorkloadList::CodebuildProjects => &mut section.codebuild_projects,
        WorkloadList::CloudformationStacks => &mut section.cloudformation_stacks,
        WorkloadList::EcsTasks => &mut section.ecs_tasks,
        WorkloadList::SagemakerNotebooks => &mut section.sagemaker_notebooks,
        WorkloadList::GlueDevEndpoints => &mut section.glue_dev_endpoints,
        WorkloadList::ApprunnerServices => &mut section.apprunner_services,
        WorkloadList::AutoScalingGroups => return None,
    })
}

pub fn handles(item: &Item) -> bool {
    matches!(item, Item::Workload { .. } | Item::WorkloadsUnknown { .. })
}

/// Adds a planned workload to its region's list (replacing the deployed one of the same ARN),
/// or makes the list unknown.
pub fn add(region: &mut RegionSnapshot, item: &Item) -> bool {
    match item {
        Item::Workload { list, workload } => {
            // A list that was not collected stays so: the planned one joins only a whole list.
            let collected = region.workloads.as_mut().and_then(|s| list_mut(s, *list)?.as_mut());
            if let Some(entries) = collected {
                entries.retain(|w| w.arn != workload.arn);
                entries.push(workload.clone());
            }
        }
        Item::WorkloadsUnknown { list } => {
            if let Some(section) = region.workloads.as_mut() {
                match list_mut(section, *list) {
                    Some(entries) => *entries = None,
                    None => section.auto_scaling_groups = None,
                }
            }
        }
        _ => return false,
    }
    true
}

/// Removes a deployed workload that the change deletes or replaces.
pub fn remove(account: &mut AccountSnapshot, region: &str, item: &Item) {
    let Item::Workload { list, workload } = item else {
        return;
    };
    let Some(section) = account
        .regions
        .iter_mut()
        .find(|r| r.region == region)
        .and_then(|r| r.workloads.as_mut())
    else {
        return;
    };
    if let Some(entries) = list_mut(section, *list).and_then(Option::as_mut) {
        entries.retain(|w| w.arn != workload.arn);
    }
}
