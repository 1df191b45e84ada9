package aws.iam.sensitive_service_wildcard_test

import data.aws.iam.sensitive_service_wildcard as rule

principal(wildcards) := {
	"key": "arn:aws:iam::111122223333:role/app", "kind": "role", "name": "app", "full_admin": false,
	"service_wildcards": wildcards,
}

kms_all := {"service": "kms", "policy": "inline:crypto", "resources": ["*"], "conditional": false}

test_deny_kms_wildcard if {
	results := rule.deny with input as {"iam": {"principals": [principal([kms_all])]}}
	count(results) == 1
	some result in results
	contains(result.message, "kms:* through inline:crypto")
	result.evidence.services == ["kms"]
	result.evidence.policies == ["inline:crypto"]
}

# A wildcard scoped to one bucket is still every S3 action there, including policy changes.
test_deny_s3_wildcard_on_one_bucket if {
	s3 := {"service": "s3", "policy": "arn:aws:iam::111122223333:policy/data", "resources": ["arn:aws:s3:::reports/*"], "conditional": false}
	results := rule.deny with input as {"iam": {"principals": [principal([s3])]}}
	some result in results
	result.evidence.statements[0].resources == ["arn:aws:s3:::reports/*"]
}

test_deny_conditional_wildcard_is_marked if {
	conditional := object.union(kms_all, {"conditional": true})
	results := rule.deny with input as {"iam": {"principals": [principal([conditional])]}}
	some result in results
	contains(result.message, "only under conditions")
}

test_allow_wildcard_of_other_service if {
	logs := {"service": "logs", "policy": "inline:logs", "resources": ["*"], "conditional": false}
	input_doc := {"iam": {"principals": [principal([logs])]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {"arn:aws:iam::111122223333:role/app"}
}

test_allow_full_admin_left_to_iam_001 if {
	admin := object.union(principal([kms_all]), {"full_admin": true})
	count(rule.deny) == 0 with input as {"iam": {"principals": [admin]}}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {"iam": {"principals": [{"key": "k", "kind": "user", "name": "u"}]}}
}
