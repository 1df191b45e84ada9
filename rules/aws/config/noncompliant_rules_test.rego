package aws.config.noncompliant_rules_test

import data.aws.config.noncompliant_rules as rule

config_rule(name, compliance) := {"key": name, "name": name, "compliance": compliance}

region(rules) := {"region": "eu-west-1", "config_key": "config/eu-west-1", "config": {"recorders": [], "delivery_channels": [], "rules": rules}}

test_deny_non_compliant if {
	results := rule.deny with input as {"regions": [region([config_rule("s3-bucket-ssl", "NON_COMPLIANT"), config_rule("ok", "COMPLIANT")])]}
	count(results) == 1
}

test_allow_compliant if {
	input_doc := {"regions": [region([config_rule("ok", "COMPLIANT"), config_rule("na", "NOT_APPLICABLE")])]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"ok"} with input as input_doc
}

test_missing_rules_are_not_evaluated if {
	input_doc := {"regions": [region(null)]}
	rule.applicable == {"config/eu-west-1"} with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
