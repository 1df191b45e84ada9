//! Terraform AWS provider resource types mapped onto snapshot items, one function per family.
//! Attribute names follow the provider's documentation; a type not listed here is unmapped
//! (reported once in `scan.unmapped_resource_types`).

use super::attrs::{Attrs, Reference};
use super::items::{Item, PrincipalKind};
use super::terraform::placeholder;
use super::Placeholder;
use crate::snapshot::{
    ConfigRecorder, EndpointService, FlowLog, GuardDutyDetector, IamGroup, IamRole, IamUser, InlinePolicy,
    InternetGateway, ManagedPolicy, NamedStatus, NatGateway, NetworkAcl, NetworkAclEntry, PeeringConnection,
    PolicySource, Route, RouteTable, SecurityGroup, SecurityGroupRule, SecurityHubStandard, Subnet, Vpc, VpcEndpoint,
};

/// A planned resource's identifiers: known, or placeholders until apply.
#[derive(Debug, Clone)]
pub struct Identity {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub placeholder: Option<Placeholder>,
}

/// IAM types whose ARN follows from account, path and name.
fn iam_kind(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "aws_iam_role" => Some("role"),
        "aws_iam_user" => Some("user"),
        "aws_iam_group" => Some("group"),
        "aws_iam_policy" => Some("policy"),
        "aws_iam_instance_profile" => Some("instance-profile"),
        _ => None,
    }
}

/// The prefix AWS gives the ids of a type (`sg-`, `igw-`): placeholders keep it.
fn id_prefix(resource_type: &str) -> &'static str {
    match resource_type {
        "aws_security_group" | "aws_default_security_group" => "sg",
        "aws_vpc" | "aws_default_vpc" => "vpc",
        "aws_subnet" => "subnet",
        "aws_route_table" => "rtb",
        "aws_internet_gateway" => "igw",
        "aws_nat_gateway" => "nat",
        "aws_network_acl" | "aws_default_network_acl" => "acl",
        "aws_vpc_endpoint" => "vpce",
        "aws_vpc_endpoint_service" => "vpce-svc",
        "aws_flow_log" => "fl",
        "aws_vpc_peering_connection" => "pcx",
        _ => "",
    }
}

pub fn iam_arn(account: &str, kind: &str, path: &str, name: &str) -> String {
    let path = if path.starts_with('/') && path.ends_with('/') {
        path
    } else {
        "/"
    };
    format!("arn:aws:iam::{account}:{kind}{path}{name}")
}

impl Identity {
    pub fn of(
        resource_type: &str,
        label: &str,
        (account, region): (&str, &str),
        known: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        if let Some(kind) = iam_kind(resource_type) {
            let name = known("name");
            let path = known("path").unwrap_or_else(|| "/".into());
            let arn = known("arn").or_else(|| name.as_ref().map(|n| iam_arn(account, kind, &path, n)));
            return match arn {
                Some(arn) => Identity {
                    id: if kind == "policy" {
                        arn.clone()
                    } else {
                        name.clone().unwrap_or_else(|| arn.clone())
                    },
                    name: name.unwrap_or_else(|| label.to_string()),
                    arn,
                    placeholder: None,
                },
                None => Identity {
                    id: label.to_string(),
                    arn: label.to_string(),
                    name: label.to_string(),
                    placeholder: Some(Placeholder {
                        id: label.to_string(),
                        label: label.to_string(),
                    }),
                },
            };
        }
        if let Some(name) = super::resource_policies::name_attribute(resource_type).and_then(known) {
            let arn =
                known("arn").or_else(|| super::resource_policies::planned_arn(resource_type, account, region, &name));
            return Identity {
                id: known("id").unwrap_or_else(|| name.clone()),
                arn: arn.unwrap_or_else(|| label.to_string()),
                placeholder: None,
                name,
            };
        }
        let (id, placeholder) = match known("id") {
            Some(id) => (id, None),
            None => {
                let placeholder = placeholder(id_prefix(resource_type), label);
                (placeholder.id.clone(), Some(placeholder))
            }
        };
        Identity {
            arn: known("arn").unwrap_or_else(|| label.to_string()),
            name: known("name").unwrap_or_else(|| id.clone()),
            id,
            placeholder,
        }
    }

