# METADATA
# title: AWS Config rule is non-compliant
# description: >-
#   An AWS Config rule (managed, custom or from a conformance pack) reports NON_COMPLIANT
#   resources. Each rule becomes one result, so the organisation's own Config rules count in
#   the posture score and gate.
# custom:
#   id: DET-008
#   severity: medium
#   pillar: detection
#   categories: [compliance-monitoring]
#   requires: [config]
#   compliance: [nist-800-53-r5:CA-7, nist-800-53-r5:CM-6]
#   remediation: >-
#     Fix the non-compliant resources the rule names in the Config console (or attach an
#     automatic remediation), or change the rule if it no longer reflects policy.
package aws.config.noncompliant_rules

judged := {"COMPLIANT", "NON_COMPLIANT", "INSUFFICIENT_DATA"}

applicable contains rule.key if {
	some region in input.regions
	is_array(region.config.rules)
	some rule in region.config.rules
	rule.compliance in judged
}

applicable contains region.config_key if {
	some region in input.regions
	region.config != null
	region.config.rules == null
}

deny contains {
	"resource": rule.key,
	"message": sprintf("Config rule %s is NON_COMPLIANT in %s", [rule.name, region.region]),
	"evidence": {"rule": rule.name, "region": region.region, "compliance": rule.compliance},
} if {
	some region in input.regions
	is_array(region.config.rules)
	some rule in region.config.rules
	rule.compliance == "NON_COMPLIANT"
}

not_evaluated contains {"resource": rule.key, "reason": sprintf("Config rule %s has insufficient data", [rule.name])} if {
	some region in input.regions
	is_array(region.config.rules)
	some rule in region.config.rules
	rule.compliance == "INSUFFICIENT_DATA"
}

not_evaluated contains {"resource": region.config_key, "reason": sprintf("Config rule compliance was not collected in %s", [region.region])} if {
	some region in input.regions
	region.config != null
	region.config.rules == null
}
