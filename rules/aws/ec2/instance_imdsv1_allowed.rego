# METADATA
# title: EC2 instance allows IMDSv1
# description: >-
#   The instance metadata service answers token-less (IMDSv1) requests: `HttpTokens` is
#   `optional` while the endpoint is enabled. One server-side request forgery in what the
#   instance serves, or an open proxy on it, then reads the instance role's credentials from
#   169.254.169.254 without the PUT that IMDSv2 requires. An instance whose metadata options
#   were not collected is not evaluated; one with the endpoint disabled passes.
# custom:
#   id: NET-016
#   severity: high
#   pillar: network
#   categories: [hygiene]
#   requires: [network]
#   compliance: [aws-fsbp:EC2.8, cis-aws-4.0:5.7, nist-800-53-r5:AC-3, nist-800-53-r5:AC-6, nist-800-53-r5:SC-7]
#   remediation: >-
#     Require IMDSv2: `aws ec2 modify-instance-metadata-options --instance-id ID --http-tokens
#     required` (check first that the instance's SDKs and agents support tokens), and set
#     `HttpTokens: required` in launch templates and the account's default
#     (`modify-instance-metadata-defaults`).
package aws.ec2.instance_imdsv1_allowed

gone := {"terminated", "shutting-down"}

instances contains instance if {
	some instance in input.network.instances
	not lower(object.get(instance, "state", "running")) in gone
}

applicable contains instance.key if {
	some instance in instances
}

deny contains {
	"resource": instance.key,
	"message": sprintf("%s answers IMDSv1: HttpTokens is %s and the metadata endpoint is %s", [instance.id, instance.metadata_http_tokens, object.get(instance, "metadata_http_endpoint", "enabled")]),
	"evidence": {
		"http_tokens": instance.metadata_http_tokens,
		"http_endpoint": object.get(instance, "metadata_http_endpoint", null),
		"instance_profile_arn": object.get(instance, "instance_profile_arn", null),
	},
} if {
	some instance in instances
	instance.imdsv1_allowed == true
}

not_evaluated contains {"resource": instance.key, "reason": "the instance's metadata options were not collected"} if {
	some instance in instances
	object.get(instance, "imdsv1_allowed", null) == null
}
