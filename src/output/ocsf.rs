//! OCSF 1.x findings as JSON lines, for SIEMs (Splunk, Elastic, Sentinel, Security Lake):
//! Compliance Finding (2003, one event per rule × resource) or Detection Finding (2004, failing
//! and muted results only: a pass is not a detection). With OCSF 1.6, the failing results of the
//! rules about a principal's own permissions are IAM Analysis Findings (2008) instead of 2003.
//! Structs of their own; 1.3 output stays what it was (the golden test holds it).

use super::spool::{FindingFormat, StatusCounts};
use super::{OcsfClass, OcsfVersion};
use crate::finding::{Finding, Status};
use crate::report::Summary;
use crate::rules::metadata::Severity;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

impl OcsfVersion {
    /// `metadata.version` of the events.
    pub fn schema_version(self) -> &'static str {
        match self {
            OcsfVersion::V1_3 => "1.3.0",
            OcsfVersion::V1_6 => "1.6.0",
        }
    }
}

/// The rules that judge what a principal's own permissions allow (administrator, escalation,
/// service wildcards, credentials, data, permissions management, any role, new principals
/// without a boundary): with OCSF 1.6 their failing and muted results are IAM Analysis Findings.
pub const IAM_ANALYSIS_RULES: [&str; 8] = [
    "IAM-001", "IAM-002", "IAM-003", "IAM-004", "IAM-005", "IAM-006", "IAM-007", "IAM-016",
];

const CATEGORY_FINDINGS: u32 = 2;
const ACTIVITY_CREATE: u32 = 1;
/// OCSF `account.type_id` for an AWS account.
const ACCOUNT_TYPE_AWS: u32 = 10;

#[derive(Serialize)]
struct EventV1<'a> {
    activity_id: u32,
    activity_name: &'static str,
    category_uid: u32,
    category_name: &'static str,
    class_uid: u32,
    class_name: &'static str,
    type_uid: u32,
    type_name: &'static str,
    severity_id: u8,
    severity: &'static str,
    status_id: u8,
    status: &'static str,
    time: i64,
    message: &'a str,
    metadata: Metadata<'a>,
    finding_info: FindingInfo<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance: Option<Compliance<'a>>,
    /// 2008 only: what each policy the evidence names grants the principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    permission_analysis_results: Option<Vec<PermissionAnalysisResult<'a>>>,
    /// 2008 only: the principal analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<User<'a>>,
    cloud: Cloud<'a>,
    resources: [ResourceDetails<'a>; 1],
    remediation: Remediation<'a>,
    unmapped: Unmapped<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    version: &'static str,
    uid: String,
    product: Product,
    profiles: [&'static str; 1],
    correlation_uid: &'a str,
}

#[derive(Serialize)]
struct Product {
    name: &'static str,
    vendor_name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    uid: String,
    title: &'a str,
    desc: &'a str,
    types: &'a [String],
    created_time: i64,
    /// With a history: when the finding first failed, and this scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_seen_time: Option<i64>,
}

#[derive(Serialize)]
struct Compliance<'a> {
    control: &'a str,
    standards: Vec<&'a str>,
    requirements: &'a [String],
    status_id: u8,
    status: &'static str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    provider: &'static str,
    account: Account<'a>,
    region: &'a str,
}

#[derive(Serialize)]
struct Account<'a> {
    uid: &'a str,
    name: &'a str,
    type_id: u32,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct PermissionAnalysisResult<'a> {
    policy: Policy<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    granted_privileges: Vec<String>,
}

#[derive(Serialize)]
struct Policy<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct User<'a> {
    uid: &'a str,
    name: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    account: Account<'a>,
}

#[derive(Serialize)]
struct ResourceDetails<'a> {
    uid: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    region: &'a str,
    cloud_partition: &'a str,
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: &'a str,
}

/// posture's own fields that OCSF has no place for.
#[derive(Serialize)]
struct Unmapped<'a> {
    rule_id: &'a str,
    result: &'static str,
    pillar: &'static str,
    compliance: &'a [String],
    evidence: std::borrow::Cow<'a, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
}

