package aws.guardduty.active_findings_test

import data.aws.guardduty.active_findings as rule

finding(key, type, severity) := {"resource_key": key, "id": type, "type": type, "severity": severity, "count": 3, "first_seen": "2026-11-01T00:00:00Z", "last_seen": "2026-11-20T00:00:00Z"}

region(findings) := {"region": "eu-west-1", "guardduty_key": "guardduty/eu-west-1", "guardduty": {"enabled": true, "findings": findings}}

test_deny_one_result_per_resource if {
	findings := [
		finding("i-1", "Backdoor:EC2/C&CActivity.B", 8.0),
		finding("i-1", "CryptoCurrency:EC2/BitcoinTool.B", 7.5),
		finding("i-2", "Trojan:EC2/DNSDataExfiltration", 7.0),
	]
	results := rule.deny with input as {"regions": [region(findings)]}
	count(results) == 2
	some result in results
	result.resource == "i-1"
	count(result.evidence.findings) == 2
	result.evidence.max_severity == 8.0
}

test_allow_low_findings_and_region_passes if {
	input_doc := {"regions": [region([finding("i-3", "Recon:EC2/PortProbeUnprotectedPort", 2.0)])]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"guardduty/eu-west-1"} with input as input_doc
}

test_threshold_comes_from_parameters if {
	input_doc := {"regions": [region([finding("i-4", "Recon:EC2/Portscan", 5.0)])]}
	count(rule.deny) == 1 with input as input_doc with data.posture.params.guardduty_min_severity as 5.0
}

test_missing_findings_are_not_evaluated if {
	input_doc := {"regions": [region(null)]}
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