    pub fn wanted(&self, want: Reference) -> String {
        match want {
            Reference::Id => self.id.clone(),
            Reference::Arn => self.arn.clone(),
            Reference::Name => self.name.clone(),
        }
    }
}

/// The account, region and identity a resource is mapped in.
pub struct MapContext<'c> {
    pub account: &'c str,
    pub region: &'c str,
    pub identity: &'c Identity,
}

impl MapContext<'_> {
    /// The side's own id when known (the deployed one before a replace), else the planned one.
    fn id(&self, at: &Attrs<'_>) -> String {
        at.peek("id").unwrap_or_else(|| self.identity.id.clone())
    }

    fn iam_arn(&self, at: &Attrs<'_>, kind: &str) -> String {
        at.peek("arn")
            .or_else(|| {
                let path = at.peek("path").unwrap_or_else(|| "/".into());
                at.peek("name").map(|name| iam_arn(self.account, kind, &path, &name))
            })
            .unwrap_or_else(|| self.identity.arn.clone())
    }

    fn iam_name(&self, at: &Attrs<'_>) -> String {
        at.peek("name").unwrap_or_else(|| self.identity.name.clone())
    }
}

/// The items of one side (before or after) of a resource; `None` when the type is unmapped.
pub fn map_resource(resource_type: &str, at: &Attrs<'_>, cx: &MapContext<'_>) -> Option<Vec<Item>> {
    if let Some(items) = super::resource_policies::terraform(resource_type, at, cx.identity, cx.account, cx.region) {
        return Some(items);
    }
    if let Some(items) = super::workloads::items(resource_type, at, (cx.account, cx.region)) {
        return Some(items);
    }
    let items = match resource_type {
        t if t.starts_with("aws_iam_") => iam(t, at, cx)?,
        t if t.starts_with("aws_guardduty_") || t.starts_with("aws_securityhub_") || t.starts_with("aws_config_") => {
            detection(t, at, cx)?
        }
        t => network(t, at, cx).or_else(|| routing(t, at, cx))?,
    };
    Some(items)
}

fn iam(resource_type: &str, at: &Attrs<'_>, cx: &MapContext<'_>) -> Option<Vec<Item>> {
    let principal = |attr: &str| at.reference(attr, Reference::Name);
    let attachment = |kind, attr: &str| -> Vec<Item> {
        match (principal(attr), at.reference("policy_arn", Reference::Arn)) {
            (Some(owner), Some(policy_arn)) => vec![Item::Attachment {
                kind,
                owner,
                policy_arn,
            }],
            _ => Vec::new(),
        }
    };
    let inline = |kind, attr: &str| -> Vec<Item> {
        let source = at
            .policy("policy")
            .unwrap_or_else(|| PolicySource::failed("no policy document"));
        match (principal(attr), at.peek("name")) {
            (Some(owner), Some(name)) => vec![Item::InlinePolicy {
                kind,
                owner,
                policy: InlinePolicy { name, source },
            }],
            _ => Vec::new(),
        }
    };
    Some(match resource_type {
        "aws_iam_role" => vec![Item::Role(role(at, cx))],
        "aws_iam_user" => vec![Item::User(IamUser {
            arn: cx.iam_arn(at, "user"),
            name: cx.iam_name(at),
            create_date: None,
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
            groups: Vec::new(),
            permissions_boundary: at.text("permissions_boundary"),
        })],
        "aws_iam_group" => vec![Item::Group(IamGroup {
            arn: cx.iam_arn(at, "group"),
            name: cx.iam_name(at),
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
        })],
        "aws_iam_policy" => vec![Item::ManagedPolicy(ManagedPolicy {
            arn: cx.iam_arn(at, "policy"),
            name: cx.iam_name(at),
            default_version_id: Some("v1".into()),
            source: at
                .policy("policy")
                .unwrap_or_else(|| PolicySource::failed("no policy document")),
        })],
        "aws_iam_role_policy" => inline(PrincipalKind::Role, "role"),
        "aws_iam_user_policy" => inline(PrincipalKind::User, "user"),
        "aws_iam_group_policy" => inline(PrincipalKind::Group, "group"),
        "aws_iam_role_policy_attachment" => attachment(PrincipalKind::Role, "role"),
        "aws_iam_user_policy_attachment" => attachment(PrincipalKind::User, "user"),
        "aws_iam_group_policy_attachment" => attachment(PrincipalKind::Group, "group"),
        "aws_iam_policy_attachment" => policy_attachment(at),
        "aws_iam_user_group_membership" => match principal("user") {
            Some(user) => at
                .references("groups", Reference::Name)
                .into_iter()
                .map(|group| Item::Membership {
                    user: user.clone(),
                    group,
                })
                .collect(),
            None => Vec::new(),
        },
        "aws_iam_group_membership" => match principal("group") {
            Some(group) => at
                .references("users", Reference::Name)
                .into_iter()
                .map(|user| Item::Membership {
                    user,
                    group: group.clone(),
                })
                .collect(),
            None => Vec::new(),
        },
        "aws_iam_instance_profile" => vec![Item::InstanceProfile {
            arn: cx.iam_arn(at, "instance-profile"),
            role: principal("role"),
        }],
        _ => return None,
    })
}