fn severity(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF `compliance.status_id`: Pass 1, Fail 3 (a muted fail is still a fail); not evaluated is
/// 0 Unknown in 1.3 output, and 2 Warning in 1.6, whose enum has no 0 and defines Warning as "did
/// not yield a result due to missing information".
fn compliance_status(status: Status, version: OcsfVersion) -> (u8, &'static str) {
    match (status, version) {
        (Status::Pass, _) => (1, "Pass"),
        (Status::Fail | Status::Muted, _) => (3, "Fail"),
        (Status::NotEvaluated, OcsfVersion::V1_3) => (0, "Unknown"),
        (Status::NotEvaluated, OcsfVersion::V1_6) => (2, "Warning"),
    }
}

/// OCSF finding `status_id`: New 1, Suppressed 3.
fn finding_status(status: Status) -> (u8, &'static str) {
    match status {
        Status::Muted => (3, "Suppressed"),
        _ => (1, "New"),
    }
}

/// `arn:aws-cn:...` → `aws-cn`; anything else → `aws`.
fn partition(arn: &str) -> &str {
    arn.split(':').nth(1).filter(|p| p.starts_with("aws")).unwrap_or("aws")
}

/// The strings of `value[key]`, when it is an array (others are skipped).
fn strings<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a str> {
    entries(value, key).filter_map(Value::as_str)
}

fn entries<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// Policy → the privileges the evidence of an IAM analysis rule says it grants. The rules name
/// grants in these places: `granting_policies` (`*` on `*`, IAM-001), `{action, policies}` at the
/// top (IAM-007), under `actions` (IAM-004/005/016) or `methods[].actions` (IAM-002),
/// `statements[]` `{service, policy}` (`service:*`, IAM-003); the other `policies` it names were
/// analysed without a privilege attributed to them (IAM-006 lists actions, not their policies).
fn policy_grants(evidence: &Value) -> BTreeMap<&str, BTreeSet<String>> {
    let mut grants: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for policy in strings(evidence, "granting_policies") {
        grants.entry(policy).or_default().insert("*".to_string());
    }
    let methods = entries(evidence, "methods").flat_map(|method| entries(method, "actions"));
    for grant in std::iter::once(evidence)
        .chain(entries(evidence, "actions"))
        .chain(methods)
    {
        if let Some(action) = grant.get("action").and_then(Value::as_str) {
            for policy in strings(grant, "policies") {
                grants.entry(policy).or_default().insert(action.to_string());
            }
        }
    }
    for statement in entries(evidence, "statements") {
        let service = statement.get("service").and_then(Value::as_str);
        if let (Some(service), Some(policy)) = (service, statement.get("policy").and_then(Value::as_str)) {
            grants.entry(policy).or_default().insert(format!("{service}:*"));
        }
    }
    for policy in strings(evidence, "policies") {
        grants.entry(policy).or_default();
    }
    grants
}

/// OCSF `policy` of a policy key: a managed policy's ARN, or `inline:NAME`.
fn policy(key: &str) -> Policy<'_> {
    if let Some(name) = key.strip_prefix("inline:") {
        return Policy {
            name,
            uid: None,
            kind: "Inline Policy",
        };
    }
    if !key.starts_with("arn:") {
        return Policy {
            name: key,
            uid: None,
            kind: "Identity Policy",
        };
    }
    let name = key.rsplit('/').next().unwrap_or(key);
    // `arn:aws:iam::aws:policy/...`: the account field of AWS managed policies is `aws`.
    let kind = match key.split(':').nth(4) {
        Some("aws") => "AWS Managed Policy",
        _ => "Customer Managed Policy",
    };
    Policy {
        name,
        uid: Some(key),
        kind,
    }
}

fn permission_analysis_results(evidence: &Value) -> Vec<PermissionAnalysisResult<'_>> {
    policy_grants(evidence)
        .into_iter()
        .map(|(key, privileges)| PermissionAnalysisResult {
            policy: policy(key),
            granted_privileges: privileges.into_iter().collect(),
        })
        .collect()
}

/// OCSF `user.type` of an IAM principal's resource type.
fn principal_type(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "AwsIamUser" => Some("AWS IAM User"),
        "AwsIamRole" => Some("AWS IAM Role"),
        "AwsIamGroup" => Some("AWS IAM Group"),
        _ => None,
    }
}

fn aws_account(uid: &str) -> Account<'_> {
    Account {
        uid,
        name: uid,
        type_id: ACCOUNT_TYPE_AWS,
        kind: "AWS Account",
    }
}

