# METADATA
# title: Security Hub control is failing
# description: >-
#   A Security Hub security control reports FAILED: at least one resource does not meet it.
#   Each control becomes one result here, with its id, title, Security Hub severity and the
#   failing resources, so that Security Hub's own checks count in the posture score and gate.
# custom:
#   id: DET-006
#   severity: medium
#   pillar: detection
#   categories: [compliance-monitoring]
#   requires: [securityhub]
#   compliance: [nist-800-53-r5:CA-7, nist-800-53-r5:RA-5]
#   remediation: >-
#     Follow the control's remediation in the Security Hub documentation for each failing
#     resource, or suppress the findings with a documented reason.
package aws.securityhub.failed_controls

judged := {"PASSED", "FAILED", "WARNING"}

applicable contains control.key if {
	some region in input.regions
	region.securityhub.enabled == true
	is_array(region.securityhub.controls)
	some control in region.securityhub.controls
	control.status in judged
}

applicable contains region.securityhub_key if {
	some region in input.regions
	region.securityhub.enabled == true
	region.securityhub.controls == null
}

deny contains {
	"resource": control.key,
	"message": sprintf("%s %s (%s): %d failing resource(s)", [control.id, control.title, control.severity, count(control.failed_resources)]),
	"evidence": {"control_id": control.id, "title": control.title, "severity": control.severity, "region": region.region, "resources": control.failed_resources},
} if {
	some region in input.regions
	region.securityhub.enabled == true
	is_array(region.securityhub.controls)
	some control in region.securityhub.controls
	control.status == "FAILED"
}

not_evaluated contains {"resource": control.key, "reason": sprintf("Security Hub reports %s WARNING: the check could not complete", [control.id])} if {
	some region in input.regions
	is_array(region.securityhub.controls)
	some control in region.securityhub.controls
	control.status == "WARNING"
}

not_evaluated contains {"resource": region.securityhub_key, "reason": sprintf("Security Hub controls were not collected in %s", [region.region])} if {
	some region in input.regions
	region.securityhub.enabled == true
	region.securityhub.controls == null
}
