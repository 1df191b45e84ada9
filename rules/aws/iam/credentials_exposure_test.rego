package aws.iam.credentials_exposure_test

import data.aws.iam.credentials_exposure as rule

key := "arn:aws:iam::111122223333:user/ci"

principal(allowed) := {"key": key, "kind": "user", "name": "ci", "full_admin": false, "allowed": allowed}

test_deny_get_secret_value_everywhere if {
	p := principal({
		"secretsmanager:GetSecretValue": {"resources": ["*"], "conditional": false, "policies": ["inline:secrets"]},
		"iam:CreateAccessKey": {"resources": ["*"], "conditional": false, "policies": ["arn:aws:iam::111122223333:policy/keys"]},
	})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "iam:CreateAccessKey, secretsmanager:GetSecretValue")
	result.evidence.policies == ["arn:aws:iam::111122223333:policy/keys", "inline:secrets"]
	some entry in result.evidence.actions
	entry.action == "secretsmanager:GetSecretValue"
	entry.policies == ["inline:secrets"]
}

test_allow_scoped_secret if {
	p := principal({"secretsmanager:GetSecretValue": {
		"resources": ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:ci/*"],
		"conditional": false, "policies": ["inline:secrets"],
	}})
	input_doc := {"iam": {"principals": [p]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

# Own access keys only (${aws:username}) are not on "*".
test_allow_create_access_key_on_self if {
	p := principal({"iam:CreateAccessKey": {
		"resources": ["arn:aws:iam::111122223333:user/${aws:username}"],
		"conditional": false, "policies": ["inline:self-service"],
	}})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

test_allow_conditional_grant if {
	p := principal({"ssm:GetParameter": {"resources": ["*"], "conditional": true, "policies": ["inline:tagged"]}})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

# Actions outside the list (here a read-only describe) are not this rule's.
test_allow_unlisted_action if {
	p := principal({"iam:PassRole": {"resources": ["*"], "conditional": false, "policies": ["inline:pass"]}})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

test_allow_full_admin_left_to_iam_001 if {
	p := object.union(principal({"sts:GetFederationToken": {"resources": ["*"], "conditional": false, "policies": ["a"]}}), {"full_admin": true})
	input_doc := {"iam": {"principals": [p]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {"iam": {"principals": [{"key": key, "kind": "user", "name": "ci"}]}}
}
