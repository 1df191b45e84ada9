# METADATA
# title: Endpoint service allows everyone or accounts outside the trusted set
# description: >-
#   The endpoint service's allowed principals include `*` (every AWS account) or principals
#   of accounts that are neither this account nor in `trusted_account_ids`. Those accounts can
#   create endpoints to the service and reach what is behind its load balancer.
# custom:
#   id: NET-013
#   severity: high
#   pillar: network
#   categories: [trust-boundary, external-access]
#   requires: [network]
#   compliance: [nist-800-53-r5:AC-3, nist-800-53-r5:AC-4, nist-800-53-r5:CA-3, nist-800-53-r5:SC-7]
#   remediation: >-
#     Replace `*` and unknown accounts in the allowed principals with the specific accounts or
#     roles that consume the service, and add them to trusted_account_ids in posture.yaml if
#     they are yours.
package aws.ec2.endpoint_service_untrusted_principals

applicable contains service.key if {
	some service in input.network.endpoint_services
}

trusted_accounts := {id | some id in data.posture.params.trusted_account_ids} | {input.account.id}

outside(principal) if principal.wildcard == true

outside(principal) if {
	principal.wildcard == false
	not principal.account in trusted_accounts
}

deny contains {
	"resource": service.key,
	"message": sprintf("%s (%s) allows %s", [service.id, service.service_name, concat(", ", sort(names))]),
	"evidence": {"untrusted_principals": sort(names), "acceptance_required": service.acceptance_required, "trusted_accounts": sort(trusted_accounts)},
} if {
	some service in input.network.endpoint_services
	names := {p.principal | some p in service.allowed_principals; outside(p)}
	count(names) > 0
}
