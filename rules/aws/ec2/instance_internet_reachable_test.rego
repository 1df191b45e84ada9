package aws.ec2.instance_internet_reachable_test

import data.aws.ec2.instance_internet_reachable as rule

ssh := {"family": "ipv4", "protocol": "tcp", "from_port": 22, "to_port": 22, "security_group": "sg-1", "network_acl_rule": 100}

instance(key, status, ports, reasons) := {
	"key": key, "id": key, "state": "running", "subnet_id": "subnet-1",
	"internet_reachability": {
		"status": status, "ports": ports, "reasons": reasons, "public_ipv4": ["198.51.100.7"],
		"ipv6_addresses": [], "route_table_id": "rtb-1", "network_acl_id": "acl-1",
	},
}

test_deny_reachable_ssh if {
	results := rule.deny with input as {"network": {"instances": [instance("i-1", "reachable", [ssh], [])]}}
	count(results) == 1
	some result in results
	result.message == "i-1 is reachable from the internet at 198.51.100.7 on tcp 22"
	result.evidence.admin_ports_reachable == [22]
	result.evidence.network_acl_id == "acl-1"
}

test_allow_not_reachable_and_stopped if {
	stopped := object.union(instance("i-3", "reachable", [ssh], []), {"state": "stopped"})
	input_doc := {"network": {"instances": [instance("i-2", "not_reachable", [], ["IPv4: network ACL acl-1 lets none of the world-open ports in from 0.0.0.0/0"]), stopped]}}
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 0 with input as input_doc
	rule.applicable == {"i-2"} with input as input_doc
}

test_missing_acl_is_not_evaluated if {
	input_doc := {"network": {"instances": [instance("i-4", "unknown", [], ["IPv4: the subnet's network ACL is not in the snapshot"])]}}
	count(rule.deny) == 0 with input as input_doc
	rule.not_evaluated == {{"resource": "i-4", "reason": "internet reachability is unknown: IPv4: the subnet's network ACL is not in the snapshot"}} with input as input_doc
}
