package aws.ec2.instance_imdsv1_allowed_test

import data.aws.ec2.instance_imdsv1_allowed as rule

instance(key, tokens, endpoint, allowed) := {
	"key": key, "id": key, "state": "running",
	"metadata_http_tokens": tokens, "metadata_http_endpoint": endpoint, "imdsv1_allowed": allowed,
}

test_deny_optional_tokens if {
	results := rule.deny with input as {"network": {"instances": [instance("i-1", "optional", "enabled", true)]}}
	count(results) == 1
	some result in results
	result.resource == "i-1"
	result.evidence.http_tokens == "optional"
}

test_allow_required_tokens_and_disabled_endpoint if {
	input_doc := {"network": {"instances": [
		instance("i-2", "required", "enabled", false),
		instance("i-3", "optional", "disabled", false),
	]}}
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 0 with input as input_doc
	rule.applicable == {"i-2", "i-3"} with input as input_doc
}

test_missing_metadata_options_is_not_evaluated if {
	input_doc := {"network": {"instances": [{"key": "i-4", "id": "i-4", "state": "stopped", "imdsv1_allowed": null}]}}
	count(rule.deny) == 0 with input as input_doc
	rule.not_evaluated == {{"resource": "i-4", "reason": "the instance's metadata options were not collected"}} with input as input_doc
}

test_allow_terminated_instances_are_not_judged if {
	input_doc := {"network": {"instances": [object.union(instance("i-5", "optional", "enabled", true), {"state": "terminated"})]}}
	count(rule.applicable) == 0 with input as input_doc
	count(rule.deny) == 0 with input as input_doc
}