fn role(at: &Attrs<'_>, cx: &MapContext<'_>) -> IamRole {
    let inline_policies = at
        .blocks("inline_policy")
        .iter()
        .filter_map(|block| {
            Some(InlinePolicy {
                name: block.text("name")?,
                source: block.policy("policy")?,
            })
        })
        .collect();
    IamRole {
        arn: cx.iam_arn(at, "role"),
        name: cx.iam_name(at),
        create_date: None,
        assume_role_policy: at
            .policy("assume_role_policy")
            .unwrap_or_else(|| PolicySource::failed("no assume_role_policy")),
        inline_policies,
        attached_policies: at.references("managed_policy_arns", Reference::Arn),
        permissions_boundary: at.text("permissions_boundary"),
        instance_profiles: Vec::new(),
    }
}

/// `aws_iam_policy_attachment`: one policy to users, roles and groups at once.
fn policy_attachment(at: &Attrs<'_>) -> Vec<Item> {
    let Some(policy_arn) = at.reference("policy_arn", Reference::Arn) else {
        return Vec::new();
    };
    let kinds = [
        (PrincipalKind::User, "users"),
        (PrincipalKind::Role, "roles"),
        (PrincipalKind::Group, "groups"),
    ];
    kinds
        .into_iter()
        .flat_map(|(kind, attr)| {
            let policy_arn = policy_arn.clone();
            at.references(attr, Reference::Name)
                .into_iter()
                .map(move |owner| Item::Attachment {
                    kind,
                    owner,
                    policy_arn: policy_arn.clone(),
                })
        })
        .collect()
}

/// An ingress or egress permission of a security group (inline block or rule resource).
fn permission(at: &Attrs<'_>, protocol: &str, own_group: Option<&str>, source_attrs: &[&str]) -> SecurityGroupRule {
    let protocol = at.string(protocol).unwrap_or_else(|| "-1".into());
    let all = protocol == "-1" || protocol.eq_ignore_ascii_case("all");
    let mut source_groups: Vec<String> = source_attrs
        .iter()
        .flat_map(|attr| at.references(attr, Reference::Id))
        .collect();
    if at.boolean("self") == Some(true) {
        source_groups.extend(own_group.map(str::to_string));
    }
    let mut ipv4_ranges = at.strings("cidr_blocks");
    ipv4_ranges.extend(at.strings("cidr_ipv4"));
    let mut ipv6_ranges = at.strings("ipv6_cidr_blocks");
    ipv6_ranges.extend(at.strings("cidr_ipv6"));
    SecurityGroupRule {
        protocol: if all { "-1".into() } else { protocol },
        from_port: if all { None } else { at.int("from_port") },
        to_port: if all { None } else { at.int("to_port") },
        ipv4_ranges,
        ipv6_ranges,
        source_groups,
    }
}

