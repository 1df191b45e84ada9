package aws.iam.customer_policy_full_admin_test

import data.aws.iam.customer_policy_full_admin as rule

arn := "arn:aws:iam::111122223333:policy/everything"

doc(policy) := {"iam": {"principals": [], "customer_managed_policies": [policy]}}

policy(statements, attached) := {"key": arn, "arn": arn, "name": "everything", "attached_to": attached, "admin_statements": statements}

test_deny_unattached_admin_policy if {
	results := rule.deny with input as doc(policy([{"sid": "All", "conditional": false}], []))
	count(results) == 1
	some result in results
	result.resource == arn
	result.message == "customer managed policy everything allows * on *, not attached"
	result.evidence.statements == [{"sid": "All", "conditional": false}]
}

test_deny_attached_conditional_admin_policy if {
	results := rule.deny with input as doc(policy([{"conditional": true}], ["arn:aws:iam::111122223333:role/ops"]))
	some result in results
	result.message == "customer managed policy everything allows * on * (only under conditions), attached to 1 principal(s)"
	result.evidence.attached_to == ["arn:aws:iam::111122223333:role/ops"]
}

test_allow_scoped_policy if {
	input_doc := doc(policy([], ["arn:aws:iam::111122223333:user/alice"]))
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {arn} with input as input_doc
}

test_missing_policies_yield_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.applicable) == 0 with input as {"iam": {"principals": []}}
	count(rule.deny) == 0 with input as {}
}
