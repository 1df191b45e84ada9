# METADATA
# title: Endpoint service private DNS name is not verified
# description: >-
#   The endpoint service has a private DNS name whose domain ownership is not verified.
#   Consumers cannot use the name until it is, so they fall back to endpoint-specific names or
#   hard-coded addresses, and a name you do not control could be claimed by someone else.
# custom:
#   id: NET-014
#   severity: low
#   pillar: network
#   categories: [trust-boundary]
#   requires: [network]
#   compliance: [nist-800-53-r5:SC-20, nist-800-53-r5:SC-7]
#   remediation: >-
#     Publish the TXT record AWS gives for the domain and run the verification, or remove the
#     private DNS name.
package aws.ec2.endpoint_service_private_dns_unverified

applicable contains service.key if {
	some service in input.network.endpoint_services
	service.private_dns_name
}

deny contains {
	"resource": service.key,
	"message": sprintf("%s private DNS name %s is not verified", [service.id, service.private_dns_name]),
	"evidence": {"private_dns_name": service.private_dns_name},
} if {
	some service in input.network.endpoint_services
	service.private_dns_name
	service.private_dns_verified == false
}

not_evaluated contains {"resource": service.key, "reason": "the verification state of the private DNS name was not collected"} if {
	some service in input.network.endpoint_services
	service.private_dns_name
	service.private_dns_verified == null
}
