package aws.ec2.vpc_endpoint_not_perimeter_test

import data.aws.ec2.vpc_endpoint_not_perimeter as rule

endpoint(key, service, state, statements) := {
	"key": key, "id": key, "vpc_id": "vpc-1", "service_name": sprintf("com.amazonaws.eu-west-1.%s", [service]),
	"provider": "aws", "service": service, "endpoint_type": "Interface", "policy_state": state,
	"allow_statements": statements,
}

statement(principals, conditions) := {"principals": principals, "actions": ["*"], "resources": ["*"], "condition_keys": [c.key | some c in conditions], "conditions": conditions}

org_condition(org) := {"operator": "StringEquals", "key": "aws:principalorgid", "values": [org]}

doc(endpoints) := {"account": {"id": "111122223333"}, "network": {"vpc_endpoints": endpoints}}

test_deny_open_statement if {
	count(rule.deny) == 1 with input as doc([endpoint("e1", "s3", "decoded", [statement(["*"], [])])])
}

test_deny_absent_policy if {
	count(rule.deny) == 1 with input as doc([endpoint("e2", "kms", "absent", [])])
}

test_deny_other_account_principal if {
	count(rule.deny) == 1 with input as doc([endpoint("e3", "sts", "decoded", [statement(["arn:aws:iam::999988887777:root"], [])])])
}

test_deny_org_id_other_than_ours if {
	input_doc := doc([endpoint("e4", "s3", "decoded", [statement(["*"], [org_condition("o-evil")])])])
	count(rule.deny) == 1 with input as input_doc with data.posture.params.organization_id as "o-acme12345"
}

test_deny_negated_condition if {
	negated := {"operator": "StringNotEquals", "key": "aws:principalorgid", "values": ["o-acme12345"]}
	count(rule.deny) == 1 with input as doc([endpoint("e5", "s3", "decoded", [statement(["*"], [negated])])])
}

test_allow_principal_org_id if {
	input_doc := doc([endpoint("e6", "s3", "decoded", [statement(["*"], [org_condition("o-acme12345")])])])
	count(rule.deny) == 0 with input as input_doc with data.posture.params.organization_id as "o-acme12345"
	rule.applicable == {"e6"} with input as input_doc
}

test_allow_principal_account_trusted if {
	condition := {"operator": "StringEquals", "key": "aws:principalaccount", "values": ["444455556666"]}
	input_doc := doc([endpoint("e7", "s3", "decoded", [statement(["*"], [condition])])])
	count(rule.deny) == 0 with input as input_doc with data.posture.params.trusted_account_ids as ["444455556666"]
}

test_allow_own_account_principals if {
	count(rule.deny) == 0 with input as doc([endpoint("e8", "sqs", "decoded", [statement(["arn:aws:iam::111122223333:role/app"], [])])])
}

test_allow_unsupported_service_is_not_judged if {
	input_doc := doc([endpoint("e9", "ssmmessages", "absent", [])])
	count(rule.deny) == 0 with input as input_doc
	count(rule.applicable) == 0 with input as input_doc
}

test_allow_gateway_load_balancer_is_not_judged if {
	glb := object.union(endpoint("e10", "x", "absent", []), {"endpoint_type": "GatewayLoadBalancer", "provider": "endpoint-service"})
	count(rule.applicable) == 0 with input as doc([glb])
}

test_unreadable_policy_is_not_denied if {
	input_doc := doc([endpoint("e11", "s3", "unreadable", [])])
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"e11"} with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}

# AWS says the service takes no endpoint policy: nothing to judge, no false alarm.
test_allow_service_without_policy_support if {
	unsupported := object.union(endpoint("e-np", "s3", "absent", []), {"policy_supported": false})
	count(rule.applicable) == 0 with input as {"network": {"vpc_endpoints": [unsupported]}}
}
