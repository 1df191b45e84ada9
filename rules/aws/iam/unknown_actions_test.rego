package aws.iam.unknown_actions_test

import data.aws.iam.unknown_actions as rule

principal(actions) := {"key": "arn:aws:iam::1:user/u", "kind": "user", "name": "u", "unknown_actions": actions, "policies": ["inline:p"]}

test_deny_misspelt_action if {
	results := rule.deny with input as {"iam": {"principals": [principal(["s3:GetObjet"])]}}
	some result in results
	result.evidence.unknown_actions == ["s3:GetObjet"]
}

test_allow_known_actions_only if {
	input_doc := {"iam": {"principals": [principal([])]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {"arn:aws:iam::1:user/u"}
}

test_missing_iam_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
