//! VPC and PrivateLink configuration of one region (EC2 APIs), as collected: the raw route
//! tables and flow logs are kept, and what they mean (a subnet's internet route, a VPC's flow
//! logs) is decided in `facts/network.rs`, not here.

use super::paging::{PageTokens, LOOP};
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::policy::decode_policy_text;
use crate::snapshot::{
    ElasticIp, EndpointService, FlowLog, Instance, InstanceMetadataOptions, InternetGateway, NatGateway, NetworkAcl,
    NetworkAclEntry, NetworkSection, PeeringConnection, PolicySource, Route, RouteTable, SecurityGroup,
    SecurityGroupRule, Subnet, Vpc, VpcEndpoint,
};
use aws_sdk_ec2::types::{self as ec2, IpPermission};
use aws_sdk_ec2::Client;
use std::collections::HashMap;

/// Pages through an EC2 paginator, mapping items. The first error, or a next token given twice,
/// stops it: the operation is then a gap (counted by `$calls`) and the value `None`.
macro_rules! paged {
    ($calls:ident, $operation:literal, $request:expr, $items:ident, $map:expr) => {{
        let mut pages = $request.into_paginator().send();
        let mut out = Some(Vec::new());
        let mut tokens = PageTokens::default();
        while let Some(page) = pages.next().await {
            $calls.call();
            match page {
                Ok(page) if tokens.repeats(page.next_token()) => {
                    $calls.fail($operation, LOOP.into());
                    out = None;
                    break;
                }
                Ok(page) => out
                    .iter_mut()
                    .for_each(|out| out.extend(page.$items().iter().map($map))),
                Err(error) => {
                    $calls.fail($operation, describe(&error));
                    out = None;
                    break;
                }
            }
        }
        out
    }};
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<NetworkSection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let mut calls = ServiceCalls::start(context, "ec2", region);
    let config = aws_sdk_ec2::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("ec2"))
        .build();
    collect_with(&Client::from_conf(config), &mut calls).await
}

/// The network section through a given client. Every listing but the flow logs (`None` when
/// unread) is needed: an unread list would read as "there are none" (no internet gateway, no
/// instance, no one allowed), so any of them failing is a gap and no section.
pub(super) async fn collect_with(client: &Client, calls: &mut ServiceCalls<'_>) -> Option<NetworkSection> {
    let vpcs = paged!(calls, "DescribeVpcs", client.describe_vpcs(), vpcs, vpc)?;
    let security_groups = paged!(
        calls,
        "DescribeSecurityGroups",
        client.describe_security_groups(),
        security_groups,
        security_group
    )?;
    let subnets = paged!(calls, "DescribeSubnets", client.describe_subnets(), subnets, subnet)?;
    let route_tables = paged!(
        calls,
        "DescribeRouteTables",
        client.describe_route_tables(),
        route_tables,
        route_table
    )?;
    let network_acls = paged!(
        calls,
        "DescribeNetworkAcls",
        client.describe_network_acls(),
        network_acls,
        network_acl
    )?;
    let internet_gateways = paged!(
        calls,
        "DescribeInternetGateways",
        client.describe_internet_gateways(),
        internet_gateways,
        internet_gateway
    )?;
    let nat_gateways = paged!(
        calls,
        "DescribeNatGateways",
        client.describe_nat_gateways(),
        nat_gateways,
        nat_gateway
    )?;
    let vpc_endpoints = vpc_endpoints(client, calls).await?;
    let endpoint_services = endpoint_services(client, calls).await?;
    let flow_logs = paged!(
        calls,
        "DescribeFlowLogs",
        client.describe_flow_logs(),
        flow_logs,
        flow_log
    );
    let peering_connections = paged!(
        calls,
        "DescribeVpcPeeringConnections",
        client.describe_vpc_peering_connections(),
        vpc_peering_connections,
        peering_connection
    )?;
    let instances = paged!(
        calls,
        "DescribeInstances",
        client.describe_instances(),
        reservations,
        |r| r.instances().iter().map(instance).collect::<Vec<_>>()
    )?;
    let elastic_ips = elastic_ips(client, calls).await;
    Some(NetworkSection {
        vpcs,
        security_groups,
        subnets,
        route_tables,
        network_acls,
        internet_gateways,
        nat_gateways,
        vpc_endpoints,
        endpoint_services,
        flow_logs,
        peering_connections,
        instances: instances.into_iter().flatten().collect(),
        elastic_ips,
    })
}

