package aws.iam.privilege_escalation_test

import data.aws.iam.privilege_escalation as rule

bob := "arn:aws:iam::111122223333:user/bob"

admin_role := "arn:aws:iam::111122223333:role/admin"

user(methods, allowed) := {
	"key": bob, "kind": "user", "name": "bob", "full_admin": false,
	"escalation_methods": methods, "allowed": allowed, "edges": [],
}

method(id, kind, actions, extra) := object.union(
	{"id": id, "kind": kind, "actions": actions, "conditional": false, "only_on_self": false, "unscoped": true, "ignore_when_only_on_self": false},
	extra,
)

grant(resources, conditional, policies) := {"resources": resources, "conditional": conditional, "policies": policies}

test_deny_create_policy_version if {
	p := user(
		[method("CreatePolicyVersion", "self", ["iam:CreatePolicyVersion"], {})],
		{"iam:CreatePolicyVersion": grant(["*"], false, ["inline:iam-admin-lite"])},
	)
	results := rule.deny with input as {"iam": {"principals": [p]}}
	count(results) == 1
	some result in results
	result.resource == bob
	contains(result.message, "CreatePolicyVersion")
	not contains(result.message, "under conditions")
	some m in result.evidence.methods
	m.id == "CreatePolicyVersion"
	m.policies == ["inline:iam-admin-lite"]
	contains(m.description, "new default version")
	m.actions[0].resources == ["*"]
	result.evidence.conditional == false
}

test_deny_conditional_grant_says_so if {
	p := user(
		[method("AttachUserPolicy", "self", ["iam:AttachUserPolicy"], {"conditional": true})],
		{"iam:AttachUserPolicy": grant(["*"], true, ["inline:mfa-only"])},
	)
	results := rule.deny with input as {"iam": {"principals": [p]}}
	some result in results
	contains(result.message, "under conditions")
	result.evidence.conditional == true
	result.evidence.methods[0].conditional == true
}

test_deny_path_through_pass_role if {
	path := {
		"path": [bob, admin_role],
		"steps": [{"from": bob, "to": admin_role, "via": "PassRoleLambda", "kind": "pass_role"}],
		"target_reason": "full_admin", "conditional": false,
	}
	p := object.union(user([], {}), {"path_to_privileged": path})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	some result in results
	contains(result.message, "path user/bob -[PassRoleLambda]-> role/admin (full_admin)")
	not contains(result.message, "under conditions")
	result.evidence.path.target_reason == "full_admin"
	result.evidence.methods == []
}

test_deny_path_into_another_account_names_it if {
	other := "arn:aws:iam::999988887777:role/org-admin"
	path := {
		"path": [bob, other],
		"steps": [{"from": bob, "to": other, "via": "sts:AssumeRole", "kind": "assume_cross_account"}],
		"target_reason": "full_admin", "conditional": false,
	}
	p := object.union(user([], {}), {"path_to_privileged": path})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	some result in results
	contains(result.message, sprintf("-[assume]-> %s (full_admin)", [other]))
}

# A function taken over that runs as an administrator: the step names the function.
test_deny_path_through_a_workload_names_it if {
	function := "arn:aws:lambda:eu-west-1:111122223333:function:nightly"
	path := {
		"path": [bob, admin_role],
		"steps": [{"from": bob, "to": admin_role, "via": "UpdateFunctionCode", "kind": "workload", "workload": function}],
		"target_reason": "full_admin", "conditional": false,
	}
	p := object.union(user([], {}), {"path_to_privileged": path})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	some result in results
	contains(result.message, "path user/bob -[UpdateFunctionCode on nightly]-> role/admin (full_admin)")
	result.evidence.path.steps[0].workload == function
}

# Only a conditional path (e.g. assuming a role that requires MFA): still a finding, so marked.
test_deny_conditional_path_only if {
	path := {
		"path": [bob, admin_role],
		"steps": [{"from": bob, "to": admin_role, "via": "sts:AssumeRole", "kind": "assume"}],
		"target_reason": "full_admin", "conditional": true,
	}
	p := object.union(user([], {}), {"path_to_privileged": path})
	results := rule.deny with input as {"iam": {"principals": [p]}}
	some result in results
	contains(result.message, "under conditions")
	contains(result.message, "-[assume]-> role/admin (full_admin, conditional)")
	result.evidence.conditional == true
}

