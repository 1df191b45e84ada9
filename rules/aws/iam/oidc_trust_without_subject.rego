# METADATA
# title: Role trusts an OIDC provider without a subject condition
# description: >-
#   The role can be assumed with a web identity token of an OIDC provider (GitHub Actions, GitLab,
#   EKS, Terraform Cloud, ...) and its trust policy does not check the token's subject
#   ("<provider>:sub"), or only against "*". Every repository, pipeline or service account that
#   the provider issues tokens for, including other customers' on a shared provider like GitHub,
#   can then assume the role.
# custom:
#   id: IAM-011
#   severity: critical
#   pillar: identity
#   categories: [trust-boundary]
#   requires: [iam]
#   compliance: [nist-800-53-r5:AC-3, nist-800-53-r5:IA-2, nist-800-53-r5:IA-8]
#   remediation: >-
#     Add a StringEquals (or narrow StringLike) condition on "<provider>:sub" naming the
#     repository and branch or environment, or the service account, that may assume the role,
#     next to the "<provider>:aud" check.
package aws.iam.oidc_trust_without_subject

import data.aws.iam.trust_conditions as trust

subject_suffixes := object.get(data.posture.iam.trust_restricting_condition_keys, "oidc_subject_suffix", [":sub"])

oidc(entry) if {
	entry.scope == "federated"
	contains(entry.principal, "oidc-provider/")
}

applicable contains role.key if {
	some role in input.iam.principals
	role.kind == "role"
	some entry in object.get(role, "trust", [])
	oidc(entry)
}

# Whether a role trusts an OIDC provider cannot be known without its trust policy.
applicable contains key if {
	some key, _ in trust.unreadable_roles
}

not_evaluated contains {"resource": key, "reason": reason} if {
	some key, reason in trust.unreadable_roles
}

checks_subject(entry) if {
	some key in trust.restricting_keys(entry)
	some suffix in subject_suffixes
	endswith(key, suffix)
}

unchecked_entries(role) := [trust.entry_evidence(entry) |
	some entry in object.get(role, "trust", [])
	oidc(entry)
	not checks_subject(entry)
]

deny contains {
	"resource": role.key,
	"message": sprintf("role %s can be assumed with any token of %s: no condition on the token subject (:sub)", [
		role.name, concat(", ", sort({trust.short(entry.principal) | some entry in entries})),
	]),
	"evidence": {
		"trust_entries": entries,
		"providers": sort({entry.principal | some entry in entries}),
		"subject_key_suffixes": subject_suffixes,
	},
} if {
	some role in input.iam.principals
	role.kind == "role"
	not trust.unreadable_roles[role.key]
	entries := unchecked_entries(role)
	count(entries) > 0
}
