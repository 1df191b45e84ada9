# METADATA
# title: VPC with private subnets has no S3 or DynamoDB gateway endpoint
# description: >-
#   The VPC has subnets without a route to an internet gateway but no Gateway endpoint for a
#   service in `gateway_endpoint_services` (S3, DynamoDB by default). Their traffic to those
#   services goes through a NAT gateway to the public endpoints: it leaves the private network,
#   costs NAT processing, and cannot be held to an endpoint policy (the data perimeter).
# custom:
#   id: NET-011
#   severity: low
#   pillar: network
#   categories: [data-perimeter]
#   requires: [network]
#   compliance: [nist-800-53-r5:SC-7, nist-800-53-r5:AC-4]
#   remediation: >-
#     Create S3 and DynamoDB Gateway endpoints (free) associated with the private subnets' route
#     tables, with an endpoint policy restricted to your organisation.
package aws.ec2.vpc_missing_gateway_endpoints

applicable contains vpc.key if {
	some vpc in input.network.vpcs
	count(vpc.private_subnet_ids) + count(vpc.unknown_route_subnet_ids) > 0
}

missing(vpc) := {service |
	some service in data.posture.params.gateway_endpoint_services
	not service in vpc.gateway_endpoint_services
}

deny contains {
	"resource": vpc.key,
	"message": sprintf("%s (%s) has %d private subnet(s) and no Gateway endpoint for %s", [vpc.id, object.get(vpc, "name", vpc.id), count(vpc.private_subnet_ids), concat(", ", sort(missing(vpc)))]),
	"evidence": {"missing": sort(missing(vpc)), "private_subnet_ids": vpc.private_subnet_ids, "gateway_endpoint_services": vpc.gateway_endpoint_services},
} if {
	some vpc in input.network.vpcs
	count(vpc.private_subnet_ids) > 0
	count(missing(vpc)) > 0
}

not_evaluated contains {"resource": vpc.key, "reason": "the routing of its subnets is unknown (no route table data)"} if {
	some vpc in input.network.vpcs
	count(vpc.private_subnet_ids) == 0
	count(vpc.unknown_route_subnet_ids) > 0
}
