# METADATA
# title: Principal holds a pass-role escalation with no target yet
# description: >-
#   The user or role holds every permission of a pass-role escalation method (for example
#   iam:PassRole with lambda:CreateFunction and lambda:InvokeFunction), and its iam:PassRole
#   covers every role the account could create, but no role it can pass today both trusts the
#   method's service and leads to administrator. The method is not exploitable now (IAM-002 does
#   not count it), and becomes so as soon as someone creates or edits a privileged role that
#   trusts the service. Administrators and principals that escalate through their own methods are
#   left to IAM-001 and IAM-002. Grants that only hold under a condition still fail, marked as
#   conditional.
# custom:
#   id: IAM-021
#   severity: medium
#   pillar: identity
#   categories: [latent-escalation]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-6, nist-800-53-r5:AC-6(10)]
#   remediation: >-
#     Scope iam:PassRole in the policies named in the evidence to the roles the principal really
#     passes (by ARN, or with an iam:PassedToService condition and a role path no privileged role
#     uses), or remove the method's other actions; a permissions boundary that denies passing
#     privileged roles keeps future roles out of reach.
package aws.iam.latent_escalation

import data.lib.correlation

# Groups act through their users.
applicable contains principal.key if {
	some principal in input.iam.principals
	principal.kind in {"user", "role"}
}

# A target that surely leads to administrator today makes the method IAM-002's, not latent.
escalates_today(holding) if {
	some target in holding.targets
	target.escalates == true
	not target.unknown
}

# A target whose trust, policies or route cannot be read may lead to administrator today.
unknown_targets(holding) := [target | some target in holding.targets; is_string(target.unknown)]

latent(holding) if {
	holding.every_future_role == true
	not escalates_today(holding)
	count(unknown_targets(holding)) == 0
}

undecided(holding) if {
	holding.every_future_role == true
	not escalates_today(holding)
	count(unknown_targets(holding)) > 0
}

# Principals that are administrators already, or escalate on their own, are IAM-001's and IAM-002's.
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

descriptions[m.id] := object.get(m, "description", "") if {
	some m in data.posture.iam.escalation_methods
}

missing_target(holding) := sprintf("no role it can pass trusts %s", [holding.service]) if {
	count(holding.targets) == 0
} else := sprintf("the roles trusting %s it can pass (%s) lead to no administrator", [
	holding.service,
	concat(", ", sort([t.role | some t in holding.targets])),
])

grant_evidence(principal, action) := {
	"action": action,
	"resources": object.get(principal.allowed, [action, "resources"], []),
	"conditional": object.get(principal.allowed, [action, "conditional"], false),
	"policies": object.get(principal.allowed, [action, "policies"], []),
}

holding_evidence(principal, holding) := {
	"id": holding.id,
	"description": object.get(descriptions, holding.id, ""),
	"service": holding.service,
	"permissions": [grant_evidence(principal, action) | some action in holding.actions],
	"conditional": holding.conditional,
	"missing_target": missing_target(holding),
	"current_targets": sort([t.role | some t in holding.targets]),
}

latent_holdings(principal) := [holding_evidence(principal, h) |
	some h in principal.pass_role_holdings
	latent(h)
]

method_text(m) := sprintf("%s (conditional; %s)", [m.id, m.missing_target]) if {
	m.conditional == true
} else := sprintf("%s (%s)", [m.id, m.missing_target])

all_conditional(methods) if {
	every m in methods {
		m.conditional == true
	}
}

deny contains {
	"resource": principal.key,
	"message": sprintf("%s %s holds pass-role escalation methods with no privileged target yet: %s", [
		principal.kind, principal.name, concat("; ", [method_text(m) | some m in methods]),
	]),
	"evidence": {
		"methods": methods,
		"conditional": all_conditional_flag(methods),
		"permissions_boundary": object.get(principal, "permissions_boundary", null),
	},
} if {
	some principal in input.iam.principals
	judged(principal)
	methods := latent_holdings(principal)
	count(methods) > 0
}

# Unknown stays unknown: a role it could pass may lead to administrator, or may not.
not_evaluated contains {
	"resource": principal.key,
	"reason": sprintf("whether %s is latent or exploitable today depends on data that cannot be read: %s", [
		concat(", ", sort({h.id | some h in principal.pass_role_holdings; undecided(h)})),
		concat("; ", sort({t.unknown | some h in principal.pass_role_holdings; undecided(h); some t in unknown_targets(h)})),
	]),
} if {
	some principal in input.iam.principals
	judged(principal)
	count(latent_holdings(principal)) == 0
	some candidate in principal.pass_role_holdings
	undecided(candidate)
}

all_conditional_flag(methods) if {
	all_conditional(methods)
} else := false
