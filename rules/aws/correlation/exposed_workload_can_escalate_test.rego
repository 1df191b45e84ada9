package aws.correlation.exposed_workload_can_escalate_test

import data.aws.correlation.exposed_workload_can_escalate as rule

role_key := "arn:aws:iam::111122223333:role/web"

open_all := {"security_group": "sg-9", "protocol": "all", "from_port": 0, "to_port": 65535, "cidr": "0.0.0.0/0"}

open_https := {"security_group": "sg-8", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "0.0.0.0/0"}

# What facts::reachability computes when every part is known (route true or false) or not (null).
reachability(ingress, route) := {
	"status": status[route],
	"ports": [reached(open) | some open in ingress; route == true],
	"reasons": [], "public_ipv4": ["198.51.100.4"], "ipv6_addresses": [],
}

status := {true: "reachable", false: "not_reachable", null: "unknown"}

reached(open) := {
	"family": "ipv4", "protocol": replace(open.protocol, "all", "tcp"), "from_port": open.from_port,
	"to_port": open.to_port, "security_group": open.security_group, "network_acl_rule": 100,
}

instance(ingress, route) := {
	"key": "i-2", "id": "i-2", "public_ip": "198.51.100.4", "subnet_internet_route": route,
	"world_open_ingress": ingress, "unknown_security_groups": [], "role_status": "resolved", "role_arn": role_key,
	"instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/web", "guardduty_findings": [],
	"internet_reachability": reachability(ingress, route),
}

role(full_admin) := {"key": role_key, "arn": role_key, "name": "web", "full_admin": full_admin, "privileged": full_admin, "escalation_methods": []}

doc(inst, full_admin) := {"network": {"instances": [inst]}, "iam": {"principals": [role(full_admin)]}}

test_deny_exposed_admin_role if {
	results := rule.deny with input as doc(instance([open_all, open_https], true), true)
	count(results) == 1
	some result in results
	result.message == "i-2 is reachable from the internet (198.51.100.4) and its role web is administrator"
	result.evidence.linked_findings == [
		{"rule_id": "NET-017", "resource": "i-2"},
		{"rule_id": "NET-001", "resource": "sg-9"},
		{"rule_id": "NET-003", "resource": "sg-9"},
		{"rule_id": "IAM-001", "resource": role_key},
	]
}

# The NACL lets only 443 in: the group's world-open SSH is not part of this exposure.
test_deny_links_only_the_rules_the_internet_reaches if {
	open_ssh := {"security_group": "sg-7", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0"}
	inst := object.union(instance([open_ssh, open_https], true), {"internet_reachability": reachability([open_https], true)})
	results := rule.deny with input as doc(inst, true)
	some result in results
	result.evidence.linked_findings == [
		{"rule_id": "NET-017", "resource": "i-2"},
		{"rule_id": "IAM-001", "resource": role_key},
	]
}

test_allow_exposed_unprivileged_role if {
	input_doc := doc(instance([open_https], true), false)
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"i-2"} with input as input_doc
}

test_allow_private_subnet_admin_role if {
	count(rule.deny) == 0 with input as doc(instance([open_https], false), true)
}

test_allow_left_to_xc001_when_a_high_finding_exists if {
	finding := {"resource_key": "i-2", "id": "f", "type": "Backdoor:EC2/C&CActivity.B", "severity": 8.0, "count": 1}
	inst := object.union(instance([open_https], true), {"guardduty_findings": [finding]})
	count(rule.applicable) == 0 with input as doc(inst, true)
}

test_missing_routing_is_not_evaluated if {
	input_doc := doc(instance([open_https], null), true)
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_missing_role_is_not_evaluated if {
	inst := object.union(object.remove(instance([open_https], true), ["role_arn"]), {"role_status": "unknown"})
	entries := rule.not_evaluated with input as {"network": {"instances": [inst]}, "iam": {"principals": []}}
	count(entries) == 1
}

test_unknown_routing_and_unknown_role_is_not_evaluated if {
	inst := object.union(object.remove(instance([open_https], null), ["role_arn"]), {"role_status": "unknown"})
	input_doc := {"network": {"instances": [inst]}, "iam": {"principals": []}}
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

test_unknown_routing_with_an_unprivileged_role_passes if {
	input_doc := doc(instance([open_https], null), false)
	count(rule.not_evaluated) == 0 with input as input_doc
}

test_missing_role_policy_is_not_evaluated if {
	unreadable := object.union(role(false), {"unreadable_policies": [{"policy": "inline:web", "reason": "not JSON"}]})
	input_doc := {"network": {"instances": [instance([open_https], true)]}, "iam": {"principals": [unreadable]}}
	count(rule.deny) == 0 with input as input_doc
	rule.not_evaluated == {{"resource": "i-2", "reason": sprintf("what the role %s can do could not be determined", [role_key])}} with input as input_doc
}
