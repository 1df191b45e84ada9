# METADATA
# title: Policy names actions AWS does not know
# description: >-
#   A policy that reaches the principal names an action (or a pattern) that matches nothing in
#   the IAM action catalog: a typo, a retired action, or a service newer than the catalog. The
#   statement silently grants or denies less than its author meant, and a misspelt Deny is a
#   hole.
# custom:
#   id: IAM-017
#   severity: low
#   pillar: identity
#   categories: [hygiene]
#   requires: [iam]
#   compliance: [nist-800-53-r5:CM-6]
#   remediation: >-
#     Correct the action names (see the Service Authorization Reference), or regenerate posture's
#     catalog (scripts/gen_iam_catalog.py) if the service is new.
package aws.iam.unknown_actions

applicable contains principal.key if {
	some principal in input.iam.principals
}

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s has policies naming unknown action(s): %s", [principal.kind, principal.name, concat(", ", sort(principal.unknown_actions))]),
	"evidence": {"unknown_actions": sort(principal.unknown_actions), "policies": principal.policies},
} if {
	some principal in input.iam.principals
	count(principal.unknown_actions) > 0
}
