# METADATA
# title: VPC endpoint policy does not restrict to the organisation or trusted accounts
# description: >-
#   An Allow statement of the endpoint policy (or the default policy when none is attached)
#   lets principals or resources of any account through. A data perimeter needs every
#   statement to be limited by aws:PrincipalOrgID, aws:PrincipalAccount, aws:ResourceOrgID
#   (or their Paths/Account variants) to your organisation (`organization_id`) and trusted
#   accounts (`trusted_account_ids`), or to name only principals of those accounts. Otherwise
#   stolen credentials of another account can be used from inside your network, and data can
#   be copied to buckets you do not own. Endpoints of services that do not support endpoint
#   policies (`data.posture.network`) are not judged.
# custom:
#   id: NET-008
#   severity: medium
#   pillar: network
#   categories: [data-perimeter, trust-boundary]
#   requires: [network]
#   compliance: [nist-800-53-r5:AC-3, nist-800-53-r5:AC-4, nist-800-53-r5:SC-7]
#   remediation: >-
#     Add "Condition": {"StringEquals": {"aws:PrincipalOrgID": "<your org id>",
#     "aws:ResourceOrgID": "<your org id>"}} to each Allow statement of the endpoint policy
#     (or aws:PrincipalAccount / aws:ResourceAccount for single accounts).
package aws.ec2.vpc_endpoint_not_perimeter

supports_policy(endpoint) if {
	not endpoint.endpoint_type in data.posture.network.endpoint_policy_unsupported_types
	not unsupported_service(endpoint)
	object.get(endpoint, "policy_supported", null) != false
}

unsupported_service(endpoint) if {
	endpoint.provider == "aws"
	endpoint.service in data.posture.network.endpoint_policy_unsupported_services
}

applicable contains endpoint.key if {
	some endpoint in input.network.vpc_endpoints
	supports_policy(endpoint)
}

trusted_accounts := {id | some id in data.posture.params.trusted_account_ids} | {input.account.id}

negative(operator) if contains(lower(operator), "not")

perimeter_condition(condition) if {
	condition.key in data.posture.network.perimeter_condition_keys
	not negative(condition.operator)
	count(condition.values) > 0
	every value in condition.values {
		trusted_value(condition.key, value)
	}
}

trusted_value(key, value) if {
	key in {"aws:principalorgid", "aws:resourceorgid"}
	org_matches(value)
}

trusted_value(key, value) if {
	key in {"aws:principalorgpaths", "aws:resourceorgpaths"}
	org_path_matches(value)
}

trusted_value(key, value) if {
	key in {"aws:principalaccount", "aws:resourceaccount"}
	value in trusted_accounts
}

# The organisation id from the parameters; unset (null or "") accepts any organisation id.
organization_id := object.get(data.posture.params, "organization_id", null)

no_organization if organization_id == null

no_organization if organization_id == ""

org_matches(_) if no_organization

org_matches(value) if value == organization_id

org_path_matches(_) if no_organization

org_path_matches(value) if {
	is_string(organization_id)
	startswith(value, organization_id)
}

org_path_matches(value) if {
	is_string(organization_id)
	contains(value, sprintf("/%s/", [organization_id]))
}

principal_account(principal) := parts[4] if {
	parts := split(principal, ":")
	count(parts) > 4
}

principal_account(principal) := principal if {
	count(principal) == 12
	not contains(principal, ":")
}

trusted_principal(principal) if principal_account(principal) in trusted_accounts

restricted(statement) if {
	some condition in object.get(statement, "conditions", [])
	perimeter_condition(condition)
}

restricted(statement) if {
	count(statement.principals) > 0
	every principal in statement.principals {
		trusted_principal(principal)
	}
}

deny contains {
	"resource": endpoint.key,
	"message": sprintf("%s (%s) has no endpoint policy: the default allows every principal of every account", [endpoint.id, endpoint.service_name]),
	"evidence": {"policy": "absent", "vpc_id": endpoint.vpc_id},
} if {
	some endpoint in input.network.vpc_endpoints
	supports_policy(endpoint)
	endpoint.policy_state == "absent"
}

deny contains {
	"resource": endpoint.key,
	"message": sprintf("%s (%s) policy has %d Allow statement(s) not restricted to your organisation or trusted accounts", [endpoint.id, endpoint.service_name, count(open)]),
	"evidence": {"policy": "unrestricted", "statements": open, "vpc_id": endpoint.vpc_id, "trusted_accounts": sort(trusted_accounts), "organization_id": organization_id},
} if {
	some endpoint in input.network.vpc_endpoints
	supports_policy(endpoint)
	endpoint.policy_state == "decoded"
	open := [statement | some statement in endpoint.allow_statements; not restricted(statement)]
	count(open) > 0
}
