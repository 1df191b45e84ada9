# METADATA
# title: No resource control policy keeps outsiders from the account's data
# description: >-
#   No resource control policy on the account's chain (root, units, account) denies principals
#   outside the organisation the use of its S3 buckets, STS roles, KMS keys, SQS queues and
#   Secrets Manager secrets (a Deny on Principal "*" with StringNotEqualsIfExists
#   aws:PrincipalOrgID). Every resource policy in the account is then the only line between its
#   data and any AWS account: one mistaken "*" is a breach.
# custom:
#   id: DATA-003
#   severity: medium
#   pillar: data
#   categories: [data-perimeter]
#   requires: []
#   compliance: [nist-800-53-r5:AC-3, nist-800-53-r5:SC-7]
#   remediation: >-
#     Enable resource control policies in AWS Organizations and attach an identity-perimeter RCP
#     (Deny outside aws:PrincipalOrgID, exempting AWS service principals) to the root or the OUs.
package aws.organizations.no_data_perimeter

# Without organisation data the account is unknown, not safe.
applicable contains "account" if {
	input.organization == null
}

# RCPs do not apply to the management account's resources: it is not judged here.
applicable contains "account" if {
	input.organization.member == true
	not input.organization.management_account
}

open_services(organization) := sort([service |
	some service, closed in organization.perimeter.org_boundary
	closed == false
])

deny contains {
	"resource": "account",
	"message": sprintf("no resource control policy closes %s to principals outside %s", [concat(", ", services), input.organization.id]),
	"evidence": {"open_services": services, "resource_control_policies": input.organization.resource_control_policies},
} if {
	input.organization.member == true
	not input.organization.management_account
	input.organization.rcp_unknown == null
	services := open_services(input.organization)
	count(services) > 0
}

not_evaluated contains {"resource": "account", "reason": "the snapshot has no organisation data (collect with --org, from the management or a delegated administrator account)"} if {
	input.organization == null
}

not_evaluated contains {"resource": "account", "reason": reason} if {
	reason := input.organization.rcp_unknown
	reason != null
}