fn network(resource_type: &str, at: &Attrs<'_>, cx: &MapContext<'_>) -> Option<Vec<Item>> {
    let id = cx.id(at);
    let vpc_id = || at.reference("vpc_id", Reference::Id).unwrap_or_default();
    Some(match resource_type {
        "aws_security_group" | "aws_default_security_group" => {
            let rules = |attr: &str| -> Vec<SecurityGroupRule> {
                at.blocks(attr)
                    .iter()
                    .map(|block| permission(block, "protocol", Some(&id), &["security_groups"]))
                    .collect()
            };
            vec![Item::SecurityGroup(SecurityGroup {
                name: at.string("name").unwrap_or_else(|| {
                    if resource_type == "aws_default_security_group" {
                        "default".into()
                    } else {
                        cx.identity.name.clone()
                    }
                }),
                vpc_id: vpc_id(),
                ingress: rules("ingress"),
                egress: rules("egress"),
                id,
            })]
        }
        "aws_security_group_rule" => {
            let group_id = at.reference("security_group_id", Reference::Id);
            let rule = permission(at, "protocol", group_id.as_deref(), &["source_security_group_id"]);
            let egress = at.string("type").as_deref() == Some("egress");
            group_id
                .map(|group_id| Item::SecurityGroupRule { group_id, egress, rule })
                .into_iter()
                .collect()
        }
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            let group_id = at.reference("security_group_id", Reference::Id);
            let rule = permission(at, "ip_protocol", None, &["referenced_security_group_id"]);
            let egress = resource_type.ends_with("egress_rule");
            group_id
                .map(|group_id| Item::SecurityGroupRule { group_id, egress, rule })
                .into_iter()
                .collect()
        }
        "aws_vpc" | "aws_default_vpc" => vec![Item::Vpc(Vpc {
            id,
            cidr_block: at.string("cidr_block").unwrap_or_default(),
            is_default: resource_type == "aws_default_vpc",
            name: at.tag("Name"),
            flow_logs_enabled: None,
        })],
        "aws_subnet" => vec![Item::Subnet(Subnet {
            id,
            vpc_id: vpc_id(),
            cidr_block: at.string("cidr_block").unwrap_or_default(),
            availability_zone: at.string("availability_zone").unwrap_or_default(),
            map_public_ip_on_launch: at.boolean("map_public_ip_on_launch").unwrap_or(false),
            routes_to_internet_gateway: None,
        })],
        "aws_network_acl" | "aws_default_network_acl" => vec![Item::NetworkAcl(network_acl(at, cx, resource_type))],
        "aws_network_acl_rule" => match at.reference("network_acl_id", Reference::Id) {
            Some(acl_id) => vec![Item::NetworkAclEntry {
                acl_id,
                entry: acl_entry(at, "rule_number", "rule_action", at.boolean("egress").unwrap_or(false)),
            }],
            None => Vec::new(),
        },
        "aws_network_acl_association" => match (
            at.reference("network_acl_id", Reference::Id),
            at.reference("subnet_id", Reference::Id),
        ) {
            (Some(acl_id), Some(subnet_id)) => vec![Item::NetworkAclAssociation { acl_id, subnet_id }],
            _ => Vec::new(),
        },
        _ => return endpoints(resource_type, at, cx),
    })
}

fn network_acl(at: &Attrs<'_>, cx: &MapContext<'_>, resource_type: &str) -> NetworkAcl {
    let entries = |attr: &str, egress: bool| -> Vec<NetworkAclEntry> {
        at.blocks(attr)
            .iter()
            .map(|block| acl_entry(block, "rule_no", "action", egress))
            .collect()
    };
    let is_default = resource_type == "aws_default_network_acl";
    let mut all = entries("ingress", false);
    all.extend(entries("egress", true));
    NetworkAcl {
        id: if is_default {
            at.reference("default_network_acl_id", Reference::Id)
                .unwrap_or_else(|| cx.id(at))
        } else {
            cx.id(at)
        },
        vpc_id: at.reference("vpc_id", Reference::Id).unwrap_or_default(),
        is_default,
        subnet_ids: at.references("subnet_ids", Reference::Id),
        entries: all,
    }
}

fn acl_entry(at: &Attrs<'_>, number: &str, action: &str, egress: bool) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: at.int(number).unwrap_or(0),
        protocol: at.string("protocol").unwrap_or_else(|| "-1".into()),
        rule_action: at.string(action).unwrap_or_else(|| "deny".into()),
        egress,
        cidr_block: at.text("cidr_block"),
        ipv6_cidr_block: at.text("ipv6_cidr_block"),
        from_port: at.int("from_port"),
        to_port: at.int("to_port"),
    }
}

