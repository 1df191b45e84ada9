package aws.iam.password_policy_weak_test

import data.aws.iam.password_policy_weak as rule

doc(policy) := {"iam": {"credential_report_available": true, "principals": [], "password_policy": policy}}

strong := {
	"key": "account", "configured": true, "minimum_password_length": 14, "password_reuse_prevention": 24,
	"max_password_age": null, "require_symbols": true, "require_numbers": true,
	"require_uppercase_characters": true, "require_lowercase_characters": true,
}

test_deny_no_password_policy if {
	unset := object.union(strong, {"configured": false, "minimum_password_length": null, "password_reuse_prevention": null})
	results := rule.deny with input as doc(unset)
	count(results) == 1
	some result in results
	result.resource == "account"
	startswith(result.message, "the account has no password policy")
	result.evidence.configured == false
}

test_deny_short_passwords if {
	results := rule.deny with input as doc(object.union(strong, {"minimum_password_length": 8}))
	some result in results
	result.message == "the account password policy is weak: minimum length 8 (at least 14)"
	result.evidence.minimum_password_length == 8
}

test_deny_reuse_prevention_unset_and_short if {
	results := rule.deny with input as doc(object.union(strong, {"minimum_password_length": 12, "password_reuse_prevention": null}))
	some result in results
	result.message == "the account password policy is weak: minimum length 12 (at least 14), reuse prevention unset (at least 24)"
}

test_deny_reuse_prevention_below_the_parameter if {
	results := rule.deny with input as doc(object.union(strong, {"password_reuse_prevention": 5}))
	count(results) == 1
}

test_allow_strong_policy if {
	input_doc := doc(strong)
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"account"} with input as input_doc
	count(rule.not_evaluated) == 0 with input as input_doc
}

test_allow_longer_than_required if {
	count(rule.deny) == 0 with input as doc(object.union(strong, {"minimum_password_length": 32, "password_reuse_prevention": 24}))
}

test_allow_lower_parameters if {
	weak := object.union(strong, {"minimum_password_length": 8, "password_reuse_prevention": 1})
	count(rule.deny) == 0 with input as doc(weak)
		with data.posture.params.password_min_length as 8
		with data.posture.params.password_reuse_prevention as 1
}

test_missing_password_policy_is_not_evaluated if {
	input_doc := doc(null)
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"account"} with input as input_doc
	results := rule.not_evaluated with input as input_doc
	some result in results
	result.resource == "account"
	contains(result.reason, "not collected")
}

test_missing_iam_section_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {}
}
