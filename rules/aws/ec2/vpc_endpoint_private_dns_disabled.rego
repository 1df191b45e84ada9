# METADATA
# title: Interface endpoint has private DNS disabled
# description: >-
#   The interface endpoint to an AWS service does not answer for the service's public DNS name.
#   Clients that use the default endpoint names (every SDK does) resolve the public address and
#   go out through a NAT or internet gateway instead: the endpoint policy is bypassed and traffic
#   leaves the private network.
# custom:
#   id: NET-009
#   severity: low
#   pillar: network
#   categories: [data-perimeter]
#   requires: [network]
#   compliance: [nist-800-53-r5:SC-7, nist-800-53-r5:AC-4]
#   remediation: >-
#     Enable private DNS on the endpoint (the VPC needs DNS support and DNS hostnames), or have
#     a Route 53 private hosted zone point the service name at the endpoint.
package aws.ec2.vpc_endpoint_private_dns_disabled

applicable contains endpoint.key if {
	some endpoint in input.network.vpc_endpoints
	endpoint.endpoint_type == "Interface"
	endpoint.provider == "aws"
}

deny contains {
	"resource": endpoint.key,
	"message": sprintf("%s (%s) has private DNS disabled: clients using the service's default name bypass it", [endpoint.id, endpoint.service_name]),
	"evidence": {"vpc_id": endpoint.vpc_id, "service": endpoint.service},
} if {
	some endpoint in input.network.vpc_endpoints
	endpoint.endpoint_type == "Interface"
	endpoint.provider == "aws"
	endpoint.private_dns_enabled == false
}
