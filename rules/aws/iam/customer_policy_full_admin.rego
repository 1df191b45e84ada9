# METADATA
# title: Customer managed policy allows every action on every resource
# description: >-
#   A customer managed policy's default version has an Allow statement of "*" (or "*:*") on
#   "*". Whoever it is attached to, now or later, is an administrator; an unattached one is a
#   ready-made administrator grant that anyone allowed to attach policies can use. The finding
#   is on the policy, attached or not; IAM-001 reports the principals it makes administrators.
# custom:
#   id: IAM-019
#   severity: high
#   pillar: identity
#   categories: [admin-access]
#   requires: [iam]
#   compliance: [aws-fsbp:IAM.1, cis-aws-4.0:1.16, nist-800-53-r5:AC-6]
#   remediation: >-
#     Replace "*" on "*" with the actions and resources the policy's users need (IAM Access
#     Analyzer can generate them from CloudTrail); keep administrator access on a few break-glass
#     roles with the AWS managed AdministratorAccess policy, and delete unused copies.
package aws.iam.customer_policy_full_admin

applicable contains policy.key if {
	some policy in object.get(input.iam, "customer_managed_policies", [])
}

attachment_text(policy) := sprintf("attached to %d principal(s)", [count(policy.attached_to)]) if {
	count(policy.attached_to) > 0
} else := "not attached"

condition_note(policy) := " (only under conditions)" if {
	every s in policy.admin_statements {
		s.conditional == true
	}
} else := ""

deny contains {
	"resource": policy.key,
	"message": sprintf("customer managed policy %s allows * on *%s, %s", [policy.name, condition_note(policy), attachment_text(policy)]),
	"evidence": {
		"policy": policy.arn,
		"statements": policy.admin_statements,
		"attached_to": policy.attached_to,
	},
} if {
	some policy in object.get(input.iam, "customer_managed_policies", [])
	count(policy.admin_statements) > 0
}
