package aws.iam.data_exfiltration_test

import data.aws.iam.data_exfiltration as rule

key := "arn:aws:iam::111122223333:role/analytics"

principal(allowed) := {"key": key, "kind": "role", "name": "analytics", "full_admin": false, "allowed": allowed}

test_deny_get_object_everywhere if {
	p := principal({
		"s3:GetObject": {"resources": ["*"], "conditional": false, "policies": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]},
		"kms:Decrypt": {"resources": ["arn:aws:kms:eu-west-1:111122223333:key/1"], "conditional": false, "policies": ["inline:kms"]},
	})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "s3:GetObject")
	not contains(result.message, "kms:Decrypt")
	result.evidence.policies == ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
	[entry.action | some entry in result.evidence.actions] == ["s3:GetObject"]
}

test_allow_scoped_bucket if {
	p := principal({"s3:GetObject": {"resources": ["arn:aws:s3:::reports/*"], "conditional": false, "policies": ["inline:reports"]}})
	input_doc := {"iam": {"principals": [p]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_allow_conditional_grant if {
	p := principal({"dynamodb:Scan": {"resources": ["*"], "conditional": true, "policies": ["inline:vpce-only"]}})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {"iam": {"principals": [{"key": key, "kind": "role", "name": "analytics"}]}}
}
