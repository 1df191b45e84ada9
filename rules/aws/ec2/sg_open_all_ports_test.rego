package aws.ec2.sg_open_all_ports_test

import data.aws.ec2.sg_open_all_ports as rule

group(key, ingress) := {"key": key, "id": key, "name": "app", "vpc_id": "vpc-1", "world_open_ingress": ingress}

test_deny_all_protocols_from_world if {
	input_doc := {"network": {"security_groups": [group("sg-1", [{"protocol": "all", "from_port": 0, "to_port": 65535, "cidr": "0.0.0.0/0"}])]}}
	results := rule.deny with input as input_doc
	count(results) == 1
}

test_deny_every_tcp_port_from_ipv6_world if {
	input_doc := {"network": {"security_groups": [group("sg-2", [{"protocol": "tcp", "from_port": 0, "to_port": 65535, "cidr": "::/0"}])]}}
	count(rule.deny) == 1 with input as input_doc
}

test_allow_single_port if {
	input_doc := {"network": {"security_groups": [group("sg-3", [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "0.0.0.0/0"}])]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"sg-3"} with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
