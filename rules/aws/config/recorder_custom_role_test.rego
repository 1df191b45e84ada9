package aws.config.recorder_custom_role_test

import data.aws.config.recorder_custom_role as rule

linked := "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"

region(recorders) := {"region": "eu-west-1", "config_key": "config/eu-west-1", "config": {"recorders": recorders, "delivery_channels": ["default"]}}

recorder(role, linked_role) := {"name": "default", "recording": true, "role_arn": role, "service_linked_role": linked_role}

test_deny_custom_role if {
	results := rule.deny with input as {"regions": [region([recorder("arn:aws:iam::111122223333:role/config-recorder", false)])]}
	count(results) == 1
	some result in results
	result.evidence.recorders == [{"name": "default", "role_arn": "arn:aws:iam::111122223333:role/config-recorder"}]
}

test_allow_service_linked_role if {
	input_doc := {"regions": [region([recorder(linked, true)])]}
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 0 with input as input_doc
	rule.applicable == {"config/eu-west-1"} with input as input_doc
}

test_missing_role_is_not_evaluated if {
	input_doc := {"regions": [region([{"name": "default", "recording": true, "service_linked_role": null}])]}
	count(rule.deny) == 0 with input as input_doc
	rule.not_evaluated == {{"resource": "config/eu-west-1", "reason": "the role of the configuration recorder(s) default in eu-west-1 was not collected"}} with input as input_doc
}

test_missing_config_data_yields_nothing if {
	input_doc := {"regions": [{"region": "x", "config_key": "config/x", "config": null}, region([])]}
	count(rule.applicable) == 0 with input as input_doc
}
