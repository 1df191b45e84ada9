package aws.ec2.endpoint_service_untrusted_principals_test

import data.aws.ec2.endpoint_service_untrusted_principals as rule

principal(arn, account) := {"principal": arn, "account": account, "wildcard": false}

wildcard := {"principal": "*", "wildcard": true}

doc(principals) := {"account": {"id": "111122223333"}, "network": {"endpoint_services": [{"key": "s1", "id": "s1", "service_name": "svc", "acceptance_required": true, "allowed_principals": principals}]}}

test_deny_wildcard if {
	count(rule.deny) == 1 with input as doc([wildcard])
}

test_deny_untrusted_account if {
	results := rule.deny with input as doc([principal("arn:aws:iam::999988887777:root", "999988887777")])
	some result in results
	result.evidence.untrusted_principals == ["arn:aws:iam::999988887777:root"]
}

test_allow_trusted_and_own_accounts if {
	input_doc := doc([principal("arn:aws:iam::444455556666:root", "444455556666"), principal("arn:aws:iam::111122223333:role/x", "111122223333")])
	count(rule.deny) == 0 with input as input_doc with data.posture.params.trusted_account_ids as ["444455556666"]
	rule.applicable == {"s1"} with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
