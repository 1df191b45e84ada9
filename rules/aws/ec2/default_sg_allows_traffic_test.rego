package aws.ec2.default_sg_allows_traffic_test

import data.aws.ec2.default_sg_allows_traffic as rule

group(key, is_default, ingress, egress) := {"key": key, "id": key, "vpc_id": "vpc-1", "is_default": is_default, "ingress_rule_count": ingress, "egress_rule_count": egress}

test_deny_default_group_with_rules if {
	count(rule.deny) == 1 with input as {"network": {"security_groups": [group("sg-d", true, 1, 1)]}}
}

test_allow_empty_default_group if {
	input_doc := {"network": {"security_groups": [group("sg-d", true, 0, 0)]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"sg-d"} with input as input_doc
}

test_allow_other_groups_are_not_applicable if {
	count(rule.applicable) == 0 with input as {"network": {"security_groups": [group("sg-x", false, 3, 1)]}}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
