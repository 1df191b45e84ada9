package aws.iam.oidc_trust_without_subject_test

import data.aws.iam.oidc_trust_without_subject as rule

key := "arn:aws:iam::111122223333:role/github-deploy"

github := "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"

role(trust) := {"key": key, "kind": "role", "name": "github-deploy", "trust": trust}

federated(provider, conditions) := {
	"principal_type": "Federated", "principal": provider, "scope": "federated",
	"actions": ["sts:AssumeRoleWithWebIdentity"],
	"condition_keys": [lower(c.key) | some c in conditions], "conditions": conditions,
}

audience := {"operator": "StringEquals", "key": "token.actions.githubusercontent.com:aud", "values": ["sts.amazonaws.com"]}

test_deny_audience_only if {
	results := rule.deny with input as {"iam": {"principals": [role([federated(github, [audience])])]}}
	count(results) == 1
	some result in results
	result.resource == key
	contains(result.message, "oidc-provider/token.actions.githubusercontent.com")
	result.evidence.providers == [github]
}

test_deny_subject_wildcard_only if {
	subject := {"operator": "StringLike", "key": "token.actions.githubusercontent.com:sub", "values": ["*"]}
	count(rule.deny) == 1 with input as {"iam": {"principals": [role([federated(github, [audience, subject])])]}}
}

test_allow_subject_pinned_to_repository if {
	subject := {"operator": "StringLike", "key": "token.actions.githubusercontent.com:sub", "values": ["repo:acme/app:ref:refs/heads/main"]}
	input_doc := {"iam": {"principals": [role([federated(github, [audience, subject])])]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

# SAML federation and service roles are not this rule's.
test_allow_saml_and_service_not_applicable if {
	saml := federated("arn:aws:iam::111122223333:saml-provider/okta", [])
	service := {"principal_type": "Service", "principal": "ec2.amazonaws.com", "scope": "service", "actions": [], "condition_keys": [], "conditions": []}
	input_doc := {"iam": {"principals": [role([saml, service])]}}
	count(rule.deny) == 0 with input as input_doc
	count(rule.applicable) == 0 with input as input_doc
}

test_missing_trust_policy_is_not_evaluated if {
	input_doc := {"iam": {"principals": [{"key": key, "kind": "role", "name": "github-deploy", "trust_unreadable": "no trust policy"}]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
	count(rule.not_evaluated) == 1 with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {}
}
