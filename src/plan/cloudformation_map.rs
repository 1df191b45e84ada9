//! CloudFormation `AWS::` resource types mapped onto snapshot items. Property names follow the
//! CloudFormation resource reference; a type not listed here is unmapped.

use super::attrs::{Attrs, Reference};
use super::items::{Item, PrincipalKind};
use super::terraform_map::Identity;
use crate::snapshot::{
    ConfigRecorder, EndpointService, FlowLog, GuardDutyDetector, IamGroup, IamRole, IamUser, InlinePolicy,
    InternetGateway, ManagedPolicy, NamedStatus, NatGateway, NetworkAcl, NetworkAclEntry, PeeringConnection,
    PolicySource, Route, RouteTable, SecurityGroup, SecurityGroupRule, SecurityHubStandard, Subnet, Vpc, VpcEndpoint,
};
use serde_json::Value;

/// The Terraform type with the same identity rules, and the property that names the resource.
fn equivalent(resource_type: &str) -> (&'static str, &'static str) {
    match resource_type {
        "AWS::IAM::Role" => ("aws_iam_role", "RoleName"),
        "AWS::IAM::User" => ("aws_iam_user", "UserName"),
        "AWS::IAM::Group" => ("aws_iam_group", "GroupName"),
        "AWS::IAM::ManagedPolicy" => ("aws_iam_policy", "ManagedPolicyName"),
        "AWS::IAM::InstanceProfile" => ("aws_iam_instance_profile", "InstanceProfileName"),
        "AWS::EC2::SecurityGroup" => ("aws_security_group", "GroupName"),
        "AWS::EC2::VPC" => ("aws_vpc", ""),
        "AWS::EC2::Subnet" => ("aws_subnet", ""),
        "AWS::EC2::RouteTable" => ("aws_route_table", ""),
        "AWS::EC2::InternetGateway" => ("aws_internet_gateway", ""),
        "AWS::EC2::NatGateway" => ("aws_nat_gateway", ""),
        "AWS::EC2::NetworkAcl" => ("aws_network_acl", ""),
        "AWS::EC2::VPCEndpoint" => ("aws_vpc_endpoint", ""),
        "AWS::EC2::VPCEndpointService" => ("aws_vpc_endpoint_service", ""),
        "AWS::EC2::FlowLog" => ("aws_flow_log", ""),
        "AWS::EC2::VPCPeeringConnection" => ("aws_vpc_peering_connection", ""),
        _ => ("", ""),
    }
}

