package aws.ec2.vpc_missing_gateway_endpoints_test

import data.aws.ec2.vpc_missing_gateway_endpoints as rule

vpc(key, private, unknown, gateways) := {"key": key, "id": key, "private_subnet_ids": private, "unknown_route_subnet_ids": unknown, "gateway_endpoint_services": gateways}

test_deny_private_subnets_without_s3 if {
	results := rule.deny with input as {"network": {"vpcs": [vpc("v1", ["s1"], [], ["dynamodb"])]}}
	some result in results
	result.evidence.missing == ["s3"]
}

test_allow_both_gateways if {
	input_doc := {"network": {"vpcs": [vpc("v2", ["s1"], [], ["dynamodb", "s3"])]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"v2"} with input as input_doc
}

test_allow_public_only_vpc_not_applicable if {
	count(rule.applicable) == 0 with input as {"network": {"vpcs": [vpc("v3", [], [], [])]}}
}

test_missing_routes_is_not_evaluated if {
	input_doc := {"network": {"vpcs": [vpc("v4", [], ["s9"], [])]}}
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
