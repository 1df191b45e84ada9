package aws.iam.full_admin_test

import data.aws.iam.full_admin

admin := {
	"key": "arn:aws:iam::111122223333:user/alice", "kind": "user", "name": "alice", "full_admin": true,
	"admin_grants": [{"policy": "arn:aws:iam::aws:policy/AdministratorAccess", "via": "arn:aws:iam::111122223333:group/admins"}],
	"policies": ["arn:aws:iam::aws:policy/AdministratorAccess"],
}

reader := {
	"key": "arn:aws:iam::111122223333:role/reader", "kind": "role", "name": "reader", "full_admin": false,
	"admin_grants": [], "policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
}

test_deny_full_admin if {
	results := full_admin.deny with input as {"iam": {"principals": [admin, reader]}}
	count(results) == 1
	some result in results
	result.resource == admin.key
	contains(result.message, "policy/AdministratorAccess via group/admins")
	contains(result.message, "via group/admins")
	result.evidence.granting_policies == ["arn:aws:iam::aws:policy/AdministratorAccess"]
	result.evidence.via == ["arn:aws:iam::111122223333:group/admins"]
}

test_deny_inline_grant_on_the_role_itself if {
	role := {
		"key": "arn:aws:iam::111122223333:role/deploy", "kind": "role", "name": "deploy", "full_admin": true,
		"admin_grants": [{"policy": "inline:everything", "via": "arn:aws:iam::111122223333:role/deploy", "sid": "All"}],
		"policies": ["inline:everything"],
	}
	results := full_admin.deny with input as {"iam": {"principals": [role]}}
	some result in results
	contains(result.message, "inline:everything on the role itself")
}

# Full admin reached only through several statements together (e.g. NotAction): no single
# grant to name, so the message lists the policies instead.
test_deny_without_single_grant_lists_policies if {
	combined := object.union(admin, {"admin_grants": [], "policies": ["inline:not-action", "inline:rest"]})
	results := full_admin.deny with input as {"iam": {"principals": [combined]}}
	some result in results
	contains(result.message, "inline:not-action, inline:rest")
}

test_allow_read_only if {
	count(full_admin.deny) == 0 with input as {"iam": {"principals": [reader]}}
	applicable := full_admin.applicable with input as {"iam": {"principals": [reader]}}
	applicable == {"arn:aws:iam::111122223333:role/reader"}
}

# A grant cut by a deny or boundary arrives with full_admin false: no finding.
test_allow_cut_grant if {
	cut := object.union(admin, {"full_admin": false})
	count(full_admin.deny) == 0 with input as {"iam": {"principals": [cut]}}
}

# Missing IAM data: nothing applicable here (the engine reports not_evaluated via `requires`).
test_missing_data_yields_nothing if {
	count(full_admin.applicable) == 0 with input as {}
	count(full_admin.deny) == 0 with input as {}
}