/// A template resource's identity: a name it gives, else a placeholder until deploy.
pub fn identity(
    resource_type: &str,
    label: &str,
    values: &Value,
    mask: &Value,
    account: &str,
    region: &str,
) -> Identity {
    let (mut equivalent, name_property) = equivalent(resource_type);
    let resource_name = super::resource_policies::name_attribute(resource_type);
    if resource_name.is_some() || resource_type == "AWS::KMS::Key" {
        equivalent = resource_type;
    }
    let known = |attr: &str| -> Option<String> {
        let property = match attr {
            "name" if !name_property.is_empty() => name_property,
            attr if Some(attr) == resource_name => attr,
            "path" => "Path",
            _ => return None,
        };
        if mask.get(property).is_some_and(|m| m != &Value::Bool(false)) || mask == &Value::Bool(true) {
            return None;
        }
        values
            .get(property)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Identity::of(equivalent, label, (account, region), &known)
}

/// The items of one resource; `None` when the type is unmapped.
pub fn map_resource(
    resource_type: &str,
    at: &Attrs<'_>,
    identity: &Identity,
    (account, region): (&str, &str),
    has_delivery_channel: bool,
) -> Option<Vec<Item>> {
    if let Some(items) = super::resource_policies::cloudformation(resource_type, at, identity, account, region) {
        return Some(items);
    }
    if let Some(items) = super::workloads::items(resource_type, at, (account, region)) {
        return Some(items);
    }
    let service = resource_type.split("::").nth(1).unwrap_or_default();
    match service {
        "IAM" => iam(resource_type, at, identity),
        "EC2" => network(resource_type, at, identity, account).or_else(|| routing(resource_type, at, identity)),
        _ => detection(resource_type, at, identity, has_delivery_channel),
    }
}

fn inline_policies(at: &Attrs<'_>) -> Vec<InlinePolicy> {
    at.blocks("Policies")
        .iter()
        .filter_map(|block| {
            Some(InlinePolicy {
                name: block.text("PolicyName")?,
                source: block.policy("PolicyDocument")?,
            })
        })
        .collect()
}

fn document(at: &Attrs<'_>, property: &str) -> PolicySource {
    at.policy(property)
        .unwrap_or_else(|| PolicySource::failed(format!("no {property}")))
}

/// Policies that name their principals (`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`).
fn owners(at: &Attrs<'_>) -> Vec<(PrincipalKind, String)> {
    [
        (PrincipalKind::Role, "Roles"),
        (PrincipalKind::User, "Users"),
        (PrincipalKind::Group, "Groups"),
    ]
    .into_iter()
    .flat_map(|(kind, property)| at.strings(property).into_iter().map(move |name| (kind, name)))
    .collect()
}

fn iam(resource_type: &str, at: &Attrs<'_>, identity: &Identity) -> Option<Vec<Item>> {
    let attached = || at.references("ManagedPolicyArns", Reference::Arn);
    Some(match resource_type {
        "AWS::IAM::Role" => vec![Item::Role(IamRole {
            arn: identity.arn.clone(),
            name: identity.name.clone(),
            create_date: None,
            assume_role_policy: document(at, "AssumeRolePolicyDocument"),
            inline_policies: inline_policies(at),
            attached_policies: attached(),
            permissions_boundary: at.text("PermissionsBoundary"),
            instance_profiles: Vec::new(),
        })],
        "AWS::IAM::User" => vec![Item::User(IamUser {
            arn: identity.arn.clone(),
            name: identity.name.clone(),
            create_date: None,
            inline_policies: inline_policies(at),
            attached_policies: attached(),
            groups: at.strings("Groups"),
            permissions_boundary: at.text("PermissionsBoundary"),
        })],
        "AWS::IAM::Group" => vec![Item::Group(IamGroup {
            arn: identity.arn.clone(),
            name: identity.name.clone(),
            inline_policies: inline_policies(at),
            attached_policies: attached(),
        })],
        "AWS::IAM::ManagedPolicy" => {
            let mut items = vec![Item::ManagedPolicy(ManagedPolicy {
                arn: identity.arn.clone(),
                name: identity.name.clone(),
                default_version_id: Some("v1".into()),
                source: document(at, "PolicyDocument"),
            })];
            items.extend(owners(at).into_iter().map(|(kind, owner)| Item::Attachment {
                kind,
                owner,
                policy_arn: identity.arn.clone(),
            }));
            items
        }
        "AWS::IAM::Policy" => {
            let name = at.text("PolicyName").unwrap_or_else(|| identity.name.clone());
            let source = document(at, "PolicyDocument");
            owners(at)
                .into_iter()
                .map(|(kind, owner)| Item::InlinePolicy {
                    kind,
                    owner,
                    policy: InlinePolicy {
                        name: name.clone(),
                        source: source.clone(),
                    },
                })
                .collect()
        }
        "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
            let (kind, property) = match resource_type {
                "AWS::IAM::RolePolicy" => (PrincipalKind::Role, "RoleName"),
                "AWS::IAM::UserPolicy" => (PrincipalKind::User, "UserName"),
                _ => (PrincipalKind::Group, "GroupName"),
            };
            match (at.text(property), at.text("PolicyName")) {
                (Some(owner), Some(name)) => vec![Item::InlinePolicy {
                    kind,
                    owner,
                    policy: InlinePolicy {
                        name,
                        source: document(at, "PolicyDocument"),
                    },
                }],
                _ => Vec::new(),
            }
        }
        "AWS::IAM::UserToGroupAddition" => match at.text("GroupName") {
            Some(group) => at
                .strings("Users")
                .into_iter()
                .map(|user| Item::Membership {
                    user,
                    group: group.clone(),
                })
                .collect(),
            None => Vec::new(),
        },
        "AWS::IAM::InstanceProfile" => vec![Item::InstanceProfile {
            arn: identity.arn.clone(),
            role: at.strings("Roles").into_iter().next(),
        }],
        _ => return None,
    })
}

