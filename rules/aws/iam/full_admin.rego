# METADATA
# title: Principal has full administrator access
# description: >-
#   The user, group or role is allowed every action on every resource ("*" on "*"), without a
#   condition, through the union of its own, attached and group policies, and neither an explicit
#   deny on all resources nor its permissions boundary takes that away. Anyone who controls this
#   principal controls the account.
# custom:
#   id: IAM-001
#   severity: critical
#   pillar: identity
#   categories: [admin-access]
#   requires: [iam]
#   compliance: [cis-aws-4.0:1.16, aws-fsbp:IAM.1, nist-800-53-r5:AC-6]
#   remediation: >-
#     Replace "*" on "*" with the actions and resources the principal needs; keep break-glass
#     administrators few, behind MFA, and watched.
package aws.iam.full_admin

applicable contains principal.key if {
	some principal in input.iam.principals
}

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s is allowed * on * through %s", [principal.kind, principal.name, concat(", ", grants)]),
	"evidence": {
		"granting_statements": principal.admin_grants,
		"policies": principal.policies,
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
	},
} if {
	some principal in input.iam.principals
	principal.full_admin
	grants := {g.policy | some g in principal.admin_grants}
}
