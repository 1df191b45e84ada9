# METADATA
# title: Role trusts another account without a restricting condition
# description: >-
#   The role's trust policy lets an account that is not in your list of trusted accounts
#   (`trusted_account_ids` in the rule parameters) assume it, with no external id, organisation or
#   principal condition. Every administrator of that account, and anyone who compromises it,
#   can then act in yours; for third-party vendors the missing sts:ExternalId also opens the
#   confused-deputy problem.
# custom:
#   id: IAM-009
#   severity: high
#   pillar: identity
#   categories: [trust-boundary, external-access]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-3, nist-800-53-r5:AC-6, nist-800-53-r5:AC-20]
#   remediation: >-
#     Trust only the specific role of the other account, require sts:ExternalId for third parties
#     or aws:PrincipalOrgID for your own organisation, or add the account to `trusted_account_ids`
#     when it is one you run and vouch for.
package aws.iam.cross_account_trust_unrestricted

import data.aws.iam.trust_conditions as trust

restricting := {lower(k) | some k in data.posture.iam.trust_restricting_condition_keys.cross_account}

trusted_accounts := {a | some a in object.get(data.posture.params, "trusted_account_ids", [])}

applicable contains role.key if {
	some role in input.iam.principals
	role.kind == "role"
}

not_evaluated contains {"resource": key, "reason": reason} if {
	some key, reason in trust.unreadable_roles
}

trusted(entry) if entry.account in trusted_accounts

untrusted_entries(role) := [trust.entry_evidence(entry) |
	some entry in object.get(role, "trust", [])
	entry.scope == "other_account"
	not trusted(entry)
	not trust.restricted_by(entry, restricting)
]

deny contains {
	"resource": role.key,
	"message": sprintf("role %s can be assumed from account(s) outside trusted_account_ids without an external id or organisation condition: %s", [
		role.name, concat(", ", sort({entry.principal | some entry in entries})),
	]),
	"evidence": {
		"trust_entries": entries,
		"accounts": sort({entry.account | some entry in entries; entry.account != null}),
		"trusted_accounts": sort(trusted_accounts),
		"restricting_condition_keys": sort(restricting),
	},
} if {
	some role in input.iam.principals
	role.kind == "role"
	not trust.unreadable_roles[role.key]
	entries := untrusted_entries(role)
	count(entries) > 0
}
