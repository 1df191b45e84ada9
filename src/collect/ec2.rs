//! VPC and PrivateLink configuration of one region (EC2 APIs).

use super::{describe, AccountContext};
use crate::snapshot::policy::decode_policy_text;
use crate::snapshot::{
    EndpointService, FlowLog, Instance, InternetGateway, NatGateway, NetworkAcl, NetworkAclEntry, NetworkSection,
    PeeringConnection, PolicySource, Route, RouteTable, SecurityGroup, SecurityGroupRule, Subnet, Vpc, VpcEndpoint,
};
use aws_sdk_ec2::types::IpPermission;
use aws_sdk_ec2::Client;
use std::time::Instant;

/// Pages through an EC2 paginator, mapping items; stops at the first error (the section is
/// then incomplete and recorded as a gap by the caller).
macro_rules! paged {
    ($calls:ident, $request:expr, $items:ident, $map:expr) => {{
        let mut pages = $request.into_paginator().send();
        let mut out = Vec::new();
        let mut failure = None;
        while let Some(page) = pages.next().await {
            $calls += 1;
            match page {
                Ok(page) => out.extend(page.$items().iter().map($map)),
                Err(error) => {
                    failure = Some(describe(&error));
                    break;
                }
            }
        }
        match failure {
            None => Ok(out),
            Some(error) => Err(error),
        }
    }};
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

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

pub(super) async fn collect(context: &AccountContext, region: &str) -> Option<NetworkSection> {
    let Ok(_permit) = context.limit.acquire().await else {
        return None;
    };
    let started = Instant::now();
    let config = aws_sdk_ec2::config::Builder::from(&context.regional(region))
        .retry_partition(context.partition("ec2"))
        .build();
    let client = Client::from_conf(config);
    let mut calls = 0u64;
    let mut failed = 0u64;
    let gaps = &context.gaps;
    let mut fail = |operation: &str, error: String| {
        failed += 1;
        gaps.add(region, "ec2", operation, error);
    };

    // Without VPCs and security groups the section is not worth having: report it as missing.
    let vpcs = match paged!(calls, client.describe_vpcs(), vpcs, |v| Vpc {
        id: text(v.vpc_id()),
        cidr_block: text(v.cidr_block()),
        is_default: v.is_default().unwrap_or(false),
        name: v
            .tags()
            .iter()
            .find(|t| t.key() == Some("Name"))
            .and_then(|t| t.value().map(str::to_string)),
        flow_logs_enabled: None,
    }) {
        Ok(vpcs) => vpcs,
        Err(error) => {
            fail("DescribeVpcs", error);
            context
                .calls
                .record("ec2", calls, failed, started.elapsed().as_secs_f64());
            return None;
        }
    };
    let security_groups = match paged!(calls, client.describe_security_groups(), security_groups, |g| {
        SecurityGroup {
            id: text(g.group_id()),
            name: text(g.group_name()),
            vpc_id: text(g.vpc_id()),
            ingress: g.ip_permissions().iter().map(rule).collect(),
            egress: g.ip_permissions_egress().iter().map(rule).collect(),
        }
    }) {
        Ok(groups) => groups,
        Err(error) => {
            fail("DescribeSecurityGroups", error);
            context
                .calls
                .record("ec2", calls, failed, started.elapsed().as_secs_f64());
            return None;
        }
    };
    let mut network = NetworkSection {
        vpcs,
        security_groups,
        ..NetworkSection::default()
    };

    match paged!(calls, client.describe_subnets(), subnets, |s| Subnet {
        id: text(s.subnet_id()),
        vpc_id: text(s.vpc_id()),
        cidr_block: text(s.cidr_block()),
        availability_zone: text(s.availability_zone()),
        map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
        routes_to_internet_gateway: None,
    }) {
        Ok(subnets) => network.subnets = subnets,
        Err(error) => fail("DescribeSubnets", error),
    }
    match paged!(calls, client.describe_route_tables(), route_tables, |t| RouteTable {
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
    }) {
        Ok(tables) => network.route_tables = tables,
        Err(error) => fail("DescribeRouteTables", error),
    }
    // Subnets without an explicit association use the main table of their VPC.
    for subnet in &mut network.subnets {
        let table = network
            .route_tables
            .iter()
            .find(|t| t.subnet_ids.contains(&subnet.id))
            .or_else(|| {
                network
                    .route_tables
                    .iter()
                    .find(|t| t.vpc_id == subnet.vpc_id && t.is_main)
            });
        subnet.routes_to_internet_gateway = table.map(|t| {
            t.routes
                .iter()
                .any(|r| r.target.starts_with("igw-") && (r.destination == "0.0.0.0/0" || r.destination == "::/0"))
        });
    }
    match paged!(calls, client.describe_network_acls(), network_acls, |a| NetworkAcl {
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
    }) {
        Ok(acls) => network.network_acls = acls,
        Err(error) => fail("DescribeNetworkAcls", error),
    }
    match paged!(calls, client.describe_internet_gateways(), internet_gateways, |g| {
        InternetGateway {
            id: text(g.internet_gateway_id()),
            vpc_ids: g
                .attachments()
                .iter()
                .filter_map(|a| a.vpc_id().map(str::to_string))
                .collect(),
        }
    }) {
        Ok(gateways) => network.internet_gateways = gateways,
        Err(error) => fail("DescribeInternetGateways", error),
    }
    match paged!(calls, client.describe_nat_gateways(), nat_gateways, |g| NatGateway {
        id: text(g.nat_gateway_id()),
        vpc_id: text(g.vpc_id()),
        subnet_id: text(g.subnet_id()),
        state: g.state().map(|s| s.as_str().to_string()),
    }) {
        Ok(gateways) => network.nat_gateways = gateways,
        Err(error) => fail("DescribeNatGateways", error),
    }
    match paged!(calls, client.describe_vpc_endpoints(), vpc_endpoints, |e| VpcEndpoint {
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
    }) {
        Ok(endpoints) => network.vpc_endpoints = endpoints,
        Err(error) => fail("DescribeVpcEndpoints", error),
    }
    // Whether each endpoint's service takes a policy, as AWS says (no hand-kept list).
    if !network.vpc_endpoints.is_empty() {
        let mut names: Vec<String> = network.vpc_endpoints.iter().map(|e| e.service_name.clone()).collect();
        names.sort();
        names.dedup();
        let mut supported: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
        let mut token: Option<String> = None;
        loop {
            calls += 1;
            let answer = client
                .describe_vpc_endpoint_services()
                .set_service_names(Some(names.clone()))
                .set_next_token(token.clone())
                .send()
                .await;
            match answer {
                Ok(page) => {
                    for detail in page.service_details() {
                        if let (Some(name), Some(flag)) =
                            (detail.service_name(), detail.vpc_endpoint_policy_supported())
                        {
                            supported.insert(name.to_string(), flag);
                        }
                    }
                    token = page.next_token().map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
                Err(error) => {
                    fail("DescribeVpcEndpointServices", describe(&error));
                    break;
                }
            }
        }
        for endpoint in &mut network.vpc_endpoints {
            endpoint.policy_supported = supported.get(&endpoint.service_name).copied();
        }
    }
    match paged!(
        calls,
        client.describe_vpc_endpoint_service_configurations(),
        service_configurations,
        |s| {
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
    ) {
        Ok(services) => network.endpoint_services = services,
        Err(error) => fail("DescribeVpcEndpointServiceConfigurations", error),
    }
    for service in &mut network.endpoint_services {
        match paged!(
            calls,
            client
                .describe_vpc_endpoint_service_permissions()
                .service_id(&service.id),
            allowed_principals,
            |p| p.principal().unwrap_or_default().to_string()
        ) {
            Ok(principals) => service.allowed_principals = principals,
            Err(error) => fail("DescribeVpcEndpointServicePermissions", error),
        }
    }
    match paged!(calls, client.describe_flow_logs(), flow_logs, |f| FlowLog {
        id: text(f.flow_log_id()),
        resource_id: text(f.resource_id()),
        traffic_type: f.traffic_type().map(|t| t.as_str().to_string()),
        status: f.flow_log_status().map(str::to_string),
    }) {
        Ok(logs) => {
            for vpc in &mut network.vpcs {
                vpc.flow_logs_enabled = Some(logs.iter().any(|l| l.resource_id == vpc.id));
            }
            network.flow_logs = Some(logs);
        }
        Err(error) => fail("DescribeFlowLogs", error),
    }
    match paged!(
        calls,
        client.describe_vpc_peering_connections(),
        vpc_peering_connections,
        |p| {
            PeeringConnection {
                id: text(p.vpc_peering_connection_id()),
                requester_vpc_id: text(p.requester_vpc_info().and_then(|v| v.vpc_id())),
                requester_account: text(p.requester_vpc_info().and_then(|v| v.owner_id())),
                accepter_vpc_id: text(p.accepter_vpc_info().and_then(|v| v.vpc_id())),
                accepter_account: text(p.accepter_vpc_info().and_then(|v| v.owner_id())),
                status: p.status().and_then(|s| s.code()).map(|c| c.as_str().to_string()),
            }
        }
    ) {
        Ok(peerings) => network.peering_connections = peerings,
        Err(error) => fail("DescribeVpcPeeringConnections", error),
    }
    match paged!(calls, client.describe_instances(), reservations, |r| r
        .instances()
        .iter()
        .map(|i| Instance {
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
        })
        .collect::<Vec<_>>())
    {
        Ok(reservations) => network.instances = reservations.into_iter().flatten().collect(),
        Err(error) => fail("DescribeInstances", error),
    }
    context
        .calls
        .record("ec2", calls, failed, started.elapsed().as_secs_f64());
    Some(network)
}
