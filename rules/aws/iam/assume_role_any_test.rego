package aws.iam.assume_role_any_test

import data.aws.iam.assume_role_any as rule

key := "arn:aws:iam::111122223333:user/ops"

target := "arn:aws:iam::111122223333:role/deploy"

principal(grant) := {
	"key": key, "kind": "user", "name": "ops", "full_admin": false,
	"allowed": {"sts:AssumeRole": grant},
	"edges": [{"to": target, "via": "sts:AssumeRole", "kind": "assume", "conditional": false}],
}

test_deny_assume_any_role if {
	p := principal({"resources": ["*"], "conditional": false, "policies": ["inline:hop"]})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "through inline:hop (1 role(s)")
	result.evidence.assumable_roles == [target]
	result.evidence.policies == ["inline:hop"]
}

test_allow_named_roles if {
	p := principal({"resources": [target], "conditional": false, "policies": ["inline:hop"]})
	input_doc := {"iam": {"principals": [p]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_allow_conditional_assume if {
	p := principal({"resources": ["*"], "conditional": true, "policies": ["inline:tagged"]})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

test_allow_groups_not_applicable if {
	group := object.union(principal({"resources": ["*"], "conditional": false, "policies": ["p"]}), {"kind": "group", "key": "g"})
	input_doc := {"iam": {"principals": [group]}}
	count(rule.deny) == 0 with input as input_doc
	count(rule.applicable) == 0 with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {"iam": {"principals": [{"key": key, "kind": "user", "name": "ops"}]}}
}
