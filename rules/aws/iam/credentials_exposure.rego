# METADATA
# title: Principal can obtain credentials or secrets on every resource
# description: >-
#   The user, group or role may, without a condition and on all resources ("*"), call an action
#   that hands out credentials: new access keys or console passwords for other users, federation
#   or session tokens, registry and database tokens, secrets and parameters (the list is
#   `sensitive_actions.credentials_exposure` in the rules data). Stolen or misused, it gives the
#   identities and secrets of others, a step to lateral movement and escalation.
# custom:
#   id: IAM-004
#   severity: high
#   pillar: identity
#   categories: [credentials-exposure]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:IA-5]
#   remediation: >-
#     Scope these actions in the policies named in the evidence to the resources the principal
#     needs (its own user, named secrets and parameters, specific clusters), or add conditions
#     (resource tags, MFA); move shared secrets behind per-application access.
package aws.iam.credentials_exposure

sensitive := data.posture.iam.sensitive_actions.credentials_exposure

# Full administrators are judged and pass: IAM-001 reports them.
applicable contains principal.key if {
	some principal in input.iam.principals
}

# Actions of the list allowed unconditionally on "*".
everywhere(principal) := sort({action |
	some action in sensitive
	grant := principal.allowed[action]
	not grant.conditional
	"*" in grant.resources
})

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s may %s on all resources without condition, through %s", [
		principal.kind, principal.name, concat(", ", actions), concat(", ", policies),
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
	actions := everywhere(principal)
	count(actions) > 0
	policies := sort({policy | some action in actions; some policy in principal.allowed[action].policies})
}
