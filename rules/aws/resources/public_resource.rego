# METADATA
# title: Resource anyone can use
# description: >-
#   The resource's own policy (bucket, key, queue, topic, secret, function or repository policy)
#   lets any principal use it (`"Principal": "*"`) without a condition that limits who asks
#   (organisation, account, source ARN, VPC endpoint), and neither Block Public Access
#   (RestrictPublicBuckets) nor a resource control policy takes that away. Anyone on the
#   internet, in any AWS account, can read, write or invoke what the policy allows.
# custom:
#   id: DATA-001
#   severity: critical
#   pillar: data
#   categories: [public-access]
#   requires: []
#   compliance: [aws-fsbp:S3.2, aws-fsbp:S3.3, aws-fsbp:KMS.5, aws-fsbp:SQS.3, aws-fsbp:SNS.4, aws-fsbp:Lambda.1, aws-fsbp:SecretsManager.5, cis-aws-4.0:2.1.4, nist-800-53-r5:AC-3, nist-800-53-r5:AC-21]
#   remediation: >-
#     Replace "*" with the accounts or roles that need the resource, or add a condition on
#     aws:PrincipalOrgID; for S3 turn on Block Public Access at account level; close the service
#     to outsiders with a resource control policy.
package aws.resources.public_resource

applicable contains resource.key if {
	some resource in input.resources.resources
}

applicable contains scope.key if {
	some scope in input.resources.uncollected
}

deny contains {
	"resource": resource.key,
	"message": sprintf("%s %s in %s can be used by anyone: %s", [resource.service, resource.name, resource.region, concat(", ", actions(resource))]),
	"evidence": {
		"service": resource.service,
		"public_actions": resource.public_actions,
		"conditional": false,
	},
} if {
	some resource in input.resources.resources
	resource.public == true
}

actions(resource) := resource.public_actions if {
	count(resource.public_actions) > 0
} else := ["every action its policy names"]

not_evaluated contains {"resource": resource.key, "reason": resource.policy_unknown} if {
	some resource in input.resources.resources
	resource.policy_unknown
}

# Anyone may use it under conditions posture cannot decide: unknown, not safe.
not_evaluated contains {
	"resource": resource.key,
	"reason": sprintf("its policy lets anyone use it under conditions posture cannot decide (%s)", [concat(", ", resource.public_actions)]),
} if {
	some resource in input.resources.resources
	resource.public == false
	resource.public_conditional == true
}

not_evaluated contains {"resource": scope.key, "reason": scope.reason} if {
	some scope in input.resources.uncollected
}