/// The class of one event: what `--ocsf-class` asks, except a 1.6 IAM Analysis Finding for a
/// failing least-privilege result whose evidence names at least one policy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EventClass {
    Compliance,
    Detection,
    IamAnalysis,
}

impl EventClass {
    fn uid_and_names(self) -> (u32, &'static str, &'static str) {
        match self {
            EventClass::Compliance => (2003, "Compliance Finding", "Compliance Finding: Create"),
            EventClass::Detection => (2004, "Detection Finding", "Detection Finding: Create"),
            EventClass::IamAnalysis => (2008, "IAM Analysis Finding", "IAM Analysis Finding: Create"),
        }
    }
}

/// OCSF JSON lines of one class, for every finding of a scan.
pub struct Ocsf {
    pub class: OcsfClass,
    pub version: OcsfVersion,
    pub scan_id: String,
    /// Event time of every finding: when the scan ran.
    pub time: i64,
}

impl FindingFormat for Ocsf {
    fn includes(&self, finding: &Finding<'_>) -> bool {
        self.class == OcsfClass::Compliance || matches!(finding.status, Status::Fail | Status::Muted)
    }
    fn segment(&self, findings: &[&Finding<'_>], out: &mut Vec<u8>) -> std::io::Result<()> {
        for finding in findings {
            serde_json::to_writer(&mut *out, &self.event(finding))?;
            out.push(b'\n');
        }
        Ok(())
    }
    fn frame(&self, _: &Summary<'_>, _: &StatusCounts, _: bool) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        Ok((Vec::new(), Vec::new()))
    }
}

impl Ocsf {
    /// The event's class, and for 2008 its permission analysis (never empty).
    fn classify<'a>(&self, finding: &'a Finding<'a>) -> (EventClass, Option<Vec<PermissionAnalysisResult<'a>>>) {
        if self.class == OcsfClass::Detection {
            return (EventClass::Detection, None);
        }
        let analysed = self.version == OcsfVersion::V1_6
            && matches!(finding.status, Status::Fail | Status::Muted)
            && IAM_ANALYSIS_RULES.contains(&finding.rule.id.as_str());
        let results = analysed.then(|| permission_analysis_results(&finding.evidence));
        match results {
            Some(results) if !results.is_empty() => (EventClass::IamAnalysis, Some(results)),
            _ => (EventClass::Compliance, None),
        }
    }

