//! OCSF 1.x findings as JSON lines, for SIEMs (Splunk, Elastic, Sentinel, Security Lake):
//! Compliance Finding (2003, one event per rule × resource) or Detection Finding (2004, failing
//! and muted results only: a pass is not a detection). Structs of their own, frozen per version.

use super::spool::{FindingFormat, StatusCounts};
use super::OcsfClass;
use crate::finding::{Finding, Status};
use crate::report::Summary;
use crate::rules::metadata::Severity;
use serde::Serialize;

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.3.0";

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

/// OCSF `compliance.status_id`: Pass 1, Fail 3, Unknown 0 (a muted fail is still a fail).
fn compliance_status(status: Status) -> (u8, &'static str) {
    match status {
        Status::Pass => (1, "Pass"),
        Status::Fail | Status::Muted => (3, "Fail"),
        Status::NotEvaluated => (0, "Unknown"),
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

/// OCSF JSON lines of one class, for every finding of a scan.
pub struct Ocsf {
    pub class: OcsfClass,
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
    fn event<'a>(&'a self, finding: &'a Finding<'a>) -> EventV1<'a> {
        let class = self.class;
        let time = self.time;
        let (class_uid, class_name) = match class {
            OcsfClass::Compliance => (2003, "Compliance Finding"),
            OcsfClass::Detection => (2004, "Detection Finding"),
        };
        let type_name = match class {
            OcsfClass::Compliance => "Compliance Finding: Create",
            OcsfClass::Detection => "Detection Finding: Create",
        };
        let meta = finding.rule;
        let resource = &finding.resource;
        let (severity_id, severity_name) = severity(meta.severity);
        let (status_id, status_name) = finding_status(finding.status);
        let compliance = (class == OcsfClass::Compliance).then(|| {
            let (status_id, status) = compliance_status(finding.status);
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
                version: OCSF_VERSION,
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
            cloud: Cloud {
                provider: "AWS",
                account: Account {
                    uid: &resource.account,
                    name: &resource.account,
                    type_id: ACCOUNT_TYPE_AWS,
                    kind: "AWS Account",
                },
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
