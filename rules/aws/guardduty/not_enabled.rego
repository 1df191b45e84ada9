# METADATA
# title: GuardDuty is not enabled in a region
# description: >-
#   No GuardDuty detector is enabled in a scanned region (none exists, or it is suspended).
#   Threats in that region (credential misuse, crypto-mining, exfiltration) go unnoticed, and
#   attackers know to use the regions nobody watches.
# custom:
#   id: DET-001
#   severity: high
#   pillar: detection
#   categories: [threat-detection]
#   requires: [guardduty]
#   compliance: [aws-fsbp:GuardDuty.1, nist-800-53-r5:SI-4]
#   remediation: >-
#     Enable GuardDuty in every enabled region, preferably organisation-wide from a delegated
#     administrator account with auto-enable for new accounts.
package aws.guardduty.not_enabled

applicable contains region.guardduty_key if {
	some region in input.regions
}

deny contains {
	"resource": region.guardduty_key,
	"message": sprintf("GuardDuty is not enabled in %s%s", [region.region, suffix]),
	"evidence": {"region": region.region, "suspended_detectors": region.guardduty.suspended_detector_ids},
} if {
	some region in input.regions
	region.guardduty.enabled == false
	suffix := suspended_note(region.guardduty)
}

suspended_note(guardduty) := " (detector suspended)" if {
	count(guardduty.suspended_detector_ids) > 0
} else := ""
