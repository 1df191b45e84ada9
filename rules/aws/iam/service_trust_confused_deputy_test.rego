package aws.iam.service_trust_confused_deputy_test

import data.aws.iam.service_trust_confused_deputy as rule

key := "arn:aws:iam::111122223333:role/delivery"

role(trust) := {"key": key, "kind": "role", "name": "delivery", "trust": trust}

service(name, conditions) := {
	"principal_type": "Service", "principal": name, "scope": "service", "actions": ["sts:AssumeRole"],
	"condition_keys": [lower(c.key) | some c in conditions], "conditions": conditions,
}

test_deny_sns_without_source if {
	results := rule.deny with input as {"iam": {"principals": [role([service("sns.amazonaws.com", [])])]}}
	count(results) == 1
	some result in results
	result.resource == key
	result.evidence.services == ["sns.amazonaws.com"]
	contains(result.message, "sns.amazonaws.com")
}

test_allow_source_account if {
	entry := service("events.amazonaws.com", [{"operator": "StringEquals", "key": "aws:SourceAccount", "values": ["111122223333"]}])
	input_doc := {"iam": {"principals": [role([entry])]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

# Lambda only gets a role through iam:PassRole in this account: no confused deputy.
test_allow_lambda_without_source_account if {
	count(rule.deny) == 0 with input as {"iam": {"principals": [role([service("lambda.amazonaws.com", [])])]}}
}

test_deny_source_arn_wildcard_only if {
	entry := service("config.amazonaws.com", [{"operator": "ArnLike", "key": "aws:SourceArn", "values": ["*"]}])
	count(rule.deny) == 1 with input as {"iam": {"principals": [role([entry])]}}
}

test_missing_trust_policy_is_not_evaluated if {
	input_doc := {"iam": {"principals": [{"key": key, "kind": "role", "name": "delivery", "trust_unreadable": "no trust policy"}]}}
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 1 with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {}
}
