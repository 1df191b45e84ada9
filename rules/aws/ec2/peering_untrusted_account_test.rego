package aws.ec2.peering_untrusted_account_test

import data.aws.ec2.peering_untrusted_account as rule

peering(key, peer, status) := {"key": key, "id": key, "requester_account": "111122223333", "requester_vpc_id": "vpc-1", "accepter_account": peer, "accepter_vpc_id": "vpc-9", "peer_account": peer, "status": status}

doc(peerings) := {"account": {"id": "111122223333"}, "network": {"peering_connections": peerings}}

test_deny_unknown_account if {
	count(rule.deny) == 1 with input as doc([peering("p1", "999988887777", "active")])
}

test_allow_trusted_account if {
	input_doc := doc([peering("p2", "444455556666", "active")])
	count(rule.deny) == 0 with input as input_doc with data.posture.params.trusted_account_ids as ["444455556666"]
	rule.applicable == {"p2"} with input as input_doc
}

test_allow_same_account if {
	count(rule.deny) == 0 with input as doc([peering("p3", "111122223333", "active")])
}

test_allow_deleted_not_applicable if {
	count(rule.applicable) == 0 with input as doc([peering("p4", "999988887777", "deleted")])
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
