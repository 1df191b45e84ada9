# Helpers for the trust-policy rules (IAM-008..IAM-011): which condition keys of a trust entry
# really restrict who may assume the role, and which roles' trust policies could not be read.
package aws.iam.trust_conditions

# Operators that do not narrow who matches: negations (StringNotEquals on aws:PrincipalOrgID
# admits everyone outside the organisation), `...IfExists` (passes when the key is absent, as
# it is for callers outside an organisation or without an external id) and `Null`.
weak_operator(operator) if contains(lower(operator), "not")

weak_operator(operator) if endswith(lower(operator), "ifexists")

weak_operator(operator) if lower(operator) == "null"

# Lower-case keys of the entry's conditions that restrict it: a positive operator with at least
# one value other than "*" (a key whose only value is "*" matches anything).
restricting_keys(entry) := {lower(c.key) |
	some c in object.get(entry, "conditions", [])
	not weak_operator(c.operator)
	some value in c.values
	value != "*"
} | {key |
	# Keys without a described condition (facts that only list keys) count as given.
	some key in object.get(entry, "condition_keys", [])
	not described(entry, key)
}

described(entry, key) if {
	some c in entry.conditions
	lower(c.key) == lower(key)
}

# The entry carries at least one of `keys` (lower-case) as a real restriction.
restricted_by(entry, keys) if {
	some key in restricting_keys(entry)
	key in keys
}

# Roles whose trust policy could not be read: their trust verdicts are not_evaluated.
unreadable_roles[role.key] := reason if {
	some role in input.iam.principals
	role.kind == "role"
	reason := sprintf("the trust policy could not be read: %s", [role.trust_unreadable])
}

# The last ARN field (`role/admin`); other names as they are.
short(arn) := parts[count(parts) - 1] if {
	startswith(arn, "arn:")
	parts := split(arn, ":")
} else := arn

entry_evidence(entry) := {
	"principal_type": object.get(entry, "principal_type", null),
	"principal": entry.principal,
	"scope": entry.scope,
	"account": object.get(entry, "account", null),
	"actions": object.get(entry, "actions", []),
	"condition_keys": object.get(entry, "condition_keys", []),
	"conditions": object.get(entry, "conditions", []),
}
