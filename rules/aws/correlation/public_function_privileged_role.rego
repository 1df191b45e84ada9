# METADATA
# title: Function anyone can invoke runs as a role that can escalate
# description: >-
#   A Lambda function whose resource policy lets anyone (or an account outside the organisation)
#   invoke it runs with an execution role that is administrator or can make itself one. Whoever
#   finds the function's weak input handling, or simply calls it, acts with that role: the
#   account is one request away. The evidence links the data and identity findings.
# custom:
#   id: XC-004
#   severity: critical
#   pillar: data
#   categories: [toxic-combination]
#   requires: [iam]
#   compliance: [aws-fsbp:Lambda.1, nist-800-53-r5:AC-6, nist-800-53-r5:AC-3]
#   remediation: >-
#     Remove the public or outside permission from the function's policy (or require
#     aws:SourceAccount / aws:SourceArn for the service that calls it), and give the function a
#     role limited to what it does: no IAM writes, scoped iam:PassRole.
package aws.correlation.public_function_privileged_role

import data.lib.correlation as common

trusted := {id | some id in data.posture.params.trusted_account_ids}

functions contains resource if {
	some resource in input.resources.resources
	resource.service == "lambda"
	resource.role
}

applicable contains resource.key if {
	some resource in functions
}

open_to(resource) := "anyone" if {
	resource.public == true
} else := concat(", ", outsiders) if {
	outsiders := [a | some a in resource.external; not a in trusted]
	count(outsiders) > 0
}

deny contains {
	"resource": resource.key,
	"message": sprintf("function %s can be invoked by %s and runs as %s, which can escalate to administrator", [resource.name, open_to(resource), role.name]),
	"evidence": {
		"linked_findings": [
			{"rule_id": data_rule(resource), "resource": resource.key},
			{"rule_id": common.identity_rule(role), "resource": role.key},
		],
		"invokers": open_to(resource),
		"role": common.role_evidence(role),
	},
} if {
	some resource in functions
	open_to(resource)
	role := common.principals[resource.role]
	common.can_escalate(role)
}

data_rule(resource) := "DATA-001" if resource.public == true

else := "DATA-002"

# Who may invoke it, or what its role may do, cannot be read: unknown, not safe.
not_evaluated contains {"resource": resource.key, "reason": resource.policy_unknown} if {
	some resource in functions
	resource.policy_unknown
	role := common.principals[resource.role]
	common.can_escalate(role)
}

not_evaluated contains {
	"resource": resource.key,
	"reason": sprintf("its execution role %s is not in the snapshot", [resource.role]),
} if {
	some resource in functions
	open_to(resource)
	not common.principals[resource.role]
}

# Whether the role can escalate cannot be read (a broken policy, an unknown route): unknown.
not_evaluated contains {
	"resource": resource.key,
	"reason": sprintf("what its execution role %s can do cannot be fully read", [role.name]),
} if {
	some resource in functions
	open_to(resource)
	role := common.principals[resource.role]
	not common.can_escalate(role)
	role_unknown(role)
}

role_unknown(role) if count(object.get(role, "unreadable_policies", [])) > 0

role_unknown(role) if is_string(object.get(role, "escalation_unknown", null))

# Functions not collected in a region: unknown there.
applicable contains scope.key if {
	some scope in input.resources.uncollected
	"lambda" in scope.services
}

not_evaluated contains {"resource": scope.key, "reason": scope.reason} if {
	some scope in input.resources.uncollected
	"lambda" in scope.services
}
