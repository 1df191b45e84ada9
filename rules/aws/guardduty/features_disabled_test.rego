package aws.guardduty.features_disabled_test

import data.aws.guardduty.features_disabled as rule

all_on := {f: "ENABLED" | some f in data.posture.params.guardduty_required_features}

region(features) := answered(features, "features")

answered(features, from) := {"region": "eu-west-1", "guardduty_key": "guardduty/eu-west-1", "guardduty": {"enabled": true, "detectors": [{"id": "d1", "enabled": true, "features": features, "features_from": from}]}}

test_deny_eks_audit_logs_off if {
	features := object.union(all_on, {"EKS_AUDIT_LOGS": "DISABLED"})
	results := rule.deny with input as {"regions": [region(features)]}
	some result in results
	result.evidence.disabled_features == ["EKS_AUDIT_LOGS"]
}

test_deny_unlisted_feature_counts_as_off if {
	results := rule.deny with input as {"regions": [region({"S3_DATA_EVENTS": "ENABLED"})]}
	some result in results
	count(result.evidence.disabled_features) == 4
}

test_allow_all_features_on if {
	input_doc := {"regions": [region(all_on)]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"guardduty/eu-west-1"} with input as input_doc
}

test_missing_features_are_not_evaluated if {
	input_doc := {"regions": [region({})]}
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_region_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {"regions": [{"region": "x", "guardduty_key": "guardduty/x", "guardduty": null}]}
}

# The older DataSources answer (moto, older detectors): what it covers decides.
test_deny_data_sources_with_s3_logs_off if {
	results := rule.deny with input as {"regions": [answered({"S3_DATA_EVENTS": "DISABLED", "EKS_AUDIT_LOGS": "ENABLED", "CLOUD_TRAIL": "ENABLED"}, "data_sources")]}
	some result in results
	result.evidence.disabled_features == ["S3_DATA_EVENTS"]
	result.evidence.unknown_features == ["EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS", "RUNTIME_MONITORING"]
}

test_missing_features_beyond_data_sources_are_not_evaluated if {
	input_doc := {"regions": [answered({"S3_DATA_EVENTS": "ENABLED", "EKS_AUDIT_LOGS": "ENABLED", "EBS_MALWARE_PROTECTION": "ENABLED"}, "data_sources")]}
	count(rule.deny) == 0 with input as input_doc
	rule.not_evaluated == {{"resource": "guardduty/eu-west-1", "reason": "the detector in eu-west-1 answers with DataSources only, which do not cover RDS_LOGIN_EVENTS, RUNTIME_MONITORING"}} with input as input_doc
}
