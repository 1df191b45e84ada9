# METADATA
# title: Resource accounts outside the organisation can use
# description: >-
#   The resource's own policy grants use to an account, or to an organisation, that is neither
#   this account, a member of its organisation, nor in `trusted_account_ids`, and no resource
#   control policy or Deny in the policy closes the service to outsiders. Whoever controls that
#   account can read, write or invoke what the policy allows, beyond the data perimeter.
# custom:
#   id: DATA-002
#   severity: high
#   pillar: data
#   categories: [external-access]
#   requires: []
#   compliance: [aws-fsbp:S3.6, aws-fsbp:KMS.5, nist-800-53-r5:AC-3, nist-800-53-r5:AC-21, nist-800-53-r5:CA-3]
#   remediation: >-
#     Remove the outside account from the policy, or add it to trusted_account_ids after review;
#     enforce the organisation boundary with a resource control policy (aws:PrincipalOrgID).
package aws.resources.external_access

trusted := {id | some id in data.posture.params.trusted_account_ids}

applicable contains resource.key if {
	some resource in input.resources.resources
}

applicable contains scope.key if {
	some scope in input.resources.uncollected
}

untrusted(resource) := [a | some a in resource.external; not a in trusted]

deny contains {
	"resource": resource.key,
	"message": sprintf("%s %s in %s can be used by %s, outside the organisation%s", [resource.service, resource.name, resource.region, concat(", ", outsiders), suffix]),
	"evidence": {"service": resource.service, "outside_principals": outsiders, "conditional": resource.external_conditional},
} if {
	some resource in input.resources.resources
	outsiders := untrusted(resource)
	count(outsiders) > 0
	suffix := conditional_note(resource)
}

conditional_note(resource) := " (under further conditions)" if {
	resource.external_conditional == true
} else := ""

not_evaluated contains {"resource": resource.key, "reason": resource.policy_unknown} if {
	some resource in input.resources.resources
	resource.policy_unknown
}

not_evaluated contains {"resource": scope.key, "reason": scope.reason} if {
	some scope in input.resources.uncollected
}
