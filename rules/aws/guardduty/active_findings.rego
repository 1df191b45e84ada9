# METADATA
# title: Active GuardDuty findings at or above the severity threshold
# description: >-
#   GuardDuty reports active (not archived) findings of severity `guardduty_min_severity` or
#   more (7.0, GuardDuty's "high", by default) on a resource: likely compromise, such as
#   credential exfiltration, crypto-mining, command-and-control traffic or a backdoor. One
#   result per affected resource, with every such finding's type, count and first and last
#   sighting. A region with none passes.
# custom:
#   id: DET-004
#   severity: high
#   pillar: detection
#   categories: [threat-detection, active-threat]
#   requires: [guardduty]
#   compliance: [nist-800-53-r5:IR-4, nist-800-53-r5:IR-5, nist-800-53-r5:SI-4]
#   remediation: >-
#     Investigate each finding now: isolate the resource, rotate the credentials it holds,
#     look for persistence; archive the finding only when resolved or proven benign (then add
#     a suppression rule for the benign pattern).
package aws.guardduty.active_findings

min_severity := data.posture.params.guardduty_min_severity

high_findings(region) := [f |
	is_array(region.guardduty.findings)
	some f in region.guardduty.findings
	f.severity >= min_severity
]

applicable contains f.resource_key if {
	some region in input.regions
	some f in high_findings(region)
}

# A watched region with no high finding passes as a whole.
applicable contains region.guardduty_key if {
	some region in input.regions
	region.guardduty.enabled == true
	is_array(region.guardduty.findings)
	count(high_findings(region)) == 0
}

applicable contains region.guardduty_key if {
	some region in input.regions
	region.guardduty.enabled == true
	region.guardduty.findings == null
}

not_evaluated contains {"resource": region.guardduty_key, "reason": sprintf("GuardDuty findings were not collected in %s", [region.region])} if {
	some region in input.regions
	region.guardduty.enabled == true
	region.guardduty.findings == null
}

finding_evidence(f) := {
	"id": f.id,
	"type": f.type,
	"severity": f.severity,
	"count": f.count,
	"first_seen": object.get(f, "first_seen", null),
	"last_seen": object.get(f, "last_seen", null),
}

deny contains {
	"resource": key,
	"message": sprintf("%d active GuardDuty finding(s) of severity >= %v: %s", [count(findings), min_severity, concat(", ", sort({f.type | some f in findings}))]),
	"evidence": {"region": region.region, "findings": findings, "max_severity": max([f.severity | some f in findings])},
} if {
	some region in input.regions
	keys := {f.resource_key | some f in high_findings(region)}
	some key in keys
	findings := [finding_evidence(f) | some f in high_findings(region); f.resource_key == key]
}
