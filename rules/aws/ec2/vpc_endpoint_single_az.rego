# METADATA
# title: Interface endpoint is in only one Availability Zone
# description: >-
#   The interface endpoint has network interfaces in a single Availability Zone. When that zone
#   fails, workloads in the other zones lose the private path to the service; with a strict
#   perimeter they lose the service, and teams tend to "fix" it by opening a public path.
# custom:
#   id: NET-010
#   severity: low
#   pillar: network
#   categories: [resilience]
#   requires: [network]
#   compliance: [nist-800-53-r5:SC-36, nist-800-53-r5:CP-10]
#   remediation: >-
#     Add a subnet in at least one more Availability Zone to the endpoint (one per zone where
#     the VPC runs workloads).
package aws.ec2.vpc_endpoint_single_az

applicable contains endpoint.key if {
	some endpoint in input.network.vpc_endpoints
	endpoint.endpoint_type == "Interface"
}

deny contains {
	"resource": endpoint.key,
	"message": sprintf("%s (%s) has interfaces in %d Availability Zone(s): %s", [endpoint.id, endpoint.service_name, count(endpoint.availability_zones), concat(", ", endpoint.availability_zones)]),
	"evidence": {"vpc_id": endpoint.vpc_id, "availability_zones": endpoint.availability_zones},
} if {
	some endpoint in input.network.vpc_endpoints
	endpoint.endpoint_type == "Interface"
	is_array(endpoint.availability_zones)
	count(endpoint.availability_zones) < 2
}

not_evaluated contains {"resource": endpoint.key, "reason": "a subnet of the endpoint is not in the snapshot, so its zones are unknown"} if {
	some endpoint in input.network.vpc_endpoints
	endpoint.endpoint_type == "Interface"
	endpoint.availability_zones == null
}
