//! The EC2 network collector under faults. One VPC with flow logs, a security group that lets
//! nothing in, a subnet, its route table and network ACL, an interface endpoint with a private
//! policy and an endpoint service that only the account may use: the NET rules pass on it when
//! nothing goes wrong.

use super::super::{ec2, ServiceCalls};
use super::*;
use crate::snapshot::NetworkSection;

const NET: &[&str] = &["NET-"];

macro_rules! ec2_case {
    ($name:ident, $operation:literal, $rules:expr, $effect:ident) => {
        ec2_case!($name, $operation, $rules, $effect, Fault::LISTING);
    };
    ($name:ident, $operation:literal, $rules:expr, $effect:ident, $faults:expr) => {
        static $name: Case = Case {
            service: "ec2",
            operation: $operation,
            region: REGION,
            rules: $rules,
            healthy: Status::Pass,
            effect: Effect::$effect,
            faults: $faults,
            run: network_case,
        };
    };
}

ec2_case!(VPCS, "DescribeVpcs", NET, Absent);
ec2_case!(SECURITY_GROUPS, "DescribeSecurityGroups", NET, Absent);
ec2_case!(SUBNETS, "DescribeSubnets", NET, Absent);
ec2_case!(ROUTE_TABLES, "DescribeRouteTables", NET, Absent);
ec2_case!(NETWORK_ACLS, "DescribeNetworkAcls", NET, Absent);
ec2_case!(INTERNET_GATEWAYS, "DescribeInternetGateways", NET, Absent);
ec2_case!(NAT_GATEWAYS, "DescribeNatGateways", NET, Absent);
ec2_case!(VPC_ENDPOINTS, "DescribeVpcEndpoints", NET, Absent);
// Unknown support is judged as "takes a policy": the endpoint's own, read policy decides.
ec2_case!(ENDPOINT_SERVICES, "DescribeVpcEndpointServices", &[], Kept);
ec2_case!(
    SERVICE_CONFIGURATIONS,
    "DescribeVpcEndpointServiceConfigurations",
    NET,
    Absent
);
ec2_case!(
    SERVICE_PERMISSIONS,
    "DescribeVpcEndpointServicePermissions",
    NET,
    Absent
);
ec2_case!(FLOW_LOGS, "DescribeFlowLogs", &["NET-007"], Kept);
ec2_case!(PEERING, "DescribeVpcPeeringConnections", NET, Absent);
ec2_case!(INSTANCES, "DescribeInstances", NET, Absent);
// One unpaginated call: the Elastic IPs stay unknown, so internet reachability is unknown.
ec2_case!(ADDRESSES, "DescribeAddresses", &[], Kept, Fault::CALL);

matrix! {
    ec2_describe_vpcs: VPCS,
    ec2_describe_security_groups: SECURITY_GROUPS,
    ec2_describe_subnets: SUBNETS,
    ec2_describe_route_tables: ROUTE_TABLES,
    ec2_describe_network_acls: NETWORK_ACLS,
    ec2_describe_internet_gateways: INTERNET_GATEWAYS,
    ec2_describe_nat_gateways: NAT_GATEWAYS,
    ec2_describe_vpc_endpoints: VPC_ENDPOINTS,
    ec2_describe_vpc_endpoint_services: ENDPOINT_SERVICES,
    ec2_describe_vpc_endpoint_service_configurations: SERVICE_CONFIGURATIONS,
    ec2_describe_vpc_endpoint_service_permissions: SERVICE_PERMISSIONS,
    ec2_describe_flow_logs: FLOW_LOGS,
    ec2_describe_vpc_peering_connections: PEERING,
    ec2_describe_instances: INSTANCES,
    ec2_describe_addresses: ADDRESSES,
}

/// One EC2 listing answered through `answer!`: its module, types and name, and what a page
/// holds, built from `$page`, an output builder with the next token already set.
macro_rules! listing {
    ($mocks:ident, $at:ident, $module:ident, $input:ident, $output:ident, $error:ident, $name:literal, |$page:ident| $fill:expr) => {{
        use aws_sdk_ec2::operation::$module::{$error, $input, $output};
        $mocks.add(answer!(
            aws_sdk_ec2::Client::$module,
            $error,
            $at($name),
            move |next: Option<&'static str>| {
                let $page = $output::builder().set_next_token(next.map(str::to_string));
                $fill.build()
            },
            |r: &$input| r.next_token().map(str::to_string)
        ));
    }};
}

