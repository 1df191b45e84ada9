# METADATA
# title: Administrator role trusted by everyone or an outside account
# description: >-
#   A role that is administrator (allowed * on *, or holding an unconditional escalation
#   method) can be assumed by `*` or by an account that is neither this one nor in
#   `trusted_account_ids`, without a condition restricting callers to your organisation
#   (aws:PrincipalOrgID) or trusted accounts (aws:PrincipalAccount). Whoever controls that
#   account, or any account at all for `*`, controls this one. The evidence links the identity
#   finding (IAM-001/IAM-002) and the trust entries.
# custom:
#   id: XC-003
#   severity: critical
#   pillar: identity
#   categories: [toxic-combination, trust-boundary, external-access, privilege-escalation]
#   requires: [iam]
#   compliance: [cis-aws-4.0:1.16, nist-800-53-r5:AC-6, nist-800-53-r5:AC-3, nist-800-53-r5:CA-3]
#   remediation: >-
#     Restrict the trust policy to named principals of trusted accounts, add an
#     aws:PrincipalOrgID condition (and sts:ExternalId for third parties), and reduce the role's
#     permissions to what the outside party needs.
package aws.correlation.untrusted_admin_role

import data.lib.correlation as common

applicable contains principal.key if {
	some principal in input.iam.principals
	principal.kind == "role"
}

trusted_accounts := {id | some id in data.posture.params.trusted_account_ids} | {input.account.id}

restricting_keys := {"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount"}

restricted(entry) if {
	some condition in entry.conditions
	lower(condition.key) in restricting_keys
	not contains(lower(condition.operator), "not")
	every value in condition.values {
		trusted_value(lower(condition.key), value)
	}
}

trusted_value(key, value) if {
	key == "aws:principalaccount"
	value in trusted_accounts
}

trusted_value(key, value) if {
	key in {"aws:principalorgid", "aws:principalorgpaths"}
	org_ok(value)
}

# The organisation id from the parameters; unset (null or "") accepts any organisation id.
organization_id := object.get(data.posture.params, "organization_id", null)

no_organization if organization_id == null

no_organization if organization_id == ""

org_ok(_) if no_organization

org_ok(value) if {
	is_string(organization_id)
	contains(value, organization_id)
}

outside(entry) if {
	entry.scope == "any"
	not restricted(entry)
}

outside(entry) if {
	entry.scope == "other_account"
	not entry.account in trusted_accounts
	not restricted(entry)
}

deny contains {
	"resource": principal.key,
	"message": sprintf("role %s is administrator and can be assumed by %s", [principal.name, concat(", ", sort({e.principal | some e in entries}))]),
	"evidence": {
		"linked_findings": [{"rule_id": common.identity_rule(principal), "resource": principal.key}],
		"outside_trust": entries,
		"role": common.role_evidence(principal),
	},
} if {
	some principal in input.iam.principals
	principal.kind == "role"
	common.admin(principal)
	entries := [e | some e in principal.trust; outside(e)]
	count(entries) > 0
}

# An administrator whose trust policy cannot be read may be open to anyone: unknown, not safe.
not_evaluated contains {
	"resource": principal.key,
	"reason": sprintf("role %s is administrator and its trust policy cannot be read: %s", [principal.name, principal.trust_unreadable]),
} if {
	some principal in input.iam.principals
	principal.kind == "role"
	common.admin(principal)
	principal.trust_unreadable
}
