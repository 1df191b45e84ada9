package aws.iam.stale_access_keys_test

import data.aws.iam.stale_access_keys as rule

key := "arn:aws:iam::111122223333:user/svc"

user(keys) := {"key": key, "kind": "user", "name": "svc", "credentials": {"password_enabled": false, "mfa_active": false, "access_keys": keys}}

doc(principals) := {"iam": {"credential_report_available": true, "principals": principals}}

access_key(number, active, age, unused) := {"number": number, "active": active, "age_days": age, "unused_days": unused}

test_deny_old_key if {
	results := rule.deny with input as doc([user([access_key(1, true, 400, 2)])])
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "key 1 not rotated for 400 days (max 90)")
	result.evidence.access_keys[0].number == 1
}

test_deny_unused_key if {
	results := rule.deny with input as doc([user([access_key(1, true, 30, 10), access_key(2, true, 200, 200)])])
	some result in results
	contains(result.message, "key 2 not rotated for 200 days (max 90), unused for 200 days (max 90)")
	count(result.evidence.access_keys) == 1
}

test_allow_fresh_key if {
	input_doc := doc([user([access_key(1, true, 30, 1)])])
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_allow_inactive_old_key if {
	count(rule.deny) == 0 with input as doc([user([access_key(1, false, 900, 900)])])
}

test_allow_limits_from_parameters if {
	input_doc := doc([user([access_key(1, true, 100, 1)])])
	count(rule.deny) == 0 with input as input_doc with data.posture.params.access_key_max_age_days as 365
}

test_missing_credential_report_is_not_evaluated if {
	input_doc := {"iam": {"credential_report_available": false, "principals": [{"key": key, "kind": "user", "name": "svc"}]}}
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 1 with input as input_doc
}

# A key never rotated has no age: judged by what is known, never failed on a guess.
test_missing_key_age_judged_on_the_rest if {
	count(rule.deny) == 0 with input as doc([user([{"number": 1, "active": true, "unused_days": 3}])])
	count(rule.deny) == 1 with input as doc([user([{"number": 1, "active": true, "unused_days": 300}])])
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
