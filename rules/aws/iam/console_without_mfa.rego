# METADATA
# title: IAM user can sign in to the console without MFA
# description: >-
#   The user has a console password and no MFA device. A phished, guessed or reused password is
#   then enough to act as this user in the console, and passwords leak far more often than MFA
#   devices are stolen.
# custom:
#   id: IAM-012
#   severity: high
#   pillar: identity
#   categories: [credentials]
#   requires: [iam]
#   compliance: [cis-aws-4.0:1.10, aws-fsbp:IAM.5, nist-800-53-r5:IA-2(1)]
#   remediation: >-
#     Enable an MFA device (preferably a FIDO security key) for the user, or remove its console
#     password if it does not need the console; better, move people to IAM Identity Center with
#     MFA enforced.
package aws.iam.console_without_mfa

applicable contains user.key if {
	some user in input.iam.principals
	user.kind == "user"
}

not_evaluated contains {"resource": user.key, "reason": "no credential report: console passwords and MFA devices are unknown"} if {
	input.iam.credential_report_available == false
	some user in input.iam.principals
	user.kind == "user"
}

not_evaluated contains {"resource": user.key, "reason": "the user is not in the credential report (created after it was generated?)"} if {
	input.iam.credential_report_available == true
	some user in input.iam.principals
	user.kind == "user"
	not user.credentials
}

deny contains {
	"resource": user.key,
	"message": sprintf("user %s has a console password and no MFA device%s", [user.name, last_used_text(user.credentials)]),
	"evidence": {
		"password_enabled": true,
		"mfa_active": false,
		"password_last_used": object.get(user.credentials, "password_last_used", null),
	},
} if {
	input.iam.credential_report_available == true
	some user in input.iam.principals
	user.kind == "user"
	user.credentials.password_enabled == true
	user.credentials.mfa_active == false
}

last_used_text(credentials) := sprintf(" (password last used %s)", [credentials.password_last_used]) if {
	credentials.password_last_used
} else := " (password never used)"