test_deny_existing_compute_on_every_function if {
	p := user(
		[method("UpdateFunctionCode", "existing_compute", ["lambda:UpdateFunctionCode"], {})],
		{"lambda:UpdateFunctionCode": grant(["*"], false, ["arn:aws:iam::111122223333:policy/dev"])},
	)
	count(rule.deny) == 1 with input as {"iam": {"principals": [p]}}
}

test_allow_existing_compute_scoped_to_own_function if {
	p := user(
		[method("UpdateFunctionCode", "existing_compute", ["lambda:UpdateFunctionCode"], {"unscoped": false})],
		{"lambda:UpdateFunctionCode": grant(["arn:aws:lambda:eu-west-1:111122223333:function:bob-*"], false, ["inline:dev"])},
	)
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

# Self-service: CreateAccessKey only on ${aws:username} is not escalation.
test_allow_create_access_key_only_on_self if {
	p := user(
		[method("CreateAccessKey", "self", ["iam:CreateAccessKey"], {"only_on_self": true, "unscoped": false, "ignore_when_only_on_self": true})],
		{"iam:CreateAccessKey": grant(["arn:aws:iam::111122223333:user/${aws:username}"], false, ["inline:self-service"])},
	)
	input_doc := {"iam": {"principals": [p]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {bob}
}

# Only-on-self does not excuse methods that are harmful on oneself (attach admin to oneself).
test_deny_attach_policy_on_self_still_escalates if {
	p := user(
		[method("AttachUserPolicy", "self", ["iam:AttachUserPolicy"], {"only_on_self": true, "unscoped": false})],
		{"iam:AttachUserPolicy": grant(["arn:aws:iam::111122223333:user/${aws:username}"], false, ["inline:self"])},
	)
	count(rule.deny) == 1 with input as {"iam": {"principals": [p]}}
}

# Administrators are judged and pass (IAM-001 reports them); groups act through their users.
test_allow_admin_passes_and_group_not_applicable if {
	admin := object.union(user([method("PutUserPolicy", "self", ["iam:PutUserPolicy"], {})], {}), {"full_admin": true})
	group := {
		"key": "arn:aws:iam::111122223333:group/ops", "kind": "group", "name": "ops", "full_admin": false,
		"escalation_methods": [method("PutUserPolicy", "self", ["iam:PutUserPolicy"], {})], "allowed": {},
	}
	input_doc := {"iam": {"principals": [admin, group]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {bob}
}

test_allow_no_methods_no_path if {
	input_doc := {"iam": {"principals": [user([], {})]}}
	count(rule.deny) == 0 with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {}
}

# Facts without the optional lists (e.g. a principal with no allowed actions at all).
test_missing_optional_fields_do_not_fail if {
	p := {"key": bob, "kind": "user", "name": "bob", "full_admin": false, "allowed": {}}
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
}

test_unknown_route_is_not_evaluated if {
	p := object.union(user([], {}), {"escalation_unknown": "whether it can escalate depends on data that cannot be read"})
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
	entries := rule.not_evaluated with input as {"iam": {"principals": [p]}}
	count(entries) == 1
}

test_unreadable_boundary_is_not_evaluated_not_fail if {
	p := object.union(
		user(
			[method("CreatePolicyVersion", "self", ["iam:CreatePolicyVersion"], {})],
			{"iam:CreatePolicyVersion": grant(["*"], false, ["inline:iam-admin-lite"])},
		),
		{"permissions_boundary_unreadable": true, "escalation_unknown": "its permissions boundary cannot be read"},
	)
	count(rule.deny) == 0 with input as {"iam": {"principals": [p]}}
	count(rule.not_evaluated) == 1 with input as {"iam": {"principals": [p]}}
}
