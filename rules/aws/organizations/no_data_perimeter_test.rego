package aws.organizations.no_data_perimeter_test

import data.aws.organizations.no_data_perimeter as rule

org(boundary) := {"id": "o-1", "member": true, "management_account": false, "service_control_policies": [], "resource_control_policies": [], "scp_unknown": null, "rcp_unknown": null, "perimeter": {"org_boundary": boundary, "guardrails": {}}}

test_deny_no_rcp if {
	count(rule.deny) == 1 with input as {"organization": org({"s3": false, "kms": true})}
}

test_allow_every_service_closed if {
	count(rule.deny) == 0 with input as {"organization": org({"s3": true, "kms": true})}
	rule.applicable == {"account"} with input as {"organization": org({"s3": true})}
}

test_allow_management_account_exempt if {
	management := {"organization": object.union(org({"s3": false}), {"management_account": true})}
	count(rule.deny) == 0 with input as management
	count(rule.applicable) == 0 with input as management
}

test_missing_organization_is_not_evaluated if {
	count(rule.not_evaluated) == 1 with input as {"organization": null}
	count(rule.not_evaluated) == 1 with input as {"organization": object.union(org({"s3": false}), {"rcp_unknown": "p-1 cannot be read"})}
	count(rule.deny) == 0 with input as {"organization": object.union(org({"s3": false}), {"rcp_unknown": "p-1 cannot be read"})}
}
