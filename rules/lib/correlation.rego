# Shared helpers of the correlation (toxic-combination) rules: exposure of an instance, what its
# role can do, and the ids of the single-signal rules each part of a combination comes from.
package lib.correlation

principals := {p.key: p | some p in input.iam.principals}

role_of(instance) := principals[instance.role_arn] if instance.role_status == "resolved"

stopped := {"stopped", "stopping", "terminated", "shutting-down"}

running(instance) if not lower(object.get(instance, "state", "running")) in stopped

# Reachable from the internet: a public address, a route to an internet gateway, and a
# security group open to the world.
exposed(instance) if {
	running(instance)
	instance.public_ip
	instance.subnet_internet_route == true
	count(instance.world_open_ingress) > 0
}

# Whether exposure cannot be decided: a public address but unknown routing or groups.
exposure_unknown(instance) if {
	running(instance)
	instance.public_ip
	instance.subnet_internet_route == null
}

exposure_unknown(instance) if {
	running(instance)
	instance.public_ip
	count(instance.unknown_security_groups) > 0
	count(instance.world_open_ingress) == 0
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

# Findings of the network rules that the exposure consists of.
network_links(instance) := {link |
	some rule in instance.world_open_ingress
	some link in exposure_links(rule)
}

exposure_links(rule) := {{"rule_id": "NET-001", "resource": rule.security_group} | admin_port(rule)} | {{"rule_id": "NET-003", "resource": rule.security_group} | all_ports(rule)}

exposure_evidence(instance) := {
	"public_ip": instance.public_ip,
	"subnet_id": object.get(instance, "subnet_id", null),
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