/// A rule of `SecurityGroupIngress`/`Egress` (inline or its own resource).
fn permission(at: &Attrs<'_>, peer: &str) -> SecurityGroupRule {
    let protocol = at.string("IpProtocol").unwrap_or_else(|| "-1".into());
    let all = protocol == "-1";
    SecurityGroupRule {
        from_port: if all { None } else { at.int("FromPort") },
        to_port: if all { None } else { at.int("ToPort") },
        protocol,
        ipv4_ranges: at.text("CidrIp").into_iter().collect(),
        ipv6_ranges: at.text("CidrIpv6").into_iter().collect(),
        source_groups: at.text(peer).into_iter().collect(),
    }
}

fn network(resource_type: &str, at: &Attrs<'_>, identity: &Identity, account: &str) -> Option<Vec<Item>> {
    let id = identity.id.clone();
    let vpc_id = || at.text("VpcId").unwrap_or_default();
    Some(match resource_type {
        "AWS::EC2::SecurityGroup" => {
            let rules = |property: &str, peer: &str| -> Vec<SecurityGroupRule> {
                at.blocks(property).iter().map(|b| permission(b, peer)).collect()
            };
            vec![Item::SecurityGroup(SecurityGroup {
                id,
                name: identity.name.clone(),
                vpc_id: vpc_id(),
                ingress: rules("SecurityGroupIngress", "SourceSecurityGroupId"),
                egress: rules("SecurityGroupEgress", "DestinationSecurityGroupId"),
            })]
        }
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            let egress = resource_type.ends_with("Egress");
            let peer = if egress {
                "DestinationSecurityGroupId"
            } else {
                "SourceSecurityGroupId"
            };
            match at.text("GroupId") {
                Some(group_id) => vec![Item::SecurityGroupRule {
                    group_id,
                    egress,
                    rule: permission(at, peer),
                }],
                None => Vec::new(),
            }
        }
        "AWS::EC2::VPC" => vec![Item::Vpc(Vpc {
            id,
            cidr_block: at.string("CidrBlock").unwrap_or_default(),
            is_default: false,
            name: at.tag("Name"),
            flow_logs_enabled: None,
        })],
        "AWS::EC2::Subnet" => vec![Item::Subnet(Subnet {
            id,
            vpc_id: vpc_id(),
            cidr_block: at.string("CidrBlock").unwrap_or_default(),
            availability_zone: at.string("AvailabilityZone").unwrap_or_default(),
            map_public_ip_on_launch: at.boolean("MapPublicIpOnLaunch").unwrap_or(false),
            routes_to_internet_gateway: None,
        })],
        "AWS::EC2::NetworkAcl" => vec![Item::NetworkAcl(NetworkAcl {
            id,
            vpc_id: vpc_id(),
            is_default: false,
            subnet_ids: Vec::new(),
            entries: Vec::new(),
        })],
        "AWS::EC2::NetworkAclEntry" => match at.text("NetworkAclId") {
            Some(acl_id) => {
                let range = at.object("PortRange");
                vec![Item::NetworkAclEntry {
                    acl_id,
                    entry: NetworkAclEntry {
                        rule_number: at.int("RuleNumber").unwrap_or(0),
                        protocol: at.string("Protocol").unwrap_or_else(|| "-1".into()),
                        rule_action: at.string("RuleAction").unwrap_or_else(|| "deny".into()),
                        egress: at.boolean("Egress").unwrap_or(false),
                        cidr_block: at.text("CidrBlock"),
                        ipv6_cidr_block: at.text("Ipv6CidrBlock"),
                        from_port: range.as_ref().and_then(|r| r.int("From")),
                        to_port: range.as_ref().and_then(|r| r.int("To")),
                    },
                }]
            }
            None => Vec::new(),
        },
        "AWS::EC2::SubnetNetworkAclAssociation" => match (at.text("NetworkAclId"), at.text("SubnetId")) {
            (Some(acl_id), Some(subnet_id)) => vec![Item::NetworkAclAssociation { acl_id, subnet_id }],
            _ => Vec::new(),
        },
        _ => return endpoints(resource_type, at, identity, account),
    })
}

