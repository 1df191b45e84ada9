package aws.securityhub.failed_controls_test

import data.aws.securityhub.failed_controls as rule

control(id, status) := {"key": id, "id": id, "title": "t", "status": status, "severity": "HIGH", "failed_resources": ["arn:aws:s3:::b"]}

region(controls) := {"region": "eu-west-1", "securityhub_key": "securityhub/eu-west-1", "securityhub": {"enabled": true, "controls": controls}}

test_deny_failed_control if {
	results := rule.deny with input as {"regions": [region([control("S3.1", "FAILED"), control("EC2.2", "PASSED")])]}
	count(results) == 1
	some result in results
	result.evidence.control_id == "S3.1"
	result.evidence.resources == ["arn:aws:s3:::b"]
}

test_allow_passed_control if {
	input_doc := {"regions": [region([control("EC2.2", "PASSED"), control("X.1", "NOT_AVAILABLE")])]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"EC2.2"} with input as input_doc
}

test_missing_controls_are_not_evaluated if {
	input_doc := {"regions": [region(null)]}
	rule.applicable == {"securityhub/eu-west-1"} with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