fn network_case(case: &'static Case, fault: Option<Fault>) -> Running {
    Box::pin(async move {
        let mut mocks = Mocks::default();
        add_structure(&mut mocks, case, fault);
        add_gateways_and_logs(&mut mocks, case, fault);
        add_endpoints(&mut mocks, case, fault);
        let client = fault_client!(aws_sdk_ec2, mocks, held(case, fault, "ec2"));
        let context = context();
        let section = {
            let mut calls = ServiceCalls::start(&context, "ec2", REGION);
            ec2::collect_with(&client, &mut calls).await
        };
        let present = section.is_some();
        let unknown = section.as_ref().map(|s| network_unknown(case, s));
        let mut region = collected_region();
        region.network = section;
        let snapshot = Snapshot::new("collect", vec![account_with(region, &context)]);
        Outcome::judge(snapshot, present, unknown, &[&mocks])
    })
}

fn network_unknown(case: &Case, section: &NetworkSection) -> bool {
    match case.operation {
        "DescribeFlowLogs" => section.flow_logs.is_none(),
        "DescribeAddresses" => section.elastic_ips.is_none(),
        "DescribeVpcEndpointServices" => section.vpc_endpoints.iter().any(|e| e.policy_supported.is_none()),
        _ => false,
    }
}

/// The VPC, its security group, subnet, route table and network ACL.
fn add_structure(mocks: &mut Mocks, case: &'static Case, fault: Option<Fault>) {
    use aws_sdk_ec2::types::{NetworkAcl, Route, RouteTable, RouteTableAssociation, SecurityGroup, Subnet, Vpc};
    let at = |operation| fault_at(case, fault, "ec2", operation);
    listing!(
        mocks,
        at,
        describe_vpcs,
        DescribeVpcsInput,
        DescribeVpcsOutput,
        DescribeVpcsError,
        "DescribeVpcs",
        |b| b.vpcs(
            Vpc::builder()
                .vpc_id("vpc-1")
                .cidr_block("10.0.0.0/16")
                .is_default(false)
                .build()
        )
    );
    listing!(
        mocks,
        at,
        describe_security_groups,
        DescribeSecurityGroupsInput,
        DescribeSecurityGroupsOutput,
        DescribeSecurityGroupsError,
        "DescribeSecurityGroups",
        |b| b.security_groups(
            SecurityGroup::builder()
                .group_id("sg-1")
                .group_name("app")
                .vpc_id("vpc-1")
                .build()
        )
    );
    listing!(
        mocks,
        at,
        describe_subnets,
        DescribeSubnetsInput,
        DescribeSubnetsOutput,
        DescribeSubnetsError,
        "DescribeSubnets",
        |b| b.subnets(
            Subnet::builder()
                .subnet_id("subnet-1")
                .vpc_id("vpc-1")
                .cidr_block("10.0.1.0/24")
                .availability_zone("eu-west-1a")
                .map_public_ip_on_launch(false)
                .build()
        )
    );
    listing!(
        mocks,
        at,
        describe_route_tables,
        DescribeRouteTablesInput,
        DescribeRouteTablesOutput,
        DescribeRouteTablesError,
        "DescribeRouteTables",
        |b| b.route_tables(
            RouteTable::builder()
                .route_table_id("rtb-1")
                .vpc_id("vpc-1")
                .associations(RouteTableAssociation::builder().main(true).build())
                .routes(
                    Route::builder()
                        .destination_cidr_block("10.0.0.0/16")
                        .gateway_id("local")
                        .build()
                )
                .build()
        )
    );
    listing!(
        mocks,
        at,
        describe_network_acls,
        DescribeNetworkAclsInput,
        DescribeNetworkAclsOutput,
        DescribeNetworkAclsError,
        "DescribeNetworkAcls",
        |b| b.network_acls(
            NetworkAcl::builder()
                .network_acl_id("acl-1")
                .vpc_id("vpc-1")
                .is_default(true)
                .build()
        )
    );
}

