# METADATA
# title: Security group allows the internet to an administrative port
# description: >-
#   An ingress rule allows 0.0.0.0/0 or ::/0 to a port used for administration or data stores
#   (SSH, RDP, databases, caches; the list is `admin_ports` in the rule parameters). Such ports
#   are scanned and brute-forced within minutes of exposure.
# custom:
#   id: NET-001
#   severity: high
#   pillar: network
#   categories: [internet-exposure]
#   requires: [network]
#   compliance: [cis-aws-4.0:5.2, cis-aws-4.0:5.3, aws-fsbp:EC2.53, aws-fsbp:EC2.54, nist-800-53-r5:SC-7]
#   remediation: >-
#     Remove the world-open rule; reach instances through SSM Session Manager, a VPN or a
#     bastion restricted to known addresses.
package aws.ec2.sg_admin_port_open

applicable contains group.key if {
	some group in input.network.security_groups
}

# The administrative ports one world-open ingress rule reaches (computed once per rule).
admin_ports_of(rule) := {port |
	rule.protocol in {"tcp", "udp", "all"}
	some port in data.posture.params.admin_ports
	rule.from_port <= port
	port <= rule.to_port
}

deny contains {
	"resource": group.key,
	"message": sprintf("%s (%s) allows %s to port(s) %s", [group.id, group.name, concat(" and ", cidrs), concat(", ", [sprintf("%d", [p]) | some p in ports])]),
	"evidence": {"open_ingress": exposures, "admin_ports": ports},
} if {
	some group in input.network.security_groups
	count(group.world_open_ingress) > 0
	reached := [[rule, admin_ports_of(rule)] | some rule in group.world_open_ingress]
	exposures := [pair[0] | some pair in reached; count(pair[1]) > 0]
	count(exposures) > 0
	ports := sort({port | some pair in reached; some port in pair[1]})
	cidrs := {rule.cidr | some rule in exposures}
}
