package aws.ec2.subnet_public_ip_on_launch_test

import data.aws.ec2.subnet_public_ip_on_launch as rule

subnet(key, auto) := {"key": key, "id": key, "vpc_id": "vpc-1", "availability_zone": "eu-west-1a", "map_public_ip_on_launch": auto, "internet_route": true}

test_deny_auto_assign if {
	results := rule.deny with input as {"network": {"subnets": [subnet("s-1", true)]}}
	some result in results
	contains(result.message, "internet gateway")
}

test_allow_no_auto_assign if {
	input_doc := {"network": {"subnets": [subnet("s-2", false)]}}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"s-2"} with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
