# METADATA
# title: Security group allows the internet on all ports
# description: >-
#   An ingress rule allows 0.0.0.0/0 or ::/0 on every protocol, or on every TCP or UDP port.
#   Every service the instances run, including those never meant to be reachable (agents,
#   debug ports, databases bound to all interfaces), is then exposed to the whole internet.
# custom:
#   id: NET-003
#   severity: high
#   pillar: network
#   categories: [internet-exposure]
#   requires: [network]
#   compliance: [cis-aws-4.0:5.2, cis-aws-4.0:5.3, aws-fsbp:EC2.18, aws-fsbp:EC2.19, nist-800-53-r5:SC-7, nist-800-53-r5:AC-4]
#   remediation: >-
#     Replace the rule with rules for the ports the workload serves, from the sources that need
#     them (a load balancer's security group, known address ranges).
package aws.ec2.sg_open_all_ports

applicable contains group.key if {
	some group in input.network.security_groups
}

all_ports(rule) if rule.protocol == "all"

all_ports(rule) if {
	rule.protocol in {"tcp", "udp"}
	rule.from_port == 0
	rule.to_port == 65535
}

deny contains {
	"resource": group.key,
	"message": sprintf("%s (%s) allows %s on all ports (%s)", [group.id, group.name, concat(" and ", sort(cidrs)), concat(", ", sort(protocols))]),
	"evidence": {"open_ingress": open, "vpc_id": group.vpc_id},
} if {
	some group in input.network.security_groups
	open := [rule | some rule in group.world_open_ingress; all_ports(rule)]
	count(open) > 0
	cidrs := {rule.cidr | some rule in open}
	protocols := {rule.protocol | some rule in open}
}
