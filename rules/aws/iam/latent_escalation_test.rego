package aws.iam.latent_escalation_test

import data.aws.iam.latent_escalation as rule

dev := "arn:aws:iam::111122223333:user/dev"

app_role := "arn:aws:iam::111122223333:role/app-lambda"

grant(resources, conditional) := {"resources": resources, "conditional": conditional, "policies": ["inline:deployer"]}

allowed(pass_resources, conditional) := {
	"iam:PassRole": grant(pass_resources, conditional),
	"lambda:CreateFunction": grant(["*"], false),
	"lambda:InvokeFunction": grant(["*"], false),
}

holding(every_future_role, targets, conditional) := {
	"id": "PassRoleLambda", "service": "lambda.amazonaws.com",
	"actions": ["lambda:CreateFunction", "lambda:InvokeFunction", "iam:PassRole"],
	"conditional": conditional, "every_future_role": every_future_role, "targets": targets,
}

user(holdings) := {
	"key": dev, "kind": "user", "name": "dev", "full_admin": false, "privileged": false,
	"allowed": allowed(["*"], false), "pass_role_holdings": holdings,
}

test_deny_no_role_trusts_the_service if {
	results := rule.deny with input as {"iam": {"principals": [user([holding(true, [], false)])]}}
	count(results) == 1
	some result in results
	result.resource == dev
	contains(result.message, "PassRoleLambda (no role it can pass trusts lambda.amazonaws.com)")
	m := result.evidence.methods[0]
	m.missing_target == "no role it can pass trusts lambda.amazonaws.com"
	[p.action | some p in m.permissions] == ["lambda:CreateFunction", "lambda:InvokeFunction", "iam:PassRole"]
	m.permissions[2].resources == ["*"]
	m.permissions[2].policies == ["inline:deployer"]
	result.evidence.conditional == false
}

test_deny_only_unprivileged_targets_names_them if {
	target := {"role": app_role, "escalates": false}
	results := rule.deny with input as {"iam": {"principals": [user([holding(true, [target], false)])]}}
	some result in results
	result.evidence.methods[0].current_targets == [app_role]
	contains(result.message, sprintf("(%s) lead to no administrator", [app_role]))
}

test_deny_conditional_says_so if {
	results := rule.deny with input as {"iam": {"principals": [user([holding(true, [], true)])]}}
	some result in results
	contains(result.message, "PassRoleLambda (conditional;")
	result.evidence.conditional == true
}

# Near miss: the privileged target exists, so the method is IAM-002's escalation, not latent.
test_allow_privileged_target_today if {
	target := {"role": "arn:aws:iam::111122223333:role/admin-lambda", "escalates": true}
	p := user([holding(true, [target], false)])
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
	count(rule.not_evaluated) == 0 with input as {"iam": {"principals": [p]}}
}

# Near miss: iam:PassRole on named roles does not reach the roles created next.
test_allow_pass_role_scoped_to_some_roles if {
	p := user([holding(false, [], false)])
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
	count(rule.not_evaluated) == 0 with input as {"iam": {"principals": [p]}}
}

test_allow_no_holding if {
	count(rule.deny) == 0 with input as {"iam": {"principals": [user([])]}}
}

test_allow_administrators_and_self_escalators_are_judged_elsewhere if {
	admin := object.union(user([holding(true, [], false)]), {"full_admin": true})
	escalator := object.union(user([holding(true, [], false)]), {"privileged": true})
	count(rule.deny) == 0 with input as {"iam": {"principals": [admin, escalator]}}
}

# Escalating on its own methods (even conditionally) is IAM-002's.
test_allow_principal_with_its_own_escalation_method if {
	method := {"id": "AttachUserPolicy", "kind": "self", "conditional": true, "only_on_self": false, "ignore_when_only_on_self": false}
	p := object.union(user([holding(true, [], false)]), {"escalation_methods": [method]})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

test_groups_are_not_applicable if {
	group := object.union(user([holding(true, [], false)]), {"kind": "group"})
	count(rule.applicable) == 0 with input as {"iam": {"principals": [group]}}
	count(rule.deny) == 0 with input as {"iam": {"principals": [group]}}
}

# Unknown stays unknown: a role whose trust cannot be read may be a privileged target today.
test_missing_trust_of_a_target_is_not_evaluated if {
	target := {"role": "arn:aws:iam::111122223333:role/broken", "escalates": false, "unknown": "the trust policy of role/broken is unreadable: not json"}
	p := user([holding(true, [target], false)])
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
	some entry in rule.not_evaluated with input as {"iam": {"principals": [p]}}
	entry.resource == dev
	contains(entry.reason, "PassRoleLambda")
	contains(entry.reason, "role/broken is unreadable")
}

# A privileged target whose own data is incomplete decides nothing either.
test_missing_policies_of_the_privileged_target_make_it_not_evaluated if {
	target := {"role": "arn:aws:iam::111122223333:role/admin", "escalates": true, "unknown": "inline:x of role/admin is unreadable"}
	p := user([holding(true, [target], false)])
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
	count(rule.not_evaluated) == 1 with input as {"iam": {"principals": [p]}}
}

test_applicable_users_and_roles if {
	role := object.union(user([]), {"key": app_role, "kind": "role"})
	applicable := rule.applicable with input as {"iam": {"principals": [user([]), role]}}
	applicable == {dev, app_role}
}

test_missing_iam_data_yields_nothing if {
	count(rule.deny) == 0 with input as {}
	count(rule.not_evaluated) == 0 with input as {}
	count(rule.applicable) == 0 with input as {}
}
