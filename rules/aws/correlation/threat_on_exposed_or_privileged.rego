# METADATA
# title: Active high GuardDuty finding on an internet-exposed or privileged workload
# description: >-
#   GuardDuty reports an active finding at or above `guardduty_min_severity` on an instance that
#   is reachable from the internet (NET-017: public address, route to an internet gateway,
#   world-open security group, NACL) or whose instance-profile role is administrator or can
#   escalate to it. A likely compromise with a way in or a way up is an incident, not a backlog
#   item. The evidence links the underlying findings (DET-004 and NET-017 on the instance, NET-001/NET-003
#   on its security groups, IAM-001/IAM-002 on its role).
# custom:
#   id: XC-001
#   severity: critical
#   pillar: detection
#   categories: [toxic-combination, active-threat]
#   requires: [guardduty, network, iam]
#   compliance: [nist-800-53-r5:IR-4, nist-800-53-r5:SI-4, nist-800-53-r5:SC-7, nist-800-53-r5:AC-6]
#   remediation: >-
#     Treat as an incident: isolate the instance (quarantine security group), revoke the role's
#     sessions and detach the profile, snapshot for forensics; then remove the exposure and the
#     role's escalation permissions before restoring service.
package aws.correlation.threat_on_exposed_or_privileged

import data.lib.correlation as common

applicable contains instance.key if {
	some instance in input.network.instances
	count(common.high_findings(instance)) > 0
}

links(instance) := array.concat(
	array.concat([{"rule_id": "DET-004", "resource": instance.key}], sort(network_part(instance))),
	role_part(instance),
)

network_part(instance) := common.network_links(instance) if {
	common.exposed(instance)
} else := set()

role_part(instance) := [{"rule_id": common.identity_rule(role), "resource": role.key}] if {
	role := common.role_of(instance)
	common.can_escalate(role)
} else := []

exposure_texts(instance) := ["is internet-exposed"] if {
	common.exposed(instance)
} else := []

role_texts(instance) := [sprintf("its role %s is administrator", [role.name])] if {
	role := common.role_of(instance)
	common.admin(role)
} else := [sprintf("its role %s can escalate to administrator", [role.name])] if {
	role := common.role_of(instance)
	common.can_escalate(role)
} else := []

exposure_of(instance) := common.exposure_evidence(instance) if {
	common.exposed(instance)
} else := null

role_of(instance) := common.role_evidence(role) if {
	role := common.role_of(instance)
	common.can_escalate(role)
} else := null

deny contains {
	"resource": instance.key,
	"message": sprintf("%s has active GuardDuty finding(s) %s and %s", [instance.id, concat(", ", sort({f.type | some f in findings})), concat(" and ", texts)]),
	"evidence": {
		"linked_findings": links(instance),
		"guardduty_findings": findings,
		"exposure": exposure_of(instance),
		"role": role_of(instance),
	},
} if {
	some instance in input.network.instances
	common.compromised_and_dangerous(instance)
	findings := common.high_findings(instance)
	texts := array.concat(exposure_texts(instance), role_texts(instance))
}

# Neither exposed nor privileged as far as known, but the role or the exposure is unknown.
not_evaluated contains {"resource": instance.key, "reason": "the instance's exposure or role could not be determined"} if {
	some instance in input.network.instances
	count(common.high_findings(instance)) > 0
	not common.compromised_and_dangerous(instance)
	undecided(instance)
}

undecided(instance) if common.exposure_unknown(instance)

undecided(instance) if instance.role_status == "unknown"

undecided(instance) if {
	instance.role_status == "resolved"
	not common.role_of(instance)
}

undecided(instance) if common.role_unknown(common.role_of(instance))
