//! The planned state: the base accounts with every change applied (removals first, then whole
//! items, then the parts other resources own), and the overlay the evaluation needs on top of
//! the facts: which keys are planned resources without an ARN yet, which are incomplete
//! because a value is known only after apply, and which change each finding is about.

use super::items::{Item, PrincipalKind};
use super::Change;
use crate::facts::ResourceIndex;
use crate::finding::PlannedOrigin;
use crate::snapshot::{AccountSnapshot, IamSection, NetworkSection, RegionSnapshot, Section};
use std::collections::HashMap;
use std::sync::Arc;

/// Where a finding's resource was planned, by (ARN, region) as findings report it.
pub type Origins = HashMap<(String, String), Arc<PlannedOrigin>>;

#[derive(Debug, Default)]
pub struct PlanOverlay {
    accounts: HashMap<String, AccountOverlay>,
}

#[derive(Debug, Default)]
struct AccountOverlay {
    /// Facts key → the label it is reported under.
    relabel: Vec<(String, String)>,
    /// Facts key → the change that planned it (the first one wins: whole items come first).
    origins: Vec<(String, Arc<PlannedOrigin>)>,
    marks: Vec<PendingMark>,
}

#[derive(Debug)]
enum MarkTarget {
    Key(String),
    /// An unknown owner: any principal of the account could be the one.
    Principals,
    /// An unknown owner: any network resource of the region could be the one.
    RegionNetwork(String),
    /// An unknown resource: any resource of its type (`AwsS3Bucket`) could be the one.
    OfType(&'static str),
}

#[derive(Debug)]
struct PendingMark {
    target: MarkTarget,
    section: Section,
    reason: String,
}

impl PlanOverlay {
    /// Applies the overlay to one account's resource index; returns the planned origins.
    pub fn apply(&self, account_id: &str, index: &mut ResourceIndex) -> Origins {
        let Some(overlay) = self.accounts.get(account_id) else {
            return Origins::new();
        };
        for (key, label) in &overlay.relabel {
            index.relabel(key, label);
        }
        for mark in &overlay.marks {
            match &mark.target {
                MarkTarget::Key(key) => index.mark_incomplete(key, mark.section, mark.reason.clone()),
                MarkTarget::Principals => index.mark_where(mark.section, &mark.reason, |r| {
                    matches!(r.resource_type.as_str(), "AwsIamUser" | "AwsIamRole" | "AwsIamGroup")
                }),
                MarkTarget::RegionNetwork(region) => index.mark_where(mark.section, &mark.reason, |r| {
                    r.region == *region && r.resource_type.starts_with("AwsEc2")
                }),
                MarkTarget::OfType(kind) => index.mark_where(mark.section, &mark.reason, |r| r.resource_type == *kind),
            }
        }
        let mut origins = Origins::new();
        for (key, origin) in &overlay.origins {
            if let Some(entry) = index.get(key) {
                let at = (entry.resource.arn.clone(), entry.resource.region.clone());
                origins.entry(at).or_insert_with(|| Arc::clone(origin));
            }
        }
        origins
    }
}

/// Applies every change to its account (each account of `changes` must be in `accounts`).
pub fn apply_changes(accounts: &mut [AccountSnapshot], changes: &[Change]) -> PlanOverlay {
    let mut overlay = PlanOverlay::default();
    for account in accounts.iter_mut() {
        let mine: Vec<&Change> = changes.iter().filter(|c| c.account == account.account_id).collect();
        if mine.is_empty() {
            continue;
        }
        let mut state = AccountOverlay::default();
        for change in &mine {
            let kept: Vec<String> = change
                .after
                .iter()
                .filter(|i| is_whole(i))
                .map(Item::identity)
                .collect();
            for item in change.before.iter().filter(|i| !kept.contains(&i.identity())) {
                remove(account, &change.region, item);
            }
        }
        for whole_pass in [true, false] {
            for change in &mine {
                for item in change.after.iter().filter(|i| is_whole(i) == whole_pass) {
                    if !add(account, &change.region, item) {
                        tracing::warn!(
                            "{}: its owner is neither deployed nor planned; left out",
                            change.origin.label()
                        );
                    }
                }
            }
        }
        // Whole items first: a finding about a group points at the group, not at a rule of it.
        for whole_pass in [true, false] {
            for change in mine
                .iter()
                .filter(|c| c.after.first().is_none_or(is_whole) == whole_pass)
            {
                record(account, change, &mut state);
            }
        }
        account.sort();
        overlay.accounts.insert(account.account_id.clone(), state);
    }
    overlay
}

/// Whole items stand alone; the others are parts of an owner another resource plans.
fn is_whole(item: &Item) -> bool {
    matches!(
        item,
        Item::Role(_)
            | Item::User(_)
            | Item::Group(_)
            | Item::ManagedPolicy(_)
            | Item::SecurityGroup(_)
            | Item::Vpc(_)
            | Item::Subnet(_)
            | Item::RouteTable(_)
            | Item::InternetGateway(_)
            | Item::NatGateway(_)
            | Item::NetworkAcl(_)
            | Item::VpcEndpoint(_)
            | Item::EndpointService(_)
            | Item::FlowLog(_)
            | Item::Peering(_)
            | Item::GuardDutyDetector(_)
            | Item::ConfigRecorder(_)
            | Item::SecurityHub { .. }
            | Item::Bucket(_)
            | Item::PolicyResource { .. }
            | Item::AccountAccessBlock(_)
            | Item::Workload { .. }
            | Item::WorkloadsUnknown { .. }
    )
}

/// Relabels, origins and unknown marks of one applied change.
fn record(account: &AccountSnapshot, change: &Change, state: &mut AccountOverlay) {
    let items = if change.after.is_empty() {
        &change.before
    } else {
        &change.after
    };
    let keys: Vec<(String, Section)> = items.iter().flat_map(|i| keys_of(account, &change.region, i)).collect();
    // Only a whole item is the planned resource itself; a part's key is its owner's.
    let own = change.after.first().filter(|item| is_whole(item));
    if let (Some(placeholder), Some(item)) = (&change.placeholder, own) {
        if let Some((key, _)) = keys_of(account, &change.region, item).first() {
            state.relabel.push((key.clone(), placeholder.label.clone()));
        }
    }
    for (key, _) in &keys {
        state.origins.push((key.clone(), Arc::clone(&change.origin)));
    }
    // A workload's unknown role is in the workload itself (`role_collected`), not a mark.
    if change.unknown.is_empty() || change.after.iter().any(super::workloads::handles) {
        return;
    }
    let reason = format!(
        "{} ({}): {} {}",
        change.origin.label(),
        change.origin.file,
        change.unknown.join(", "),
        super::attrs::unknown_phrase(change.origin.tool)
    );
    if keys.is_empty() {
        let resource_type = &change.origin.resource_type;
        let (target, section) = if let Some((section, kind)) = super::resource_policies::section_of(resource_type) {
            (MarkTarget::OfType(kind), section)
        } else if resource_type.contains("iam") || resource_type.contains("IAM") {
            (MarkTarget::Principals, Section::Iam)
        } else {
            (MarkTarget::RegionNetwork(change.region.clone()), Section::Network)
        };
        state.marks.push(PendingMark {
            target,
            section,
            reason,
        });
        return;
    }
    for (key, section) in keys {
        state.marks.push(PendingMark {
            target: MarkTarget::Key(key),
            section,
            reason: reason.clone(),
        });
    }
}

fn ec2_key(account: &AccountSnapshot, region: &str, kind: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{}:{kind}/{id}", account.account_id)
}

fn principal_arn(account: &AccountSnapshot, kind: PrincipalKind, name: &str) -> Option<String> {
    let iam = account.iam.as_ref()?;
    match kind {
        PrincipalKind::User => iam.users.iter().find(|u| u.name == name).map(|u| u.arn.clone()),
        PrincipalKind::Group => iam.groups.iter().find(|g| g.name == name).map(|g| g.arn.clone()),
        PrincipalKind::Role => iam.roles.iter().find(|r| r.name == name).map(|r| r.arn.clone()),
    }
}

/// The subnets a route table decides for: its own, or every subnet of its VPC when main.
fn table_subnets(account: &AccountSnapshot, region: &str, table_id: &str) -> Vec<String> {
    let Some(network) = network_of(account, region) else {
        return Vec::new();
    };
    let Some(table) = network.route_tables.iter().find(|t| t.id == table_id) else {
        return Vec::new();
    };
    let mut subnets = table.subnet_ids.clone();
    if table.is_main || subnets.is_empty() {
        subnets.extend(
            network
                .subnets
                .iter()
                .filter(|s| s.vpc_id == table.vpc_id)
                .map(|s| s.id.clone()),
        );
    }
    subnets
}

/// The facts keys an item feeds, each with the section its data belongs to.
fn keys_of(account: &AccountSnapshot, region: &str, item: &Item) -> Vec<(String, Section)> {
    let ec2 = |kind: &str, id: &str| vec![(ec2_key(account, region, kind, id), Section::Network)];
    let subnets =
        |ids: Vec<String>| -> Vec<(String, Section)> { ids.iter().flat_map(|id| ec2("subnet", id)).collect() };
    let iam = |arn: Option<String>| arn.map(|a| (a, Section::Iam)).into_iter().collect::<Vec<_>>();
    if super::resource_policies::handles(item) {
        return super::resource_policies::keys_of(account, region, item);
    }
    match item {
        Item::Role(role) => iam(Some(role.arn.clone())),
        Item::User(user) => iam(Some(user.arn.clone())),
        Item::Group(group) => iam(Some(group.arn.clone())),
        Item::ManagedPolicy(policy) => iam(Some(policy.arn.clone())),
        Item::InlinePolicy { kind, owner, .. } | Item::Attachment { kind, owner, .. } => {
            iam(principal_arn(account, *kind, owner))
        }
        Item::Membership { user, .. } => iam(principal_arn(account, PrincipalKind::User, user)),
        Item::InstanceProfile { role, .. } => iam(role
            .as_ref()
            .and_then(|r| principal_arn(account, PrincipalKind::Role, r))),
        Item::SecurityGroup(group) => ec2("security-group", &group.id),
        Item::SecurityGroupRule { group_id, .. } => ec2("security-group", group_id),
        Item::Vpc(vpc) => ec2("vpc", &vpc.id),
        Item::Subnet(subnet) => ec2("subnet", &subnet.id),
        Item::RouteTable(table) => subnets(table_subnets(account, region, &table.id)),
        Item::Route { table_id, .. } | Item::MainRouteTable { table_id } => {
            subnets(table_subnets(account, region, table_id))
        }
        Item::RouteTableAssociation { subnet_id, .. } => ec2("subnet", subnet_id),
        Item::InternetGateway(gateway) => gateway.vpc_ids.iter().flat_map(|v| ec2("vpc", v)).collect(),
        Item::GatewayAttachment { vpc_id, .. } => ec2("vpc", vpc_id),
        Item::NatGateway(gateway) => ec2("subnet", &gateway.subnet_id),
        Item::NetworkAcl(acl) => ec2("network-acl", &acl.id),
        Item::NetworkAclEntry { acl_id, .. } | Item::NetworkAclAssociation { acl_id, .. } => ec2("network-acl", acl_id),
        Item::VpcEndpoint(endpoint) => ec2("vpc-endpoint", &endpoint.id),
        Item::EndpointPolicy { endpoint_id, .. } => ec2("vpc-endpoint", endpoint_id),
        Item::EndpointService(service) => ec2("vpc-endpoint-service", &service.id),
        Item::EndpointServicePrincipal { service_id, .. } => ec2("vpc-endpoint-service", service_id),
        Item::FlowLog(log) => ec2("vpc", &log.resource_id),
        Item::Peering(peering) => ec2("vpc-peering-connection", &peering.id),
        Item::GuardDutyDetector(_) | Item::GuardDutyFeature { .. } => {
            vec![(format!("guardduty/{region}"), Section::Guardduty)]
        }
        Item::SecurityHub { .. } | Item::SecurityHubStandard(_) => {
            vec![(format!("securityhub/{region}"), Section::Securityhub)]
        }
        Item::ConfigRecorder(_) | Item::ConfigRecorderStatus { .. } | Item::DeliveryChannel { .. } => {
            vec![(format!("config/{region}"), Section::Config)]
        }
        // Resource policies are answered above, by their own module.
        _ => Vec::new(),
    }
}

fn network_of<'a>(account: &'a AccountSnapshot, region: &str) -> Option<&'a NetworkSection> {
    account
        .regions
        .iter()
        .find(|r| r.region == region)
        .and_then(|r| r.network.as_ref())
}

