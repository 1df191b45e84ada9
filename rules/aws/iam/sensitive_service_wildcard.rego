# METADATA
# title: Principal is granted every action of a sensitive service
# description: >-
#   A policy reaching the user, group or role allows "service:*" for a service that controls
#   identity, keys, secrets, data or the organisation (iam, sts, kms, secretsmanager, s3,
#   organizations; the list is `sensitive_services` in the rules data). A service wildcard also
#   grants every action AWS adds to the service later, including the ones that change permissions
#   or decrypt and read everything, so it is administrator access to that service.
# custom:
#   id: IAM-003
#   severity: medium
#   pillar: identity
#   categories: [service-admin]
#   requires: [iam]
#   compliance: [aws-fsbp:IAM.21, nist-800-53-r5:AC-6]
#   remediation: >-
#     Replace "service:*" in the policies named in the evidence with the specific actions the
#     principal uses (IAM Access Analyzer can generate them from CloudTrail), on the resources it
#     needs.
package aws.iam.sensitive_service_wildcard

# Full administrators are judged and pass: IAM-001 reports them.
applicable contains principal.key if {
	some principal in input.iam.principals
}

sensitive_wildcards(principal) := [w |
	some w in object.get(principal, "service_wildcards", [])
	lower(w.service) in {lower(s) | some s in data.posture.iam.sensitive_services}
]

condition_note(wildcards) := " (only under conditions)" if {
	every w in wildcards {
		w.conditional == true
	}
} else := ""

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s is allowed %s through %s%s", [
		principal.kind, principal.name,
		concat(", ", sort({sprintf("%s:*", [w.service]) | some w in wildcards})),
		concat(", ", sort({w.policy | some w in wildcards})),
		condition_note(wildcards),
	]),
	"evidence": {
		"services": sort({w.service | some w in wildcards}),
		"policies": sort({w.policy | some w in wildcards}),
		"statements": wildcards,
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
	},
} if {
	some principal in input.iam.principals
	not principal.full_admin
	wildcards := sensitive_wildcards(principal)
	count(wildcards) > 0
}
