package aws.config.recorder_not_recording_test

import data.aws.config.recorder_not_recording as rule

recorder(recording, all, global) := {"name": "default", "recording": recording, "all_supported": all, "include_global_resource_types": global}

region(name, recorders) := {"region": name, "config_key": sprintf("config/%s", [name]), "config": {"recorders": recorders, "delivery_channels": ["default"]}}

test_deny_no_recorder if {
	input_doc := {"regions": [region("eu-west-1", [recorder(true, true, true)]), region("eu-central-1", [])]}
	results := rule.deny with input as input_doc
	count(results) == 1
	some result in results
	result.resource == "config/eu-central-1"
}

test_deny_stopped_recorder if {
	results := rule.deny with input as {"regions": [region("eu-west-1", [recorder(false, true, true)])]}
	some result in results
	result.resource == "config/eu-west-1"
	"no recorder is recording" in result.evidence.problems
}

test_deny_no_global_types_anywhere if {
	results := rule.deny with input as {"regions": [region("eu-west-1", [recorder(true, true, false)])]}
	some result in results
	result.resource == "account"
}

test_allow_complete_recording if {
	input_doc := {"regions": [region("eu-west-1", [recorder(true, true, true)]), region("us-east-1", [recorder(true, true, false)])]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"account", "config/eu-west-1", "config/us-east-1"} with input as input_doc
}

test_missing_region_is_applicable_not_denied if {
	input_doc := {"regions": [{"region": "ap-south-1", "config_key": "config/ap-south-1", "config": null}, region("eu-west-1", [recorder(true, true, false)])]}
	results := rule.deny with input as input_doc
	count(results) == 0
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
