# METADATA
# title: Principal has full administrator access
# description: >-
#   The user, group or role is allowed every action on every resource ("*" on "*"), without a
#   condition, through the union of its own, attached and group policies, and neither an explicit
#   deny on all resources nor its permissions boundary takes that away. Under SCPs it holds
#   everything they allow in the account (an SCP that only locks regions or forbids leaving the
#   organisation does not make an administrator less of one). Anyone who controls this
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
	"message": sprintf("%s %s is allowed * on * %s", [principal.kind, principal.name, origin_text(principal)]),
	"evidence": {
		"granting_statements": object.get(principal, "admin_grants", []),
		"granting_policies": sort(granting_policies(principal)),
		"via": sort({g.via | some g in object.get(principal, "admin_grants", [])}),
		"policies": object.get(principal, "policies", []),
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
		"service_control_policies": object.get(input, ["organization", "service_control_policies"], []),
		"scp_limited": object.get(principal, "scp_limited", false),
	},
} if {
	some principal in input.iam.principals
	principal.full_admin == true
}

granting_policies(principal) := {g.policy | some g in object.get(principal, "admin_grants", [])}

# The last ARN field, e.g. `group/admins` or `policy/AdministratorAccess`; other names as they are.
short(arn) := parts[count(parts) - 1] if {
	startswith(arn, "arn:")
	parts := split(arn, ":")
} else := arn

# "AdministratorAccess via group/admins" for a grant attached elsewhere, the policy alone when
# attached to the principal itself.
grant_text(principal, grant) := sprintf("%s via %s", [short(grant.policy), short(grant.via)]) if {
	grant.via != principal.key
} else := sprintf("%s on the %s itself", [short(grant.policy), principal.kind])

origin_text(principal) := sprintf("through %s", [concat(", ", sort(texts))]) if {
	texts := {grant_text(principal, g) | some g in principal.admin_grants}
	count(texts) > 0
} else := sprintf("through the combination of its policies (no single statement allows * on *): %s", [concat(", ", [short(p) | some p in object.get(principal, "policies", [])])])
