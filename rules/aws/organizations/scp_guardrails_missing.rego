# METADATA
# title: SCPs lack the usual guardrails
# description: >-
#   No service control policy on the account's chain denies leaving the organisation or turning
#   off GuardDuty, Security Hub, AWS Config or CloudTrail. An attacker (or a hurried
#   administrator) with admin rights in the account can then blind the detection and audit the
#   organisation relies on, or take the account out of it.
# custom:
#   id: IAM-020
#   severity: low
#   pillar: identity
#   categories: [guardrails]
#   requires: []
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:AU-9]
#   remediation: >-
#     Attach an SCP to the root that denies organizations:LeaveOrganization and the stop/delete
#     actions of GuardDuty, Security Hub, Config and CloudTrail, except for a break-glass role.
package aws.organizations.scp_guardrails_missing

# Without organisation data the account is unknown, not safe.
applicable contains "account" if {
	input.organization == null
}

applicable contains "account" if {
	input.organization.member == true
	not input.organization.management_account
}

missing(organization) := sort([name |
	some name, present in organization.perimeter.guardrails
	present == false
])

deny contains {
	"resource": "account",
	"message": sprintf("no SCP above the account denies: %s", [concat(", ", names)]),
	"evidence": {"missing_guardrails": names, "service_control_policies": input.organization.service_control_policies},
} if {
	input.organization.member == true
	not input.organization.management_account
	input.organization.scp_unknown == null
	names := missing(input.organization)
	count(names) > 0
}

not_evaluated contains {"resource": "account", "reason": "the snapshot has no organisation data (collect with --org, from the management or a delegated administrator account)"} if {
	input.organization == null
}

not_evaluated contains {"resource": "account", "reason": reason} if {
	reason := input.organization.scp_unknown
	reason != null
}
