//! Network facts: world-open ingress of security groups and network ACLs, subnets' routes to
//! an internet gateway, flow logs, VPC endpoints and endpoint services, peering, and instances
//! joined with their exposure (`facts::reachability`) and metadata options (the role and
//! GuardDuty findings are joined in `facts::join_instances`).

use super::reachability::{self, ExposureParts, InternetReachability, InternetRoutes, SubnetAcl};
use super::{ResourceIndex, ResourceRef};
use crate::snapshot::policy::{Effect, Statement};
use crate::snapshot::{
    AccountSnapshot, Instance, NetworkAclEntry, NetworkSection, RouteTable, Section, SecurityGroupRule, Subnet,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct NetworkFacts {
    pub security_groups: Vec<SecurityGroupFacts>,
    pub vpc_endpoints: Vec<VpcEndpointFacts>,
    pub vpcs: Vec<VpcFacts>,
    pub subnets: Vec<SubnetFacts>,
    pub network_acls: Vec<NetworkAclFacts>,
    pub endpoint_services: Vec<EndpointServiceFacts>,
    pub peering_connections: Vec<PeeringFacts>,
    pub instances: Vec<InstanceFacts>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct VpcFacts {
    pub key: String,
    pub id: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub is_default: bool,
    /// Whether an (active) flow log covers the VPC; `null` when flow logs were not collected.
    pub flow_logs: Option<bool>,
    /// Subnets whose route table sends traffic to an internet gateway, and those that do not
    /// (subnets whose routing is unknown are in neither).
    pub public_subnet_ids: Vec<String>,
    pub private_subnet_ids: Vec<String>,
    pub unknown_route_subnet_ids: Vec<String>,
    /// Short service names (`s3`, `dynamodb`) of the VPC's Gateway endpoints.
    pub gateway_endpoint_services: Vec<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SubnetFacts {
    pub key: String,
    pub id: String,
    pub vpc_id: String,
    pub region: String,
    pub availability_zone: String,
    pub map_public_ip_on_launch: bool,
    /// A route (any destination) to an `igw-` target in the subnet's route table (its explicit
    /// association, else the VPC's main table); `null` when routing is unknown.
    pub internet_route: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct NetworkAclFacts {
    pub key: String,
    pub id: String,
    pub vpc_id: String,
    pub region: String,
    pub is_default: bool,
    pub subnet_ids: Vec<String>,
    /// Ingress entries whose source is 0.0.0.0/0 or ::/0, allow and deny, in evaluation order
    /// (rule number); the first entry matching a port decides for the world.
    pub world_ingress: Vec<AclEntryFacts>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AclEntryFacts {
    pub rule_number: i32,
    /// `allow` or `deny`.
    pub action: String,
    /// `all`, `tcp`, `udp`, `icmp` or the protocol number.
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub cidr: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EndpointServiceFacts {
    pub key: String,
    pub id: String,
    pub region: String,
    pub service_name: String,
    pub acceptance_required: bool,
    pub allowed_principals: Vec<AllowedPrincipal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_dns_name: Option<String>,
    /// `null` when not reported.
    pub private_dns_verified: Option<bool>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AllowedPrincipal {
    pub principal: String,
    /// The principal's account (ARN field or bare id); absent for `*` and service principals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub wildcard: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PeeringFacts {
    pub key: String,
    pub id: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub requester_account: String,
    pub requester_vpc_id: String,
    pub accepter_account: String,
    pub accepter_vpc_id: String,
    /// The other side's account (the accepter when this account requested, else the requester).
    pub peer_account: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InstanceFacts {
    pub key: String,
    pub id: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    /// The subnet's `internet_route`; `null` when the subnet or its routing is unknown.
    pub subnet_internet_route: Option<bool>,
    /// World-open ingress of its security groups, each naming the group's key.
    pub world_open_ingress: Vec<InstanceOpenIngress>,
    /// Security group ids the snapshot does not describe.
    pub unknown_security_groups: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_profile_arn: Option<String>,
    /// `none` (no instance profile), `resolved` (`role_arn` is set) or `unknown` (IAM not
    /// collected, or no role carries the profile).
    pub role_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Active GuardDuty findings on this instance; `null` when findings were not collected in
    /// its region.
    pub guardduty_findings: Option<Vec<super::guardduty::FindingFacts>>,
    /// `MetadataOptions.HttpTokens` (`optional`, `required`); absent when not collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_http_tokens: Option<String>,
    /// `MetadataOptions.HttpEndpoint` (`enabled`, `disabled`); absent when not collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_http_endpoint: Option<String>,
    /// Whether the metadata service answers token-less (IMDSv1) requests; `null` when the
    /// metadata options were not collected.
    pub imdsv1_allowed: Option<bool>,
    /// What the internet can reach, from the address, route, security groups and NACL together.
    pub internet_reachability: InternetReachability,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InstanceOpenIngress {
    pub security_group: String,
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub cidr: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SecurityGroupFacts {
    pub key: String,
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    pub region: String,
    /// The VPC's default group (named `default`).
    pub is_default: bool,
    pub ingress_rule_count: usize,
    pub egress_rule_count: usize,
    /// Ingress permissions open to 0.0.0.0/0 or ::/0, ports resolved (all ports = 0–65535).
    pub world_open_ingress: Vec<OpenIngress>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OpenIngress {
    /// `tcp`, `udp`, `icmp`, `all`, or the protocol number.
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub cidr: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct VpcEndpointFacts {
    pub key: String,
    pub id: String,
    pub vpc_id: String,
    pub region: String,
    pub service_name: String,
    pub endpoint_type: String,
    /// `aws` (`com.amazonaws.<region>.<service>`), `endpoint-service` (`com.amazonaws.vpce.…`,
    /// a PrivateLink service of some account) or `other` (Marketplace and the like).
    pub provider: &'static str,
    /// Short service name for `aws` endpoints (`s3`, `ssmmessages`, `ecr.api`); else the full name.
    pub service: String,
    pub private_dns_enabled: bool,
    /// Availability zones of its subnets; `null` when a subnet is not in the snapshot.
    pub availability_zones: Option<Vec<String>>,
    /// `absent` (the service default, full access), `decoded`, or `unreadable`.
    pub policy_state: &'static str,
    /// Allow statements, normalised for the rules.
    pub allow_statements: Vec<EndpointStatement>,
    /// Whether the service takes an endpoint policy, as AWS says; `null` when not collected.
    pub policy_supported: Option<bool>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EndpointStatement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Principal values of every kind; `*` for everyone.
    pub principals: Vec<String>,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    /// Condition keys used (e.g. `aws:PrincipalOrgID`), as written.
    pub condition_keys: Vec<String>,
    /// Every condition: operator as written, key lower-cased, values.
    pub conditions: Vec<super::iam::trust::TrustCondition>,
}

const WORLD: [&str; 2] = ["0.0.0.0/0", "::/0"];

pub(crate) fn ec2_arn(region: &str, account: &str, kind: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{account}:{kind}/{id}")
}

fn index_resource(index: &mut ResourceIndex, key: &str, resource_type: &str, name: &str, account: &str, region: &str) {
    index.insert(
        key.to_string(),
        ResourceRef {
            arn: key.to_string(),
            resource_type: resource_type.into(),
            name: name.to_string(),
            account: account.to_string(),
            region: region.to_string(),
        },
    );
}

pub fn analyse(account: &AccountSnapshot, index: &mut ResourceIndex) -> NetworkFacts {
    let account_id = account.account_id.as_str();
    let mut facts = NetworkFacts::default();
    for region in &account.regions {
        let Some(network) = &region.network else { continue };
        let region_name = region.region.as_str();
        let subnets = subnet_facts(network, account_id, region_name, index);
        let subnet_by_id: HashMap<&str, &SubnetFacts> = subnets.iter().map(|s| (s.id.as_str(), s)).collect();
        let at = Scope {
            account_id,
            region_name,
        };
        let group_by_id = security_groups(network, &at, index, &mut facts);
        vpc_endpoints(network, &at, &subnet_by_id, index, &mut facts);
        vpcs(network, &at, &subnets, index, &mut facts);
        network_acls(network, &at, index, &mut facts);
        endpoint_services(network, &at, index, &mut facts);
        peering_connections(network, &at, index, &mut facts);
        instances(network, &at, &group_by_id, &subnet_by_id, index, &mut facts);
        facts.subnets.extend(subnets);
    }
    facts
}

/// The account and region whose network section is being read.
struct Scope<'a> {
    account_id: &'a str,
    region_name: &'a str,
}

/// Security groups, with each one's position in `facts.security_groups` by id.
fn security_groups<'n>(
    network: &'n NetworkSection,
    at: &Scope,
    index: &mut ResourceIndex,
    facts: &mut NetworkFacts,
) -> HashMap<&'n str, usize> {
    let (account_id, region_name) = (at.account_id, at.region_name);
    let mut group_by_id: HashMap<&str, usize> = HashMap::new();
    for group in &network.security_groups {
        let arn = ec2_arn(region_name, account_id, "security-group", &group.id);
        index_resource(index, &arn, "AwsEc2SecurityGroup", &group.name, account_id, region_name);
        group_by_id.insert(group.id.as_str(), facts.security_groups.len());
        facts.security_groups.push(SecurityGroupFacts {
            key: arn,
            id: group.id.clone(),
            name: group.name.clone(),
            vpc_id: group.vpc_id.clone(),
            region: region_name.to_string(),
            is_default: group.name == "default",
            ingress_rule_count: group.ingress.len(),
            egress_rule_count: group.egress.len(),
            world_open_ingress: group.ingress.iter().flat_map(world_open).collect(),
        });
    }
    group_by_id
}

/// VPC endpoints with their policy read and the zones of their subnets.
fn vpc_endpoints(
    network: &NetworkSection,
    at: &Scope,
    subnet_by_id: &HashMap<&str, &SubnetFacts>,
    index: &mut ResourceIndex,
    facts: &mut NetworkFacts,
) {
    let (account_id, region_name) = (at.account_id, at.region_name);
    for endpoint in &network.vpc_endpoints {
        let arn = ec2_arn(region_name, account_id, "vpc-endpoint", &endpoint.id);
        index_resource(
            index,
            &arn,
            "AwsEc2VpcEndpoint",
            &endpoint.service_name,
            account_id,
            region_name,
        );
        let (policy_state, allow_statements) = match &endpoint.policy {
            None => ("absent", Vec::new()),
            Some(source) => match &source.document {
                Some(document) => (
                    "decoded",
                    document
                        .statements
                        .iter()
                        .filter(|s| s.effect == Effect::Allow)
                        .map(endpoint_statement)
                        .collect(),
                ),
                None => {
                    let reason = source.decode_error.clone().unwrap_or_else(|| "no document".into());
                    index.mark_incomplete(&arn, Section::Network, format!("endpoint policy unreadable: {reason}"));
                    ("unreadable", Vec::new())
                }
            },
        };
        let (provider, service) = service_of(&endpoint.service_name, region_name);
        let availability_zones = endpoint
            .subnet_ids
            .iter()
            .map(|id| subnet_by_id.get(id.as_str()).map(|s| s.availability_zone.clone()))
            .collect::<Option<BTreeSet<String>>>()
            .map(|zones| zones.into_iter().collect());
        facts.vpc_endpoints.push(VpcEndpointFacts {
            policy_supported: endpoint.policy_supported,
            key: arn,
            id: endpoint.id.clone(),
            vpc_id: endpoint.vpc_id.clone(),
            region: region_name.to_string(),
            service_name: endpoint.service_name.clone(),
            endpoint_type: endpoint.endpoint_type.clone(),
            provider,
            service,
            private_dns_enabled: endpoint.private_dns_enabled,
            availability_zones,
            policy_state,
            allow_statements,
        });
    }
}

/// VPCs with their flow logs, their subnets by internet route and their gateway endpoints.
fn vpcs(
    network: &NetworkSection,
    at: &Scope,
    subnets: &[SubnetFacts],
    index: &mut ResourceIndex,
    facts: &mut NetworkFacts,
) {
    let (account_id, region_name) = (at.account_id, at.region_name);
    for vpc in &network.vpcs {
        let arn = ec2_arn(region_name, account_id, "vpc", &vpc.id);
        let name = vpc.name.clone().unwrap_or_else(|| vpc.id.clone());
        index_resource(index, &arn, "AwsEc2Vpc", &name, account_id, region_name);
        let flow_logs = match &network.flow_logs {
            Some(logs) => Some(logs.iter().any(|log| {
                log.resource_id == vpc.id && log.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
            })),
            None => vpc.flow_logs_enabled,
        };
        let in_vpc = |route: Option<bool>| -> Vec<String> {
            subnets
                .iter()
                .filter(|s| s.vpc_id == vpc.id && s.internet_route == route)
                .map(|s| s.id.clone())
                .collect()
        };
        let gateway_endpoint_services: BTreeSet<String> = facts
            .vpc_endpoints
            .iter()
            .filter(|e| {
                e.region == region_name && e.vpc_id == vpc.id && e.endpoint_type.eq_ignore_ascii_case("Gateway")
            })
            .map(|e| e.service.clone())
            .collect();
        facts.vpcs.push(VpcFacts {
            key: arn,
            id: vpc.id.clone(),
            region: region_name.to_string(),
            name: vpc.name.clone(),
            is_default: vpc.is_default,
            flow_logs,
            public_subnet_ids: in_vpc(Some(true)),
            private_subnet_ids: in_vpc(Some(false)),
            unknown_route_subnet_ids: in_vpc(None),
            gateway_endpoint_services: gateway_endpoint_services.into_iter().collect(),
        });
    }
}

/// Network ACLs with their ingress entries from anywhere.
fn network_acls(network: &NetworkSection, at: &Scope, index: &mut ResourceIndex, facts: &mut NetworkFacts) {
    let (account_id, region_name) = (at.account_id, at.region_name);
    for acl in &network.network_acls {
        let arn = ec2_arn(region_name, account_id, "network-acl", &acl.id);
        index_resource(index, &arn, "AwsEc2NetworkAcl", &acl.id, account_id, region_name);
        let mut world_ingress: Vec<AclEntryFacts> = acl
            .entries
            .iter()
            .filter(|e| !e.egress)
            .filter_map(world_acl_entry)
            .collect();
        world_ingress.sort_by_key(|e| e.rule_number);
        facts.network_acls.push(NetworkAclFacts {
            key: arn,
            id: acl.id.clone(),
            vpc_id: acl.vpc_id.clone(),
            region: region_name.to_string(),
            is_default: acl.is_default,
            subnet_ids: acl.subnet_ids.clone(),
            world_ingress,
        });
    }
}

/// The account's endpoint services with the principals allowed to connect.
fn endpoint_services(network: &NetworkSection, at: &Scope, index: &mut ResourceIndex, facts: &mut NetworkFacts) {
    let (account_id, region_name) = (at.account_id, at.region_name);
    for service in &network.endpoint_services {
        let arn = ec2_arn(region_name, account_id, "vpc-endpoint-service", &service.id);
        index_resource(
            index,
            &arn,
            "AwsEc2VpcEndpointService",
            &service.service_name,
            account_id,
            region_name,
        );
        facts.endpoint_services.push(EndpointServiceFacts {
            key: arn,
            id: service.id.clone(),
            region: region_name.to_string(),
            service_name: service.service_name.clone(),
            acceptance_required: service.acceptance_required,
            allowed_principals: service
                .allowed_principals
                .iter()
                .map(|principal| AllowedPrincipal {
                    principal: principal.clone(),
                    account: if principal == "*" {
                        None
                    } else {
                        super::iam::trust::account_of(principal)
                    },
                    wildcard: principal == "*",
                })
                .collect(),
            private_dns_name: service.private_dns_name.clone(),
            private_dns_verified: service.private_dns_verified,
        });
    }
}

/// Peering connections with the account on the other side.
fn peering_connections(network: &NetworkSection, at: &Scope, index: &mut ResourceIndex, facts: &mut NetworkFacts) {
    let (account_id, region_name) = (at.account_id, at.region_name);
    for peering in &network.peering_connections {
        let arn = ec2_arn(region_name, account_id, "vpc-peering-connection", &peering.id);
        index_resource(
            index,
            &arn,
            "AwsEc2VpcPeeringConnection",
            &peering.id,
            account_id,
            region_name,
        );
        let peer_account = if peering.requester_account == account_id {
            peering.accepter_account.clone()
        } else {
            peering.requester_account.clone()
        };
        facts.peering_connections.push(PeeringFacts {
            key: arn,
            id: peering.id.clone(),
            region: region_name.to_string(),
            status: peering.status.clone(),
            requester_account: peering.requester_account.clone(),
            requester_vpc_id: peering.requester_vpc_id.clone(),
            accepter_account: peering.accepter_account.clone(),
            accepter_vpc_id: peering.accepter_vpc_id.clone(),
            peer_account,
        });
    }
}

/// Instances with the world-open ingress of their groups, their subnet's internet route, their
/// metadata options and their effective internet reachability.
fn instances(
    network: &NetworkSection,
    at: &Scope,
    group_by_id: &HashMap<&str, usize>,
    subnet_by_id: &HashMap<&str, &SubnetFacts>,
    index: &mut ResourceIndex,
    facts: &mut NetworkFacts,
) {
    let (account_id, region_name) = (at.account_id, at.region_name);
    let tables = RouteTables::of(network);
    let acl_of_subnet: HashMap<&str, &str> = network
        .network_acls
        .iter()
        .flat_map(|acl| acl.subnet_ids.iter().map(move |id| (id.as_str(), acl.id.as_str())))
        .collect();
    for instance in &network.instances {
        let arn = ec2_arn(region_name, account_id, "instance", &instance.id);
        index_resource(index, &arn, "AwsEc2Instance", &instance.id, account_id, region_name);
        let (world_open_ingress, unknown_security_groups) = instance_ingress(instance, group_by_id, facts);
        let subnet = instance
            .subnet_id
            .as_deref()
            .and_then(|id| network.subnets.iter().find(|s| s.id == id));
        let acl = instance
            .subnet_id
            .as_deref()
            .and_then(|id| acl_of_subnet.get(id))
            .and_then(|id| {
                facts
                    .network_acls
                    .iter()
                    .find(|a| a.region == region_name && a.id == *id)
            })
            .map(|acl| SubnetAcl {
                id: &acl.id,
                world_ingress: &acl.world_ingress,
            });
        let internet_reachability = reachability::assess(&ExposureParts {
            public_ipv4: public_ipv4(instance, network),
            ipv6_addresses: instance.ipv6_addresses.clone(),
            routes: subnet.map(|subnet| tables.internet_routes(subnet)),
            open_ingress: &world_open_ingress,
            unknown_security_groups: &unknown_security_groups,
            acl,
        });
        let subnet_internet_route = instance
            .subnet_id
            .as_deref()
            .and_then(|id| subnet_by_id.get(id))
            .and_then(|s| s.internet_route);
        let options = instance.metadata_options.as_ref();
        facts.instances.push(InstanceFacts {
            key: arn,
            id: instance.id.clone(),
            region: region_name.to_string(),
            vpc_id: instance.vpc_id.clone(),
            subnet_id: instance.subnet_id.clone(),
            state: instance.state.clone(),
            public_ip: instance.public_ip.clone(),
            subnet_internet_route,
            world_open_ingress,
            unknown_security_groups,
            instance_profile_arn: instance.instance_profile_arn.clone(),
            role_status: if instance.instance_profile_arn.is_some() {
                "unknown"
            } else {
                "none"
            },
            role_arn: None,
            guardduty_findings: None,
            metadata_http_tokens: options.and_then(|o| o.http_tokens.clone()),
            metadata_http_endpoint: options.and_then(|o| o.http_endpoint.clone()),
            imdsv1_allowed: options.and_then(imdsv1_allowed),
            internet_reachability,
        });
    }
}

/// The world-open ingress of the instance's security groups, and the groups not in the snapshot.
fn instance_ingress(
    instance: &Instance,
    group_by_id: &HashMap<&str, usize>,
    facts: &NetworkFacts,
) -> (Vec<InstanceOpenIngress>, Vec<String>) {
    let mut world_open_ingress = Vec::new();
    let mut unknown_security_groups = Vec::new();
    for group_id in &instance.security_group_ids {
        match group_by_id.get(group_id.as_str()) {
            Some(&position) => {
                let group = &facts.security_groups[position];
                world_open_ingress.extend(group.world_open_ingress.iter().map(|open| InstanceOpenIngress {
                    security_group: group.key.clone(),
                    protocol: open.protocol.clone(),
                    from_port: open.from_port,
                    to_port: open.to_port,
                    cidr: open.cidr.clone(),
                }));
            }
            None => unknown_security_groups.push(group_id.clone()),
        }
    }
    (world_open_ingress, unknown_security_groups)
}

/// Its own public IPv4 and the Elastic IPs associated with it; `None` when it has no address of
/// its own and the Elastic IPs were not collected (one may sit on a secondary interface).
fn public_ipv4(instance: &Instance, network: &NetworkSection) -> Option<Vec<String>> {
    let mut addresses: BTreeSet<String> = instance.public_ip.iter().cloned().collect();
    match &network.elastic_ips {
        Some(elastic_ips) => addresses.extend(
            elastic_ips
                .iter()
                .filter(|ip| ip.instance_id.as_deref() == Some(instance.id.as_str()))
                .map(|ip| ip.public_ip.clone()),
        ),
        None if addresses.is_empty() => return None,
        None => {}
    }
    Some(addresses.into_iter().collect())
}

/// IMDSv1 answers unless the endpoint is off or tokens are required; unknown tokens stay unknown.
fn imdsv1_allowed(options: &crate::snapshot::InstanceMetadataOptions) -> Option<bool> {
    let endpoint_off = options
        .http_endpoint
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("disabled"));
    if endpoint_off {
        return Some(false);
    }
    match options.http_tokens.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("optional") => Some(true),
        Some("required") => Some(false),
        _ => None,
    }
}

/// Each subnet's route table: its explicit association, else its VPC's main table.
struct RouteTables<'n> {
    explicit: HashMap<&'n str, &'n RouteTable>,
    main: HashMap<&'n str, &'n RouteTable>,
}

impl<'n> RouteTables<'n> {
    fn of(network: &'n NetworkSection) -> Self {
        RouteTables {
            explicit: network
                .route_tables
                .iter()
                .flat_map(|table| table.subnet_ids.iter().map(move |id| (id.as_str(), table)))
                .collect(),
            main: network
                .route_tables
                .iter()
                .filter(|t| t.is_main)
                .map(|t| (t.vpc_id.as_str(), t))
                .collect(),
        }
    }

    fn table(&self, subnet: &Subnet) -> Option<&'n RouteTable> {
        self.explicit
            .get(subnet.id.as_str())
            .or_else(|| self.main.get(subnet.vpc_id.as_str()))
            .copied()
    }

    /// Routes to an internet gateway by family; without a table, the snapshot's own
    /// `routes_to_internet_gateway` speaks for IPv4 only.
    fn internet_routes(&self, subnet: &Subnet) -> InternetRoutes {
        match self.table(subnet) {
            Some(table) => {
                let to_igw = |v6: bool| {
                    table
                        .routes
                        .iter()
                        .any(|route| internet_gateway_route(route) && route.destination.contains(':') == v6)
                };
                InternetRoutes {
                    ipv4: Some(to_igw(false)),
                    ipv6: Some(to_igw(true)),
                    route_table_id: Some(table.id.clone()),
                }
            }
            None => InternetRoutes {
                ipv4: subnet.routes_to_internet_gateway,
                ipv6: None,
                route_table_id: None,
            },
        }
    }
}

fn internet_gateway_route(route: &crate::snapshot::Route) -> bool {
    route.target.starts_with("igw-")
        && route
            .state
            .as_deref()
            .is_none_or(|s| !s.eq_ignore_ascii_case("blackhole"))
}

/// Subnets with their internet route, from the route tables when there are any, else from the
/// collector's own `routes_to_internet_gateway`.
fn subnet_facts(
    network: &NetworkSection,
    account_id: &str,
    region: &str,
    index: &mut ResourceIndex,
) -> Vec<SubnetFacts> {
    let tables = RouteTables::of(network);
    network
        .subnets
        .iter()
        .map(|subnet| {
            let arn = ec2_arn(region, account_id, "subnet", &subnet.id);
            index_resource(index, &arn, "AwsEc2Subnet", &subnet.id, account_id, region);
            let table = tables.table(subnet);
            let internet_route = match table {
                Some(table) => Some(table.routes.iter().any(internet_gateway_route)),
                None => subnet.routes_to_internet_gateway,
            };
            SubnetFacts {
                key: arn,
                id: subnet.id.clone(),
                vpc_id: subnet.vpc_id.clone(),
                region: region.to_string(),
                availability_zone: subnet.availability_zone.clone(),
                map_public_ip_on_launch: subnet.map_public_ip_on_launch,
                internet_route,
                route_table_id: table.map(|t| t.id.clone()),
            }
        })
        .collect()
}

/// `com.amazonaws.eu-west-1.s3` → (`aws`, `s3`); `com.amazonaws.vpce.eu-west-1.vpce-svc-…` →
/// (`endpoint-service`, full name).
fn service_of(service_name: &str, region: &str) -> (&'static str, String) {
    if service_name.starts_with("com.amazonaws.vpce.") {
        return ("endpoint-service", service_name.to_string());
    }
    let prefix = format!("com.amazonaws.{region}.");
    match service_name.strip_prefix(&prefix) {
        Some(short) => ("aws", short.to_string()),
        None => match service_name.strip_prefix("com.amazonaws.") {
            // Another region's or a global name (`com.amazonaws.s3-global.accesspoint`).
            Some(rest) => ("aws", rest.split_once('.').map(|(_, s)| s).unwrap_or(rest).to_string()),
            None => ("other", service_name.to_string()),
        },
    }
}

fn world_acl_entry(entry: &NetworkAclEntry) -> Option<AclEntryFacts> {
    let cidr = [entry.cidr_block.as_deref(), entry.ipv6_cidr_block.as_deref()]
        .into_iter()
        .flatten()
        .find(|c| WORLD.contains(c))?;
    let protocol = protocol_name(&entry.protocol);
    let (from_port, to_port) = if protocol == "all" {
        (0, 65535)
    } else {
        (
            entry.from_port.filter(|p| *p >= 0).unwrap_or(0),
            entry.to_port.filter(|p| *p >= 0).unwrap_or(65535),
        )
    };
    Some(AclEntryFacts {
        rule_number: entry.rule_number,
        action: entry.rule_action.to_ascii_lowercase(),
        protocol,
        from_port,
        to_port,
        cidr: cidr.to_string(),
    })
}

fn protocol_name(protocol: &str) -> String {
    match protocol {
        "-1" | "all" => "all".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn world_open(rule: &SecurityGroupRule) -> Vec<OpenIngress> {
    let protocol = protocol_name(&rule.protocol);
    let (from_port, to_port) = if protocol == "all" {
        (0, 65535)
    } else {
        // Absent ports on tcp/udp mean the whole range; -1 is ICMP's "any type".
        let from = rule.from_port.filter(|p| *p >= 0).unwrap_or(0);
        let to = rule.to_port.filter(|p| *p >= 0).unwrap_or(65535);
        (from, to)
    };
    rule.ipv4_ranges
        .iter()
        .chain(rule.ipv6_ranges.iter())
        .filter(|cidr| WORLD.contains(&cidr.as_str()))
        .map(|cidr| OpenIngress {
            protocol: protocol.clone(),
            from_port,
            to_port,
            cidr: cidr.clone(),
        })
        .collect()
}

fn endpoint_statement(statement: &Statement) -> EndpointStatement {
    let principals = match &statement.principal {
        Some(map) => map.values().flatten().cloned().collect(),
        // A statement without Principal in an endpoint policy applies to everyone.
        None => vec!["*".to_string()],
    };
    EndpointStatement {
        sid: statement.sid.clone(),
        principals,
        actions: statement.action.clone().unwrap_or_else(|| {
            // NotAction allows everything but a list: treat as every action for exposure.
            if statement.not_action.is_some() {
                vec!["*".into()]
            } else {
                Vec::new()
            }
        }),
        resources: statement.resource.clone().unwrap_or_else(|| {
            if statement.not_resource.is_some() {
                vec!["*".into()]
            } else {
                Vec::new()
            }
        }),
        condition_keys: statement
            .condition
            .as_ref()
            .map(|c| c.values().flat_map(|keys| keys.keys().cloned()).collect())
            .unwrap_or_default(),
        conditions: statement
            .condition
            .iter()
            .flatten()
            .flat_map(|(operator, keys)| {
                keys.iter().map(move |(key, values)| super::iam::trust::TrustCondition {
                    operator: operator.clone(),
                    key: key.to_ascii_lowercase(),
                    values: values.clone(),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ElasticIp, InstanceMetadataOptions};

    fn options(tokens: Option<&str>, endpoint: Option<&str>) -> InstanceMetadataOptions {
        InstanceMetadataOptions {
            http_tokens: tokens.map(str::to_string),
            http_endpoint: endpoint.map(str::to_string),
        }
    }

    #[test]
    fn imdsv1_is_allowed_only_with_optional_tokens_on_an_enabled_endpoint() {
        assert_eq!(imdsv1_allowed(&options(Some("optional"), Some("enabled"))), Some(true));
        assert_eq!(imdsv1_allowed(&options(Some("optional"), None)), Some(true));
        assert_eq!(imdsv1_allowed(&options(Some("required"), Some("enabled"))), Some(false));
        assert_eq!(
            imdsv1_allowed(&options(Some("optional"), Some("disabled"))),
            Some(false)
        );
        assert_eq!(imdsv1_allowed(&options(None, Some("enabled"))), None);
    }

    fn instance(public_ip: Option<&str>) -> Instance {
        serde_json::from_value(serde_json::json!({"id": "i-1", "public_ip": public_ip})).unwrap()
    }

    #[test]
    fn elastic_ips_add_public_addresses_and_their_absence_is_unknown() {
        let mut network = NetworkSection::default();
        assert_eq!(public_ipv4(&instance(None), &network), None);
        assert_eq!(
            public_ipv4(&instance(Some("198.51.100.1")), &network),
            Some(vec!["198.51.100.1".to_string()])
        );
        let eip = |ip: &str, id: &str| ElasticIp {
            public_ip: ip.into(),
            allocation_id: None,
            instance_id: Some(id.into()),
            network_interface_id: None,
        };
        network.elastic_ips = Some(vec![eip("203.0.113.9", "i-1"), eip("203.0.113.10", "i-2")]);
        assert_eq!(
            public_ipv4(&instance(None), &network),
            Some(vec!["203.0.113.9".to_string()])
        );
        network.elastic_ips = Some(Vec::new());
        assert_eq!(public_ipv4(&instance(None), &network), Some(Vec::new()));
    }
}
