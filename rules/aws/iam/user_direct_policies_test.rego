package aws.iam.user_direct_policies_test

import data.aws.iam.user_direct_policies as rule

key := "arn:aws:iam::111122223333:user/dave"

user(inline, attached) := {
	"key": key, "kind": "user", "name": "dave", "policies": ["inline:dave-extra"],
	"inline_policy_count": inline, "attached_policy_count": attached,
}

test_deny_inline_policy_on_user if {
	results := rule.deny with input as {"iam": {"principals": [user(1, 0)]}}
	count(results) == 1
	some result in results
	result.resource == key
	result.message == "user dave has 1 inline and 0 attached managed policy(ies) of its own"
}

test_deny_attached_policy_on_user if {
	count(rule.deny) == 1 with input as {"iam": {"principals": [user(0, 2)]}}
}

# Policies through groups only: what CIS asks for.
test_allow_policies_through_groups if {
	input_doc := {"iam": {"principals": [user(0, 0)]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_allow_roles_and_groups_not_applicable if {
	role := object.union(user(1, 1), {"key": "r", "kind": "role"})
	group := object.union(user(1, 1), {"key": "g", "kind": "group"})
	input_doc := {"iam": {"principals": [role, group]}}
	count(rule.deny) == 0 with input as input_doc
	count(rule.applicable) == 0 with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
