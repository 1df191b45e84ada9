package aws.securityhub.not_enabled_test

import data.aws.securityhub.not_enabled as rule

region(name, hub) := {"region": name, "securityhub_key": sprintf("securityhub/%s", [name]), "securityhub": hub}

test_deny_disabled if {
	count(rule.deny) == 1 with input as {"regions": [region("eu-west-1", {"enabled": false})]}
}

test_allow_enabled if {
	input_doc := {"regions": [region("eu-west-1", {"enabled": true})]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"securityhub/eu-west-1"} with input as input_doc
}

test_missing_region_data_is_not_denied if {
	input_doc := {"regions": [region("eu-west-1", null)]}
	count(rule.deny) == 0 with input as input_doc
	count(rule.applicable) == 1 with input as input_doc
}
