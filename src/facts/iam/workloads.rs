//! The roles existing workloads run as: Lambda functions' execution roles and EC2 instances'
//! instance-profile roles. An `existing_compute` method scoped to some workloads (one function,
//! `instance/*`) reaches the roles of the workloads it covers; where those workloads were not
//! collected, or a workload's role cannot be found, the route is unknown, never absent.

use super::catalog::resource_match;
use super::resource_types::{pattern_tokens, ResourceType};
use super::AllowedAction;
use crate::snapshot::AccountSnapshot;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The workloads an `existing_compute` method takes over, as named in `rules/data/iam.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadKind {
    LambdaFunction,
    Ec2Instance,
}

/// The ARN formats of the workloads, tokenised once (written as `resource_types.tsv` does).
static LAMBDA_FUNCTION: LazyLock<ResourceType> =
    LazyLock::new(|| ResourceType::parse("function", "lambda:${Region}:${Account}:function:${FunctionName}"));
static EC2_INSTANCE: LazyLock<ResourceType> =
    LazyLock::new(|| ResourceType::parse("instance", "ec2:${Region}:${Account}:instance/${InstanceId}"));

impl WorkloadKind {
    fn resource_type(self) -> &'static ResourceType {
        match self {
            WorkloadKind::LambdaFunction => &LAMBDA_FUNCTION,
            WorkloadKind::Ec2Instance => &EC2_INSTANCE,
        }
    }

    fn plural(self) -> &'static str {
        match self {
            WorkloadKind::LambdaFunction => "Lambda functions",
            WorkloadKind::Ec2Instance => "EC2 instances",
        }
    }
}

/// What a workload runs as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RunsAs {
    /// No role (an instance without an instance profile).
    Nothing,
    Role(String),
    /// It runs as something the snapshot cannot name: why.
    Unresolved(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub arn: String,
    pub runs_as: RunsAs,
}

/// One account's workloads and the regions whose inventory of each kind was read.
#[derive(Debug, Default, Serialize)]
pub struct Workloads {
    lambda_regions: Vec<String>,
    ec2_regions: Vec<String>,
    items: Vec<Workload>,
}

/// What a method scoped to some workloads reaches: `(role, workload)` pairs, and why more may
/// be reached than the snapshot shows.
#[derive(Debug, Default)]
pub struct Reach {
    pub roles: Vec<(String, String)>,
    pub unknown: Option<String>,
}

impl Workloads {
    pub fn of(account: &AccountSnapshot) -> Workloads {
        let mut workloads = Workloads::default();
        let profiles = InstanceProfiles::of(account);
        for region in &account.regions {
            if let Some(lambda) = &region.lambda {
                workloads.lambda_regions.push(region.region.clone());
                workloads.items.extend(lambda.resources.iter().map(|function| Workload {
                    kind: WorkloadKind::LambdaFunction,
                    arn: function.arn.clone(),
                    runs_as: match &function.role {
                        Some(role) => RunsAs::Role(role.clone()),
                        None => RunsAs::Unresolved("its execution role was not recorded".into()),
                    },
                }));
            }
            if let Some(network) = &region.network {
                workloads.ec2_regions.push(region.region.clone());
                let live = network.instances.iter().filter(|i| !is_gone(i.state.as_deref()));
                workloads.items.extend(live.map(|instance| Workload {
                    kind: WorkloadKind::Ec2Instance,
                    arn: crate::facts::network::ec2_arn(&region.region, &account.account_id, "instance", &instance.id),
                    runs_as: profiles.runs_as(instance.instance_profile_arn.as_deref()),
                }));
            }
        }
        workloads
    }

    /// The workloads of `kind` in `account_id` that every grant covers, with their roles.
    pub fn reach(&self, kind: WorkloadKind, account_id: &str, grants: &[&AllowedAction]) -> Reach {
        let mut reach = Reach::default();
        let mut unresolved = Vec::new();
        let covered = self.items.iter().filter(|w| {
            w.kind == kind
                && grants
                    .iter()
                    .all(|g| g.resources.iter().any(|p| resource_match(p, &w.arn)))
        });
        for workload in covered {
            match &workload.runs_as {
                RunsAs::Nothing => {}
                RunsAs::Role(role) => reach.roles.push((role.clone(), workload.arn.clone())),
                RunsAs::Unresolved(why) => unresolved.push(format!("{}: {why}", workload.arn)),
            }
        }
        let uncollected = self.uncollected(kind, account_id, grants);
        let notes: Vec<String> = uncollected.into_iter().chain(unresolved).collect();
        reach.unknown = (!notes.is_empty()).then(|| notes.join("; "));
        reach
    }

    /// Why workloads the grants may name are missing: their regions' inventory was not read.
    fn uncollected(&self, kind: WorkloadKind, account_id: &str, grants: &[&AllowedAction]) -> Option<String> {
        let collected = match kind {
            WorkloadKind::LambdaFunction => &self.lambda_regions,
            WorkloadKind::Ec2Instance => &self.ec2_regions,
        };
        let format = kind.resource_type();
        let mut missing: Vec<String> = Vec::new();
        for grant in grants {
            for pattern in grant.resources.iter().filter(|p| format.may_match(&pattern_tokens(p))) {
                let mut fields = pattern.splitn(6, ':').skip(3);
                let (region, account) = (fields.next().unwrap_or("*"), fields.next().unwrap_or("*"));
                let literal = |field: &str| !field.contains(['*', '?', '$']);
                if literal(account) && account != account_id {
                    continue;
                }
                let seen = if literal(region) {
                    collected.iter().any(|r| r == region)
                } else {
                    !collected.is_empty()
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

/// Terminated instances run nothing; stopped ones can be started again.
fn is_gone(state: Option<&str>) -> bool {
    matches!(state, Some("terminated" | "shutting-down"))
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
