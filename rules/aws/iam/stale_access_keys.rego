# METADATA
# title: IAM user has an old or unused active access key
# description: >-
#   An active access key of the user was last rotated longer ago than `access_key_max_age_days`,
#   or has not been used for longer than `access_key_max_unused_days` (rule parameters, 90 days
#   by default). Long-lived keys end up in laptops, repositories and build logs; an unused one is
#   pure risk, and an old one has had years to leak.
# custom:
#   id: IAM-013
#   severity: medium
#   pillar: identity
#   categories: [credentials]
#   requires: [iam]
#   compliance: [cis-aws-4.0:1.12, cis-aws-4.0:1.14, aws-fsbp:IAM.3, aws-fsbp:IAM.8, nist-800-53-r5:IA-5(1)]
#   remediation: >-
#     Deactivate and delete keys that are not used; rotate the others (create a new key, switch
#     the application, delete the old one), and prefer roles with temporary credentials (IAM
#     Roles Anywhere, OIDC federation, instance or task roles) to user keys.
package aws.iam.stale_access_keys

max_age := data.posture.params.access_key_max_age_days

max_unused := data.posture.params.access_key_max_unused_days

applicable contains user.key if {
	some user in input.iam.principals
	user.kind == "user"
}

not_evaluated contains {"resource": user.key, "reason": "no credential report: access key ages and last use are unknown"} if {
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

# What is wrong with a key; a missing age or last use is judged on the rest.
problems(key) := array.concat(age_problem(key), unused_problem(key))

age_problem(key) := [sprintf("not rotated for %d days (max %d)", [key.age_days, max_age])] if {
	key.age_days > max_age
} else := []

unused_problem(key) := [sprintf("unused for %d days (max %d)", [key.unused_days, max_unused])] if {
	key.unused_days > max_unused
} else := []

stale_keys(user) := [object.union(key, {"problems": problems(key)}) |
	some key in object.get(user.credentials, "access_keys", [])
	key.active == true
	count(problems(key)) > 0
]

deny contains {
	"resource": user.key,
	"message": sprintf("user %s has stale active access key(s): %s", [
		user.name,
		concat("; ", [sprintf("key %d %s", [key.number, concat(", ", key.problems)]) | some key in keys]),
	]),
	"evidence": {
		"access_keys": keys,
		"access_key_max_age_days": max_age,
		"access_key_max_unused_days": max_unused,
	},
} if {
	input.iam.credential_report_available == true
	some user in input.iam.principals
	user.kind == "user"
	keys := stale_keys(user)
	count(keys) > 0
}