    fn event<'a>(&'a self, finding: &'a Finding<'a>) -> EventV1<'a> {
        let time = self.time;
        let (class, permission_analysis_results) = self.classify(finding);
        let (class_uid, class_name, type_name) = class.uid_and_names();
        let meta = finding.rule;
        let resource = &finding.resource;
        let (severity_id, severity_name) = severity(meta.severity);
        let (status_id, status_name) = finding_status(finding.status);
        let user = (class == EventClass::IamAnalysis).then(|| User {
            uid: &resource.arn,
            name: &resource.name,
            kind: principal_type(&resource.resource_type),
            account: aws_account(&resource.account),
        });
        let compliance = (class == EventClass::Compliance).then(|| {
            let (status_id, status) = compliance_status(finding.status, self.version);
            let mut standards: Vec<&str> = meta
                .compliance
                .iter()
                .map(|id| id.split_once(':').map_or(id.as_str(), |(standard, _)| standard))
                .collect();
            standards.dedup();
            Compliance {
                control: &meta.id,
                standards,
                requirements: &meta.compliance,
                status_id,
                status,
            }
        });
        let uid = finding.id.hex();
        EventV1 {
            activity_id: ACTIVITY_CREATE,
            activity_name: "Create",
            category_uid: CATEGORY_FINDINGS,
            category_name: "Findings",
            class_uid,
            class_name,
            type_uid: class_uid * 100 + ACTIVITY_CREATE,
            type_name,
            severity_id,
            severity: severity_name,
            status_id,
            status: status_name,
            time,
            message: &finding.message,
            metadata: Metadata {
                version: self.version.schema_version(),
                uid: format!("{}-{uid}", self.scan_id),
                product: Product {
                    name: "posture",
                    vendor_name: "posture",
                    version: env!("CARGO_PKG_VERSION"),
                },
                profiles: ["cloud"],
                correlation_uid: &self.scan_id,
            },
            finding_info: FindingInfo {
                uid,
                title: &meta.title,
                desc: &meta.description,
                types: &meta.categories,
                created_time: time,
                first_seen_time: finding.lifecycle.map(|life| life.first_seen),
                last_seen_time: finding.lifecycle.map(|_| time),
            },
            compliance,
            permission_analysis_results,
            user,
            cloud: Cloud {
                provider: "AWS",
                account: aws_account(&resource.account),
                region: &resource.region,
            },
            resources: [ResourceDetails {
                uid: &resource.arn,
                name: &resource.name,
                kind: &resource.resource_type,
                region: &resource.region,
                cloud_partition: partition(&resource.arn),
            }],
            remediation: Remediation {
                desc: &meta.remediation,
            },
            unmapped: Unmapped {
                rule_id: &meta.id,
                result: finding.status.as_str(),
                pillar: meta.pillar.as_str(),
                compliance: &meta.compliance,
                evidence: finding.reported_evidence(),
                baseline: finding.baseline.map(|m| m.as_str()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grants(evidence: Value) -> Vec<(String, Vec<String>)> {
        policy_grants(&evidence)
            .into_iter()
            .map(|(policy, privileges)| (policy.to_string(), privileges.into_iter().collect()))
            .collect()
    }

    const POWER: &str = "arn:aws:iam::aws:policy/PowerUserAccess";

    #[test]
    fn grants_come_from_each_shape_the_iam_analysis_rules_report() {
        let admin = json!({"granting_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"],
            "policies": ["arn:aws:iam::aws:policy/AdministratorAccess", "inline:extra"]});
        assert_eq!(
            grants(admin),
            [
                (
                    "arn:aws:iam::aws:policy/AdministratorAccess".to_string(),
                    vec!["*".to_string()]
                ),
                ("inline:extra".to_string(), vec![])
            ]
        );
        let actions = json!({"actions": [{"action": "kms:Decrypt", "policies": [POWER]},
            {"action": "s3:GetObject", "policies": [POWER]}], "policies": [POWER]});
        assert_eq!(
            grants(actions),
            [(POWER.to_string(), vec!["kms:Decrypt".into(), "s3:GetObject".into()])]
        );
        let methods = json!({"methods": [{"actions": [{"action": "iam:PassRole", "policies": [POWER]}],
            "policies": [POWER]}], "path": {"steps": [{"action": "sts:AssumeRole", "policies": ["x"]}]}});
        assert_eq!(grants(methods), [(POWER.to_string(), vec!["iam:PassRole".into()])]);
        let assume = json!({"action": "sts:AssumeRole", "policies": [POWER], "resources": ["*"]});
        assert_eq!(grants(assume), [(POWER.to_string(), vec!["sts:AssumeRole".into()])]);
        let wildcard = json!({"statements": [{"service": "kms", "policy": "arn:aws:iam::111122223333:policy/k"}]});
        assert_eq!(
            grants(wildcard),
            [("arn:aws:iam::111122223333:policy/k".to_string(), vec!["kms:*".into()])]
        );
        // Evidence that names no policy has nothing to analyse: the event stays a 2003.
        assert!(grants(json!({"path": {"path": ["a", "b"]}})).is_empty());
    }

    #[test]
    fn policies_are_named_typed_and_identified_by_their_key() {
        let managed = policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess");
        assert_eq!(
            (managed.name, managed.uid, managed.kind),
            (
                "ViewOnlyAccess",
                Some("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
                "AWS Managed Policy"
            )
        );
        let customer = policy("arn:aws-cn:iam::111122223333:policy/deploy");
        assert_eq!((customer.name, customer.kind), ("deploy", "Customer Managed Policy"));
        let inline = policy("inline:deploy-everything");
        assert_eq!(
            (inline.name, inline.uid, inline.kind),
            ("deploy-everything", None, "Inline Policy")
        );
    }

    #[test]
    fn not_evaluated_is_unknown_in_1_3_and_warning_in_1_6() {
        assert_eq!(
            compliance_status(Status::NotEvaluated, OcsfVersion::V1_3),
            (0, "Unknown")
        );
        assert_eq!(
            compliance_status(Status::NotEvaluated, OcsfVersion::V1_6),
            (2, "Warning")
        );
        assert_eq!(compliance_status(Status::Muted, OcsfVersion::V1_6), (3, "Fail"));
    }
}
