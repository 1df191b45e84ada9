//! A deterministic synthetic organisation: about 1,000 resources per account, mixed IAM and
//! network, with a realistic share of weaknesses. The same (accounts, seed) always gives the
//! same bytes; each account is generated from its own seed, so accounts are made in parallel.

use posture::snapshot::policy::{Effect, PolicyDocument, Statement};
use posture::snapshot::{
    AccountSnapshot, CoverageGap, EndpointService, FlowLog, GuardDutyDetector, GuardDutyFinding, GuardDutySection,
    IamGroup, IamRole, IamSection, IamUser, InlinePolicy, Instance, InstanceMetadataOptions, InternetGateway,
    ManagedPolicy, NatGateway, NetworkAcl, NetworkAclEntry, NetworkSection, PeeringConnection, PolicySource,
    RegionSnapshot, Route, RouteTable, SecurityGroup, SecurityGroupRule, SecurityHubSection, Subnet, Vpc, VpcEndpoint,
    SCHEMA_VERSION,
};
use rayon::prelude::*;
use std::collections::BTreeMap;

use std::path::Path;

const REGIONS: [&str; 3] = ["eu-west-1", "us-east-1", "us-west-2"];
const USERS: usize = 30;
const GROUPS: usize = 8;
const ROLES: usize = 60;
const CUSTOMER_POLICIES: usize = 40;
const VPCS_PER_REGION: usize = 3;
const SUBNETS_PER_VPC: usize = 6;
const SECURITY_GROUPS_PER_REGION: usize = 250;
const ENDPOINTS_PER_REGION: usize = 15;
const ENDPOINT_SERVICES_PER_REGION: usize = 2;
/// The account whose auditor may assume every account's org-audit role (in the security unit).
const SECURITY_INDEX: usize = 3;
/// Accounts serialised per parallel batch (bounds memory while writing).
const BATCH: usize = 64;

pub struct SynthStats {
    pub resources: usize,
    pub bytes: u64,
}

/// Writes the snapshot for `accounts` accounts to `path`; `changed` of them (spread evenly) gain
/// a new administrator, as a night's drift would (the same seed without it is the night before).
pub fn write_snapshot(path: &Path, accounts: usize, seed: u64, changed: usize) -> anyhow::Result<SynthStats> {
    let changed_indices = spread(accounts, changed);
    let mut resources = 0usize;
    let security = account_id(seed, SECURITY_INDEX.min(accounts.saturating_sub(1)));
    posture::destination::write_file(path, &[], |out| {
        write!(
            out,
            "{{\"schema_version\":\"{SCHEMA_VERSION}\",\"generated_at\":\"2026-01-01T00:00:00Z\",\"source\":\"synth\",\"accounts\":["
        )?;
        let indices: Vec<usize> = (0..accounts).collect();
        for (batch_number, batch) in indices.chunks(BATCH).enumerate() {
            let encoded: Vec<(usize, Vec<u8>)> = batch
                .par_iter()
                .map(|index| {
                    let mut account = generate_account(seed, *index);
                    let mut rng = fastrand::Rng::with_seed(seed ^ 0x0A11_CE55 ^ *index as u64);
                    crate::synth_org::add_to_account(&mut rng, &mut account, &security);
                    if *index == SECURITY_INDEX.min(accounts - 1) {
                        if let Some(iam) = &mut account.iam {
                            iam.users.push(crate::synth_org::auditor(&security));
                        }
                    }
                    if changed_indices.binary_search(index).is_ok() {
                        add_drift(&mut account);
                    }
                    let count = resource_count(&account);
                    let bytes = serde_json::to_vec(&account).map_err(std::io::Error::other)?;
                    Ok((count, bytes))
                })
                .collect::<std::io::Result<_>>()?;
            for (position, (count, bytes)) in encoded.into_iter().enumerate() {
                if batch_number > 0 || position > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(&bytes)?;
                resources += count;
            }
        }
        out.write_all(b"],\"organization\":")?;
        let ids: Vec<String> = (0..accounts).map(|index| account_id(seed, index)).collect();
        serde_json::to_writer(&mut *out, &crate::synth_org::organization(&ids)).map_err(std::io::Error::other)?;
        out.write_all(b"}\n")
    })?;
    Ok(SynthStats {
        resources,
        bytes: std::fs::metadata(path)?.len(),
    })
}

