package aws.iam.trust_any_principal_test

import data.aws.iam.trust_any_principal as rule

key := "arn:aws:iam::111122223333:role/shared"

role(trust) := {"key": key, "kind": "role", "name": "shared", "trust": trust}

any_entry(conditions) := {
	"principal_type": "AWS", "principal": "*", "scope": "any", "actions": ["sts:AssumeRole"],
	"condition_keys": [lower(c.key) | some c in conditions], "conditions": conditions,
}

test_deny_star_without_condition if {
	results := rule.deny with input as {"iam": {"principals": [role([any_entry([])])]}}
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "any AWS principal")
	result.evidence.trust_entries[0].principal == "*"
}

# A condition that does not restrict the caller (region, MFA) leaves it open.
test_deny_star_with_unrelated_condition if {
	entry := any_entry([{"operator": "Bool", "key": "aws:SecureTransport", "values": ["true"]}])
	count(rule.deny) == 1 with input as {"iam": {"principals": [role([entry])]}}
}

# A negated org condition admits everyone outside the organisation.
test_deny_negated_org_condition if {
	entry := any_entry([{"operator": "StringNotEquals", "key": "aws:PrincipalOrgID", "values": ["o-abc123"]}])
	count(rule.deny) == 1 with input as {"iam": {"principals": [role([entry])]}}
}

test_deny_org_condition_with_only_wildcard if {
	entry := any_entry([{"operator": "StringLike", "key": "aws:PrincipalOrgID", "values": ["*"]}])
	count(rule.deny) == 1 with input as {"iam": {"principals": [role([entry])]}}
}

# "*" restricted to the organisation is how organisation-wide roles are shared: it passes.
test_allow_org_restricted_star if {
	entry := any_entry([{"operator": "StringEquals", "key": "aws:PrincipalOrgID", "values": ["o-abc123"]}])
	input_doc := {"iam": {"principals": [role([entry])]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_allow_named_account if {
	entry := {
		"principal_type": "AWS", "principal": "arn:aws:iam::444455556666:root", "scope": "other_account",
		"account": "444455556666", "actions": ["sts:AssumeRole"], "condition_keys": [], "conditions": [],
	}
	count(rule.deny) == 0 with input as {"iam": {"principals": [role([entry])]}}
}

test_missing_trust_policy_is_not_evaluated if {
	unreadable := {"key": key, "kind": "role", "name": "shared", "trust_unreadable": "not valid JSON"}
	input_doc := {"iam": {"principals": [unreadable]}}
	count(rule.deny) == 0 with input as input_doc
	results := rule.not_evaluated with input as input_doc
	some result in results
	result.resource == key
	contains(result.reason, "not valid JSON")
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.not_evaluated) == 0 with input as {}
}
