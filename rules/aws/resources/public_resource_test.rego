package aws.resources.public_resource_test

import data.aws.resources.public_resource as rule

resource(key, public, conditional) := {"key": key, "arn": key, "service": "s3", "name": key, "region": "eu-west-1", "public": public, "public_conditional": conditional, "public_actions": ["s3:GetObject"], "external": [], "external_conditional": false, "restricted_by": []}

doc(resources, uncollected) := {"account": {"id": "111122223333"}, "resources": {"resources": resources, "uncollected": uncollected}}

test_deny_public_bucket if {
	count(rule.deny) == 1 with input as doc([resource("arn:aws:s3:::open", true, false)], [])
}

test_allow_private_bucket if {
	input_doc := doc([resource("arn:aws:s3:::closed", false, false)], [])
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 0 with input as input_doc
	rule.applicable == {"arn:aws:s3:::closed"} with input as input_doc
}

test_conditional_public_is_not_evaluated if {
	input_doc := doc([resource("arn:aws:s3:::maybe", false, true)], [])
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 1 with input as input_doc
}

test_missing_policy_or_service_is_not_evaluated if {
	unknown := object.union(resource("arn:aws:s3:::unknown", false, false), {"policy_unknown": "GetBucketPolicy failed"})
	input_doc := doc([unknown], [{"key": "resources/eu-west-1", "services": ["kms"], "region": "eu-west-1", "reason": "kms was not collected"}])
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 2 with input as input_doc
}
