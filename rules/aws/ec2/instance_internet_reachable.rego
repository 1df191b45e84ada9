# METADATA
# title: EC2 instance is reachable from the internet
# description: >-
#   The internet can open connections to the running instance: it has a public IPv4 address
#   (its own or an Elastic IP) or an IPv6 address, its subnet's route table (the explicit
#   association, else the VPC's main table) routes that family to an internet gateway, a
#   security group allows ingress from 0.0.0.0/0 or ::/0, and the subnet's network ACL lets
#   those ports in from the same range (entries in rule-number order; the NACL's outbound
#   return path is not checked). The evidence lists the reachable ports, with the security
#   group rule and NACL entry of each. A part not in the snapshot makes it not evaluated.
# custom:
#   id: NET-017
#   severity: high
#   pillar: network
#   categories: [internet-exposure]
#   requires: [network]
#   compliance: [aws-fsbp:EC2.9, nist-800-53-r5:SC-7, nist-800-53-r5:AC-4, nist-800-53-r5:AC-21]
#   remediation: >-
#     Put the instance in a private subnet behind a load balancer or reach it through SSM
#     Session Manager; otherwise release its public address, or close the world-open security
#     group rules (the NACL is a second line, not the fix).
package aws.ec2.instance_internet_reachable

import data.lib.correlation as common

running contains instance if {
	some instance in input.network.instances
	common.running(instance)
}

applicable contains instance.key if {
	some instance in running
}

port_text(port) := sprintf("%s %d", [port.protocol, port.from_port]) if {
	port.from_port == port.to_port
} else := sprintf("%s %d-%d", [port.protocol, port.from_port, port.to_port])

addresses(reachability) := array.concat(reachability.public_ipv4, reachability.ipv6_addresses)

admin_ports_reachable(reachability) := sort({port |
	some range in reachability.ports
	range.protocol in {"tcp", "udp"}
	some port in data.posture.params.admin_ports
	range.from_port <= port
	port <= range.to_port
})

deny contains {
	"resource": instance.key,
	"message": sprintf("%s is reachable from the internet at %s on %s", [instance.id, concat(", ", addresses(reachability)), concat(", ", sort({port_text(p) | some p in reachability.ports}))]),
	"evidence": {
		"public_ipv4": reachability.public_ipv4,
		"ipv6_addresses": reachability.ipv6_addresses,
		"subnet_id": object.get(instance, "subnet_id", null),
		"route_table_id": object.get(reachability, "route_table_id", null),
		"network_acl_id": object.get(reachability, "network_acl_id", null),
		"reachable_ports": reachability.ports,
		"admin_ports_reachable": admin_ports_reachable(reachability),
		"notes": reachability.reasons,
	},
} if {
	some instance in running
	reachability := instance.internet_reachability
	reachability.status == "reachable"
}

not_evaluated contains {"resource": instance.key, "reason": sprintf("internet reachability is unknown: %s", [concat("; ", instance.internet_reachability.reasons)])} if {
	some instance in running
	instance.internet_reachability.status == "unknown"
}
