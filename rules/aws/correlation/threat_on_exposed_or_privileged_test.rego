package aws.correlation.threat_on_exposed_or_privileged_test

import data.aws.correlation.threat_on_exposed_or_privileged as rule

role_key := "arn:aws:iam::111122223333:role/app"

open_ssh := {"security_group": "sg-1", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0"}

high := {"resource_key": "i-1", "id": "f1", "type": "Backdoor:EC2/C&CActivity.B", "severity": 8.0, "count": 2}

# Reachable (as facts::reachability says) exactly when it has a public address and open ingress.
reachability(public_ip, ingress) := {"status": "reachable", "ports": [object.union(open, {"family": "ipv4", "network_acl_rule": 100}) | some open in ingress], "reasons": [], "public_ipv4": [public_ip], "ipv6_addresses": []} if {
	public_ip != ""
	count(ingress) > 0
} else := {"status": "not_reachable", "ports": [], "reasons": ["IPv4: no public IPv4 address"], "public_ipv4": [], "ipv6_addresses": []}

instance(public_ip, ingress, findings) := {
	"key": "i-1", "id": "i-1", "state": "running", "public_ip": public_ip, "subnet_internet_route": true,
	"world_open_ingress": ingress, "unknown_security_groups": [], "role_status": "resolved", "role_arn": role_key,
	"guardduty_findings": findings, "internet_reachability": reachability(public_ip, ingress),
}

role(escalation) := {"key": role_key, "arn": role_key, "name": "app", "full_admin": false, "privileged": false, "escalation_methods": escalation}

method := {"id": "AttachRolePolicy", "kind": "self", "only_on_self": false, "ignore_when_only_on_self": false, "unscoped": true}

doc(inst, escalation) := {"network": {"instances": [inst]}, "iam": {"principals": [role(escalation)]}}

test_deny_exposed_escalating_instance_with_high_finding_links_all_three if {
	results := rule.deny with input as doc(instance("203.0.113.7", [open_ssh], [high]), [method])
	count(results) == 1
	some result in results
	result.evidence.linked_findings == [
		{"rule_id": "DET-004", "resource": "i-1"},
		{"rule_id": "NET-017", "resource": "i-1"},
		{"rule_id": "NET-001", "resource": "sg-1"},
		{"rule_id": "IAM-002", "resource": role_key},
	]
}

test_missing_exposure_data_is_not_evaluated if {
	unknown := object.union(instance("203.0.113.7", [open_ssh], [high]), {"internet_reachability": {"status": "unknown", "ports": [], "reasons": ["IPv4: the subnet's network ACL is not in the snapshot"], "public_ipv4": ["203.0.113.7"], "ipv6_addresses": []}})
	input_doc := doc(unknown, [])
	count(rule.deny) == 0 with input as input_doc
	count(rule.not_evaluated) == 1 with input as input_doc
}

test_deny_private_instance_with_escalating_role if {
	results := rule.deny with input as doc(instance("", [], [high]), [method])
	some result in results
	result.evidence.exposure == null
	result.message == "i-1 has active GuardDuty finding(s) Backdoor:EC2/C&CActivity.B and its role app can escalate to administrator"
	count(result.evidence.linked_findings) == 2
}

test_allow_high_finding_on_private_unprivileged_instance if {
	input_doc := doc(object.remove(instance("", [], [high]), ["public_ip"]), [])
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"i-1"} with input as input_doc
}

test_allow_low_finding_is_not_applicable if {
	low := object.union(high, {"severity": 4.0})
	count(rule.applicable) == 0 with input as doc(instance("203.0.113.7", [open_ssh], [low]), [method])
}

test_missing_role_data_is_not_evaluated if {
	inst := object.union(object.remove(instance("", [], [high]), ["public_ip", "role_arn"]), {"role_status": "unknown"})
	input_doc := {"network": {"instances": [inst]}}
	count(rule.deny) == 0 with input as input_doc
	entries := rule.not_evaluated with input as input_doc
	count(entries) == 1
}

# A role whose policy cannot be read may escalate: never a pass.
test_missing_role_policy_is_not_evaluated if {
	unreadable := object.union(role([]), {"unreadable_policies": [{"policy": "inline:ops", "reason": "not JSON"}]})
	input_doc := {"network": {"instances": [instance("", [], [high])]}, "iam": {"principals": [unreadable]}}
	count(rule.deny) == 0 with input as input_doc
	rule.not_evaluated == {{"resource": "i-1", "reason": "the instance's exposure or role could not be determined"}} with input as input_doc
}
