package aws.iam.cross_account_trust_unrestricted_test

import data.aws.iam.cross_account_trust_unrestricted as rule

key := "arn:aws:iam::111122223333:role/vendor"

role(trust) := {"key": key, "kind": "role", "name": "vendor", "trust": trust}

other(account, conditions) := {
	"principal_type": "AWS", "principal": sprintf("arn:aws:iam::%s:root", [account]), "scope": "other_account",
	"account": account, "actions": ["sts:AssumeRole"],
	"condition_keys": [lower(c.key) | some c in conditions], "conditions": conditions,
}

test_deny_vendor_without_external_id if {
	results := rule.deny with input as {"iam": {"principals": [role([other("444455556666", [])])]}}
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "arn:aws:iam::444455556666:root")
	result.evidence.accounts == ["444455556666"]
}

# The key is recognised whatever its casing in the policy.
test_allow_external_id if {
	entry := other("444455556666", [{"operator": "StringEquals", "key": "sts:ExternalId", "values": ["f00d"]}])
	input_doc := {"iam": {"principals": [role([entry])]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_deny_external_id_if_exists if {
	entry := other("444455556666", [{"operator": "StringEqualsIfExists", "key": "sts:ExternalId", "values": ["f00d"]}])
	count(rule.deny) == 1 with input as {"iam": {"principals": [role([entry])]}}
}

test_allow_trusted_account_parameter if {
	input_doc := {"iam": {"principals": [role([other("444455556666", [])])]}}
	count(rule.deny) == 0 with input as input_doc with data.posture.params.trusted_account_ids as ["444455556666"]
}

test_allow_same_account if {
	entry := object.union(other("111122223333", []), {"scope": "same_account"})
	count(rule.deny) == 0 with input as {"iam": {"principals": [role([entry])]}}
}

test_missing_trust_policy_is_not_evaluated if {
	input_doc := {"iam": {"principals": [{"key": key, "kind": "role", "name": "vendor", "trust_unreadable": "no trust policy"}]}}
	count(rule.deny) == 0 with input as input_doc
	results := rule.not_evaluated with input as input_doc
	results == {{"resource": key, "reason": "the trust policy could not be read: no trust policy"}}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {}
}
