# METADATA
# title: Default security group allows traffic
# description: >-
#   The VPC's default security group has inbound or outbound rules. Resources launched without
#   an explicit group land in it, and by default it lets every member talk to every other
#   member and to the internet: an unplanned path for lateral movement and exfiltration.
# custom:
#   id: NET-004
#   severity: medium
#   pillar: network
#   categories: [lateral-movement]
#   requires: [network]
#   compliance: [cis-aws-4.0:5.4, aws-fsbp:EC2.2, nist-800-53-r5:SC-7, nist-800-53-r5:AC-4]
#   remediation: >-
#     Remove every inbound and outbound rule of the default security group and give each
#     workload its own least-privilege group.
package aws.ec2.default_sg_allows_traffic

applicable contains group.key if {
	some group in input.network.security_groups
	group.is_default == true
}

deny contains {
	"resource": group.key,
	"message": sprintf("default security group %s of %s has %d inbound and %d outbound rule(s)", [group.id, group.vpc_id, group.ingress_rule_count, group.egress_rule_count]),
	"evidence": {"vpc_id": group.vpc_id, "ingress_rules": group.ingress_rule_count, "egress_rules": group.egress_rule_count},
} if {
	some group in input.network.security_groups
	group.is_default == true
	group.ingress_rule_count + group.egress_rule_count > 0
}