/// The region's entry, added (with no section) when the base did not scan it.
fn region_mut<'a>(account: &'a mut AccountSnapshot, region: &str) -> &'a mut RegionSnapshot {
    let position = match account.regions.iter().position(|r| r.region == region) {
        Some(position) => position,
        None => {
            account.regions.push(RegionSnapshot {
                region: region.to_string(),
                ..Default::default()
            });
            account.regions.len() - 1
        }
    };
    &mut account.regions[position]
}

fn iam_mut(account: &mut AccountSnapshot) -> &mut IamSection {
    account.iam.get_or_insert_with(IamSection::default)
}

fn network_mut<'a>(account: &'a mut AccountSnapshot, region: &str) -> &'a mut NetworkSection {
    region_mut(account, region)
        .network
        .get_or_insert_with(NetworkSection::default)
}

/// Items compare by their serialised form (the snapshot types do not derive `PartialEq`).
pub(super) fn same_value<T: serde::Serialize>(a: &T, b: &T) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

/// Removes an item as deployed; a part is taken off its owner, when there is one.
fn remove(account: &mut AccountSnapshot, region: &str, item: &Item) {
    if super::resource_policies::handles(item) {
        return super::resource_policies::remove(account, region, item);
    }
    if super::workloads::handles(item) {
        return super::workloads::remove(account, region, item);
    }
    if matches!(
        item,
        Item::Role(_) | Item::User(_) | Item::Group(_) | Item::ManagedPolicy(_)
    ) || is_iam_part(item)
    {
        if let Some(iam) = account.iam.as_mut() {
            super::apply_iam::remove(iam, item);
        }
        return;
    }
    let Some(region) = account.regions.iter_mut().find(|r| r.region == region) else {
        return;
    };
    super::apply_regional::remove(region, item);
}

