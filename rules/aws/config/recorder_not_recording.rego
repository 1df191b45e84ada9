# METADATA
# title: AWS Config is not recording every resource
# description: >-
#   In a scanned region there is no configuration recorder, it is stopped, it records only some
#   resource types, or it has no delivery channel; or no region of the account records global
#   resources (IAM). Without a complete configuration history, changes cannot be audited or
#   investigated, and Config rules and Security Hub controls that depend on it do not run.
# custom:
#   id: DET-007
#   severity: medium
#   pillar: detection
#   categories: [logging, compliance-monitoring]
#   requires: [config]
#   compliance: [cis-aws-4.0:3.3, aws-fsbp:Config.1, nist-800-53-r5:CM-8, nist-800-53-r5:CM-3, nist-800-53-r5:AU-12]
#   remediation: >-
#     Create and start a recorder for all supported resource types with a delivery channel in
#     every enabled region, recording global resources in exactly one of them.
package aws.config.recorder_not_recording

applicable contains region.config_key if {
	some region in input.regions
}

# The account-wide check on global resources, once Config data exists anywhere.
applicable contains "account" if {
	some region in input.regions
	region.config != null
}

problems(config) := ["no configuration recorder"] if {
	count(config.recorders) == 0
} else := array.concat(array.concat(not_recording(config), partial(config)), no_channel(config))

not_recording(config) := ["no recorder is recording"] if {
	not any_recording(config)
} else := []

partial(config) := ["no recording recorder records all supported resource types"] if {
	any_recording(config)
	not any_complete(config)
} else := []

no_channel(config) := ["no delivery channel"] if {
	count(config.delivery_channels) == 0
} else := []

any_recording(config) if {
	some r in config.recorders
	r.recording == true
}

any_complete(config) if {
	some r in config.recorders
	r.recording == true
	r.all_supported == true
}

records_global(region) if {
	some r in region.config.recorders
	r.recording == true
	r.include_global_resource_types == true
}

deny contains {
	"resource": region.config_key,
	"message": sprintf("AWS Config in %s: %s", [region.region, concat("; ", found)]),
	"evidence": {"region": region.region, "problems": found, "recorders": region.config.recorders},
} if {
	some region in input.regions
	region.config != null
	found := problems(region.config)
	count(found) > 0
}

deny contains {
	"resource": "account",
	"message": "no AWS Config recorder records global resource types (IAM) in any region",
	"evidence": {"regions": [r.region | some r in input.regions; r.config != null]},
} if {
	some region in input.regions
	region.config != null
	every r in input.regions {
		r.config != null
		not records_global(r)
	}
}

not_evaluated contains {"resource": "account", "reason": "AWS Config was not collected in every region, so global recording cannot be ruled out"} if {
	some region in input.regions
	region.config != null
	some other in input.regions
	other.config == null
	not any_global
}

any_global if {
	some r in input.regions
	records_global(r)
}
