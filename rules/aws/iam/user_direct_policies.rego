# METADATA
# title: IAM user has policies attached directly
# description: >-
#   Policies are attached to the user itself (inline or managed) instead of reaching it through a
#   group or a role. Per-user permissions drift apart, are forgotten when people change jobs, and
#   make reviews of who can do what slow and error-prone.
# custom:
#   id: IAM-015
#   severity: low
#   pillar: identity
#   categories: [hygiene]
#   requires: [iam]
#   compliance: [cis-aws-4.0:1.15, aws-fsbp:IAM.2, nist-800-53-r5:AC-2]
#   remediation: >-
#     Move the user's permissions to groups (or to roles people assume) and detach the policies
#     from the user; keep users in groups that match their job.
package aws.iam.user_direct_policies

applicable contains user.key if {
	some user in input.iam.principals
	user.kind == "user"
}

deny contains {
	"resource": user.key,
	"message": sprintf("user %s has %d inline and %d attached managed policy(ies) of its own", [user.name, inline, attached]),
	"evidence": {
		"inline_policy_count": inline,
		"attached_policy_count": attached,
		# Every policy reaching the user, its groups' included (the facts do not tell them apart).
		"policies": object.get(user, "policies", []),
	},
} if {
	some user in input.iam.principals
	user.kind == "user"
	inline := object.get(user, "inline_policy_count", 0)
	attached := object.get(user, "attached_policy_count", 0)
	inline + attached > 0
}