/// The region's Elastic IPs (one unpaginated call); `None` and a gap when it failed.
async fn elastic_ips(client: &Client, calls: &mut ServiceCalls<'_>) -> Option<Vec<ElasticIp>> {
    calls.call();
    match client.describe_addresses().send().await {
        Ok(output) => Some(
            output
                .addresses()
                .iter()
                .map(|a| ElasticIp {
                    public_ip: text(a.public_ip()),
                    allocation_id: a.allocation_id().map(str::to_string),
                    instance_id: a.instance_id().map(str::to_string),
                    network_interface_id: a.network_interface_id().map(str::to_string),
                })
                .collect(),
        ),
        Err(error) => {
            calls.fail("DescribeAddresses", describe(&error));
            None
        }
    }
}

/// The VPC endpoints, each with whether its service takes a policy, as AWS says (no hand-kept
/// list); `None` when they cannot be listed. A failed lookup of the services leaves that flag
/// unknown, which the rules judge as taking a policy.
async fn vpc_endpoints(client: &Client, calls: &mut ServiceCalls<'_>) -> Option<Vec<VpcEndpoint>> {
    let mut endpoints = paged!(
        calls,
        "DescribeVpcEndpoints",
        client.describe_vpc_endpoints(),
        vpc_endpoints,
        vpc_endpoint
    )?;
    if endpoints.is_empty() {
        return Some(endpoints);
    }
    let supported = policy_support(client, calls, &endpoints).await;
    for endpoint in &mut endpoints {
        endpoint.policy_supported = supported.get(&endpoint.service_name).copied();
    }
    Some(endpoints)
}

/// Whether each endpoint's service takes an endpoint policy, by service name; what could not be
/// read is left out (unknown).
async fn policy_support(
    client: &Client,
    calls: &mut ServiceCalls<'_>,
    endpoints: &[VpcEndpoint],
) -> HashMap<String, bool> {
    let mut names: Vec<String> = endpoints.iter().map(|e| e.service_name.clone()).collect();
    names.sort();
    names.dedup();
    let mut supported: HashMap<String, bool> = HashMap::new();
    let mut tokens = PageTokens::default();
    let mut token: Option<String> = None;
    loop {
        calls.call();
        let answer = client
            .describe_vpc_endpoint_services()
            .set_service_names(Some(names.clone()))
            .set_next_token(token.clone())
            .send()
            .await;
        let page = match answer {
            Ok(page) => page,
            Err(error) => {
                calls.fail("DescribeVpcEndpointServices", describe(&error));
                break;
            }
        };
        for detail in page.service_details() {
            if let (Some(name), Some(flag)) = (detail.service_name(), detail.vpc_endpoint_policy_supported()) {
                supported.insert(name.to_string(), flag);
            }
        }
        if tokens.repeats(page.next_token()) {
            // This loop pages by hand: a repeated token would otherwise go round for ever.
            calls.fail("DescribeVpcEndpointServices", LOOP.into());
            break;
        }
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    supported
}

/// The account's own endpoint services, each with the principals allowed to connect; `None`
/// when either cannot be listed (an unread list of principals is not "nobody").
async fn endpoint_services(client: &Client, calls: &mut ServiceCalls<'_>) -> Option<Vec<EndpointService>> {
    let mut services = paged!(
        calls,
        "DescribeVpcEndpointServiceConfigurations",
        client.describe_vpc_endpoint_service_configurations(),
        service_configurations,
        endpoint_service
    )?;
    for service in &mut services {
        service.allowed_principals = paged!(
            calls,
            "DescribeVpcEndpointServicePermissions",
            client
                .describe_vpc_endpoint_service_permissions()
                .service_id(&service.id),
            allowed_principals,
            |p| p.principal().unwrap_or_default().to_string()
        )?;
    }
    Some(services)
}

fn vpc(v: &ec2::Vpc) -> Vpc {
    Vpc {
        id: text(v.vpc_id()),
        cidr_block: text(v.cidr_block()),
        is_default: v.is_default().unwrap_or(false),
        name: v
            .tags()
            .iter()
            .find(|t| t.key() == Some("Name"))
            .and_then(|t| t.value().map(str::to_string)),
        flow_logs_enabled: None,
    }
}

fn security_group(g: &ec2::SecurityGroup) -> SecurityGroup {
    SecurityGroup {
        id: text(g.group_id()),
        name: text(g.group_name()),
        vpc_id: text(g.vpc_id()),
        ingress: g.ip_permissions().iter().map(rule).collect(),
        egress: g.ip_permissions_egress().iter().map(rule).collect(),
    }
}

fn rule(permission: &IpPermission) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: permission.ip_protocol().unwrap_or("-1").to_string(),
        from_port: permission.from_port(),
        to_port: permission.to_port(),
        ipv4_ranges: permission
            .ip_ranges()
            .iter()
            .filter_map(|r| r.cidr_ip().map(str::to_string))
            .collect(),
        ipv6_ranges: permission
            .ipv6_ranges()
            .iter()
            .filter_map(|r| r.cidr_ipv6().map(str::to_string))
            .collect(),
        source_groups: permission
            .user_id_group_pairs()
            .iter()
            .filter_map(|p| p.group_id().map(str::to_string))
            .collect(),
    }
}

