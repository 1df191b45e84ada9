# METADATA
# title: Account password policy is missing or weak
# description: >-
#   The account has no password policy, or it lets IAM users choose passwords shorter than
#   `password_min_length` (14) characters or reuse one of their last `password_reuse_prevention`
#   (24) passwords. Short and recycled console passwords fall to guessing and to credential
#   stuffing from other breaches; without a policy AWS accepts any 8-character password.
# custom:
#   id: IAM-018
#   severity: medium
#   pillar: identity
#   categories: [credentials]
#   requires: [iam]
#   compliance: [cis-aws-4.0:1.8, cis-aws-4.0:1.9, aws-fsbp:IAM.7, nist-800-53-r5:IA-5(1)]
#   remediation: >-
#     Set an account password policy (IAM > Account settings, or `aws iam
#     update-account-password-policy --minimum-password-length 14 --password-reuse-prevention
#     24`), and prefer federated sign-in with MFA over IAM user passwords.
package aws.iam.password_policy_weak

# The password policy is an account-wide setting: it is judged on the account.
account_key := "account"

params := data.posture.params

policy := object.get(input.iam, "password_policy", null)

applicable contains account_key if is_object(input.iam)

not_evaluated contains {"resource": account_key, "reason": "the snapshot has no account password policy: not collected (GAAD dumps have none)"} if {
	is_object(input.iam)
	policy == null
}

too_short(p) if p.minimum_password_length == null

too_short(p) if p.minimum_password_length < params.password_min_length

reuse_allowed(p) if p.password_reuse_prevention == null

reuse_allowed(p) if p.password_reuse_prevention < params.password_reuse_prevention

length_text(p) := sprintf("%d", [p.minimum_password_length]) if is_number(p.minimum_password_length) else := "unset"

reuse_text(p) := sprintf("%d", [p.password_reuse_prevention]) if is_number(p.password_reuse_prevention) else := "unset"

problems(p) := array.concat(
	[sprintf("minimum length %s (at least %d)", [length_text(p), params.password_min_length]) | too_short(p)],
	[sprintf("reuse prevention %s (at least %d)", [reuse_text(p), params.password_reuse_prevention]) | reuse_allowed(p)],
)

evidence(p) := {
	"configured": p.configured,
	"minimum_password_length": p.minimum_password_length,
	"password_reuse_prevention": p.password_reuse_prevention,
	"required_minimum_length": params.password_min_length,
	"required_reuse_prevention": params.password_reuse_prevention,
}

deny contains {
	"resource": account_key,
	"message": "the account has no password policy: any password of 8 characters or more is accepted and may be reused",
	"evidence": evidence(policy),
} if {
	is_object(policy)
	policy.configured == false
}

deny contains {
	"resource": account_key,
	"message": sprintf("the account password policy is weak: %s", [concat(", ", found)]),
	"evidence": evidence(policy),
} if {
	is_object(policy)
	policy.configured == true
	found := problems(policy)
	count(found) > 0
}
