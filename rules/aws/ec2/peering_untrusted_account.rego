# METADATA
# title: VPC peering with an account outside the trusted set
# description: >-
#   The VPC peering connection links a VPC of this account with a VPC of an account that is not
#   in `trusted_account_ids`. Peering is a flat network path: whatever the routes and security
#   groups allow, that account's workloads can reach.
# custom:
#   id: NET-015
#   severity: high
#   pillar: network
#   categories: [trust-boundary, lateral-movement, external-access]
#   requires: [network]
#   compliance: [cis-aws-4.0:5.5, nist-800-53-r5:CA-3, nist-800-53-r5:AC-4, nist-800-53-r5:SC-7]
#   remediation: >-
#     Delete the peering if it is not needed; otherwise add the account to trusted_account_ids
#     after review and limit the peering routes to the subnets that must talk.
package aws.ec2.peering_untrusted_account

inactive := {"deleted", "deleting", "rejected", "failed", "expired"}

live(peering) if not lower(object.get(peering, "status", "active")) in inactive

applicable contains peering.key if {
	some peering in input.network.peering_connections
	live(peering)
}

trusted_accounts := {id | some id in data.posture.params.trusted_account_ids} | {input.account.id}

deny contains {
	"resource": peering.key,
	"message": sprintf("%s peers %s (%s) with %s (%s); account %s is not trusted", [peering.id, peering.requester_vpc_id, peering.requester_account, peering.accepter_vpc_id, peering.accepter_account, peering.peer_account]),
	"evidence": {"peer_account": peering.peer_account, "requester_vpc_id": peering.requester_vpc_id, "accepter_vpc_id": peering.accepter_vpc_id, "status": object.get(peering, "status", null)},
} if {
	some peering in input.network.peering_connections
	live(peering)
	not peering.peer_account in trusted_accounts
}
