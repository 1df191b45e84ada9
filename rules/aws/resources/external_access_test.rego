package aws.resources.external_access_test

import data.aws.resources.external_access as rule

resource(key, external) := {"key": key, "arn": key, "service": "sqs", "name": key, "region": "eu-west-1", "public": false, "public_conditional": false, "public_actions": [], "external": external, "external_conditional": false, "restricted_by": []}

doc(resources) := {"account": {"id": "111122223333"}, "resources": {"resources": resources, "uncollected": []}}

test_deny_outside_account if {
	count(rule.deny) == 1 with input as doc([resource("q1", ["999999999999"])])
}

test_deny_other_organization if {
	count(rule.deny) == 1 with input as doc([resource("q2", ["organization:o-theirs"])])
}

test_allow_trusted_or_none if {
	count(rule.deny) == 0 with input as doc([resource("q3", ["444455556666"]), resource("q4", [])])
		with data.posture.params.trusted_account_ids as ["444455556666"]
}

test_missing_policy_is_not_evaluated if {
	unknown := object.union(resource("q5", []), {"policy_unknown": "GetQueueAttributes failed"})
	count(rule.not_evaluated) == 1 with input as doc([unknown])
}
