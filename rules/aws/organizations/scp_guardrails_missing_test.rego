package aws.organizations.scp_guardrails_missing_test

import data.aws.organizations.scp_guardrails_missing as rule

org(guardrails) := {"id": "o-1", "member": true, "management_account": false, "service_control_policies": ["FullAWSAccess"], "resource_control_policies": [], "scp_unknown": null, "rcp_unknown": null, "perimeter": {"org_boundary": {}, "guardrails": guardrails}}

test_deny_missing_guardrail if {
	count(rule.deny) == 1 with input as {"organization": org({"leave_organization": true, "stop_cloudtrail": false})}
}

test_allow_all_guardrails if {
	count(rule.deny) == 0 with input as {"organization": org({"leave_organization": true, "stop_cloudtrail": true})}
}

test_missing_organization_is_not_evaluated if {
	count(rule.not_evaluated) == 1 with input as {"organization": null}
	rule.applicable == {"account"} with input as {"organization": null}
}
