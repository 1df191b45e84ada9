package aws.iam.privilege_gain_test

import data.aws.iam.privilege_gain as rule

dev := "arn:aws:iam::111122223333:user/dev"

reader := "arn:aws:iam::111122223333:role/secrets-reader"

assume_step := {"from": dev, "to": reader, "via": "sts:AssumeRole", "kind": "assume"}

reached(actions, pm, extra) := object.union(
	{"role": reader, "steps": [assume_step], "conditional": false, "actions": actions, "permissions_management": pm, "permissions_management_count": count(pm)},
	extra,
)

user(reachable) := {
	"key": dev, "kind": "user", "name": "dev", "full_admin": false, "privileged": false,
	"reachable_capabilities": reachable,
}

test_deny_secrets_through_an_assumed_role if {
	p := user([reached(["secretsmanager:GetSecretValue", "sts:AssumeRole"], [], {})])
	results := rule.deny with input as {"iam": {"principals": [p]}}
	count(results) == 1
	some result in results
	result.resource == dev
	contains(result.message, "user/dev -[assume]-> role/secrets-reader: credentials (secretsmanager:GetSecretValue)")
	result.evidence.target == "sensitive_capabilities"
	g := result.evidence.gains[0]
	g.role == reader
	g.gained.credentials == ["secretsmanager:GetSecretValue"]
	g.gained.data_read == ["secretsmanager:GetSecretValue"]
	g.gained.permissions_management == []
	g.gained.permissions_management_count == 0
	result.evidence.conditional == false
}

test_deny_permissions_management_through_pass_role if {
	step := {"from": dev, "to": reader, "via": "PassRoleGlueJob", "kind": "pass_role"}
	p := user([reached([], ["s3:PutBucketPolicy"], {"steps": [step]})])
	some result in rule.deny with input as {"iam": {"principals": [p]}}
	contains(result.message, "-[PassRoleGlueJob]-> role/secrets-reader: permissions_management (s3:PutBucketPolicy)")
}

test_deny_many_permissions_management_actions_are_counted if {
	pm := ["a:PutPolicy", "b:PutPolicy", "c:PutPolicy", "d:PutPolicy", "e:PutPolicy", "f:PutPolicy"]
	p := user([reached([], pm, {"permissions_management_count": 120})])
	some result in rule.deny with input as {"iam": {"principals": [p]}}
	contains(result.message, "permissions_management (120 actions: a:PutPolicy, b:PutPolicy, c:PutPolicy, d:PutPolicy, e:PutPolicy, ...)")
	result.evidence.gains[0].gained.permissions_management_count == 120
}

# Escalating on its own methods (even conditionally) is IAM-002's.
test_allow_principal_with_its_own_escalation_method if {
	method := {"id": "CreatePolicyVersion", "kind": "self", "conditional": true, "only_on_self": false, "ignore_when_only_on_self": false}
	p := object.union(user([reached(["s3:GetObject"], [], {})]), {"escalation_methods": [method]})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

test_deny_conditional_path_says_so if {
	p := user([reached(["s3:GetObject"], [], {"conditional": true})])
	some result in rule.deny with input as {"iam": {"principals": [p]}}
	contains(result.message, "data_read (s3:GetObject), conditional")
	result.evidence.conditional == true
}

# Near miss: what the role holds beyond the principal is not sensitive (sts:AssumeRole only).
test_allow_nothing_sensitive_gained if {
	p := user([reached(["sts:AssumeRole", "iam:PassRole"], [], {})])
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
	count(rule.not_evaluated) == 0 with input as {"iam": {"principals": [p]}}
}

test_allow_nothing_reached if {
	count(rule.deny) == 0 with input as {"iam": {"principals": [user([])]}}
}

test_allow_administrators_and_self_escalators_are_judged_elsewhere if {
	gain := [reached(["s3:GetObject"], [], {})]
	admin := object.union(user(gain), {"full_admin": true})
	escalator := object.union(user(gain), {"privileged": true})
	count(rule.deny) == 0 with input as {"iam": {"principals": [admin, escalator]}}
}

test_groups_are_not_applicable if {
	group := object.union(user([reached(["s3:GetObject"], [], {})]), {"kind": "group"})
	count(rule.applicable) == 0 with input as {"iam": {"principals": [group]}}
	count(rule.deny) == 0 with input as {"iam": {"principals": [group]}}
}

# Unknown stays unknown: a reached role whose policies cannot be read may hold anything.
test_missing_policies_of_a_reached_role_make_it_not_evaluated if {
	p := user([reached([], [], {"unknown": "inline:x of role/secrets-reader is unreadable (not json)"})])
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
	some entry in rule.not_evaluated with input as {"iam": {"principals": [p]}}
	entry.resource == dev
	contains(entry.reason, "role/secrets-reader is unreadable")
}

# A certain gain decides, whatever else is unknown.
test_deny_wins_over_unknown if {
	unknown := reached([], [], {"role": "arn:aws:iam::111122223333:role/broken", "unknown": "broken"})
	p := user([reached(["s3:GetObject"], [], {}), unknown])
	count(rule.deny) == 1 with input as {"iam": {"principals": [p]}}
	count(rule.not_evaluated) == 0 with input as {"iam": {"principals": [p]}}
}

test_missing_iam_data_yields_nothing if {
	count(rule.deny) == 0 with input as {}
	count(rule.not_evaluated) == 0 with input as {}
	count(rule.applicable) == 0 with input as {}
}