fn endpoints(resource_type: &str, at: &Attrs<'_>, identity: &Identity, account: &str) -> Option<Vec<Item>> {
    let id = identity.id.clone();
    Some(match resource_type {
        "AWS::EC2::VPCEndpoint" => vec![Item::VpcEndpoint(VpcEndpoint {
            id,
            vpc_id: at.text("VpcId").unwrap_or_default(),
            service_name: at.string("ServiceName").unwrap_or_default(),
            endpoint_type: at.text("VpcEndpointType").unwrap_or_else(|| "Gateway".into()),
            state: Some("available".into()),
            policy: at.policy("PolicyDocument"),
            private_dns_enabled: at.boolean("PrivateDnsEnabled").unwrap_or(false),
            subnet_ids: at.strings("SubnetIds"),
            security_group_ids: at.strings("SecurityGroupIds"),
            policy_supported: None,
        })],
        "AWS::EC2::VPCEndpointService" => vec![Item::EndpointService(EndpointService {
            service_name: identity.arn.clone(),
            id,
            acceptance_required: at.boolean("AcceptanceRequired").unwrap_or(true),
            allowed_principals: Vec::new(),
            private_dns_name: None,
            private_dns_verified: None,
        })],
        "AWS::EC2::VPCEndpointServicePermissions" => match at.text("ServiceId") {
            Some(service_id) => at
                .strings("AllowedPrincipals")
                .into_iter()
                .map(|principal| Item::EndpointServicePrincipal {
                    service_id: service_id.clone(),
                    principal,
                })
                .collect(),
            None => Vec::new(),
        },
        "AWS::EC2::FlowLog" => match at.text("ResourceId") {
            Some(resource_id) => vec![Item::FlowLog(FlowLog {
                id,
                resource_id,
                traffic_type: at.string("TrafficType"),
                status: Some("ACTIVE".into()),
            })],
            None => Vec::new(),
        },
        "AWS::EC2::VPCPeeringConnection" => vec![Item::Peering(PeeringConnection {
            id,
            requester_vpc_id: at.text("VpcId").unwrap_or_default(),
            requester_account: account.to_string(),
            accepter_vpc_id: at.text("PeerVpcId").unwrap_or_default(),
            accepter_account: at.text("PeerOwnerId").unwrap_or_else(|| account.to_string()),
            status: Some("pending-acceptance".into()),
        })],
        _ => return None,
    })
}

