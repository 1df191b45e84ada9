//! AWS Security Finding Format (ASFF 2018-10-08): a JSON array of findings in the shape
//! `securityhub:BatchImportFindings` takes. Structs of their own; one finding per rule × resource.

use crate::report::Report;
use crate::results::Status;
use crate::rules::metadata::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

pub const ASFF_SCHEMA_VERSION: &str = "2018-10-08";
/// Security Hub's limits on Title and Description.
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
/// Where global resources (IAM) are imported: the region Security Hub aggregates IAM in.
const GLOBAL_HOME_REGION: &str = "us-east-1";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct FindingV1<'a> {
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

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let scan = &report.scan;
    // Streamed element by element: a large organisation's array is never held in memory whole.
    out.write_all(b"[")?;
    for (index, result) in report.results.iter().enumerate() {
        let finding = {
            let meta = report.meta(result);
            let resource = &result.resource;
            let region = if resource.region == crate::facts::GLOBAL_REGION {
                GLOBAL_HOME_REGION
            } else {
                resource.region.as_str()
            };
            let (compliance, workflow) = statuses(result.status);
            let mut product_fields = BTreeMap::from([
                ("posture/RuleId", meta.id.clone()),
                ("posture/Status", result.status.as_str().to_string()),
                ("posture/Pillar", meta.pillar.as_str().to_string()),
                ("posture/ScanId", scan.id.clone()),
            ]);
            if let Some(mark) = report.mark(index) {
                product_fields.insert("posture/Baseline", mark.as_str().to_string());
            }
            if let Some(reason) = result.evidence.pointer("/suppression/reason").and_then(|r| r.as_str()) {
                product_fields.insert("posture/SuppressionReason", reason.to_string());
            }
            FindingV1 {
                schema_version: ASFF_SCHEMA_VERSION,
                id: format!("posture/{}/{}", meta.id, report.fingerprint(result)),
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
                created_at: &scan.finished_at,
                updated_at: &scan.finished_at,
                severity: SeverityV1 {
                    label: severity_label(meta.severity),
                },
                title: truncate(&meta.title, TITLE_MAX),
                description: truncate(&format!("{} {}", result.message, meta.description), DESCRIPTION_MAX),
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
        };
        out.write_all(if index == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer_pretty(&mut *out, &finding)?;
    }
    out.write_all(b"\n]\n")
}
