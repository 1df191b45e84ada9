package aws.iam.console_without_mfa_test

import data.aws.iam.console_without_mfa as rule

key := "arn:aws:iam::111122223333:user/carol"

user(credentials) := {"key": key, "kind": "user", "name": "carol", "credentials": credentials}

doc(principals) := {"iam": {"credential_report_available": true, "principals": principals}}

test_deny_password_without_mfa if {
	u := user({"password_enabled": true, "mfa_active": false, "password_last_used": "2024-05-01T10:00:00Z", "access_keys": []})
	results := rule.deny with input as doc([u])
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "2024-05-01")
	result.evidence.mfa_active == false
}

test_allow_password_with_mfa if {
	u := user({"password_enabled": true, "mfa_active": true, "access_keys": []})
	count(rule.deny) == 0 with input as doc([u])
	applicable := rule.applicable with input as doc([u])
	applicable == {key}
	count(rule.not_evaluated) == 0 with input as doc([u])
}

test_allow_no_console_password if {
	u := user({"password_enabled": false, "mfa_active": false, "access_keys": []})
	count(rule.deny) == 0 with input as doc([u])
}

test_allow_roles_not_applicable if {
	r := {"key": "arn:aws:iam::111122223333:role/r", "kind": "role", "name": "r"}
	count(rule.applicable) == 0 with input as doc([r])
}

test_missing_credential_report_is_not_evaluated if {
	u := {"key": key, "kind": "user", "name": "carol"}
	input_doc := {"iam": {"credential_report_available": false, "principals": [u]}}
	count(rule.deny) == 0 with input as input_doc
	results := rule.not_evaluated with input as input_doc
	some result in results
	result.resource == key
	contains(result.reason, "no credential report")
}

test_missing_user_in_report_is_not_evaluated if {
	u := {"key": key, "kind": "user", "name": "carol"}
	results := rule.not_evaluated with input as doc([u])
	count(results) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.not_evaluated) == 0 with input as {}
}
