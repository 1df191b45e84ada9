package aws.ec2.sg_admin_port_open_test

import data.aws.ec2.sg_admin_port_open as rule

group(key, ingress) := {"key": key, "id": key, "name": "web", "world_open_ingress": ingress}

test_deny_ssh_open_to_world if {
	input_doc := {"network": {"security_groups": [group("sg-1", [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0"}])]}}
	results := rule.deny with input as input_doc
	count(results) == 1
	some result in results
	result.evidence.admin_ports == [22]
}

test_deny_all_traffic_from_ipv6_world if {
	input_doc := {"network": {"security_groups": [group("sg-2", [{"protocol": "all", "from_port": 0, "to_port": 65535, "cidr": "::/0"}])]}}
	count(rule.deny) == 1 with input as input_doc
}

test_allow_https_open_to_world if {
	input_doc := {"network": {"security_groups": [group("sg-3", [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "0.0.0.0/0"}])]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"sg-3"} with input as input_doc
}

test_allow_icmp_is_not_a_port if {
	input_doc := {"network": {"security_groups": [group("sg-4", [{"protocol": "icmp", "from_port": 0, "to_port": 65535, "cidr": "0.0.0.0/0"}])]}}
	count(rule.deny) == 0 with input as input_doc
}

test_admin_ports_come_from_parameters if {
	input_doc := {"network": {"security_groups": [group("sg-5", [{"protocol": "tcp", "from_port": 8443, "to_port": 8443, "cidr": "0.0.0.0/0"}])]}}
	count(rule.deny) == 1 with input as input_doc with data.posture.params.admin_ports as [8443]
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}

test_a_range_over_several_admin_ports_is_listed_once if {
	input_doc := {"network": {"security_groups": [group("sg-6", [{"protocol": "tcp", "from_port": 0, "to_port": 65535, "cidr": "0.0.0.0/0"}])]}}
	some result in rule.deny with input as input_doc
	count(result.evidence.open_ingress) == 1
	count(result.evidence.admin_ports) == count(data.posture.params.admin_ports)
}