fn routing(resource_type: &str, at: &Attrs<'_>, identity: &Identity) -> Option<Vec<Item>> {
    let id = identity.id.clone();
    Some(match resource_type {
        "AWS::EC2::RouteTable" => vec![Item::RouteTable(RouteTable {
            id,
            vpc_id: at.text("VpcId").unwrap_or_default(),
            is_main: false,
            subnet_ids: Vec::new(),
            routes: Vec::new(),
        })],
        "AWS::EC2::Route" => {
            let destination = [
                "DestinationCidrBlock",
                "DestinationIpv6CidrBlock",
                "DestinationPrefixListId",
            ]
            .iter()
            .find_map(|p| at.text(p));
            let target = [
                "GatewayId",
                "NatGatewayId",
                "VpcPeeringConnectionId",
                "VpcEndpointId",
                "TransitGatewayId",
                "NetworkInterfaceId",
                "EgressOnlyInternetGatewayId",
            ]
            .iter()
            .find_map(|p| at.text(p))
            .unwrap_or_else(|| "unknown".into());
            match (at.text("RouteTableId"), destination) {
                (Some(table_id), Some(destination)) => vec![Item::Route {
                    table_id,
                    route: Route {
                        destination,
                        target,
                        state: Some("active".into()),
                    },
                }],
                _ => Vec::new(),
            }
        }
        "AWS::EC2::SubnetRouteTableAssociation" => match (at.text("RouteTableId"), at.text("SubnetId")) {
            (Some(table_id), Some(subnet_id)) => vec![Item::RouteTableAssociation { table_id, subnet_id }],
            _ => Vec::new(),
        },
        "AWS::EC2::InternetGateway" => vec![Item::InternetGateway(InternetGateway {
            id,
            vpc_ids: Vec::new(),
        })],
        "AWS::EC2::VPCGatewayAttachment" => match (at.text("InternetGatewayId"), at.text("VpcId")) {
            (Some(gateway_id), Some(vpc_id)) => vec![Item::GatewayAttachment { gateway_id, vpc_id }],
            _ => Vec::new(),
        },
        "AWS::EC2::NatGateway" => vec![Item::NatGateway(NatGateway {
            id,
            vpc_id: String::new(),
            subnet_id: at.text("SubnetId").unwrap_or_default(),
            state: Some("available".into()),
        })],
        _ => return None,
    })
}

fn detection(
    resource_type: &str,
    at: &Attrs<'_>,
    identity: &Identity,
    has_delivery_channel: bool,
) -> Option<Vec<Item>> {
    Some(match resource_type {
        "AWS::GuardDuty::Detector" => vec![Item::GuardDutyDetector(GuardDutyDetector {
            id: identity.id.clone(),
            status: if at.boolean("Enable").unwrap_or(false) {
                "ENABLED"
            } else {
                "DISABLED"
            }
            .into(),
            features: at
                .blocks("Features")
                .iter()
                .filter_map(|f| {
                    Some(NamedStatus {
                        name: f.text("Name")?,
                        status: f.text("Status")?,
                    })
                })
                .collect(),
            data_sources: Vec::new(),
        })],
        "AWS::SecurityHub::Hub" => vec![Item::SecurityHub { hub_arn: None }],
        "AWS::SecurityHub::Standard" => at
            .text("StandardsArn")
            .map(|arn| {
                Item::SecurityHubStandard(SecurityHubStandard {
                    arn,
                    status: "READY".into(),
                })
            })
            .into_iter()
            .collect(),
        "AWS::Config::ConfigurationRecorder" => {
            let group = at.object("RecordingGroup");
            vec![Item::ConfigRecorder(ConfigRecorder {
                name: at.text("Name").unwrap_or_else(|| "default".into()),
                // CloudFormation starts the recorder once the stack has a delivery channel.
                recording: has_delivery_channel,
                all_supported: group.as_ref().and_then(|g| g.boolean("AllSupported")).unwrap_or(true),
                include_global_resource_types: group
                    .as_ref()
                    .and_then(|g| g.boolean("IncludeGlobalResourceTypes"))
                    .unwrap_or(false),
                role_arn: at.text("RoleARN"),
            })]
        }
        "AWS::Config::DeliveryChannel" => vec![Item::DeliveryChannel {
            name: at.text("Name").unwrap_or_else(|| "default".into()),
        }],
        _ => return None,
    })
}
