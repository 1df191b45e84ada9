# METADATA
# title: Internet-exposed workload whose role can escalate to administrator
# description: >-
#   An instance reachable from the internet (NET-017: a public address, a route to an internet
#   gateway, a world-open security group and a NACL that lets it in) runs with an
#   instance-profile role that is administrator or can
#   make itself administrator. One exploited vulnerability in what the instance serves hands
#   the attacker the account through the instance metadata credentials. Instances that XC-001
#   already reports (an active high GuardDuty finding on top) are left to it, so one workload
#   gives one critical finding. The evidence links the network and identity findings.
# custom:
#   id: XC-002
#   severity: critical
#   pillar: network
#   categories: [toxic-combination, internet-exposure, privilege-escalation]
#   requires: [network, iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:SC-7, nist-800-53-r5:AC-4]
#   remediation: >-
#     Remove the exposure (put the instance behind a load balancer in private subnets, close
#     world-open ports) or strip the role to what the workload needs (no IAM writes, scoped
#     iam:PassRole), and require IMDSv2.
package aws.correlation.exposed_workload_can_escalate

import data.lib.correlation as common

applicable contains instance.key if {
	some instance in input.network.instances
	instance.role_status != "none"
	not common.compromised_and_dangerous(instance)
}

deny contains {
	"resource": instance.key,
	"message": sprintf("%s is reachable from the internet (%s) and its role %s %s", [
		instance.id, concat(", ", common.public_addresses(instance)), role.name, role_text(role),
	]),
	"evidence": {
		"linked_findings": array.concat(sort(common.network_links(instance)), [{"rule_id": common.identity_rule(role), "resource": role.key}]),
		"exposure": common.exposure_evidence(instance),
		"role": common.role_evidence(role),
	},
} if {
	some instance in input.network.instances
	not common.compromised_and_dangerous(instance)
	common.exposed(instance)
	role := common.role_of(instance)
	common.can_escalate(role)
}

role_text(role) := "is administrator" if {
	common.admin(role)
} else := "can escalate to administrator"

not_evaluated contains {"resource": instance.key, "reason": reason} if {
	some instance in input.network.instances
	instance.role_status != "none"
	not common.compromised_and_dangerous(instance)
	reason := undecided(instance)
}

undecided(instance) := sprintf("instance profile %s carries no role in the IAM data", [instance.instance_profile_arn]) if {
	common.exposed(instance)
	not common.role_of(instance)
} else := sprintf("what the role %s can do could not be determined", [role.key]) if {
	common.exposed(instance)
	role := common.role_of(instance)
	common.role_unknown(role)
} else := "the instance's exposure could not be determined" if {
	common.exposure_unknown(instance)
	not role_cannot_escalate(instance)
}

# Unknown stays unknown: only a known role that cannot escalate settles an unknown exposure.
role_cannot_escalate(instance) if {
	role := common.role_of(instance)
	not common.can_escalate(role)
	not common.role_unknown(role)
}
