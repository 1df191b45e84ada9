# METADATA
# title: Security Hub is not enabled in a region
# description: >-
#   Security Hub is not enabled in a scanned region, so findings from GuardDuty, Inspector,
#   Config and partner tools in that region are not aggregated, scored or forwarded.
# custom:
#   id: DET-002
#   severity: medium
#   pillar: detection
#   categories: [threat-detection]
#   requires: [securityhub]
#   compliance: [nist-800-53-r5:SI-4, nist-800-53-r5:CA-7]
#   remediation: >-
#     Enable Security Hub in every enabled region (organisation-wide from the delegated
#     administrator), with cross-region aggregation into one home region.
package aws.securityhub.not_enabled

applicable contains region.securityhub_key if {
	some region in input.regions
}

deny contains {
	"resource": region.securityhub_key,
	"message": sprintf("Security Hub is not enabled in %s", [region.region]),
	"evidence": {"region": region.region},
} if {
	some region in input.regions
	region.securityhub.enabled == false
}
