# METADATA
# title: Subnet assigns public IP addresses automatically
# description: >-
#   Instances launched in the subnet get a public IPv4 address unless the launch says
#   otherwise. In a subnet with a route to an internet gateway, every new instance is then
#   reachable from the internet as soon as a security group lets traffic in.
# custom:
#   id: NET-006
#   severity: medium
#   pillar: network
#   categories: [internet-exposure]
#   requires: [network]
#   compliance: [aws-fsbp:EC2.15, nist-800-53-r5:SC-7, nist-800-53-r5:AC-4]
#   remediation: >-
#     Turn off "auto-assign public IPv4 address" on the subnet; give public addresses only to
#     load balancers and NAT gateways, on purpose.
package aws.ec2.subnet_public_ip_on_launch

applicable contains subnet.key if {
	some subnet in input.network.subnets
}

route_note(subnet) := " and routes to an internet gateway" if {
	subnet.internet_route == true
} else := ""

deny contains {
	"resource": subnet.key,
	"message": sprintf("%s (%s, %s) assigns public IPs on launch%s", [subnet.id, subnet.vpc_id, subnet.availability_zone, route_note(subnet)]),
	"evidence": {"vpc_id": subnet.vpc_id, "internet_route": subnet.internet_route, "route_table_id": object.get(subnet, "route_table_id", null)},
} if {
	some subnet in input.network.subnets
	subnet.map_public_ip_on_launch == true
}
