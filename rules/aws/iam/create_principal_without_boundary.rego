# METADATA
# title: Principal may create IAM users or roles without a permissions boundary
# description: >-
#   The user, group or role is allowed iam:CreateUser or iam:CreateRole without any condition,
#   so nothing forces a permissions boundary (iam:PermissionsBoundary) on what it creates. It can
#   create a new identity, give it more rights than it has itself, and use it: escalation and
#   persistence that survive the removal of the original credentials.
# custom:
#   id: IAM-016
#   severity: high
#   pillar: identity
#   categories: [privilege-escalation]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:AC-2, nist-800-53-r5:AC-6(10)]
#   remediation: >-
#     Add a condition requiring a permissions boundary to iam:CreateUser and iam:CreateRole
#     ("iam:PermissionsBoundary" equal to an approved boundary ARN), deny removing or changing
#     boundaries, or take these actions away and create identities through reviewed pipelines.
package aws.iam.create_principal_without_boundary

creation_actions := data.posture.iam.sensitive_actions.role_or_user_creation

# Full administrators are judged and pass: IAM-001 reports them.
applicable contains principal.key if {
	some principal in input.iam.principals
}

unbounded(principal) := sort({action |
	some action in creation_actions
	grant := principal.allowed[action]
	not grant.conditional
})

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s may call %s without a condition (no permissions boundary required), through %s", [
		principal.kind, principal.name, concat(" and ", actions), concat(", ", policies),
	]),
	"evidence": {
		"actions": [{
			"action": action,
			"resources": principal.allowed[action].resources,
			"conditional": false,
			"policies": principal.allowed[action].policies,
		} |
			some action in actions
		],
		"policies": policies,
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
	},
} if {
	some principal in input.iam.principals
	not principal.full_admin
	actions := unbounded(principal)
	count(actions) > 0
	policies := sort({policy | some action in actions; some policy in principal.allowed[action].policies})
}
