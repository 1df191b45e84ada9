package aws.ec2.endpoint_service_acceptance_disabled_test

import data.aws.ec2.endpoint_service_acceptance_disabled as rule

service(key, acceptance) := {"key": key, "id": key, "service_name": "svc", "acceptance_required": acceptance, "allowed_principals": []}

test_deny_no_acceptance if {
	count(rule.deny) == 1 with input as {"network": {"endpoint_services": [service("s1", false)]}}
}

test_allow_acceptance_required if {
	input_doc := {"network": {"endpoint_services": [service("s2", true)]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"s2"} with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
