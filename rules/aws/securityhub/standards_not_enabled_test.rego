package aws.securityhub.standards_not_enabled_test

import data.aws.securityhub.standards_not_enabled as rule

standard(name, status) := {"standard": name, "status": status, "arn": name}

region(standards) := {"region": "eu-west-1", "securityhub_key": "securityhub/eu-west-1", "securityhub": {"enabled": true, "standards": standards}}

test_deny_cis_missing if {
	results := rule.deny with input as {"regions": [region([standard("aws-foundational-security-best-practices", "READY")])]}
	some result in results
	result.evidence.missing == ["cis-aws-foundations-benchmark"]
}

test_deny_failed_standard_counts_as_missing if {
	standards := [standard("aws-foundational-security-best-practices", "FAILED"), standard("cis-aws-foundations-benchmark", "READY")]
	count(rule.deny) == 1 with input as {"regions": [region(standards)]}
}

test_allow_both_enabled if {
	standards := [standard("aws-foundational-security-best-practices", "READY"), standard("cis-aws-foundations-benchmark", "READY")]
	input_doc := {"regions": [region(standards)]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"securityhub/eu-west-1"} with input as input_doc
}

test_missing_standards_are_not_evaluated if {
	input_doc := {"regions": [region(null)]}
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
