# METADATA
# title: Principal can escalate its own privileges
# description: >-
#   The user or role is not an administrator, but holds a known escalation method (for example
#   iam:CreatePolicyVersion, iam:AttachUserPolicy, iam:CreateAccessKey on other users, or
#   lambda:UpdateFunctionCode on every function), or can reach a privileged principal by assuming
#   roles (in this account or, across the accounts of the scan, in another), passing a role to
#   a service it can run code in, or taking over a function or instance that runs as one. Whoever controls it can make itself
#   administrator, so its real privilege is that of the account. Grants that only hold under a
#   condition still fail, marked as conditional.
# custom:
#   id: IAM-002
#   severity: high
#   pillar: identity
#   categories: [privilege-escalation]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:AC-6(10), nist-800-53-r5:AC-3]
#   remediation: >-
#     Remove the escalation actions from the policies named in the evidence, or scope them to
#     resources the principal may not use to gain rights (not itself, not privileged roles or
#     functions); limit iam:PassRole and sts:AssumeRole to the roles really needed; attach a
#     permissions boundary that denies IAM writes.
package aws.iam.privilege_escalation

# Full administrators are judged and pass (IAM-001 reports them); groups act through their users.
applicable contains principal.key if {
	some principal in input.iam.principals
	principal.kind in {"user", "role"}
}

# A `self` method escalates unless it is mere self-service (own access keys, own password).
escalates(method) if {
	method.kind == "self"
	not self_service(method)
}

# Acting on existing compute escalates when it reaches every workload.
escalates(method) if {
	method.kind == "existing_compute"
	method.unscoped == true
}

self_service(method) if {
	method.ignore_when_only_on_self == true
	method.only_on_self == true
}

# What each method does, from the rules data.
descriptions[m.id] := object.get(m, "description", "") if {
	some m in data.posture.iam.escalation_methods
}

method_evidence(principal, method) := {
	"id": method.id,
	"kind": method.kind,
	"description": object.get(descriptions, method.id, ""),
	"actions": [grant_evidence(principal, action) | some action in method.actions],
	"conditional": method.conditional,
	"policies": sort({policy |
		some action in method.actions
		some policy in object.get(principal.allowed, [action, "policies"], [])
	}),
}

grant_evidence(principal, action) := {
	"action": action,
	"resources": object.get(principal.allowed, [action, "resources"], []),
	"conditional": object.get(principal.allowed, [action, "conditional"], false),
	"policies": object.get(principal.allowed, [action, "policies"], []),
}

methods_of(principal) := [method_evidence(principal, m) |
	some m in object.get(principal, "escalation_methods", [])
	escalates(m)
]

# The last ARN field (`role/admin`); other names as they are.
short(arn) := parts[count(parts) - 1] if {
	startswith(arn, "arn:")
	parts := split(arn, ":")
} else := arn

# `-[assume]-> role/mid` or `-[PassRoleLambda]-> role/admin`.
step_text(step) := sprintf("-[assume]-> %s", [short(step.to)]) if {
	step.kind == "assume"
} else := sprintf("-[assume]-> %s", [step.to]) if {
	# Another account's role: the whole ARN names the account.
	step.kind == "assume_cross_account"
} else := sprintf("-[%s on %s]-> %s", [step.via, short(step.workload), short(step.to)]) if {
	# A function or instance taken over, which runs as the role.
	step.kind == "workload"
} else := sprintf("-[%s]-> %s", [step.via, short(step.to)])

method_text(method) := sprintf("%s (conditional)", [method.id]) if {
	method.conditional == true
} else := method.id

# Every route holds only under a condition.
all_conditional(methods, principal) if {
	every m in methods {
		m.conditional == true
	}
	object.get(principal, ["path_to_privileged", "conditional"], true) == true
}

condition_note(methods, principal) := " under conditions" if {
	all_conditional(methods, principal)
} else := ""

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s can escalate to administrator%s: %s", [
		principal.kind, principal.name, condition_note(methods, principal),
		concat("; ", array.concat(texts_methods, texts_path)),
	]),
	"evidence": {
		"methods": methods,
		"path": object.get(principal, "path_to_privileged", null),
		"conditional": all_conditional_flag(methods, principal),
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
	},
} if {
	some principal in input.iam.principals
	principal.kind in {"user", "role"}
	not principal.full_admin
	not object.get(principal, "permissions_boundary_unreadable", false)
	methods := methods_of(principal)
	has_route(methods, principal)
	texts_methods := method_texts(methods)
	texts_path := path_texts(principal)
}

has_route(methods, _) if count(methods) > 0

# Unknown stays unknown: no known route proves escalation, but one may run through data that
# cannot be read (a trust policy, a policy, a boundary).
not_evaluated contains {"resource": principal.key, "reason": principal.escalation_unknown} if {
	some principal in input.iam.principals
	principal.kind in {"user", "role"}
	not principal.full_admin
	is_string(principal.escalation_unknown)
}

has_route(_, principal) if principal.path_to_privileged

method_texts(methods) := [sprintf("methods %s", [concat(", ", [method_text(m) | some m in methods])])] if {
	count(methods) > 0
} else := []

path_texts(principal) := [sprintf("path %s %s (%s%s)", [
	short(principal.key),
	concat(" ", [step_text(s) | some s in object.get(p, "steps", [])]),
	object.get(p, "target_reason", "privileged"),
	path_condition_note(p),
])] if {
	p := principal.path_to_privileged
} else := []

path_condition_note(p) := ", conditional" if {
	p.conditional == true
} else := ""

all_conditional_flag(methods, principal) if {
	all_conditional(methods, principal)
} else := false