/// `count` of `0..accounts`, evenly spaced and sorted.
pub fn spread(accounts: usize, count: usize) -> Vec<usize> {
    let count = count.min(accounts);
    (0..count).map(|k| k * accounts / count).collect()
}

/// A night's drift: a new user with an inline policy that allows everything.
fn add_drift(account: &mut AccountSnapshot) {
    let id = account.account_id.clone();
    if let Some(iam) = &mut account.iam {
        iam.users.push(IamUser {
            arn: format!("arn:aws:iam::{id}:user/drift-admin"),
            name: "drift-admin".into(),
            create_date: Some("2025-12-31T00:00:00Z".into()),
            inline_policies: vec![InlinePolicy {
                name: "everything".into(),
                source: document(vec![statement(Effect::Allow, &["*"], &["*"])]),
            }],
            attached_policies: Vec::new(),
            groups: Vec::new(),
            permissions_boundary: None,
        });
    }
}

fn resource_count(account: &AccountSnapshot) -> usize {
    let iam = account
        .iam
        .as_ref()
        .map_or(0, |i| i.users.len() + i.groups.len() + i.roles.len() + i.policies.len());
    let network: usize = account
        .regions
        .iter()
        .filter_map(|r| r.network.as_ref())
        .map(|n| {
            n.vpcs.len()
                + n.subnets.len()
                + n.security_groups.len()
                + n.vpc_endpoints.len()
                + n.endpoint_services.len()
                + n.network_acls.len()
                + n.route_tables.len()
                + n.internet_gateways.len()
                + n.nat_gateways.len()
                + n.peering_connections.len()
                + n.instances.len()
        })
        .sum();
    let buckets = account.s3.as_ref().map_or(0, |s3| s3.buckets.len());
    let policies: usize = account
        .regions
        .iter()
        .flat_map(|r| r.policy_sections())
        .filter_map(|(_, section)| section.map(|s| s.resources.len()))
        .sum();
    iam + network + account.regions.len() * 2 + buckets + policies
}

fn account_id(seed: u64, index: usize) -> String {
    format!(
        "{:012}",
        100_000_000_000u64 + (seed % 1000) * 1_000_000 + index as u64 * 7
    )
}

fn statement(effect: Effect, actions: &[&str], resources: &[&str]) -> Statement {
    Statement {
        sid: None,
        effect,
        action: Some(actions.iter().map(|s| s.to_string()).collect()),
        not_action: None,
        resource: Some(resources.iter().map(|s| s.to_string()).collect()),
        not_resource: None,
        principal: None,
        not_principal: None,
        condition: None,
    }
}

fn document(statements: Vec<Statement>) -> PolicySource {
    PolicySource::decoded(PolicyDocument {
        version: Some("2012-10-17".into()),
        statements,
    })
}

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const SECURITY_AUDIT: &str = "arn:aws:iam::aws:policy/SecurityAudit";
const POWER_USER: &str = "arn:aws:iam::aws:policy/PowerUserAccess";

fn aws_managed_policies() -> Vec<ManagedPolicy> {
    let managed = |arn: &str, source: PolicySource| ManagedPolicy {
        arn: arn.into(),
        name: arn.rsplit('/').next().unwrap_or(arn).into(),
        default_version_id: Some("v1".into()),
        source,
    };
    let mut power_user = statement(Effect::Allow, &[], &["*"]);
    power_user.action = None;
    power_user.not_action = Some(vec!["iam:*".into(), "organizations:*".into(), "account:*".into()]);
    vec![
        managed(ADMIN, document(vec![statement(Effect::Allow, &["*"], &["*"])])),
        managed(
            READ_ONLY,
            document(vec![statement(
                Effect::Allow,
                &["s3:Get*", "s3:List*", "ec2:Describe*", "iam:Get*", "iam:List*"],
                &["*"],
            )]),
        ),
        managed(
            SECURITY_AUDIT,
            document(vec![statement(
                Effect::Allow,
                &[
                    "iam:GenerateCredentialReport",
                    "iam:Get*",
                    "iam:List*",
                    "ec2:Describe*",
                    "guardduty:Get*",
                    "guardduty:List*",
                ],
                &["*"],
            )]),
        ),
        managed(POWER_USER, document(vec![power_user])),
    ]
}