fn subnet(s: &ec2::Subnet) -> Subnet {
    Subnet {
        id: text(s.subnet_id()),
        vpc_id: text(s.vpc_id()),
        cidr_block: text(s.cidr_block()),
        availability_zone: text(s.availability_zone()),
        map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
        routes_to_internet_gateway: None,
    }
}

fn route_table(t: &ec2::RouteTable) -> RouteTable {
    RouteTable {
        id: text(t.route_table_id()),
        vpc_id: text(t.vpc_id()),
        is_main: t.associations().iter().any(|a| a.main().unwrap_or(false)),
        subnet_ids: t
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id().map(str::to_string))
            .collect(),
        routes: t
            .routes()
            .iter()
            .map(|r| Route {
                destination: r
                    .destination_cidr_block()
                    .or(r.destination_ipv6_cidr_block())
                    .or(r.destination_prefix_list_id())
                    .unwrap_or_default()
                    .to_string(),
                target: r
                    .gateway_id()
                    .or(r.nat_gateway_id())
                    .or(r.vpc_peering_connection_id())
                    .or(r.transit_gateway_id())
                    .or(r.network_interface_id())
                    .or(r.instance_id())
                    .unwrap_or_default()
                    .to_string(),
                state: r.state().map(|s| s.as_str().to_string()),
            })
            .collect(),
    }
}

fn network_acl(a: &ec2::NetworkAcl) -> NetworkAcl {
    NetworkAcl {
        id: text(a.network_acl_id()),
        vpc_id: text(a.vpc_id()),
        is_default: a.is_default().unwrap_or(false),
        subnet_ids: a
            .associations()
            .iter()
            .filter_map(|x| x.subnet_id().map(str::to_string))
            .collect(),
        entries: a
            .entries()
            .iter()
            .map(|e| NetworkAclEntry {
                rule_number: e.rule_number().unwrap_or_default(),
                protocol: text(e.protocol()),
                rule_action: e.rule_action().map(|r| r.as_str().to_string()).unwrap_or_default(),
                egress: e.egress().unwrap_or(false),
                cidr_block: e.cidr_block().map(str::to_string),
                ipv6_cidr_block: e.ipv6_cidr_block().map(str::to_string),
                from_port: e.port_range().and_then(|p| p.from()),
                to_port: e.port_range().and_then(|p| p.to()),
            })
            .collect(),
    }
}

