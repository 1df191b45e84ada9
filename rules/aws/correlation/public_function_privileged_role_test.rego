package aws.correlation.public_function_privileged_role_test

import data.aws.correlation.public_function_privileged_role as rule

role_arn := "arn:aws:iam::111122223333:role/fn-role"

fn(public, external) := {"key": "fn", "arn": "fn", "service": "lambda", "name": "fn", "region": "eu-west-1", "public": public, "public_conditional": false, "public_actions": ["lambda:InvokeFunction"], "external": external, "external_conditional": false, "restricted_by": [], "role": role_arn}

role(privileged) := {"key": role_arn, "arn": role_arn, "name": "fn-role", "kind": "role", "full_admin": privileged, "privileged": privileged, "escalation_methods": []}

doc(function, principals) := {"account": {"id": "111122223333"}, "resources": {"resources": [function], "uncollected": []}, "iam": {"principals": principals}}

test_deny_public_function_with_admin_role if {
	results := rule.deny with input as doc(fn(true, []), [role(true)])
	some result in results
	result.evidence.linked_findings[0].rule_id == "DATA-001"
}

test_deny_outside_invoker_with_admin_role if {
	count(rule.deny) == 1 with input as doc(fn(false, ["999999999999"]), [role(true)])
}

test_allow_private_function_or_harmless_role if {
	count(rule.deny) == 0 with input as doc(fn(false, []), [role(true)])
	count(rule.deny) == 0 with input as doc(fn(true, []), [role(false)])
	count(rule.deny) == 0 with input as doc(fn(false, ["999999999999"]), [role(true)])
		with data.posture.params.trusted_account_ids as ["999999999999"]
}

test_missing_role_or_policy_is_not_evaluated if {
	count(rule.not_evaluated) == 1 with input as doc(fn(true, []), [])
	unknown := object.union(fn(false, []), {"policy_unknown": "GetPolicy failed"})
	count(rule.not_evaluated) == 1 with input as doc(unknown, [role(true)])
	broken := object.union(role(false), {"unreadable_policies": [{"policy": "p", "reason": "not JSON"}]})
	count(rule.not_evaluated) == 1 with input as doc(fn(true, []), [broken])
	count(rule.deny) == 0 with input as doc(fn(true, []), [broken])
}
