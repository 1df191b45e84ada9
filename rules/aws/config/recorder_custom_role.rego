# METADATA
# title: AWS Config recorder does not use the service-linked role
# description: >-
#   A configuration recorder in the region records with an IAM role other than the
#   service-linked `AWSServiceRoleForConfig`. A customer-managed role's policy and trust can be
#   edited or deleted by anyone with IAM rights, which silently stops recording, and it must be
#   kept up to date by hand as Config supports new resource types. The service-linked role is
#   maintained by AWS and cannot be changed in the account. A recorder whose role was not
#   collected is not evaluated.
# custom:
#   id: DET-009
#   severity: low
#   pillar: detection
#   categories: [hygiene]
#   requires: [config]
#   compliance: [nist-800-53-r5:CM-8, nist-800-53-r5:AC-6, nist-800-53-r5:AU-9]
#   remediation: >-
#     Point the recorder at the service-linked role: `aws iam create-service-linked-role
#     --aws-service-name config.amazonaws.com` (once per account), then `aws configservice
#     put-configuration-recorder` with `roleARN` set to
#     `arn:aws:iam::ACCOUNT:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`.
package aws.config.recorder_custom_role

with_recorders contains region if {
	some region in input.regions
	is_object(region.config)
	count(region.config.recorders) > 0
}

applicable contains region.config_key if {
	some region in with_recorders
}

custom(region) := [{"name": r.name, "role_arn": r.role_arn} | some r in region.config.recorders; r.service_linked_role == false]

deny contains {
	"resource": region.config_key,
	"message": sprintf("AWS Config in %s records with %s, not the service-linked role AWSServiceRoleForConfig", [region.region, concat(", ", [r.role_arn | some r in found])]),
	"evidence": {"region": region.region, "recorders": found},
} if {
	some region in with_recorders
	found := custom(region)
	count(found) > 0
}

not_evaluated contains {"resource": region.config_key, "reason": sprintf("the role of the configuration recorder(s) %s in %s was not collected", [concat(", ", unknown), region.region])} if {
	some region in with_recorders
	count(custom(region)) == 0
	unknown := [r.name | some r in region.config.recorders; object.get(r, "service_linked_role", null) == null]
	count(unknown) > 0
}
