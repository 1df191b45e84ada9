# METADATA
# title: Role trusts an AWS service without a source condition
# description: >-
#   The role's trust policy lets an AWS service assume it with no aws:SourceAccount,
#   aws:SourceArn or source organisation condition, for a service that acts on behalf of
#   resources (SNS, EventBridge, Config, CloudTrail and the like) rather than one that only gets
#   a role through iam:PassRole. Another customer can then point the same service at this role
#   (the cross-service confused deputy) and have it act in your account.
# custom:
#   id: IAM-010
#   severity: medium
#   pillar: identity
#   categories: [trust-boundary]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-3, nist-800-53-r5:AC-6]
#   remediation: >-
#     Add aws:SourceAccount (and where possible aws:SourceArn) with StringEquals or ArnLike to the
#     trust statement of the service principal, or aws:SourceOrgID for organisation-wide roles.
package aws.iam.service_trust_confused_deputy

import data.aws.iam.trust_conditions as trust

restricting := {lower(k) | some k in data.posture.iam.trust_restricting_condition_keys.service}

# Services that only receive a role through iam:PassRole by someone of the account: no deputy.
pass_role_gated := {lower(s) | some s in data.posture.iam.pass_role_gated_services}

applicable contains role.key if {
	some role in input.iam.principals
	role.kind == "role"
}

not_evaluated contains {"resource": key, "reason": reason} if {
	some key, reason in trust.unreadable_roles
}

unrestricted_services(role) := [trust.entry_evidence(entry) |
	some entry in object.get(role, "trust", [])
	entry.scope == "service"
	not lower(entry.principal) in pass_role_gated
	not trust.restricted_by(entry, restricting)
]

deny contains {
	"resource": role.key,
	"message": sprintf("role %s can be assumed by %s without aws:SourceAccount or aws:SourceArn", [
		role.name, concat(", ", sort({entry.principal | some entry in entries})),
	]),
	"evidence": {
		"trust_entries": entries,
		"services": sort({entry.principal | some entry in entries}),
		"restricting_condition_keys": sort(restricting),
	},
} if {
	some role in input.iam.principals
	role.kind == "role"
	not trust.unreadable_roles[role.key]
	entries := unrestricted_services(role)
	count(entries) > 0
}
