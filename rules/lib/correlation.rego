# Shared helpers of the correlation (toxic-combination) rules: exposure of an instance, what its
# role can do, and the ids of the single-signal rules each part of a combination comes from.
package lib.correlation

principals := {p.key: p | some p in input.iam.principals}

role_of(instance) := principals[instance.role_arn] if instance.role_status == "resolved"

stopped := {"stopped", "stopping", "terminated", "shutting-down"}

running(instance) if not lower(object.get(instance, "state", "running")) in stopped

# Reachable from the internet, as computed in Rust (facts::reachability: the public address,
# the route to an internet gateway, the security groups and the NACL together; NET-017).
exposed(instance) if {
	running(instance)
	instance.internet_reachability.status == "reachable"
}

# Whether exposure cannot be decided: a part of the path is not in the snapshot.
exposure_unknown(instance) if {
	running(instance)
	instance.internet_reachability.status == "unknown"
}

# The same judgement as IAM-002: a `self` method that is not mere self-service, or acting on
# every existing workload.
escalates(method) if {
	method.kind == "self"
	not self_service(method)
}

escalates(method) if {
	method.kind == "existing_compute"
	method.unscoped == true
}

self_service(method) if {
	method.ignore_when_only_on_self == true
	method.only_on_self == true
}

admin(principal) if principal.full_admin == true

admin(principal) if principal.privileged == true

can_escalate(principal) if admin(principal)

can_escalate(principal) if principal.path_to_privileged

can_escalate(principal) if {
	some method in object.get(principal, "escalation_methods", [])
	escalates(method)
}

# Whether what the role can do cannot be decided: a policy or its boundary cannot be read, or a
# path may run through data that cannot be read (IAM-002 is not evaluated on it either).
role_unknown(principal) if {
	not can_escalate(principal)
	count(object.get(principal, "unreadable_policies", [])) > 0
}

role_unknown(principal) if {
	not can_escalate(principal)
	is_string(object.get(principal, "escalation_unknown", null))
}

role_unknown(principal) if {
	not can_escalate(principal)
	object.get(principal, "permissions_boundary_unreadable", false) == true
}

identity_rule(principal) := "IAM-001" if {
	principal.full_admin == true
} else := "IAM-002"

all_ports(rule) if rule.protocol == "all"

all_ports(rule) if {
	rule.protocol in {"tcp", "udp"}
	rule.from_port == 0
	rule.to_port == 65535
}

admin_port(rule) if {
	rule.protocol in {"tcp", "udp", "all"}
	some port in data.posture.params.admin_ports
	rule.from_port <= port
	port <= rule.to_port
}

# Findings of the network rules that the exposure consists of: NET-017 on the instance, and
# NET-001/NET-003 on the security groups whose world-open rules the internet actually reaches.
network_links(instance) := {{"rule_id": "NET-017", "resource": instance.key}} | {link |
	some rule in instance.world_open_ingress
	reached(instance, rule)
	some link in exposure_links(instance, rule)
}

reached(instance, rule) if {
	some port in instance.internet_reachability.ports
	port.security_group == rule.security_group
	port.family == family(rule.cidr)
	port.from_port <= rule.to_port
	rule.from_port <= port.to_port
}

family(cidr) := "ipv6" if contains(cidr, ":") else := "ipv4"

exposure_links(instance, rule) := {{"rule_id": "NET-001", "resource": rule.security_group} | admin_port_reached(instance, rule)} | {{"rule_id": "NET-003", "resource": rule.security_group} | all_ports(rule)}

# An admin port of the rule's range that a reachable range of the same group covers.
admin_port_reached(instance, rule) if {
	admin_port(rule)
	some port in instance.internet_reachability.ports
	port.security_group == rule.security_group
	port.protocol in {"tcp", "udp"}
	some number in data.posture.params.admin_ports
	rule.from_port <= number
	number <= rule.to_port
	port.from_port <= number
	number <= port.to_port
}

public_addresses(instance) := array.concat(instance.internet_reachability.public_ipv4, instance.internet_reachability.ipv6_addresses)

exposure_evidence(instance) := {
	"public_ip": object.get(instance, "public_ip", null),
	"subnet_id": object.get(instance, "subnet_id", null),
	"reachable_ports": instance.internet_reachability.ports,
	"world_open_ingress": instance.world_open_ingress,
}

role_evidence(principal) := {
	"arn": principal.arn,
	"full_admin": principal.full_admin,
	"privileged": principal.privileged,
	"escalation_methods": [m.id | some m in object.get(principal, "escalation_methods", []); escalates(m)],
	"path_to_privileged": object.get(principal, "path_to_privileged", null),
}

high_findings(instance) := [f |
	is_array(instance.guardduty_findings)
	some f in instance.guardduty_findings
	f.severity >= data.posture.params.guardduty_min_severity
]

# XC-001's combination: an active high finding on a workload that is exposed or whose role can escalate.
compromised_and_dangerous(instance) if {
	count(high_findings(instance)) > 0
	exposed(instance)
}

compromised_and_dangerous(instance) if {
	count(high_findings(instance)) > 0
	can_escalate(role_of(instance))
}
