# METADATA
# title: Role trusts any AWS principal
# description: >-
#   The role's trust policy allows "*" (every AWS principal of every account) to assume it, and
#   no condition narrows that down to your organisation, an account, a principal ARN or an
#   external id. Anyone with any AWS account can obtain the role's credentials and act with its
#   permissions.
# custom:
#   id: IAM-008
#   severity: critical
#   pillar: identity
#   categories: [trust-boundary, public-access]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-3, nist-800-53-r5:AC-6, nist-800-53-r5:AC-17]
#   remediation: >-
#     Name the trusted accounts or roles in the trust policy's Principal instead of "*", or add a
#     restricting condition (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn,
#     sts:ExternalId) with positive operators.
package aws.iam.trust_any_principal

import data.aws.iam.trust_conditions as trust

restricting := {lower(k) | some k in data.posture.iam.trust_restricting_condition_keys.any_principal}

applicable contains role.key if {
	some role in input.iam.principals
	role.kind == "role"
}

not_evaluated contains {"resource": key, "reason": reason} if {
	some key, reason in trust.unreadable_roles
}

open_entries(role) := [trust.entry_evidence(entry) |
	some entry in object.get(role, "trust", [])
	entry.scope == "any"
	not trust.restricted_by(entry, restricting)
]

deny contains {
	"resource": role.key,
	"message": sprintf("role %s can be assumed by any AWS principal (\"*\") without a condition restricting it to your organisation, an account or an external id", [role.name]),
	"evidence": {
		"trust_entries": entries,
		"restricting_condition_keys": sort(restricting),
	},
} if {
	some role in input.iam.principals
	role.kind == "role"
	not trust.unreadable_roles[role.key]
	entries := open_entries(role)
	count(entries) > 0
}
