package aws.ec2.endpoint_service_private_dns_unverified_test

import data.aws.ec2.endpoint_service_private_dns_unverified as rule

service(key, verified) := {"key": key, "id": key, "private_dns_name": "svc.example.com", "private_dns_verified": verified}

test_deny_unverified if {
	count(rule.deny) == 1 with input as {"network": {"endpoint_services": [service("s1", false)]}}
}

test_allow_verified if {
	input_doc := {"network": {"endpoint_services": [service("s2", true)]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"s2"} with input as input_doc
}

test_allow_no_private_dns_name_not_applicable if {
	count(rule.applicable) == 0 with input as {"network": {"endpoint_services": [{"key": "s3", "id": "s3"}]}}
}

test_missing_verification_is_not_evaluated if {
	entries := rule.not_evaluated with input as {"network": {"endpoint_services": [service("s4", null)]}}
	count(entries) == 1
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