fn internet_gateway(g: &ec2::InternetGateway) -> InternetGateway {
    InternetGateway {
        id: text(g.internet_gateway_id()),
        vpc_ids: g
            .attachments()
            .iter()
            .filter_map(|a| a.vpc_id().map(str::to_string))
            .collect(),
    }
}

fn nat_gateway(g: &ec2::NatGateway) -> NatGateway {
    NatGateway {
        id: text(g.nat_gateway_id()),
        vpc_id: text(g.vpc_id()),
        subnet_id: text(g.subnet_id()),
        state: g.state().map(|s| s.as_str().to_string()),
    }
}

fn vpc_endpoint(e: &ec2::VpcEndpoint) -> VpcEndpoint {
    VpcEndpoint {
        id: text(e.vpc_endpoint_id()),
        vpc_id: text(e.vpc_id()),
        service_name: text(e.service_name()),
        endpoint_type: e
            .vpc_endpoint_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        state: e.state().map(|s| s.as_str().to_string()),
        policy: e.policy_document().map(|document| match decode_policy_text(document) {
            Ok(document) => PolicySource::decoded(document),
            Err(error) => PolicySource::failed(error),
        }),
        private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
        subnet_ids: e.subnet_ids().to_vec(),
        security_group_ids: e
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        policy_supported: None,
    }
}

fn endpoint_service(s: &ec2::ServiceConfiguration) -> EndpointService {
    EndpointService {
        id: text(s.service_id()),
        service_name: text(s.service_name()),
        acceptance_required: s.acceptance_required().unwrap_or(true),
        allowed_principals: Vec::new(),
        private_dns_name: s.private_dns_name().map(str::to_string),
        private_dns_verified: s
            .private_dns_name_configuration()
            .and_then(|c| c.state())
            .map(|state| state.as_str() == "verified"),
    }
}

fn flow_log(f: &ec2::FlowLog) -> FlowLog {
    FlowLog {
        id: text(f.flow_log_id()),
        resource_id: text(f.resource_id()),
        traffic_type: f.traffic_type().map(|t| t.as_str().to_string()),
        status: f.flow_log_status().map(str::to_string),
    }
}

fn peering_connection(p: &ec2::VpcPeeringConnection) -> PeeringConnection {
    PeeringConnection {
        id: text(p.vpc_peering_connection_id()),
        requester_vpc_id: text(p.requester_vpc_info().and_then(|v| v.vpc_id())),
        requester_account: text(p.requester_vpc_info().and_then(|v| v.owner_id())),
        accepter_vpc_id: text(p.accepter_vpc_info().and_then(|v| v.vpc_id())),
        accepter_account: text(p.accepter_vpc_info().and_then(|v| v.owner_id())),
        status: p.status().and_then(|s| s.code()).map(|c| c.as_str().to_string()),
    }
}

fn instance(i: &ec2::Instance) -> Instance {
    Instance {
        id: text(i.instance_id()),
        vpc_id: i.vpc_id().map(str::to_string),
        subnet_id: i.subnet_id().map(str::to_string),
        security_group_ids: i
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        instance_profile_arn: i.iam_instance_profile().and_then(|p| p.arn()).map(str::to_string),
        public_ip: i.public_ip_address().map(str::to_string),
        state: i.state().and_then(|s| s.name()).map(|n| n.as_str().to_string()),
        metadata_options: i.metadata_options().map(|m| InstanceMetadataOptions {
            http_tokens: m.http_tokens().map(|t| t.as_str().to_string()),
            http_endpoint: m.http_endpoint().map(|e| e.as_str().to_string()),
        }),
        ipv6_addresses: Some(
            i.network_interfaces()
                .iter()
                .flat_map(|n| n.ipv6_addresses())
                .filter_map(|a| a.ipv6_address().map(str::to_string))
                .collect(),
        ),
    }
}
