package aws.iam.create_principal_without_boundary_test

import data.aws.iam.create_principal_without_boundary as rule

key := "arn:aws:iam::111122223333:role/provisioner"

principal(allowed) := {"key": key, "kind": "role", "name": "provisioner", "full_admin": false, "allowed": allowed}

test_deny_create_role_unconditional if {
	p := principal({"iam:CreateRole": {"resources": ["arn:aws:iam::111122223333:role/app-*"], "conditional": false, "policies": ["inline:provision"]}})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "iam:CreateRole")
	result.evidence.actions[0].resources == ["arn:aws:iam::111122223333:role/app-*"]
	result.evidence.policies == ["inline:provision"]
}

test_deny_create_user_and_role if {
	p := principal({
		"iam:CreateRole": {"resources": ["*"], "conditional": false, "policies": ["inline:a"]},
		"iam:CreateUser": {"resources": ["*"], "conditional": false, "policies": ["inline:b"]},
	})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	some result in results
	contains(result.message, "iam:CreateRole and iam:CreateUser")
	result.evidence.policies == ["inline:a", "inline:b"]
}

# A condition on iam:PermissionsBoundary makes the grant conditional: it passes.
test_allow_conditional_create_role if {
	p := principal({"iam:CreateRole": {"resources": ["*"], "conditional": true, "policies": ["inline:bounded"]}})
	input_doc := {"iam": {"principals": [p]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_allow_no_creation_rights if {
	count(rule.deny) == 0 with input as {"iam": {"principals": [principal({})]}}
}

test_allow_full_admin_left_to_iam_001 if {
	p := object.union(principal({"iam:CreateUser": {"resources": ["*"], "conditional": false, "policies": ["a"]}}), {"full_admin": true})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {"iam": {"principals": [{"key": key, "kind": "role", "name": "provisioner"}]}}
}