const ACTION_POOL: [&str; 16] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sns:Publish",
    "kms:Decrypt",
    "logs:PutLogEvents",
    "ec2:Describe*",
    "lambda:InvokeFunction",
    "secretsmanager:GetSecretValue",
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
];

fn customer_policy(rng: &mut fastrand::Rng, account: &str, index: usize) -> ManagedPolicy {
    let statements = (0..rng.usize(2..6))
        .map(|s| {
            let actions: Vec<&str> = (0..rng.usize(1..5))
                .map(|_| ACTION_POOL[rng.usize(..ACTION_POOL.len())])
                .collect();
            let bucket = format!("arn:aws:s3:::app-{account}-{index}-{s}/*");
            let mut stmt = statement(Effect::Allow, &actions, &[bucket.as_str()]);
            stmt.sid = Some(format!("S{s}"));
            stmt
        })
        .collect();
    ManagedPolicy {
        arn: format!("arn:aws:iam::{account}:policy/app-policy-{index}"),
        name: format!("app-policy-{index}"),
        default_version_id: Some("v1".into()),
        source: document(statements),
    }
}

fn generate_iam(rng: &mut fastrand::Rng, account: &str) -> IamSection {
    let mut policies = aws_managed_policies();
    policies.extend((0..CUSTOMER_POLICIES).map(|i| customer_policy(rng, account, i)));
    let customer = |rng: &mut fastrand::Rng| {
        format!(
            "arn:aws:iam::{account}:policy/app-policy-{}",
            rng.usize(..CUSTOMER_POLICIES)
        )
    };
    let groups: Vec<IamGroup> = (0..GROUPS)
        .map(|g| IamGroup {
            arn: format!("arn:aws:iam::{account}:group/team-{g}"),
            name: format!("team-{g}"),
            inline_policies: Vec::new(),
            // One group in eight is an admin group.
            attached_policies: if g == 0 {
                vec![ADMIN.into()]
            } else {
                vec![READ_ONLY.into(), customer(rng)]
            },
        })
        .collect();
    let users = (0..USERS)
        .map(|u| {
            let mut attached = vec![customer(rng)];
            if rng.usize(..15) == 0 {
                attached.push(ADMIN.into());
            }
            IamUser {
                arn: format!("arn:aws:iam::{account}:user/user-{u}"),
                name: format!("user-{u}"),
                create_date: Some("2024-03-01T00:00:00Z".into()),
                inline_policies: Vec::new(),
                attached_policies: attached,
                // About one user in twelve sits in the admin group.
                groups: vec![format!(
                    "team-{}",
                    if rng.usize(..12) == 0 { 0 } else { rng.usize(1..GROUPS) }
                )],
                permissions_boundary: None,
            }
        })
        .collect();
    let roles = (0..ROLES)
        .map(|r| {
            let trust = PolicySource::decoded(PolicyDocument {
                version: Some("2012-10-17".into()),
                statements: vec![Statement {
                    principal: Some(BTreeMap::from([(
                        "Service".to_string(),
                        vec!["lambda.amazonaws.com".to_string()],
                    )])),
                    ..statement(Effect::Allow, &["sts:AssumeRole"], &[])
                }],
            });
            let inline_policies = if rng.usize(..20) == 0 {
                vec![InlinePolicy {
                    name: "break-glass".into(),
                    source: document(vec![statement(Effect::Allow, &["*"], &["*"])]),
                }]
            } else {
                Vec::new()
            };
            IamRole {
                arn: format!("arn:aws:iam::{account}:role/service-role-{r}"),
                name: format!("service-role-{r}"),
                create_date: Some("2024-03-01T00:00:00Z".into()),
                assume_role_policy: trust,
                inline_policies,
                attached_policies: vec![
                    customer(rng),
                    if rng.usize(..10) == 0 {
                        POWER_USER.into()
                    } else {
                        SECURITY_AUDIT.into()
                    },
                ],
                permissions_boundary: None,
                // Every sixth role runs on EC2 (the synthetic instances use these profiles).
                instance_profiles: if r % 6 == 0 {
                    vec![format!("arn:aws:iam::{account}:instance-profile/service-role-{r}")]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    IamSection {
        users,
        groups,
        roles,
        policies,
        credential_report: None,
        password_policy: None,
        account_summary: None,
    }
}

fn ingress(protocol: &str, port: i32, cidr: &str) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: protocol.into(),
        from_port: Some(port),
        to_port: Some(port),
        ipv4_ranges: vec![cidr.into()],
        ipv6_ranges: Vec::new(),
        source_groups: Vec::new(),
    }
}

fn generate_network(rng: &mut fastrand::Rng, account: &str, region_index: usize) -> NetworkSection {
    let mut network = NetworkSection::default();
    for v in 0..VPCS_PER_REGION {
        let vpc_id = format!("vpc-{region_index}{v:02}{}", &account[6..]);
        for s in 0..SUBNETS_PER_VPC {
            network.subnets.push(Subnet {
                id: format!("subnet-{region_index}{v}{s}{}", &account[6..]),
                vpc_id: vpc_id.clone(),
                cidr_block: format!("10.{v}.{s}.0/24"),
                availability_zone: format!("{}{}", REGIONS[region_index], ["a", "b", "c"][s % 3]),
                map_public_ip_on_launch: s == 0,
                routes_to_internet_gateway: Some(s < 2),
            });
        }
        network.vpcs.push(Vpc {
            id: vpc_id,
            cidr_block: format!("10.{v}.0.0/16"),
            is_default: v == 0,
            name: Some(format!("vpc-{v}")),
            flow_logs_enabled: Some(rng.bool()),
        });
    }
    for g in 0..SECURITY_GROUPS_PER_REGION {
        let vpc_id = network.vpcs[g % VPCS_PER_REGION].id.clone();
        let mut rules = vec![ingress("tcp", 443, "10.0.0.0/8")];
        match rng.usize(..100) {
            0..=2 => rules.push(ingress("tcp", [22, 3389, 5432][rng.usize(..3)], "0.0.0.0/0")),
            3..=7 => rules.push(ingress("tcp", 443, "0.0.0.0/0")),
            8 => rules.push(SecurityGroupRule {
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                ipv4_ranges: vec![],
                ipv6_ranges: vec!["::/0".into()],
                source_groups: vec![],
            }),
            _ => rules.push(ingress("tcp", 8080, "10.1.0.0/16")),
        }
        network.security_groups.push(SecurityGroup {
            id: format!("sg-{region_index}{g:04}{}", &account[4..]),
            name: format!("app-{g}"),
            vpc_id,
            ingress: rules,
            egress: vec![SecurityGroupRule {
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                ipv4_ranges: vec!["0.0.0.0/0".into()],
                ipv6_ranges: vec![],
                source_groups: vec![],
            }],
        });
    }
    let services = [
        "s3",
        "dynamodb",
        "ssm",
        "secretsmanager",
        "kms",
        "sts",
        "logs",
        "ecr.api",
    ];
    for e in 0..ENDPOINTS_PER_REGION {
        let service = services[e % services.len()];
        let policy = match rng.usize(..10) {
            0..=1 => None,
            2 => Some(document(vec![Statement {
                principal: Some(BTreeMap::from([("AWS".to_string(), vec!["*".to_string()])])),
                ..statement(Effect::Allow, &["*"], &["*"])
            }])),
            _ => {
                let mut restricted = Statement {
                    principal: Some(BTreeMap::from([("AWS".to_string(), vec!["*".to_string()])])),
                    ..statement(Effect::Allow, &["*"], &["*"])
                };
                restricted.condition = Some(BTreeMap::from([(
                    "StringEquals".to_string(),
                    BTreeMap::from([("aws:PrincipalOrgID".to_string(), vec!["o-synth0001".to_string()])]),
                )]));
                Some(document(vec![restricted]))
            }
        };
        network.vpc_endpoints.push(VpcEndpoint {
            id: format!("vpce-{region_index}{e:03}{}", &account[4..]),
            vpc_id: network.vpcs[e % VPCS_PER_REGION].id.clone(),
            service_name: format!("com.amazonaws.{}.{service}", REGIONS[region_index]),
            endpoint_type: if matches!(service, "s3" | "dynamodb") {
                "Gateway".into()
            } else {
                "Interface".into()
            },
            state: Some("available".into()),
            policy,
            private_dns_enabled: !matches!(service, "s3" | "dynamodb"),
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            policy_supported: Some(true),
        });
    }
    for s in 0..ENDPOINT_SERVICES_PER_REGION {
        network.endpoint_services.push(EndpointService {
            id: format!("vpce-svc-{region_index}{s}{}", &account[4..]),
            service_name: format!(
                "com.amazonaws.vpce.{}.vpce-svc-{region_index}{s}{}",
                REGIONS[region_index],
                &account[4..]
            ),
            acceptance_required: s == 0,
            allowed_principals: vec![format!("arn:aws:iam::{account}:root")],
            private_dns_name: None,
            private_dns_verified: None,
        });
    }
    add_routing_and_workloads(rng, &mut network, account, region_index);
    network
}

const INSTANCES_PER_REGION: usize = 20;

/// Gateways, route tables, NACLs, flow logs, peering and instances of the region's VPCs.
fn add_routing_and_workloads(
    rng: &mut fastrand::Rng,
    network: &mut NetworkSection,
    account: &str,
    region_index: usize,
) {
    let mut flow_logs = Vec::new();
    for (v, vpc) in network.vpcs.clone().iter().enumerate() {
        let subnets: Vec<String> = network
            .subnets
            .iter()
            .filter(|s| s.vpc_id == vpc.id)
            .map(|s| s.id.clone())
            .collect();
        let igw = format!("igw-{region_index}{v}{}", &account[6..]);
        let nat = format!("nat-{region_index}{v}{}", &account[6..]);
        network.internet_gateways.push(InternetGateway {
            id: igw.clone(),
            vpc_ids: vec![vpc.id.clone()],
        });
        network.nat_gateways.push(NatGateway {
            id: nat.clone(),
            vpc_id: vpc.id.clone(),
            subnet_id: subnets[0].clone(),
            state: Some("available".into()),
        });
        let route = |destination: &str, target: &str| Route {
            destination: destination.into(),
            target: target.into(),
            state: Some("active".into()),
        };
        network.route_tables.push(RouteTable {
            id: format!("rtb-pub-{region_index}{v}{}", &account[6..]),
            vpc_id: vpc.id.clone(),
            is_main: false,
            subnet_ids: subnets[..2].to_vec(),
            routes: vec![route(&vpc.cidr_block, "local"), route("0.0.0.0/0", &igw)],
        });
        network.route_tables.push(RouteTable {
            id: format!("rtb-main-{region_index}{v}{}", &account[6..]),
            vpc_id: vpc.id.clone(),
            is_main: true,
            subnet_ids: Vec::new(),
            routes: vec![route(&vpc.cidr_block, "local"), route("0.0.0.0/0", &nat)],
        });
        // The default NACL allows everything, as AWS creates it.
        let entry = |rule_number, egress| NetworkAclEntry {
            rule_number,
            protocol: "-1".into(),
            rule_action: "allow".into(),
            egress,
            cidr_block: Some("0.0.0.0/0".into()),
            ipv6_cidr_block: None,
            from_port: None,
            to_port: None,
        };
        network.network_acls.push(NetworkAcl {
            id: format!("acl-{region_index}{v}{}", &account[6..]),
            vpc_id: vpc.id.clone(),
            is_default: true,
            subnet_ids: subnets,
            entries: vec![entry(100, false), entry(100, true)],
        });
        if vpc.flow_logs_enabled == Some(true) {
            flow_logs.push(FlowLog {
                id: format!("fl-{region_index}{v}{}", &account[6..]),
                resource_id: vpc.id.clone(),
                traffic_type: Some("ALL".into()),
                status: Some("ACTIVE".into()),
            });
        }
    }
    network.flow_logs = Some(flow_logs);
    // One account in ten peers with a vendor outside the organisation.
    if rng.usize(..10) == 0 {
        network.peering_connections.push(PeeringConnection {
            id: format!("pcx-{region_index}{}", &account[6..]),
            requester_vpc_id: network.vpcs[0].id.clone(),
            requester_account: account.to_string(),
            accepter_vpc_id: "vpc-vendor".into(),
            accepter_account: "999988887777".into(),
            status: Some("active".into()),
        });
    }
    for i in 0..INSTANCES_PER_REGION {
        let subnet = &network.subnets[rng.usize(..network.subnets.len())];
        let public = subnet.map_public_ip_on_launch;
        network.instances.push(Instance {
            id: format!("i-{region_index}{i:03}{}", &account[4..]),
            vpc_id: Some(subnet.vpc_id.clone()),
            subnet_id: Some(subnet.id.clone()),
            security_group_ids: vec![network.security_groups[rng.usize(..network.security_groups.len())]
                .id
                .clone()],
            instance_profile_arn: (i % 4 == 0).then(|| {
                format!(
                    "arn:aws:iam::{account}:instance-profile/service-role-{}",
                    6 * rng.usize(..ROLES / 6)
                )
            }),
            public_ip: public.then(|| format!("203.0.113.{}", i + 1)),
            state: Some("running".into()),
            // One instance in five still answers IMDSv1, as older launch templates leave it.
            metadata_options: Some(InstanceMetadataOptions {
                http_tokens: Some(if i % 5 == 0 { "optional" } else { "required" }.into()),
                http_endpoint: Some("enabled".into()),
            }),
            ipv6_addresses: Some(Vec::new()),
        });
    }
    network.elastic_ips = Some(Vec::new());
}

/// One synthetic account, from its own seed.
pub fn generate_account(seed: u64, index: usize) -> AccountSnapshot {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index as u64);
    let account = account_id(seed, index);
    let iam = generate_iam(&mut rng, &account);
    let guardduty_regions = rng.usize(1..=REGIONS.len());
    let mut coverage_gaps = Vec::new();
    let regions = REGIONS
        .iter()
        .enumerate()
        .map(|(r, region)| {
            // About one account in fifty denies Security Hub reads in one region.
            let securityhub = if rng.usize(..50) == 0 && r == 2 {
                coverage_gaps.push(CoverageGap {
                    account: account.clone(),
                    region: region.to_string(),
                    service: "securityhub".into(),
                    operation: "DescribeHub".into(),
                    error: "AccessDeniedException".into(),
                });
                None
            } else {
                Some(SecurityHubSection {
                    enabled: r == 1,
                    hub_arn: None,
                    standards: None,
                    controls: None,
                })
            };
            RegionSnapshot {
                region: region.to_string(),
                guardduty: Some(GuardDutySection {
                    detectors: if r < guardduty_regions {
                        vec![GuardDutyDetector {
                            id: format!("d{r}{account}"),
                            status: "ENABLED".into(),
                            features: Vec::new(),
                            data_sources: Vec::new(),
                        }]
                    } else {
                        Vec::new()
                    },
                    // One account in five has an active high finding on its first instance.
                    findings: Some(if r == 0 && rng.usize(..5) == 0 {
                        vec![GuardDutyFinding {
                            id: format!("gd-{account}"),
                            finding_type: "UnauthorizedAccess:EC2/SSHBruteForce".into(),
                            severity: 8.0,
                            resource_arn: Some(format!(
                                "arn:aws:ec2:{region}:{account}:instance/i-0000{}",
                                &account[4..]
                            )),
                            resource_type: Some("Instance".into()),
                            count: 12,
                            first_seen: Some("2026-01-01T00:00:00Z".into()),
                            last_seen: Some("2026-01-02T00:00:00Z".into()),
                        }]
                    } else {
                        Vec::new()
                    }),
                }),
                securityhub,
                network: Some(generate_network(&mut rng, &account, r)),
                ..Default::default()
            }
        })
        .collect();
    AccountSnapshot {
        account_id: account.clone(),
        name: Some(format!("synthetic-{index}")),
        iam: Some(iam),
        regions,
        coverage_gaps,
        ..Default::default()
    }
}
