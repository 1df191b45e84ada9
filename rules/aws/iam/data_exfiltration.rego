# METADATA
# title: Principal can read data on every resource
# description: >-
#   The user, group or role may, without a condition and on all resources ("*"), call an action
#   that reads or copies data out: objects, secrets, parameters, decryption, table scans,
#   snapshots (the list is `sensitive_actions.data_exfiltration` in the rules data). Any compromise
#   of this principal exposes every bucket, table, secret and snapshot of the account, not just
#   the ones its workload uses.
# custom:
#   id: IAM-005
#   severity: medium
#   pillar: identity
#   categories: [data-exfiltration]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:AC-3, nist-800-53-r5:AC-4]
#   remediation: >-
#     Scope these actions in the policies named in the evidence to the buckets, keys, tables,
#     secrets and parameters the principal needs, or add conditions (resource tags,
#     aws:ResourceOrgID); keep broad read access to audited break-glass roles.
package aws.iam.data_exfiltration

sensitive := data.posture.iam.sensitive_actions.data_exfiltration

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
