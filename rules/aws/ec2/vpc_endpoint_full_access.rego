# METADATA
# title: VPC endpoint policy allows full access
# description: >-
#   The endpoint has no policy (the service default allows everything) or a statement that
#   allows any principal every action on every resource without a condition. Anyone inside the
#   VPC, with any credentials, including stolen ones from another account, can then reach the
#   service through this private path and exfiltrate data to resources outside your organisation.
# custom:
#   id: NET-002
#   severity: medium
#   pillar: network
#   categories: [data-perimeter, trust-boundary]
#   requires: [network]
#   compliance: [aws-fsbp:EC2.55, nist-800-53-r5:AC-4, nist-800-53-r5:SC-7]
#   remediation: >-
#     Attach an endpoint policy that allows only the needed actions, and only for principals and
#     resources of your organisation (aws:PrincipalOrgID, aws:ResourceOrgID).
package aws.ec2.vpc_endpoint_full_access

# Gateway Load Balancer endpoints, and services AWS reports as policy-less, take no endpoint policy.
policy_capable(endpoint) if {
	endpoint.endpoint_type != "GatewayLoadBalancer"
	object.get(endpoint, "policy_supported", null) != false
}

applicable contains endpoint.key if {
	some endpoint in input.network.vpc_endpoints
	policy_capable(endpoint)
}

full_access(statement) if {
	"*" in statement.principals
	some action in statement.actions
	action in {"*", "*:*"}
	"*" in statement.resources
	count(statement.condition_keys) == 0
}

deny contains {
	"resource": endpoint.key,
	"message": sprintf("%s (%s) has no endpoint policy, so the default full-access policy applies", [endpoint.id, endpoint.service_name]),
	"evidence": {"policy": "absent", "vpc_id": endpoint.vpc_id},
} if {
	some endpoint in input.network.vpc_endpoints
	policy_capable(endpoint)
	endpoint.policy_state == "absent"
}

deny contains {
	"resource": endpoint.key,
	"message": sprintf("%s (%s) policy allows any principal * on * without a condition", [endpoint.id, endpoint.service_name]),
	"evidence": {"policy": "full-access", "statement": statement, "vpc_id": endpoint.vpc_id},
} if {
	some endpoint in input.network.vpc_endpoints
	policy_capable(endpoint)
	endpoint.policy_state == "decoded"
	some statement in endpoint.allow_statements
	full_access(statement)
}
