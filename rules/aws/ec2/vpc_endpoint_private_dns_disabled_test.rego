package aws.ec2.vpc_endpoint_private_dns_disabled_test

import data.aws.ec2.vpc_endpoint_private_dns_disabled as rule

endpoint(key, type, provider, dns) := {"key": key, "id": key, "vpc_id": "vpc-1", "service_name": "com.amazonaws.eu-west-1.kms", "service": "kms", "endpoint_type": type, "provider": provider, "private_dns_enabled": dns}

test_deny_private_dns_off if {
	count(rule.deny) == 1 with input as {"network": {"vpc_endpoints": [endpoint("e1", "Interface", "aws", false)]}}
}

test_allow_private_dns_on if {
	input_doc := {"network": {"vpc_endpoints": [endpoint("e2", "Interface", "aws", true)]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"e2"} with input as input_doc
}

test_allow_gateway_and_endpoint_services_not_applicable if {
	input_doc := {"network": {"vpc_endpoints": [endpoint("e3", "Gateway", "aws", false), endpoint("e4", "Interface", "endpoint-service", false)]}}
	count(rule.applicable) == 0 with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