fn endpoints(resource_type: &str, at: &Attrs<'_>, cx: &MapContext<'_>) -> Option<Vec<Item>> {
    let id = cx.id(at);
    Some(match resource_type {
        "aws_vpc_endpoint" => vec![Item::VpcEndpoint(VpcEndpoint {
            id,
            vpc_id: at.reference("vpc_id", Reference::Id).unwrap_or_default(),
            service_name: at.string("service_name").unwrap_or_default(),
            endpoint_type: at.text("vpc_endpoint_type").unwrap_or_else(|| "Gateway".into()),
            state: Some("available".into()),
            policy: at.policy("policy"),
            private_dns_enabled: at.boolean("private_dns_enabled").unwrap_or(false),
            subnet_ids: at.references("subnet_ids", Reference::Id),
            security_group_ids: at.references("security_group_ids", Reference::Id),
            policy_supported: None,
        })],
        "aws_vpc_endpoint_policy" => match (at.reference("vpc_endpoint_id", Reference::Id), at.policy("policy")) {
            (Some(endpoint_id), Some(policy)) => vec![Item::EndpointPolicy { endpoint_id, policy }],
            _ => Vec::new(),
        },
        "aws_vpc_endpoint_service" => vec![Item::EndpointService(EndpointService {
            service_name: at.peek("service_name").unwrap_or_else(|| cx.identity.arn.clone()),
            id,
            acceptance_required: at.boolean("acceptance_required").unwrap_or(true),
            allowed_principals: at.strings("allowed_principals"),
            private_dns_name: at.text("private_dns_name"),
            private_dns_verified: None,
        })],
        "aws_vpc_endpoint_service_allowed_principal" => match (
            at.reference("vpc_endpoint_service_id", Reference::Id),
            at.string("principal_arn"),
        ) {
            (Some(service_id), Some(principal)) => vec![Item::EndpointServicePrincipal { service_id, principal }],
            _ => Vec::new(),
        },
        "aws_flow_log" => {
            let logged = ["vpc_id", "subnet_id", "eni_id", "transit_gateway_id"]
                .iter()
                .find_map(|attr| at.reference(attr, Reference::Id));
            match logged {
                Some(resource_id) => vec![Item::FlowLog(FlowLog {
                    id,
                    resource_id,
                    traffic_type: at.string("traffic_type"),
                    status: Some("ACTIVE".into()),
                })],
                None => Vec::new(),
            }
        }
        "aws_vpc_peering_connection" => vec![Item::Peering(PeeringConnection {
            id,
            requester_vpc_id: at.reference("vpc_id", Reference::Id).unwrap_or_default(),
            requester_account: cx.account.to_string(),
            accepter_vpc_id: at.reference("peer_vpc_id", Reference::Id).unwrap_or_default(),
            accepter_account: at.text("peer_owner_id").unwrap_or_else(|| cx.account.to_string()),
            status: at.peek("accept_status").or_else(|| Some("pending-acceptance".into())),
        })],
        _ => return None,
    })
}

/// The target of a route: the first target attribute that is set.
const ROUTE_TARGETS: [&str; 8] = [
    "gateway_id",
    "nat_gateway_id",
    "vpc_peering_connection_id",
    "vpc_endpoint_id",
    "transit_gateway_id",
    "network_interface_id",
    "egress_only_gateway_id",
    "local_gateway_id",
];

fn route(at: &Attrs<'_>, destinations: [&str; 3]) -> Option<Route> {
    let destination = destinations.iter().find_map(|attr| at.text(attr))?;
    let target = ROUTE_TARGETS
        .iter()
        .find_map(|attr| at.reference(attr, Reference::Id))
        .unwrap_or_else(|| "unknown".into());
    Some(Route {
        destination,
        target,
        state: Some("active".into()),
    })
}

