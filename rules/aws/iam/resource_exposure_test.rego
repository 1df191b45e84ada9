package aws.iam.resource_exposure_test

import data.aws.iam.resource_exposure as rule

key := "arn:aws:iam::111122223333:role/platform"

principal(actions, total) := {
	"key": key, "kind": "role", "name": "platform", "full_admin": false,
	"policies": ["inline:platform"],
	"permissions_management_everywhere": actions,
	"permissions_management_everywhere_count": total,
}

test_deny_bucket_policy_everywhere if {
	results := rule.deny with input as {"iam": {"principals": [principal(["s3:PutBucketPolicy", "kms:PutKeyPolicy"], 2)]}}
	count(results) == 1
	some result in results
	contains(result.message, "2 permissions-management actions: s3:PutBucketPolicy, kms:PutKeyPolicy)")
	result.evidence.count == 2
	result.evidence.policies == ["inline:platform"]
}

# The facts list at most 50 actions; the message says how many more there are.
test_deny_truncated_list_counts_the_rest if {
	actions := ["a:One", "a:Two", "a:Three", "a:Four", "a:Five", "a:Six"]
	results := rule.deny with input as {"iam": {"principals": [principal(actions, 120)]}}
	some result in results
	contains(result.message, "a:Five and 115 more")
	result.evidence.listed_all == false
}

test_deny_names_sensitive_services_first if {
	actions := ["acm-pca:PutPolicy", "ecr:SetRepositoryPolicy", "kms:PutKeyPolicy"]
	results := rule.deny with input as {"iam": {"principals": [principal(actions, 3)]}}
	some result in results
	contains(result.message, "actions: kms:PutKeyPolicy, acm-pca:PutPolicy, ecr:SetRepositoryPolicy)")
	result.evidence.permissions_management_actions == actions
}

test_allow_none_everywhere if {
	input_doc := {"iam": {"principals": [principal([], 0)]}}
	count(rule.deny) == 0 with input as input_doc
	applicable := rule.applicable with input as input_doc
	applicable == {key}
}

test_allow_full_admin_left_to_iam_001 if {
	admin := object.union(principal(["iam:PutRolePolicy"], 1), {"full_admin": true})
	count(rule.deny) == 0 with input as {"iam": {"principals": [admin]}}
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
	count(rule.deny) == 0 with input as {"iam": {"principals": [{"key": key, "kind": "role", "name": "platform"}]}}
}
