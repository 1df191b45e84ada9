package aws.guardduty.not_enabled_test

import data.aws.guardduty.not_enabled as rule

region(name, guardduty) := {"region": name, "guardduty_key": sprintf("guardduty/%s", [name]), "guardduty": guardduty}

test_deny_no_detector if {
	results := rule.deny with input as {"regions": [region("eu-west-1", {"enabled": false, "detector_ids": [], "suspended_detector_ids": []})]}
	count(results) == 1
}

test_deny_suspended_detector if {
	results := rule.deny with input as {"regions": [region("eu-west-1", {"enabled": false, "detector_ids": [], "suspended_detector_ids": ["d1"]})]}
	some result in results
	contains(result.message, "suspended")
}

test_allow_enabled if {
	input_doc := {"regions": [region("us-east-1", {"enabled": true, "detector_ids": ["d1"], "suspended_detector_ids": []})]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"guardduty/us-east-1"} with input as input_doc
}

# Not collected in a region: applicable, never denied (the engine reports not_evaluated).
test_missing_region_data_is_not_denied if {
	input_doc := {"regions": [region("ap-south-1", null)]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"guardduty/ap-south-1"} with input as input_doc
}