fn routing(resource_type: &str, at: &Attrs<'_>, cx: &MapContext<'_>) -> Option<Vec<Item>> {
    let id = cx.id(at);
    let table_id = || at.reference("route_table_id", Reference::Id);
    Some(match resource_type {
        "aws_route_table" => vec![Item::RouteTable(RouteTable {
            id,
            vpc_id: at.reference("vpc_id", Reference::Id).unwrap_or_default(),
            is_main: false,
            subnet_ids: Vec::new(),
            routes: at
                .blocks("route")
                .iter()
                .filter_map(|block| route(block, ["cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"]))
                .collect(),
        })],
        "aws_route" => {
            let destinations = [
                "destination_cidr_block",
                "destination_ipv6_cidr_block",
                "destination_prefix_list_id",
            ];
            match (table_id(), route(at, destinations)) {
                (Some(table_id), Some(route)) => vec![Item::Route { table_id, route }],
                _ => Vec::new(),
            }
        }
        "aws_route_table_association" => match (table_id(), at.reference("subnet_id", Reference::Id)) {
            (Some(table_id), Some(subnet_id)) => vec![Item::RouteTableAssociation { table_id, subnet_id }],
            _ => Vec::new(),
        },
        "aws_main_route_table_association" => table_id()
            .map(|table_id| Item::MainRouteTable { table_id })
            .into_iter()
            .collect(),
        "aws_internet_gateway" => vec![Item::InternetGateway(InternetGateway {
            id,
            vpc_ids: at.reference("vpc_id", Reference::Id).into_iter().collect(),
        })],
        "aws_internet_gateway_attachment" => match (
            at.reference("internet_gateway_id", Reference::Id),
            at.reference("vpc_id", Reference::Id),
        ) {
            (Some(gateway_id), Some(vpc_id)) => vec![Item::GatewayAttachment { gateway_id, vpc_id }],
            _ => Vec::new(),
        },
        "aws_nat_gateway" => vec![Item::NatGateway(NatGateway {
            id,
            vpc_id: String::new(),
            subnet_id: at.reference("subnet_id", Reference::Id).unwrap_or_default(),
            state: Some("available".into()),
        })],
        _ => return None,
    })
}

fn detection(resource_type: &str, at: &Attrs<'_>, cx: &MapContext<'_>) -> Option<Vec<Item>> {
    Some(match resource_type {
        "aws_guardduty_detector" => vec![Item::GuardDutyDetector(GuardDutyDetector {
            id: cx.id(at),
            status: if at.boolean("enable").unwrap_or(true) {
                "ENABLED"
            } else {
                "DISABLED"
            }
            .into(),
            features: Vec::new(),
            data_sources: Vec::new(),
        })],
        "aws_guardduty_detector_feature" => match (at.reference("detector_id", Reference::Id), at.string("name")) {
            (Some(detector_id), Some(name)) => vec![Item::GuardDutyFeature {
                detector_id,
                feature: NamedStatus {
                    name,
                    status: at.string("status").unwrap_or_else(|| "ENABLED".into()),
                },
            }],
            _ => Vec::new(),
        },
        "aws_securityhub_account" => vec![Item::SecurityHub {
            hub_arn: at.peek("arn"),
        }],
        "aws_securityhub_standards_subscription" => at
            .string("standards_arn")
            .map(|arn| {
                Item::SecurityHubStandard(SecurityHubStandard {
                    arn,
                    status: "READY".into(),
                })
            })
            .into_iter()
            .collect(),
        "aws_config_configuration_recorder" => {
            let group = at.object("recording_group");
            vec![Item::ConfigRecorder(ConfigRecorder {
                name: at.text("name").unwrap_or_else(|| "default".into()),
                recording: false,
                all_supported: group.as_ref().and_then(|g| g.boolean("all_supported")).unwrap_or(true),
                include_global_resource_types: group
                    .as_ref()
                    .and_then(|g| g.boolean("include_global_resource_types"))
                    .unwrap_or(false),
                role_arn: at.string("role_arn"),
            })]
        }
        "aws_config_configuration_recorder_status" => vec![Item::ConfigRecorderStatus {
            name: at.text("name").unwrap_or_else(|| "default".into()),
            recording: at.boolean("is_enabled").unwrap_or(false),
        }],
        "aws_config_delivery_channel" => vec![Item::DeliveryChannel {
            name: at.text("name").unwrap_or_else(|| "default".into()),
        }],
        _ => return None,
    })
}