/// Gateways (none), the VPC's flow log, peering connections and instances (none).
fn add_gateways_and_logs(mocks: &mut Mocks, case: &'static Case, fault: Option<Fault>) {
    use aws_sdk_ec2::types::{FlowLog, TrafficType};
    let at = |operation| fault_at(case, fault, "ec2", operation);
    listing!(
        mocks,
        at,
        describe_internet_gateways,
        DescribeInternetGatewaysInput,
        DescribeInternetGatewaysOutput,
        DescribeInternetGatewaysError,
        "DescribeInternetGateways",
        |b| b
    );
    listing!(
        mocks,
        at,
        describe_nat_gateways,
        DescribeNatGatewaysInput,
        DescribeNatGatewaysOutput,
        DescribeNatGatewaysError,
        "DescribeNatGateways",
        |b| b
    );
    listing!(
        mocks,
        at,
        describe_flow_logs,
        DescribeFlowLogsInput,
        DescribeFlowLogsOutput,
        DescribeFlowLogsError,
        "DescribeFlowLogs",
        |b| b.flow_logs(
            FlowLog::builder()
                .flow_log_id("fl-1")
                .resource_id("vpc-1")
                .traffic_type(TrafficType::All)
                .flow_log_status("ACTIVE")
                .build()
        )
    );
    listing!(
        mocks,
        at,
        describe_vpc_peering_connections,
        DescribeVpcPeeringConnectionsInput,
        DescribeVpcPeeringConnectionsOutput,
        DescribeVpcPeeringConnectionsError,
        "DescribeVpcPeeringConnections",
        |b| b
    );
    listing!(
        mocks,
        at,
        describe_instances,
        DescribeInstancesInput,
        DescribeInstancesOutput,
        DescribeInstancesError,
        "DescribeInstances",
        |b| b
    );
    use aws_sdk_ec2::operation::describe_addresses::{DescribeAddressesError, DescribeAddressesOutput};
    mocks.add(answer!(
        aws_sdk_ec2::Client::describe_addresses,
        DescribeAddressesError,
        at("DescribeAddresses"),
        || DescribeAddressesOutput::builder().build()
    ));
}

/// The interface endpoint with its service's policy support, and the endpoint service with its
/// allowed principals.
fn add_endpoints(mocks: &mut Mocks, case: &'static Case, fault: Option<Fault>) {
    use aws_sdk_ec2::types::{AllowedPrincipal, ServiceConfiguration, ServiceDetail, VpcEndpoint, VpcEndpointType};
    let at = |operation| fault_at(case, fault, "ec2", operation);
    let sqs = "com.amazonaws.eu-west-1.sqs";
    listing!(
        mocks,
        at,
        describe_vpc_endpoints,
        DescribeVpcEndpointsInput,
        DescribeVpcEndpointsOutput,
        DescribeVpcEndpointsError,
        "DescribeVpcEndpoints",
        |b| b.vpc_endpoints(
            VpcEndpoint::builder()
                .vpc_endpoint_id("vpce-1")
                .vpc_id("vpc-1")
                .service_name(sqs)
                .vpc_endpoint_type(VpcEndpointType::Interface)
                .policy_document(PRIVATE)
                .private_dns_enabled(true)
                .subnet_ids("subnet-1")
                .build()
        )
    );
    listing!(
        mocks,
        at,
        describe_vpc_endpoint_services,
        DescribeVpcEndpointServicesInput,
        DescribeVpcEndpointServicesOutput,
        DescribeVpcEndpointServicesError,
        "DescribeVpcEndpointServices",
        // The detail sits on the last page, which a broken pagination never reaches.
        |b| {
            let last = b.get_next_token().is_none();
            let detail = ServiceDetail::builder()
                .service_name(sqs)
                .vpc_endpoint_policy_supported(true)
                .build();
            b.set_service_details(last.then(|| vec![detail]))
        }
    );
    listing!(
        mocks,
        at,
        describe_vpc_endpoint_service_configurations,
        DescribeVpcEndpointServiceConfigurationsInput,
        DescribeVpcEndpointServiceConfigurationsOutput,
        DescribeVpcEndpointServiceConfigurationsError,
        "DescribeVpcEndpointServiceConfigurations",
        |b| b.service_configurations(
            ServiceConfiguration::builder()
                .service_id("vpce-svc-1")
                .service_name("com.amazonaws.vpce.eu-west-1.vpce-svc-1")
                .acceptance_required(true)
                .build()
        )
    );
    listing!(
        mocks,
        at,
        describe_vpc_endpoint_service_permissions,
        DescribeVpcEndpointServicePermissionsInput,
        DescribeVpcEndpointServicePermissionsOutput,
        DescribeVpcEndpointServicePermissionsError,
        "DescribeVpcEndpointServicePermissions",
        |b| b.allowed_principals(
            AllowedPrincipal::builder()
                .principal(format!("arn:aws:iam::{ACCOUNT}:root"))
                .build()
        )
    );
}
