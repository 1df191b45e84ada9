//! SARIF 2.1.0 for code-scanning dashboards: every rule in `tool.driver.rules` with its help
//! from METADATA; failing, muted (as suppressed) and not-evaluated (kind `review`) results, each
//! located at its AWS resource as a logical location (and, for a planned resource, at its plan
//! or template file and line). Passes are left out, as linters do.

use super::spool::{pretty_frame, push_indented, FindingFormat, StatusCounts, FINDINGS_MARKER};
use crate::finding::{Finding, Status};
use crate::report::Summary;
use crate::rules::metadata::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

pub const SARIF_VERSION: &str = "2.1.0";
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct SarifLog<'a, R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a, R>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a, R> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    results: R,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: Vec<&'a str>,
    /// GitHub code scanning reads this to rank security results (0.0–10.0, as a string).
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    severity: &'static str,
    pillar: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    kind: &'static str,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    /// A planned resource's place in its plan or template, so code scanning shows it there.
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation<'a>>,
    logical_locations: [LogicalLocation<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    status: &'static str,
    account: &'a str,
    region: &'a str,
    resource_type: &'a str,
    evidence: std::borrow::Cow<'a, serde_json::Value>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// `full_admin` style rule names in PascalCase, as SARIF suggests for `name`.
fn pascal(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule_descriptors<'a>(summary: &'a Summary<'_>) -> Vec<RuleDescriptor<'a>> {
    summary
        .rules
        .rules
        .iter()
        .map(|rule| {
            let meta = &rule.meta;
            let compliance = meta.compliance.join(", ");
            RuleDescriptor {
                id: &meta.id,
                name: pascal(&meta.title),
                short_description: Text { text: &meta.title },
                full_description: Text {
                    text: &meta.description,
                },
                help: Help {
                    text: format!(
                        "{}\n\nRemediation: {}\n\nCompliance: {compliance}",
                        meta.description, meta.remediation
                    ),
                    markdown: format!(
                        "{}\n\n**Remediation:** {}\n\n**Compliance:** {compliance}",
                        meta.description, meta.remediation
                    ),
                },
                default_configuration: Configuration {
                    level: level(meta.severity),
                },
                properties: RuleProperties {
                    tags: std::iter::once("security")
                        .chain(meta.categories.iter().map(String::as_str))
                        .collect(),
                    security_severity: security_severity(meta.severity),
                    severity: meta.severity.as_str(),
                    pillar: meta.pillar.as_str(),
                },
            }
        })
        .collect()
}

/// Results sit five levels deep: `{"runs": [{"results": [ {...} ]}]}`.
const RESULT_INDENT: &[u8] = b"        ";

/// SARIF 2.1.0: every rule, and a result per failing, muted or not-evaluated finding.
pub struct Sarif {
    pub scan_id: String,
}

impl FindingFormat for Sarif {
    fn separator(&self) -> &'static [u8] {
        b",\n"
    }
    fn separator_skip(&self) -> usize {
        1
    }
    fn includes(&self, finding: &Finding<'_>) -> bool {
        finding.status != Status::Pass
    }
    fn segment(&self, findings: &[&Finding<'_>], out: &mut Vec<u8>) -> std::io::Result<()> {
        let mut pretty = Vec::new();
        for finding in findings {
            pretty.clear();
            serde_json::to_writer_pretty(&mut pretty, &result(finding))?;
            out.extend_from_slice(self.separator());
            push_indented(out, &pretty, RESULT_INDENT);
        }
        Ok(())
    }
    fn frame(&self, summary: &Summary<'_>, _: &StatusCounts, empty: bool) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        let log = SarifLog {
            schema: SARIF_SCHEMA,
            version: SARIF_VERSION,
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "posture",
                        version: env!("CARGO_PKG_VERSION"),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        rules: rule_descriptors(summary),
                    },
                },
                automation_details: AutomationDetails {
                    id: format!("posture/{}", self.scan_id),
                },
                results: [FINDINGS_MARKER],
            }],
        };
        let frame = pretty_frame(&log, empty)?;
        debug_assert_eq!(frame.indent, RESULT_INDENT);
        Ok((frame.head, frame.tail))
    }
}

fn result<'a>(finding: &'a Finding<'a>) -> SarifResult<'a> {
    let meta = finding.rule;
    let resource = &finding.resource;
    let (kind, level) = match finding.status {
        Status::NotEvaluated => ("review", "none"),
        _ => ("fail", level(meta.severity)),
    };
    let suppressions = match finding.status {
        Status::Muted => vec![Suppression {
            kind: "external",
            justification: finding.suppression_reason().unwrap_or("muted"),
        }],
        _ => Vec::new(),
    };
    SarifResult {
        rule_id: &meta.id,
        rule_index: finding.rule_index,
        kind,
        level,
        message: Text { text: &finding.message },
        locations: [Location {
            physical_location: finding.origin.as_deref().map(|origin| PhysicalLocation {
                artifact_location: ArtifactLocation { uri: &origin.file },
                region: origin.line.map(|start_line| Region { start_line }),
            }),
            logical_locations: [LogicalLocation {
                name: &resource.name,
                fully_qualified_name: &resource.arn,
                kind: "resource",
            }],
        }],
        partial_fingerprints: BTreeMap::from([("postureFingerprint/v1", finding.id.hex())]),
        suppressions,
        baseline_state: finding.baseline.map(|mark| mark.as_str()),
        properties: ResultProperties {
            status: finding.status.as_str(),
            account: &resource.account,
            region: &resource.region,
            resource_type: &resource.resource_type,
            evidence: finding.reported_evidence(),
        },
    }
}
