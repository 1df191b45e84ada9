package aws.ec2.vpc_endpoint_single_az_test

import data.aws.ec2.vpc_endpoint_single_az as rule

endpoint(key, zones) := {"key": key, "id": key, "vpc_id": "vpc-1", "service_name": "com.amazonaws.eu-west-1.kms", "endpoint_type": "Interface", "availability_zones": zones}

test_deny_one_zone if {
	count(rule.deny) == 1 with input as {"network": {"vpc_endpoints": [endpoint("e1", ["eu-west-1a"])]}}
}

test_allow_two_zones if {
	input_doc := {"network": {"vpc_endpoints": [endpoint("e2", ["eu-west-1a", "eu-west-1b"])]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"e2"} with input as input_doc
}

test_missing_subnet_data_is_not_evaluated if {
	input_doc := {"network": {"vpc_endpoints": [endpoint("e3", null)]}}
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
