package aws.ec2.nacl_admin_port_open_test

import data.aws.ec2.nacl_admin_port_open as rule

acl(key, entries) := {"key": key, "id": key, "vpc_id": "vpc-1", "subnet_ids": [], "world_ingress": entries}

allow_all := {"rule_number": 100, "action": "allow", "protocol": "all", "from_port": 0, "to_port": 65535, "cidr": "0.0.0.0/0"}

deny_ssh := {"rule_number": 90, "action": "deny", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0"}

test_deny_default_allow_all if {
	results := rule.deny with input as {"network": {"network_acls": [acl("acl-1", [allow_all])]}}
	count(results) == 1
	some result in results
	22 in result.evidence.ports
	3389 in result.evidence.ports
}

test_deny_only_ports_not_denied_first if {
	results := rule.deny with input as {"network": {"network_acls": [acl("acl-2", [deny_ssh, allow_all])]}}
	some result in results
	not 22 in result.evidence.ports
	3389 in result.evidence.ports
}

test_allow_admin_ports_denied_first if {
	deny_all_admin := [{"rule_number": n, "action": "deny", "protocol": "tcp", "from_port": p, "to_port": p, "cidr": "0.0.0.0/0"} |
		some i, p in data.posture.params.admin_ports
		n := i + 1
	]
	input_doc := {"network": {"network_acls": [acl("acl-3", array.concat(deny_all_admin, [allow_all]))]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"acl-3"} with input as input_doc
}

test_allow_https_only if {
	https := {"rule_number": 100, "action": "allow", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "0.0.0.0/0"}
	count(rule.deny) == 0 with input as {"network": {"network_acls": [acl("acl-4", [https])]}}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
