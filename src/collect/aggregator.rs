//! `--config-aggregator NAME`: VPC and PrivateLink configuration of the whole organisation from
//! an AWS Config aggregator's advanced query. It fills the network section of every account and
//! region that direct collection did not cover; directly collected data is never replaced.

use super::paging::{PageTokens, LOOP};
use super::{describe, AccountContext, ServiceCalls};
use crate::snapshot::policy::decode_policy_text;
use crate::snapshot::{
    AccountSnapshot, NetworkSection, PolicySource, RegionSnapshot, SecurityGroup, SecurityGroupRule, Subnet, Vpc,
    VpcEndpoint,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// Endpoint services are left out: their allowed principals are not in the configuration item,
/// and a missing list must not read as "nobody allowed".
const QUERY: &str = "SELECT accountId, awsRegion, resourceId, resourceType, configuration WHERE resourceType IN \
    ('AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup', 'AWS::EC2::VPCEndpoint')";

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn strings(value: &Value, key: &str, field: Option<&str>) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| match field {
                    Some(field) => item.get(field).and_then(Value::as_str),
                    None => item.as_str(),
                })
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn permission(item: &Value) -> SecurityGroupRule {
    // Config writes IPv4 ranges both as strings (ipRanges) and as objects (ipv4Ranges).
    let mut ipv4 = strings(item, "ipRanges", None);
    for cidr in strings(item, "ipv4Ranges", Some("cidrIp")) {
        if !ipv4.contains(&cidr) {
            ipv4.push(cidr);
        }
    }
    SecurityGroupRule {
        protocol: text(item, "ipProtocol"),
        from_port: item.get("fromPort").and_then(Value::as_i64).map(|p| p as i32),
        to_port: item.get("toPort").and_then(Value::as_i64).map(|p| p as i32),
        ipv4_ranges: ipv4,
        ipv6_ranges: strings(item, "ipv6Ranges", Some("cidrIpv6")),
        source_groups: strings(item, "userIdGroupPairs", Some("groupId")),
    }
}

fn permissions(configuration: &Value, key: &str) -> Vec<SecurityGroupRule> {
    configuration
        .get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().map(permission).collect())
        .unwrap_or_default()
}

