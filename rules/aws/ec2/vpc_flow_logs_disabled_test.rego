package aws.ec2.vpc_flow_logs_disabled_test

import data.aws.ec2.vpc_flow_logs_disabled as rule

vpc(key, flow_logs) := {"key": key, "id": key, "region": "eu-west-1", "is_default": false, "flow_logs": flow_logs}

test_deny_without_flow_logs if {
	count(rule.deny) == 1 with input as {"network": {"vpcs": [vpc("vpc-1", false)]}}
}

test_allow_with_flow_logs if {
	input_doc := {"network": {"vpcs": [vpc("vpc-2", true)]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"vpc-2"} with input as input_doc
}

test_missing_flow_log_data_is_not_evaluated_never_pass if {
	input_doc := {"network": {"vpcs": [vpc("vpc-3", null)]}}
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	some entry in entries
	entry.resource == "vpc-3"
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
