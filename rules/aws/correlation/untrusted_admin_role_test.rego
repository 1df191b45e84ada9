package aws.correlation.untrusted_admin_role_test

import data.aws.correlation.untrusted_admin_role as rule

trust(scope, principal, account, conditions) := {"principal_type": "AWS", "principal": principal, "scope": scope, "account": account, "actions": ["sts:AssumeRole"], "condition_keys": [lower(c.key) | some c in conditions], "conditions": conditions}

role(full_admin, entries) := {"key": "r1", "arn": "r1", "name": "ops", "kind": "role", "full_admin": full_admin, "privileged": full_admin, "escalation_methods": [], "trust": entries}

doc(principal) := {"account": {"id": "111122223333"}, "iam": {"principals": [principal]}}

test_deny_admin_trusted_by_everyone if {
	results := rule.deny with input as doc(role(true, [trust("any", "*", null, [])]))
	some result in results
	result.evidence.linked_findings == [{"rule_id": "IAM-001", "resource": "r1"}]
}

test_deny_admin_trusted_by_unknown_account if {
	count(rule.deny) == 1 with input as doc(role(true, [trust("other_account", "arn:aws:iam::999988887777:root", "999988887777", [])]))
}

test_allow_wildcard_restricted_to_org if {
	condition := {"operator": "StringEquals", "key": "aws:PrincipalOrgID", "values": ["o-acme12345"]}
	input_doc := doc(role(true, [trust("any", "*", null, [condition])]))
	count(rule.deny) == 0 with input as input_doc with data.posture.params.organization_id as "o-acme12345"
	rule.applicable == {"r1"} with input as input_doc
}

test_allow_trusted_account if {
	input_doc := doc(role(true, [trust("other_account", "arn:aws:iam::444455556666:root", "444455556666", [])]))
	count(rule.deny) == 0 with input as input_doc with data.posture.params.trusted_account_ids as ["444455556666"]
}

test_allow_unprivileged_role if {
	count(rule.deny) == 0 with input as doc(role(false, [trust("any", "*", null, [])]))
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}

test_missing_trust_policy_of_an_admin_is_not_evaluated if {
	unreadable := object.union(role(true, []), {"trust_unreadable": "policy document is not valid JSON"})
	count(rule.deny) == 0 with input as doc(unreadable)
	count(rule.not_evaluated) == 1 with input as doc(unreadable)
	count(rule.not_evaluated) == 0 with input as doc(object.union(role(false, []), {"trust_unreadable": "x"}))
}
