# METADATA
# title: GuardDuty protection features are off
# description: >-
#   GuardDuty is enabled in the region but a protection plan listed in
#   `guardduty_required_features` (S3 data events, EKS audit logs, RDS login events, EBS
#   malware protection, runtime monitoring by default) is not enabled on any detector. The
#   foundational detector only reads CloudTrail management events, VPC flow logs and DNS logs:
#   data access, container, database and on-host threats go unseen. A detector that answers
#   with the older `DataSources` instead of `Features` (older detectors, some emulators) is
#   judged on the features those cover; the rest are not evaluated unless one is already off.
# custom:
#   id: DET-003
#   severity: medium
#   pillar: detection
#   categories: [threat-detection]
#   requires: [guardduty]
#   compliance: [aws-fsbp:GuardDuty.5, aws-fsbp:GuardDuty.7, aws-fsbp:GuardDuty.8, aws-fsbp:GuardDuty.9, aws-fsbp:GuardDuty.10, aws-fsbp:GuardDuty.11, nist-800-53-r5:SI-4, nist-800-53-r5:SI-3]
#   remediation: >-
#     Enable the missing protection plans on the detector (organisation-wide with auto-enable
#     from the delegated administrator).
package aws.guardduty.features_disabled

enabled_detectors(region) := [d | some d in region.guardduty.detectors; d.enabled == true]

applicable contains region.guardduty_key if {
	some region in input.regions
	region.guardduty.enabled == true
}

# Features were reported by at least one enabled detector.
reported(region) if {
	some d in enabled_detectors(region)
	count(d.features) > 0
}

feature_on(region, feature) if {
	some d in enabled_detectors(region)
	d.features[feature] == "ENABLED"
}

# A full Features answer lists every feature (absent is off); the older DataSources answer
# knows only the features it covers.
known(region, feature) if {
	some d in enabled_detectors(region)
	d.features_from == "features"
}

known(region, feature) if {
	some d in enabled_detectors(region)
	d.features[feature]
}

missing(region) := {f | some f in data.posture.params.guardduty_required_features; not feature_on(region, f)}

off(region) := sort({f | some f in missing(region); known(region, f)})

unknown(region) := sort({f | some f in missing(region); not known(region, f)})

deny contains {
	"resource": region.guardduty_key,
	"message": sprintf("GuardDuty in %s runs without %s", [region.region, concat(", ", found)]),
	"evidence": {"region": region.region, "disabled_features": found, "unknown_features": unknown(region), "detectors": [{"id": d.id, "features": d.features, "features_from": d.features_from} | some d in enabled_detectors(region)]},
} if {
	some region in input.regions
	region.guardduty.enabled == true
	reported(region)
	found := off(region)
	count(found) > 0
}

not_evaluated contains {"resource": region.guardduty_key, "reason": sprintf("the detector's features were not collected in %s", [region.region])} if {
	some region in input.regions
	region.guardduty.enabled == true
	not reported(region)
}

not_evaluated contains {"resource": region.guardduty_key, "reason": sprintf("the detector in %s answers with DataSources only, which do not cover %s", [region.region, concat(", ", gaps)])} if {
	some region in input.regions
	region.guardduty.enabled == true
	reported(region)
	count(off(region)) == 0
	gaps := unknown(region)
	count(gaps) > 0
}
