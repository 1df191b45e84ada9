# METADATA
# title: Principal can change permissions on every resource
# description: >-
#   The user, group or role may, without a condition and on all resources, call
#   permissions-management actions: resource policies (bucket, key, queue, secret, repository
#   policies), grants, IAM policies and sharing settings. With them it can open any resource of
#   the account to another account or to the public, or give itself more rights, so a leak of
#   this principal can expose everything.
# custom:
#   id: IAM-006
#   severity: medium
#   pillar: identity
#   categories: [permissions-management]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:AC-3, nist-800-53-r5:AC-6(1)]
#   remediation: >-
#     Remove the permissions-management actions listed in the evidence, or restrict them to the
#     resources the principal administers and guard them with conditions; deny resource-policy
#     changes outside the organisation with a service control policy.
package aws.iam.resource_exposure

# Full administrators are judged and pass: IAM-001 reports them.
applicable contains principal.key if {
	some principal in input.iam.principals
}

# Actions named in the message; the evidence has them all (the facts list at most 50).
shown := 5

sensitive_services := {lower(s) | some s in data.posture.iam.sensitive_services}

# Actions of sensitive services (iam, kms, s3, ...) first: they say most about the risk.
by_interest(actions) := array.concat(
	[a | some a in actions; lower(split(a, ":")[0]) in sensitive_services],
	[a | some a in actions; not lower(split(a, ":")[0]) in sensitive_services],
)

more_text(listed, total) := sprintf(" and %d more", [total - count(listed)]) if {
	total > count(listed)
} else := ""

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s may change permissions on all resources without condition (%d permissions-management actions: %s%s)", [
		principal.kind, principal.name, total,
		concat(", ", listed), more_text(listed, total),
	]),
	"evidence": {
		"permissions_management_actions": actions,
		"count": total,
		"listed_all": count(actions) >= total,
		"policies": object.get(principal, "policies", []),
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
	},
} if {
	some principal in input.iam.principals
	not principal.full_admin
	total := principal.permissions_management_everywhere_count
	total > 0
	actions := object.get(principal, "permissions_management_everywhere", [])
	listed := array.slice(by_interest(actions), 0, shown)
}
