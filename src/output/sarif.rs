//! SARIF 2.1.0 for code-scanning dashboards: every rule in `tool.driver.rules` with its help
//! from METADATA; failing, muted (as suppressed) and not-evaluated (kind `review`) results, each
//! located at its AWS resource as a logical location. Passes are left out, as linters do.

use crate::report::Report;
use crate::results::Status;
use crate::rules::metadata::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

pub const SARIF_VERSION: &str = "2.1.0";
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct LogV1<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    results: Vec<SarifResult<'a>>,
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
    logical_locations: [LogicalLocation<'a>; 1],
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
    evidence: &'a serde_json::Value,
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

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let rules = report
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
        .collect();
    let results = report
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != Status::Pass)
        .map(|(index, result)| {
            let meta = report.meta(result);
            let resource = &result.resource;
            let (kind, level) = match result.status {
                Status::NotEvaluated => ("review", "none"),
                _ => ("fail", level(meta.severity)),
            };
            let suppressions = match result.status {
                Status::Muted => vec![Suppression {
                    kind: "external",
                    justification: result
                        .evidence
                        .pointer("/suppression/reason")
                        .and_then(|r| r.as_str())
                        .unwrap_or("muted"),
                }],
                _ => Vec::new(),
            };
            SarifResult {
                rule_id: &meta.id,
                rule_index: result.rule,
                kind,
                level,
                message: Text { text: &result.message },
                locations: [Location {
                    logical_locations: [LogicalLocation {
                        name: &resource.name,
                        fully_qualified_name: &resource.arn,
                        kind: "resource",
                    }],
                }],
                partial_fingerprints: BTreeMap::from([("postureFingerprint/v1", report.fingerprint(result))]),
                suppressions,
                baseline_state: report.mark(index).map(|mark| mark.as_str()),
                properties: ResultProperties {
                    status: result.status.as_str(),
                    account: &resource.account,
                    region: &resource.region,
                    resource_type: &resource.resource_type,
                    evidence: &result.evidence,
                },
            }
        })
        .collect();
    let log = LogV1 {
        schema: SARIF_SCHEMA,
        version: SARIF_VERSION,
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "posture",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: format!("posture/{}", report.scan.id),
            },
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}
