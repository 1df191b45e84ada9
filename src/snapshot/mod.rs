//! The snapshot: everything posture knows about a set of accounts, as plain versioned serde
//! structs (no SDK types). Collectors and importers write it; facts read it.
//!
//! A section that is `None` was not collected (its rules report `not_evaluated`); a section
//! that is present but empty was collected and holds nothing.

pub mod policy;

use crate::error::InputError;
use policy::PolicyDocument;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: &str = "1";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always "1" for this layout.
    pub schema_version: String,
    /// RFC 3339 time the data was collected or generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// Where the data came from: `collect`, `gaad`, `synth`, `fixture`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default)]
    pub accounts: Vec<AccountSnapshot>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountSnapshot {
    /// 12-digit AWS account id.
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Global IAM data; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<IamSection>,
    /// One entry per region that was scanned.
    #[serde(default)]
    pub regions: Vec<RegionSnapshot>,
    /// Calls that failed while collecting this account.
    #[serde(default)]
    pub coverage_gaps: Vec<CoverageGap>,
}

/// A call that could not be made or completed; the data it would have brought is missing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageGap {
    pub account: String,
    /// Region name, or `global` for IAM and other global services.
    pub region: String,
    pub service: String,
    pub operation: String,
    /// Error code and message, never credentials.
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionSnapshot {
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardduty: Option<GuardDutySection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub securityhub: Option<SecurityHubSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigSection>,
}

// ---------------------------------------------------------------- IAM

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamSection {
    #[serde(default)]
    pub users: Vec<IamUser>,
    #[serde(default)]
    pub groups: Vec<IamGroup>,
    #[serde(default)]
    pub roles: Vec<IamRole>,
    /// Managed policies (customer and AWS managed) referenced by the principals.
    #[serde(default)]
    pub policies: Vec<ManagedPolicy>,
    /// The IAM credential report; `None` when not collected (GAAD dumps have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_report: Option<Vec<CredentialReportEntry>>,
    /// The account password policy (`configured: false` when there is none); `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// GetAccountSummary counts (e.g. `AccountMFAEnabled`, `Users`); `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_summary: Option<BTreeMap<String, i64>>,
}

/// The account password policy as collected.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// False when the account has no password policy (the AWS defaults apply).
    pub configured: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_password_length: Option<i32>,
    #[serde(default)]
    pub require_symbols: bool,
    #[serde(default)]
    pub require_numbers: bool,
    #[serde(default)]
    pub require_uppercase_characters: bool,
    #[serde(default)]
    pub require_lowercase_characters: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<i32>,
}

/// One row of the credential report (`<root_account>` is the root user).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialReportEntry {
    pub user: String,
    pub arn: String,
    pub password_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<String>,
    pub mfa_active: bool,
    #[serde(default)]
    pub access_keys: Vec<AccessKeyEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyEntry {
    /// 1 or 2.
    pub number: u8,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
}

/// A policy document as collected: decoded, or the reason it could not be.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<PolicyDocument>,
    /// Set when the document could not be decoded; `document` is then absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<String>,
}

