//! AWS Security Finding Format (ASFF 2018-10-08): a JSON array of findings in the shape
//! `securityhub:BatchImportFindings` takes. Structs of their own; one finding per rule × resource.

use super::spool::{FindingFormat, StatusCounts};
use crate::finding::{Finding, Status, GLOBAL_REGION};
use crate::report::Summary;
use crate::rules::metadata::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

pub const ASFF_SCHEMA_VERSION: &str = "2018-10-08";
/// Security Hub's limits on Title and Description.
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
/// Where global resources (IAM) are imported: the region Security Hub aggregates IAM in.
const GLOBAL_HOME_REGION: &str = "us-east-1";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AsffFinding<'a> {
    schema_version: &'static str,
    id: String,
    product_arn: String,
    product_name: &'static str,
    company_name: &'static str,
    generator_id: String,
    aws_account_id: &'a str,
    region: &'a str,
    types: [&'static str; 1],
    created_at: &'a str,
    updated_at: &'a str,
    /// With a history: when the finding first failed, and this scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    first_observed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_observed_at: Option<&'a str>,
    severity: SeverityV1,
    title: String,
    description: String,
    remediation: RemediationV1,
    product_fields: BTreeMap<&'static str, String>,
    resources: [ResourceV1<'a>; 1],
    compliance: ComplianceV1<'a>,
    workflow: WorkflowV1,
    record_state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SeverityV1 {
    label: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RemediationV1 {
    recommendation: RecommendationV1,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RecommendationV1 {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceV1<'a> {
    #[serde(rename = "Type")]
    kind: &'a str,
    id: &'a str,
    partition: &'static str,
    region: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ComplianceV1<'a> {
    status: &'static str,
    related_requirements: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WorkflowV1 {
    status: &'static str,
}

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// (Compliance.Status, Workflow.Status) of a result.
fn statuses(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Pass => ("PASSED", "RESOLVED"),
        Status::Fail => ("FAILED", "NEW"),
        Status::Muted => ("FAILED", "SUPPRESSED"),
        Status::NotEvaluated => ("NOT_AVAILABLE", "NEW"),
    }
}

fn partition(arn: &str) -> &'static str {
    match arn.split(':').nth(1) {
        Some("aws-cn") => "aws-cn",
        Some("aws-us-gov") => "aws-us-gov",
        _ => "aws",
    }
}

/// Cuts on a character boundary, marking the cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// A JSON array of ASFF findings.
pub struct Asff {
    pub scan_id: String,
    /// `CreatedAt`/`UpdatedAt` of every finding: when the scan ran.
    pub time: String,
}

impl FindingFormat for Asff {
    fn separator(&self) -> &'static [u8] {
        b",\n"
    }
    fn separator_skip(&self) -> usize {
        1
    }
    fn segment(&self, findings: &[&Finding<'_>], out: &mut Vec<u8>) -> std::io::Result<()> {
        for finding in findings {
            out.extend_from_slice(self.separator());
            serde_json::to_writer_pretty(&mut *out, &self.finding(finding))?;
        }
        Ok(())
    }
    fn frame(&self, _: &Summary<'_>, _: &StatusCounts, _: bool) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        Ok((b"[".to_vec(), b"\n]\n".to_vec()))
    }
}

impl Asff {
    fn finding<'a>(&'a self, finding: &'a Finding<'a>) -> AsffFinding<'a> {
        let meta = finding.rule;
        let resource = &finding.resource;
        let region = if resource.region == GLOBAL_REGION {
            GLOBAL_HOME_REGION
        } else {
            resource.region.as_str()
        };
        let (compliance, workflow) = statuses(finding.status);
        let mut product_fields = BTreeMap::from([
            ("posture/RuleId", meta.id.clone()),
            ("posture/Status", finding.status.as_str().to_string()),
            ("posture/Pillar", meta.pillar.as_str().to_string()),
            ("posture/ScanId", self.scan_id.clone()),
        ]);
        if let Some(mark) = finding.baseline {
            product_fields.insert("posture/Baseline", mark.as_str().to_string());
        }
        if let Some(reason) = finding.suppression_reason() {
            product_fields.insert("posture/SuppressionReason", reason.to_string());
        }
        AsffFinding {
            schema_version: ASFF_SCHEMA_VERSION,
            id: format!("posture/{}/{}", meta.id, finding.id),
            product_arn: format!(
                "arn:{}:securityhub:{region}:{account}:product/{account}/default",
                partition(&resource.arn),
                account = resource.account
            ),
            product_name: "posture",
            company_name: "posture",
            generator_id: format!("posture/{}", meta.id),
            aws_account_id: &resource.account,
            region,
            types: ["Software and Configuration Checks/AWS Security Best Practices"],
            created_at: &self.time,
            updated_at: &self.time,
            first_observed_at: finding.lifecycle.map(|life| crate::history::rfc3339(life.first_seen)),
            last_observed_at: finding.lifecycle.map(|_| self.time.as_str()),
            severity: SeverityV1 {
                label: severity_label(meta.severity),
            },
            title: truncate(&meta.title, TITLE_MAX),
            description: truncate(&format!("{} {}", finding.message, meta.description), DESCRIPTION_MAX),
            remediation: RemediationV1 {
                recommendation: RecommendationV1 {
                    text: truncate(&meta.remediation, 512),
                },
            },
            product_fields,
            resources: [ResourceV1 {
                kind: &resource.resource_type,
                id: &resource.arn,
                partition: partition(&resource.arn),
                region,
            }],
            compliance: ComplianceV1 {
                status: compliance,
                related_requirements: &meta.compliance,
            },
            workflow: WorkflowV1 { status: workflow },
            record_state: "ACTIVE",
        }
    }
}
