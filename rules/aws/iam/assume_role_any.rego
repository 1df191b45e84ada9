# METADATA
# title: Principal may assume any role
# description: >-
#   The user or role is allowed sts:AssumeRole on every resource ("*") without a condition. Every
#   role whose trust policy trusts this account, and every role of other accounts that trusts it,
#   is then one call away, so its effective rights are those of the most privileged such role and
#   a compromise moves laterally across accounts.
# custom:
#   id: IAM-007
#   severity: medium
#   pillar: identity
#   categories: [lateral-movement]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:AC-3]
#   remediation: >-
#     Replace "*" in sts:AssumeRole with the ARNs of the roles the principal needs, or restrict it
#     with conditions (aws:ResourceTag, aws:ResourceAccount, aws:ResourceOrgID).
package aws.iam.assume_role_any

# Full administrators are judged and pass (IAM-001 reports them); groups act through their users.
applicable contains principal.key if {
	some principal in input.iam.principals
	principal.kind in {"user", "role"}
}

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s may call sts:AssumeRole on any role without condition, through %s (%d role(s) of this account reachable)", [
		principal.kind, principal.name, concat(", ", grant.policies), count(reachable),
	]),
	"evidence": {
		"action": "sts:AssumeRole",
		"resources": grant.resources,
		"conditional": false,
		"policies": grant.policies,
		"assumable_roles": reachable,
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
	},
} if {
	some principal in input.iam.principals
	principal.kind in {"user", "role"}
	not principal.full_admin
	grant := principal.allowed["sts:AssumeRole"]
	not grant.conditional
	"*" in grant.resources
	reachable := sort({edge.to | some edge in object.get(principal, "edges", []); edge.kind == "assume"})
}
