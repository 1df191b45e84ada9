package aws.iam.trust_conditions_test

import data.aws.iam.trust_conditions as trust

entry(conditions) := {"principal": "*", "scope": "any", "condition_keys": [lower(c.key) | some c in conditions], "conditions": conditions}

test_restricting_keys_are_lower_case if {
	keys := trust.restricting_keys(entry([{"operator": "StringEquals", "key": "aws:PrincipalOrgID", "values": ["o-1"]}]))
	keys == {"aws:principalorgid"}
}

test_wildcard_negated_if_exists_and_null_do_not_restrict if {
	conditions := [
		{"operator": "StringLike", "key": "aws:PrincipalOrgID", "values": ["*"]},
		{"operator": "StringNotEquals", "key": "aws:PrincipalAccount", "values": ["111122223333"]},
		{"operator": "StringEqualsIfExists", "key": "sts:ExternalId", "values": ["x"]},
		{"operator": "Null", "key": "aws:SourceArn", "values": ["false"]},
	]
	count(trust.restricting_keys(entry(conditions))) == 0
}

# One real value among wildcards is a restriction.
test_one_real_value_restricts if {
	keys := trust.restricting_keys(entry([{"operator": "ForAnyValue:StringLike", "key": "aws:PrincipalOrgPaths", "values": ["*", "o-1/r-1/ou-1/*"]}]))
	keys == {"aws:principalorgpaths"}
}

# Facts that list keys without their conditions: the keys are taken as given.
test_missing_conditions_fall_back_to_keys if {
	keys := trust.restricting_keys({"principal": "*", "scope": "any", "condition_keys": ["aws:sourceaccount"]})
	keys == {"aws:sourceaccount"}
	trust.restricted_by({"condition_keys": ["aws:sourceaccount"]}, {"aws:sourceaccount"})
}

test_unreadable_roles_only_roles if {
	principals := [
		{"key": "r", "kind": "role", "name": "r", "trust_unreadable": "bad JSON"},
		{"key": "s", "kind": "role", "name": "s", "trust": []},
		{"key": "u", "kind": "user", "name": "u"},
	]
	roles := trust.unreadable_roles with input as {"iam": {"principals": principals}}
	roles == {"r": "the trust policy could not be read: bad JSON"}
}
