# METADATA
# title: Endpoint service accepts connections without approval
# description: >-
#   The PrivateLink endpoint service does not require acceptance: any allowed principal can
#   connect an endpoint to it and reach the service behind it, with no review. Combined with a
#   broad allow list, anyone can plug into your internal service.
# custom:
#   id: NET-012
#   severity: medium
#   pillar: network
#   categories: [trust-boundary]
#   requires: [network]
#   compliance: [nist-800-53-r5:AC-3, nist-800-53-r5:SC-7, nist-800-53-r5:CA-3]
#   remediation: >-
#     Turn on "acceptance required" and approve each endpoint connection request.
package aws.ec2.endpoint_service_acceptance_disabled

applicable contains service.key if {
	some service in input.network.endpoint_services
}

deny contains {
	"resource": service.key,
	"message": sprintf("%s (%s) accepts endpoint connections without approval", [service.id, service.service_name]),
	"evidence": {"allowed_principals": [p.principal | some p in service.allowed_principals]},
} if {
	some service in input.network.endpoint_services
	service.acceptance_required == false
}
