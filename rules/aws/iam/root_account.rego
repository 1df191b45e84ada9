# METADATA
# title: Root user has access keys or no MFA
# description: >-
#   The account's root user has an active access key, or no MFA device. Root can do everything,
#   including closing the account and changing its contact and billing details, and no policy or
#   permissions boundary limits it: its credentials must be as hard to use as possible and never
#   sit in a key file.
# custom:
#   id: IAM-014
#   severity: critical
#   pillar: identity
#   categories: [credentials]
#   requires: [iam]
#   compliance: [cis-aws-4.0:1.4, cis-aws-4.0:1.5, aws-fsbp:IAM.4, aws-fsbp:IAM.9, nist-800-53-r5:AC-6(9)]
#   remediation: >-
#     Delete the root access keys (use IAM roles instead), enable a hardware or FIDO MFA device on
#     the root user, keep its credentials in a safe, and in an organisation consider centralised
#     root access management.
package aws.iam.root_account

# Root facts come from the credential report; without it the account is judged as a whole.
account_key := "account"

applicable contains input.iam.root.key

applicable contains account_key if {
	not input.iam.root
	is_boolean(input.iam.credential_report_available)
}

not_evaluated contains {"resource": account_key, "reason": "no credential report: root access keys and MFA are unknown"} if {
	not input.iam.root
	input.iam.credential_report_available == false
}

not_evaluated contains {"resource": account_key, "reason": "the credential report has no root account entry"} if {
	not input.iam.root
	input.iam.credential_report_available == true
}

issues(root) := array.concat(key_issue(root), mfa_issue(root))

key_issue(root) := [sprintf("%d active access key(s)", [root.access_keys_active])] if {
	root.access_keys_active > 0
} else := []

mfa_issue(root) := ["no MFA device"] if {
	root.mfa_active == false
} else := []

deny contains {
	"resource": root.key,
	"message": sprintf("the root user has %s", [concat(" and ", problems)]),
	"evidence": {
		"access_keys_active": root.access_keys_active,
		"mfa_active": root.mfa_active,
		"password_last_used": object.get(root, "password_last_used", null),
	},
} if {
	root := input.iam.root
	problems := issues(root)
	count(problems) > 0
}
