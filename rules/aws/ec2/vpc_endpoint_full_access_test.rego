package aws.ec2.vpc_endpoint_full_access_test

import data.aws.ec2.vpc_endpoint_full_access as rule

endpoint(key, state, statements) := {
	"key": key, "id": key, "vpc_id": "vpc-1", "service_name": "com.amazonaws.eu-west-1.s3",
	"endpoint_type": "Gateway", "policy_state": state, "allow_statements": statements,
}

open_statement := {"principals": ["*"], "actions": ["*"], "resources": ["*"], "condition_keys": []}

org_statement := {"principals": ["*"], "actions": ["*"], "resources": ["*"], "condition_keys": ["aws:PrincipalOrgID"]}

test_deny_absent_policy if {
	count(rule.deny) == 1 with input as {"network": {"vpc_endpoints": [endpoint("e1", "absent", [])]}}
}

test_deny_explicit_full_access if {
	results := rule.deny with input as {"network": {"vpc_endpoints": [endpoint("e2", "decoded", [open_statement])]}}
	some result in results
	result.evidence.policy == "full-access"
}

test_allow_org_restricted if {
	input_doc := {"network": {"vpc_endpoints": [endpoint("e3", "decoded", [org_statement])]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"e3"} with input as input_doc
}

test_gateway_load_balancer_not_applicable if {
	glb := object.union(endpoint("e4", "absent", []), {"endpoint_type": "GatewayLoadBalancer"})
	count(rule.applicable) == 0 with input as {"network": {"vpc_endpoints": [glb]}}
}

# An unreadable policy is applicable but never denied: the engine reports it not_evaluated.
test_unreadable_policy_is_not_denied if {
	input_doc := {"network": {"vpc_endpoints": [endpoint("e5", "unreadable", [])]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"e5"} with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}

# AWS says the service takes no endpoint policy: nothing to judge, no false alarm.
test_allow_service_without_policy_support if {
	unsupported := object.union(endpoint("e6", "absent", []), {"policy_supported": false})
	count(rule.applicable) == 0 with input as {"network": {"vpc_endpoints": [unsupported]}}
}