/// Adds one configuration item to the network section it belongs to.
pub(crate) fn add_item(network: &mut NetworkSection, resource_type: &str, configuration: &Value) {
    match resource_type {
        "AWS::EC2::VPC" => network.vpcs.push(Vpc {
            id: text(configuration, "vpcId"),
            cidr_block: text(configuration, "cidrBlock"),
            is_default: configuration.get("isDefault").and_then(Value::as_bool).unwrap_or(false),
            name: configuration
                .get("tags")
                .and_then(Value::as_array)
                .and_then(|tags| {
                    tags.iter()
                        .find(|t| t.get("key").and_then(Value::as_str) == Some("Name"))
                })
                .map(|tag| text(tag, "value")),
            flow_logs_enabled: None,
        }),
        "AWS::EC2::Subnet" => network.subnets.push(Subnet {
            id: text(configuration, "subnetId"),
            vpc_id: text(configuration, "vpcId"),
            cidr_block: text(configuration, "cidrBlock"),
            availability_zone: text(configuration, "availabilityZone"),
            map_public_ip_on_launch: configuration
                .get("mapPublicIpOnLaunch")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            routes_to_internet_gateway: None,
        }),
        "AWS::EC2::SecurityGroup" => network.security_groups.push(SecurityGroup {
            id: text(configuration, "groupId"),
            name: text(configuration, "groupName"),
            vpc_id: text(configuration, "vpcId"),
            ingress: permissions(configuration, "ipPermissions"),
            egress: permissions(configuration, "ipPermissionsEgress"),
        }),
        "AWS::EC2::VPCEndpoint" => network.vpc_endpoints.push(VpcEndpoint {
            id: text(configuration, "vpcEndpointId"),
            vpc_id: text(configuration, "vpcId"),
            service_name: text(configuration, "serviceName"),
            endpoint_type: text(configuration, "vpcEndpointType"),
            state: configuration.get("state").and_then(Value::as_str).map(str::to_string),
            policy: configuration.get("policyDocument").and_then(Value::as_str).map(
                |document| match decode_policy_text(document) {
                    Ok(document) => PolicySource::decoded(document),
                    Err(error) => PolicySource::failed(error),
                },
            ),
            private_dns_enabled: configuration
                .get("privateDnsEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            subnet_ids: strings(configuration, "subnetIds", None),
            security_group_ids: strings(configuration, "groups", Some("groupId")),
            policy_supported: None,
        }),
        _ => {}
    }
}

/// Runs the advanced query; returns network sections keyed by (account, region).
pub(super) async fn query(
    client: &aws_sdk_config::Client,
    context: &AccountContext,
    aggregator: &str,
) -> Option<BTreeMap<(String, String), NetworkSection>> {
    let mut calls = ServiceCalls::start(context, "config", "global");
    let mut sections: BTreeMap<(String, String), NetworkSection> = BTreeMap::new();
    let mut tokens = PageTokens::default();
    let mut pages = client
        .select_aggregate_resource_config()
        .configuration_aggregator_name(aggregator)
        .expression(QUERY)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        calls.call();
        let page = match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("SelectAggregateResourceConfig", LOOP.into());
                return None;
            }
            Ok(page) => page,
            Err(error) => {
                // A partial organisation picture would read as "nothing there": drop it all.
                calls.fail("SelectAggregateResourceConfig", describe(&error));
                return None;
            }
        };
        for result in page.results() {
            let Ok(item) = serde_json::from_str::<Value>(result) else {
                continue;
            };
            // The configuration may come as an object or as a JSON string.
            let configuration = match item.get("configuration") {
                Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
                Some(other) => other.clone(),
                None => Value::Null,
            };
            let key = (text(&item, "accountId"), text(&item, "awsRegion"));
            add_item(
                sections.entry(key).or_default(),
                &text(&item, "resourceType"),
                &configuration,
            );
        }
    }
    Some(sections)
}

