package aws.iam.root_account_test

import data.aws.iam.root_account as rule

root_key := "arn:aws:iam::111122223333:root"

doc(root) := {"iam": {"credential_report_available": true, "principals": [], "root": root}}

test_deny_root_access_key if {
	results := rule.deny with input as doc({"key": root_key, "mfa_active": true, "access_keys_active": 1})
	count(results) == 1
	some result in results
	result.resource == root_key
	result.message == "the root user has 1 active access key(s)"
	result.evidence.access_keys_active == 1
}

test_deny_root_without_mfa_and_with_keys if {
	results := rule.deny with input as doc({"key": root_key, "mfa_active": false, "access_keys_active": 2})
	some result in results
	result.message == "the root user has 2 active access key(s) and no MFA device"
}

test_allow_root_with_mfa_no_keys if {
	input_doc := doc({"key": root_key, "mfa_active": true, "access_keys_active": 0, "password_last_used": "2024-01-01T00:00:00Z"})
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {root_key}
	count(rule.not_evaluated) == 0 with input as input_doc
}

test_missing_credential_report_is_not_evaluated if {
	input_doc := {"iam": {"credential_report_available": false, "principals": []}}
	applicable := rule.applicable with input as input_doc
	applicable == {"account"}
	count(rule.deny) == 0 with input as input_doc
	results := rule.not_evaluated with input as input_doc
	some result in results
	result.resource == "account"
	contains(result.reason, "no credential report")
}

test_missing_root_entry_is_not_evaluated if {
	input_doc := {"iam": {"credential_report_available": true, "principals": []}}
	applicable := rule.applicable with input as input_doc
	applicable == {"account"}
	count(rule.not_evaluated) == 1 with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.not_evaluated) == 0 with input as {}
}
