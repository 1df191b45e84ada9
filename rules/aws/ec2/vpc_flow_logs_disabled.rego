# METADATA
# title: VPC has no flow logs
# description: >-
#   No active flow log records the VPC's traffic. Without it there is no record of who talked
#   to what: intrusions, lateral movement and exfiltration cannot be detected by GuardDuty's
#   own flow analysis alone, nor investigated afterwards.
# custom:
#   id: NET-007
#   severity: medium
#   pillar: network
#   categories: [logging, threat-detection]
#   requires: [network]
#   compliance: [cis-aws-4.0:3.7, aws-fsbp:EC2.6, nist-800-53-r5:AU-12, nist-800-53-r5:SI-4, nist-800-53-r5:AU-2]
#   remediation: >-
#     Create a flow log for the VPC (at least REJECT traffic, preferably ALL) to CloudWatch Logs
#     or S3, kept as long as your incident-response window.
package aws.ec2.vpc_flow_logs_disabled

applicable contains vpc.key if {
	some vpc in input.network.vpcs
}

deny contains {
	"resource": vpc.key,
	"message": sprintf("%s (%s) in %s has no active flow log", [vpc.id, object.get(vpc, "name", vpc.id), vpc.region]),
	"evidence": {"vpc_id": vpc.id, "is_default": vpc.is_default},
} if {
	some vpc in input.network.vpcs
	vpc.flow_logs == false
}

not_evaluated contains {"resource": vpc.key, "reason": sprintf("flow logs were not collected in %s", [vpc.region])} if {
	some vpc in input.network.vpcs
	vpc.flow_logs == null
}
