# METADATA
# title: Security Hub FSBP and CIS standards are not enabled
# description: >-
#   Security Hub is on in the region, but a standard listed in `securityhub_required_standards`
#   (AWS Foundational Security Best Practices and the CIS AWS Foundations Benchmark by default)
#   is not enabled. Its controls are not run, so the configuration drift they catch goes
#   unreported.
# custom:
#   id: DET-005
#   severity: medium
#   pillar: detection
#   categories: [compliance-monitoring]
#   requires: [securityhub]
#   compliance: [cis-aws-4.0:4.16, nist-800-53-r5:CA-7, nist-800-53-r5:CA-2]
#   remediation: >-
#     Enable the missing standards (central configuration from the delegated administrator
#     applies them to every account and region).
package aws.securityhub.standards_not_enabled

active := {"READY", "PENDING", "INCOMPLETE"}

applicable contains region.securityhub_key if {
	some region in input.regions
	region.securityhub.enabled == true
}

enabled(region, name) if {
	some standard in region.securityhub.standards
	standard.standard == name
	standard.status in active
}

deny contains {
	"resource": region.securityhub_key,
	"message": sprintf("Security Hub in %s does not run %s", [region.region, concat(", ", missing)]),
	"evidence": {"region": region.region, "missing": missing, "enabled": [s.standard | some s in region.securityhub.standards; s.status in active]},
} if {
	some region in input.regions
	region.securityhub.enabled == true
	is_array(region.securityhub.standards)
	missing := sort({name | some name in data.posture.params.securityhub_required_standards; not enabled(region, name)})
	count(missing) > 0
}

not_evaluated contains {"resource": region.securityhub_key, "reason": sprintf("Security Hub standards were not collected in %s", [region.region])} if {
	some region in input.regions
	region.securityhub.enabled == true
	not is_array(region.securityhub.standards)
}
