//! Network facts: world-open ingress of security groups, VPC endpoint policies.

use super::{ResourceIndex, ResourceRef};
use crate::snapshot::policy::{Effect, Statement};
use crate::snapshot::{AccountSnapshot, SecurityGroupRule};
use serde::Serialize;

#[derive(Debug, Default, Serialize)]
pub struct NetworkFacts {
    pub security_groups: Vec<SecurityGroupFacts>,
    pub vpc_endpoints: Vec<VpcEndpointFacts>,
}

#[derive(Debug, Serialize)]
pub struct SecurityGroupFacts {
    pub key: String,
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    pub region: String,
    /// Ingress permissions open to 0.0.0.0/0 or ::/0, ports resolved (all ports = 0–65535).
    pub world_open_ingress: Vec<OpenIngress>,
}

#[derive(Debug, Serialize)]
pub struct OpenIngress {
    /// `tcp`, `udp`, `icmp`, `all`, or the protocol number.
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub cidr: String,
}

#[derive(Debug, Serialize)]
pub struct VpcEndpointFacts {
    pub key: String,
    pub id: String,
    pub vpc_id: String,
    pub region: String,
    pub service_name: String,
    pub endpoint_type: String,
    /// `absent` (the service default, full access), `decoded`, or `unreadable`.
    pub policy_state: &'static str,
    /// Allow statements, normalised for the rules.
    pub allow_statements: Vec<EndpointStatement>,
}

#[derive(Debug, Serialize)]
pub struct EndpointStatement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Principal values of every kind; `*` for everyone.
    pub principals: Vec<String>,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    /// Condition keys used (e.g. `aws:PrincipalOrgID`).
    pub condition_keys: Vec<String>,
}

const WORLD: [&str; 2] = ["0.0.0.0/0", "::/0"];

pub fn analyse(account: &AccountSnapshot, index: &mut ResourceIndex) -> NetworkFacts {
    let account_id = account.account_id.as_str();
    let mut facts = NetworkFacts::default();
    for region in &account.regions {
        let Some(network) = &region.network else { continue };
        let region_name = region.region.as_str();
        for group in &network.security_groups {
            let arn = format!("arn:aws:ec2:{region_name}:{account_id}:security-group/{}", group.id);
            index.insert(
                arn.clone(),
                ResourceRef {
                    arn: arn.clone(),
                    resource_type: "AwsEc2SecurityGroup".into(),
                    name: group.name.clone(),
                    account: account_id.to_string(),
                    region: region_name.to_string(),
                },
            );
            facts.security_groups.push(SecurityGroupFacts {
                key: arn,
                id: group.id.clone(),
                name: group.name.clone(),
                vpc_id: group.vpc_id.clone(),
                region: region_name.to_string(),
                world_open_ingress: group.ingress.iter().flat_map(world_open).collect(),
            });
        }
        for endpoint in &network.vpc_endpoints {
            let arn = format!("arn:aws:ec2:{region_name}:{account_id}:vpc-endpoint/{}", endpoint.id);
            index.insert(
                arn.clone(),
                ResourceRef {
                    arn: arn.clone(),
                    resource_type: "AwsEc2VpcEndpoint".into(),
                    name: endpoint.service_name.clone(),
                    account: account_id.to_string(),
                    region: region_name.to_string(),
                },
            );
            let (policy_state, allow_statements) = match &endpoint.policy {
                None => ("absent", Vec::new()),
                Some(source) => match &source.document {
                    Some(document) => (
                        "decoded",
                        document
                            .statements
                            .iter()
                            .filter(|s| s.effect == Effect::Allow)
                            .map(endpoint_statement)
                            .collect(),
                    ),
                    None => {
                        let reason = source.decode_error.clone().unwrap_or_else(|| "no document".into());
                        index.mark_incomplete(&arn, "network", format!("endpoint policy unreadable: {reason}"));
                        ("unreadable", Vec::new())
                    }
                },
            };
            facts.vpc_endpoints.push(VpcEndpointFacts {
                key: arn,
                id: endpoint.id.clone(),
                vpc_id: endpoint.vpc_id.clone(),
                region: region_name.to_string(),
                service_name: endpoint.service_name.clone(),
                endpoint_type: endpoint.endpoint_type.clone(),
                policy_state,
                allow_statements,
            });
        }
    }
    facts
}

fn protocol_name(protocol: &str) -> String {
    match protocol {
        "-1" | "all" => "all".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn world_open(rule: &SecurityGroupRule) -> Vec<OpenIngress> {
    let protocol = protocol_name(&rule.protocol);
    let (from_port, to_port) = if protocol == "all" {
        (0, 65535)
    } else {
        // Absent ports on tcp/udp mean the whole range; -1 is ICMP's "any type".
        let from = rule.from_port.filter(|p| *p >= 0).unwrap_or(0);
        let to = rule.to_port.filter(|p| *p >= 0).unwrap_or(65535);
        (from, to)
    };
    rule.ipv4_ranges
        .iter()
        .chain(rule.ipv6_ranges.iter())
        .filter(|cidr| WORLD.contains(&cidr.as_str()))
        .map(|cidr| OpenIngress {
            protocol: protocol.clone(),
            from_port,
            to_port,
            cidr: cidr.clone(),
        })
        .collect()
}

fn endpoint_statement(statement: &Statement) -> EndpointStatement {
    let principals = match &statement.principal {
        Some(map) => map.values().flatten().cloned().collect(),
        // A statement without Principal in an endpoint policy applies to everyone.
        None => vec!["*".to_string()],
    };
    EndpointStatement {
        sid: statement.sid.clone(),
        principals,
        actions: statement.action.clone().unwrap_or_else(|| {
            // NotAction allows everything but a list: treat as every action for exposure.
            if statement.not_action.is_some() {
                vec!["*".into()]
            } else {
                Vec::new()
            }
        }),
        resources: statement.resource.clone().unwrap_or_else(|| {
            if statement.not_resource.is_some() {
                vec!["*".into()]
            } else {
                Vec::new()
            }
        }),
        condition_keys: statement
            .condition
            .as_ref()
            .map(|c| c.values().flat_map(|keys| keys.keys().cloned()).collect())
            .unwrap_or_default(),
    }
}
