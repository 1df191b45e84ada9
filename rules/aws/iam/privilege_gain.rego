# METADATA
# title: Principal can obtain sensitive capabilities through another role
# description: >-
#   The user or role does not hold them itself, but by assuming roles (of its account or, in a
#   scan of several accounts, of another) or passing a role to a service it can run code in
#   (directly or in several steps) it reaches a role that may, on all
#   resources and without condition, obtain credentials or secrets, read data on the data
#   services, or manage permissions (the sets of IAM-004, IAM-005 and IAM-006). The target need
#   not be an administrator (IAM-002 reports those, and principals that escalate through their
#   own methods): what it holds is what the principal really holds. A path that holds only under
#   a condition still fails, marked as conditional.
# custom:
#   id: IAM-022
#   severity: high
#   pillar: identity
#   categories: [privilege-escalation]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:AC-6(10), nist-800-53-r5:AC-3]
#   remediation: >-
#     Cut the path named in the evidence: scope sts:AssumeRole and iam:PassRole to the roles the
#     principal really needs, narrow the target role's trust policy, or scope the target role's
#     sensitive actions to the resources its workload uses.
package aws.iam.privilege_gain

import data.lib.correlation

credentials := {a | some a in data.posture.iam.sensitive_actions.credentials_exposure}

data_read := {a | some a in data.posture.iam.sensitive_actions.data_exfiltration}

# Groups act through their users.
applicable contains principal.key if {
	some principal in input.iam.principals
	principal.kind in {"user", "role"}
}

# Administrators and principals that escalate on their own are IAM-001's and IAM-002's.
judged(principal) if {
	principal.kind in {"user", "role"}
	not principal.full_admin
	not principal.privileged
	not escalates_by_method(principal)
}

# IAM-002 fails it on its own methods already (conditional ones too).
escalates_by_method(principal) if {
	some method in object.get(principal, "escalation_methods", [])
	correlation.escalates(method)
}

gained(reached) := {
	"credentials": sort([a | some a in reached.actions; a in credentials]),
	"data_read": sort([a | some a in reached.actions; a in data_read]),
	"permissions_management": sort(reached.permissions_management),
	"permissions_management_count": object.get(reached, "permissions_management_count", count(reached.permissions_management)),
}

sensitive(gain) if {
	count(gain.credentials) + count(gain.data_read) + gain.permissions_management_count > 0
}

short(arn) := parts[count(parts) - 1] if {
	startswith(arn, "arn:")
	parts := split(arn, ":")
} else := arn

step_text(step) := sprintf("-[assume]-> %s", [short(step.to)]) if {
	step.kind == "assume"
} else := sprintf("-[%s]-> %s", [step.via, short(step.to)])

path_text(principal, reached) := concat(" ", array.concat([short(principal.key)], [step_text(s) | some s in reached.steps]))

gain_evidence(principal, reached, gain) := {
	"role": reached.role,
	"path": path_text(principal, reached),
	"steps": reached.steps,
	"conditional": reached.conditional,
	"gained": gain,
}

gains_of(principal) := [gain_evidence(principal, r, gain) |
	some r in principal.reachable_capabilities
	not r.unknown
	gain := gained(r)
	sensitive(gain)
]

kinds_text(gain) := concat(", ", [sprintf("%s (%s)", [name, list_text(name, gain)]) |
	some name in ["credentials", "data_read", "permissions_management"]
	count(gain[name]) > 0
])

# Permissions management lists at most fifty actions of its full count.
list_text(name, gain) := sprintf("%d actions: %s, ...", [gain.permissions_management_count, concat(", ", array.slice(gain[name], 0, 5))]) if {
	name == "permissions_management"
	gain.permissions_management_count > 5
} else := concat(", ", gain[name])

gain_text(g) := sprintf("%s: %s%s", [g.path, kinds_text(g.gained), conditional_note(g)])

conditional_note(g) := ", conditional" if {
	g.conditional == true
} else := ""

all_conditional(gains) if {
	every g in gains {
		g.conditional == true
	}
}

all_conditional_flag(gains) if {
	all_conditional(gains)
} else := false

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s can obtain sensitive capabilities it does not hold through %d role(s): %s", [
		principal.kind, principal.name, count(gains), concat("; ", [gain_text(g) | some g in gains]),
	]),
	"evidence": {
		"target": "sensitive_capabilities",
		"gains": gains,
		"conditional": all_conditional_flag(gains),
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
	},
} if {
	some principal in input.iam.principals
	judged(principal)
	gains := gains_of(principal)
	count(gains) > 0
}

# Unknown stays unknown: a role reached may hold more than can be read, or may be reached.
not_evaluated contains {
	"resource": principal.key,
	"reason": sprintf("what it can obtain through other roles depends on data that cannot be read: %s", [
		concat("; ", sort({r.unknown | some r in principal.reachable_capabilities; is_string(r.unknown)})),
	]),
} if {
	some principal in input.iam.principals
	judged(principal)
	count(gains_of(principal)) == 0
	some reached in principal.reachable_capabilities
	is_string(reached.unknown)
}
