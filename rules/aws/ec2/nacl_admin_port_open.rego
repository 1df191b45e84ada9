# METADATA
# title: Network ACL allows the internet to an administrative port
# description: >-
#   For an administrative port (`admin_ports` in the rule parameters), the first inbound entry
#   of the network ACL that matches traffic from 0.0.0.0/0 or ::/0 allows it. Network ACLs are
#   the subnet-wide safety net: when they let the world in, one permissive security group is
#   all it takes to expose SSH, RDP or a database.
# custom:
#   id: NET-005
#   severity: medium
#   pillar: network
#   categories: [internet-exposure]
#   requires: [network]
#   compliance: [cis-aws-4.0:5.1, aws-fsbp:EC2.21, nist-800-53-r5:SC-7, nist-800-53-r5:AC-4]
#   remediation: >-
#     Add deny entries for the administrative ports from 0.0.0.0/0 and ::/0 ahead of the broad
#     allow, or narrow the allow to the ports and sources that need it.
package aws.ec2.nacl_admin_port_open

applicable contains acl.key if {
	some acl in input.network.network_acls
}

covers(entry, port) if {
	entry.protocol in {"tcp", "udp", "all"}
	entry.from_port <= port
	port <= entry.to_port
}

# The entry that decides for the world on this port: the lowest-numbered world entry covering it.
open_port(acl, port) := entry if {
	matching := [e | some e in acl.world_ingress; covers(e, port)]
	count(matching) > 0
	entry := matching[0]
	entry.action == "allow"
}

deny contains {
	"resource": acl.key,
	"message": sprintf("%s (%s) allows the internet to port(s) %s", [acl.id, acl.vpc_id, concat(", ", [sprintf("%d", [p]) | some p in ports])]),
	"evidence": {"ports": ports, "entries": entries, "subnet_ids": acl.subnet_ids},
} if {
	some acl in input.network.network_acls
	count(acl.world_ingress) > 0
	# Each admin port's deciding entry, computed once.
	decided := {port: entry | some port in data.posture.params.admin_ports; entry := open_port(acl, port)}
	count(decided) > 0
	ports := sort(object.keys(decided))
	entries := {entry | some entry in decided}
}