impl PolicySource {
    pub fn decoded(document: PolicyDocument) -> Self {
        Self {
            document: Some(document),
            decode_error: None,
        }
    }
    pub fn failed(error: impl ToString) -> Self {
        Self {
            document: None,
            decode_error: Some(error.to_string()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    pub name: String,
    #[serde(flatten)]
    pub source: PolicySource,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamUser {
    pub arn: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Names of the groups the user belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamGroup {
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    pub arn: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    /// The trust policy.
    pub assume_role_policy: PolicySource,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// ARNs of instance profiles that carry this role.
    #[serde(default)]
    pub instance_profiles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    /// The version in force; only its document counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_version_id: Option<String>,
    /// Document of the default version.
    #[serde(flatten)]
    pub source: PolicySource,
}

// ---------------------------------------------------------------- GuardDuty

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDutySection {
    #[serde(default)]
    pub detectors: Vec<GuardDutyDetector>,
    /// Active (non-archived) findings; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<Vec<GuardDutyFinding>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDutyDetector {
    pub id: String,
    /// `ENABLED` or `DISABLED` (suspended).
    pub status: String,
    #[serde(default)]
    pub features: Vec<NamedStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedStatus {
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDutyFinding {
    pub id: String,
    #[serde(rename = "type")]
    pub finding_type: String,
    /// 1.0–8.9; high is ≥ 7.0.
    pub severity: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default = "one")]
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
}

fn one() -> u64 {
    1
}

// ---------------------------------------------------------------- Security Hub

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityHubSection {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_arn: Option<String>,
    /// Enabled standards; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standards: Option<Vec<SecurityHubStandard>>,
    /// Security controls with their status; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls: Option<Vec<SecurityHubControl>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityHubStandard {
    pub arn: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityHubControl {
    pub id: String,
    pub title: String,
    /// `PASSED`, `FAILED`, `WARNING`, `NOT_AVAILABLE`.
    pub status: String,
    pub severity: String,
    #[serde(default)]
    pub failed_resources: Vec<String>,
}

// ---------------------------------------------------------------- Network

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    #[serde(default)]
    pub endpoint_services: Vec<EndpointService>,
    #[serde(default)]
    pub network_acls: Vec<NetworkAcl>,
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub internet_gateways: Vec<InternetGateway>,
    #[serde(default)]
    pub nat_gateways: Vec<NatGateway>,
    /// Flow logs of every resource; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_logs: Option<Vec<FlowLog>>,
    #[serde(default)]
    pub peering_connections: Vec<PeeringConnection>,
    /// EC2 instances (for exposure and correlation).
    #[serde(default)]
    pub instances: Vec<Instance>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub entries: Vec<NetworkAclEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkAclEntry {
    pub rule_number: i32,
    /// `-1` for all, or a protocol number (`6` tcp, `17` udp).
    pub protocol: String,
    /// `allow` or `deny`.
    pub rule_action: String,
    pub egress: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub is_main: bool,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Destination CIDR (v4 or v6) or prefix list id.
    pub destination: String,
    /// `local`, `igw-…`, `nat-…`, `pcx-…`, `vpce-…`, `tgw-…`, ….
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    pub id: String,
    #[serde(default)]
    pub vpc_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowLog {
    pub id: String,
    /// The VPC, subnet or network interface it logs.
    pub resource_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeeringConnection {
    pub id: String,
    pub requester_vpc_id: String,
    pub requester_account: String,
    pub accepter_vpc_id: String,
    pub accepter_account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// ARN of the instance profile (its role is found through IAM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_profile_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub id: String,
    pub cidr_block: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether flow logs are configured; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_logs_enabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub cidr_block: String,
    pub availability_zone: String,
    #[serde(default)]
    pub map_public_ip_on_launch: bool,
    /// Whether its route table sends 0.0.0.0/0 to an internet gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes_to_internet_gateway: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    #[serde(default)]
    pub ingress: Vec<SecurityGroupRule>,
    #[serde(default)]
    pub egress: Vec<SecurityGroupRule>,
}

/// One permission of a security group; `protocol` `-1` means all, ports are then absent.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRule {
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default)]
    pub ipv4_ranges: Vec<String>,
    #[serde(default)]
    pub ipv6_ranges: Vec<String>,
    /// Ids of security groups allowed as sources.
    #[serde(default)]
    pub source_groups: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    pub service_name: String,
    /// `Interface`, `Gateway`, `GatewayLoadBalancer`.
    pub endpoint_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Endpoint policy; absent means the service default (full access) or no policy support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySource>,
    #[serde(default)]
    pub private_dns_enabled: bool,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// Whether the service takes an endpoint policy (DescribeVpcEndpointServices); `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_supported: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointService {
    pub id: String,
    pub service_name: String,
    pub acceptance_required: bool,
    /// Principals allowed to connect (`*` means everyone).
    #[serde(default)]
    pub allowed_principals: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_dns_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_dns_verified: Option<bool>,
}

// ---------------------------------------------------------------- Config

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigSection {
    #[serde(default)]
    pub recorders: Vec<ConfigRecorder>,
    #[serde(default)]
    pub delivery_channels: Vec<String>,
    /// Config rules with their compliance; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<NamedStatus>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigRecorder {
    pub name: String,
    pub recording: bool,
    pub all_supported: bool,
    pub include_global_resource_types: bool,
}

// ---------------------------------------------------------------- loading

impl Snapshot {
    pub fn new(source: &str, accounts: Vec<AccountSnapshot>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION.to_string(),
            generated_at: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            source: Some(source.to_string()),
            accounts,
        }
    }

    /// Reads and validates a snapshot file; errors name the file and the JSON path.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let bytes = std::fs::read(path).map_err(|source| InputError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_slice(&bytes, path)
    }

    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Self, InputError> {
        // Fast path first; only on failure parse again, to name the version or the JSON path.
        match serde_json::from_slice::<Snapshot>(bytes) {
            Ok(snapshot) => {
                check_schema_version(Some(&serde_json::Value::String(snapshot.schema_version.clone())), path)?;
                Ok(snapshot)
            }
            Err(error) => {
                if let Ok(probe) = serde_json::from_slice::<VersionProbe>(bytes) {
                    check_schema_version(probe.schema_version.as_ref(), path)?;
                } else {
                    return Err(InputError::at(path, "$".to_string(), &error));
                }
                let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
                match serde_path_to_error::deserialize::<_, Snapshot>(deserializer) {
                    Ok(snapshot) => Ok(snapshot),
                    Err(error) => Err(InputError::at(path, error.path().to_string(), error.inner())),
                }
            }
        }
    }

    /// Sorts everything so that the same data always serialises to the same bytes.
    pub fn sort(&mut self) {
        self.accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        for account in &mut self.accounts {
            account.sort();
        }
    }
}

impl AccountSnapshot {
    /// Sorts the account's lists so that the same data always gives the same facts and bytes.
    pub fn sort(&mut self) {
        self.regions.sort_by(|a, b| a.region.cmp(&b.region));
        self.coverage_gaps.sort();
        if let Some(iam) = &mut self.iam {
            iam.users.sort_by(|a, b| a.arn.cmp(&b.arn));
            iam.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
            iam.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
            iam.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
    }
}

#[derive(Deserialize)]
struct VersionProbe {
    schema_version: Option<serde_json::Value>,
}

fn check_schema_version(version: Option<&serde_json::Value>, path: &Path) -> Result<(), InputError> {
    match version {
        Some(serde_json::Value::String(version)) if version == SCHEMA_VERSION => Ok(()),
        Some(other) => Err(InputError::Invalid {
            path: path.to_path_buf(),
            json_path: "schema_version".into(),
            message: format!("unsupported snapshot schema version {other}, this build reads \"{SCHEMA_VERSION}\""),
        }),
        None => Err(InputError::Invalid {
            path: path.to_path_buf(),
            json_path: "schema_version".into(),
            message: "missing; is this a posture snapshot? (use --gaad for an IAM authorization dump)".into(),
        }),
    }
}

/// JSON Schema of the snapshot, generated from these types, with keys in sorted order (so the
/// checked-in file is the same whatever serde_json features the build unified).
pub fn json_schema() -> serde_json::Value {
    sort_keys(schemars::schema_for!(Snapshot).to_value())
}

pub fn sort_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}