/// Fills in what direct collection lacks; never replaces a directly collected section.
pub(crate) fn merge(accounts: &mut Vec<AccountSnapshot>, sections: BTreeMap<(String, String), NetworkSection>) {
    for ((account_id, region), network) in sections {
        let position = match accounts.iter().position(|a| a.account_id == account_id) {
            Some(position) => position,
            None => {
                accounts.push(AccountSnapshot {
                    account_id: account_id.clone(),
                    ..Default::default()
                });
                accounts.len() - 1
            }
        };
        let account = &mut accounts[position];
        match account.regions.iter_mut().find(|r| r.region == region) {
            Some(existing) if existing.network.is_some() => {}
            Some(existing) => existing.network = Some(network),
            None => account.regions.push(RegionSnapshot {
                region,
                network: Some(network),
                ..Default::default()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_become_network_sections_and_fill_only_what_is_missing() {
        let mut network = NetworkSection::default();
        add_item(
            &mut network,
            "AWS::EC2::SecurityGroup",
            &json!({"groupId": "sg-1", "groupName": "ssh", "vpcId": "vpc-1", "ipPermissions": [
                {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": ["0.0.0.0/0"], "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}]}
            ]}),
        );
        add_item(
            &mut network,
            "AWS::EC2::VPCEndpoint",
            &json!({"vpcEndpointId": "vpce-1", "vpcId": "vpc-1", "serviceName": "com.amazonaws.eu-west-1.s3",
                    "vpcEndpointType": "Gateway", "policyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}),
        );
        assert_eq!(network.security_groups[0].ingress[0].ipv4_ranges, vec!["0.0.0.0/0"]);
        assert!(network.vpc_endpoints[0].policy.as_ref().unwrap().document.is_some());

        let direct = NetworkSection {
            vpcs: vec![],
            ..NetworkSection::default()
        };
        let mut accounts = vec![AccountSnapshot {
            account_id: "111".into(),
            regions: vec![RegionSnapshot {
                region: "eu-west-1".into(),
                network: Some(direct),
                ..Default::default()
            }],
            ..Default::default()
        }];
        let sections = BTreeMap::from([
            (("111".to_string(), "eu-west-1".to_string()), network.clone()),
            (("222".to_string(), "us-east-1".to_string()), network),
        ]);
        merge(&mut accounts, sections);
        // The directly collected section stays as it was.
        assert!(accounts[0].regions[0]
            .network
            .as_ref()
            .unwrap()
            .security_groups
            .is_empty());
        // An account only the aggregator knows is added with its network section.
        assert_eq!(accounts[1].account_id, "222");
        assert_eq!(
            accounts[1].regions[0].network.as_ref().unwrap().security_groups.len(),
            1
        );
    }

    use aws_sdk_config::operation::select_aggregate_resource_config::{
        SelectAggregateResourceConfigError, SelectAggregateResourceConfigOutput,
    };
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    fn context() -> AccountContext {
        AccountContext {
            account_id: "111".into(),
            config: aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .build(),
            gaps: crate::collect::Gaps::new("111"),
            calls: std::sync::Arc::new(crate::collect::CallCounter::default()),
            limit: std::sync::Arc::new(tokio::sync::Semaphore::new(2)),
        }
    }

    #[tokio::test]
    async fn the_advanced_query_is_paged_and_grouped_by_account_and_region() {
        let first = mock!(aws_sdk_config::Client::select_aggregate_resource_config)
            .match_requests(|request| request.next_token().is_none() && request.configuration_aggregator_name() == Some("org"))
            .then_output(|| {
                SelectAggregateResourceConfigOutput::builder()
                    .results(r#"{"accountId":"222","awsRegion":"eu-west-1","resourceType":"AWS::EC2::VPC","configuration":{"vpcId":"vpc-1","cidrBlock":"10.0.0.0/16"}}"#)
                    .next_token("page-2")
                    .build()
            });
        let second = mock!(aws_sdk_config::Client::select_aggregate_resource_config)
            .match_requests(|request| request.next_token() == Some("page-2"))
            .then_output(|| {
                SelectAggregateResourceConfigOutput::builder()
                    .results(r#"{"accountId":"333","awsRegion":"us-east-1","resourceType":"AWS::EC2::SecurityGroup","configuration":"{\"groupId\":\"sg-9\",\"groupName\":\"open\",\"vpcId\":\"vpc-9\"}"}"#)
                    .build()
            });
        let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&first, &second]);
        let context = context();
        let sections = query(&client, &context, "org").await.expect("queried");
        assert_eq!(sections.len(), 2);
        assert_eq!(
            sections[&("222".to_string(), "eu-west-1".to_string())].vpcs[0].id,
            "vpc-1"
        );
        assert_eq!(
            sections[&("333".to_string(), "us-east-1".to_string())].security_groups[0].id,
            "sg-9"
        );
        assert!(context.gaps.take().is_empty());
    }

    #[tokio::test]
    async fn a_failed_query_is_a_gap_and_adds_nothing() {
        let denied = mock!(aws_sdk_config::Client::select_aggregate_resource_config)
            .sequence()
            .error(|| {
                SelectAggregateResourceConfigError::generic(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("no")
                        .build(),
                )
            })
            .repeatedly()
            .build();
        let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&denied]);
        let context = context();
        assert!(query(&client, &context, "org").await.is_none());
        let gaps = context.gaps.take();
        assert_eq!(gaps[0].operation, "SelectAggregateResourceConfig");
        assert!(gaps[0].error.starts_with("AccessDeniedException"));
    }
}