/// Adds (or merges into the deployed one) an item; false when a part's owner is missing.
fn add(account: &mut AccountSnapshot, region: &str, item: &Item) -> bool {
    if super::resource_policies::handles(item) {
        return super::resource_policies::add(account, region, item);
    }
    if super::workloads::handles(item) {
        return super::workloads::add(region_mut(account, region), item);
    }
    if matches!(
        item,
        Item::Role(_) | Item::User(_) | Item::Group(_) | Item::ManagedPolicy(_)
    ) || is_iam_part(item)
    {
        return super::apply_iam::add(iam_mut(account), item);
    }
    if let Item::NatGateway(gateway) = item {
        let vpc = network_of(account, region)
            .and_then(|n| n.subnets.iter().find(|s| s.id == gateway.subnet_id))
            .map(|s| s.vpc_id.clone())
            .unwrap_or_default();
        let mut gateway = gateway.clone();
        gateway.vpc_id = vpc;
        let network = network_mut(account, region);
        network.nat_gateways.retain(|g| g.id != gateway.id);
        network.nat_gateways.push(gateway);
        return true;
    }
    super::apply_regional::add(region_mut(account, region), item)
}

fn is_iam_part(item: &Item) -> bool {
    matches!(
        item,
        Item::InlinePolicy { .. } | Item::Attachment { .. } | Item::Membership { .. } | Item::InstanceProfile { .. }
    )
}
