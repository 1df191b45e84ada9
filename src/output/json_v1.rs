//! JSON report v1 (DESIGN.md): frozen structs of its own, never the internal types. Findings
//! are streamed so a million-resource report is not held twice in memory.

use crate::baseline::{Mark, RecordedFinding};
use crate::facts::ResourceRef;
use crate::report::Report;
use crate::results::RuleResult;
use crate::score::Score;
use crate::snapshot::CoverageGap;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use std::collections::BTreeMap;

pub const REPORT_SCHEMA_VERSION: &str = "1";

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Scan<'a> {
    id: &'a str,
    started_at: &'a str,
    finished_at: &'a str,
    sources: &'a [String],
    accounts: &'a [String],
    regions: &'a [String],
}

#[derive(Serialize)]
struct ScoreV1<'a> {
    overall: Option<f64>,
    pillars: &'a BTreeMap<String, Option<f64>>,
    accounts: &'a BTreeMap<String, Option<f64>>,
}

#[derive(Serialize)]
struct CoverageV1<'a> {
    evaluated: usize,
    not_evaluated: usize,
    gaps: &'a [CoverageGap],
}

/// Only with `--baseline` (an additive v1 section): counts, and the findings fixed since.
#[derive(Serialize)]
struct BaselineV1<'a> {
    previous_scan_id: &'a str,
    previous_score: Option<f64>,
    new: usize,
    unchanged: usize,
    resolved: &'a [RecordedFinding],
}

#[derive(Serialize)]
pub struct FindingV1<'a> {
    pub id: String,
    pub rule_id: &'a str,
    pub title: &'a str,
    pub severity: &'a str,
    pub status: &'a str,
    pub pillar: &'a str,
    pub categories: &'a [String],
    pub resource: &'a ResourceRef,
    pub message: &'a str,
    pub evidence: &'a serde_json::Value,
    pub compliance: &'a [String],
    pub remediation: &'a str,
    /// `new` or `unchanged`, only when a baseline was given (an additive v1 field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<&'static str>,
}

impl<'a> FindingV1<'a> {
    /// The finding of the result at `index` in `report.results`.
    pub fn of(report: &'a Report<'a>, index: usize) -> Self {
        let result: &'a RuleResult = &report.results[index];
        let meta = report.meta(result);
        let resource = &result.resource;
        FindingV1 {
            id: report.fingerprint(result),
            rule_id: &meta.id,
            title: &meta.title,
            severity: meta.severity.as_str(),
            status: result.status.as_str(),
            pillar: meta.pillar.as_str(),
            categories: &meta.categories,
            resource,
            message: &result.message,
            evidence: &result.evidence,
            compliance: &meta.compliance,
            remediation: &meta.remediation,
            baseline: report.mark(index).map(|mark| mark.as_str()),
        }
    }
}

struct Findings<'a>(&'a Report<'a>);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((0..self.0.results.len()).map(|index| FindingV1::of(self.0, index)))
    }
}

/// The whole report as JSON v1.
pub struct ReportV1<'a>(pub &'a Report<'a>);

impl Serialize for ReportV1<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let score: &Score = &report.score;
        let mut out = serializer.serialize_struct("ReportV1", 6)?;
        out.serialize_field("schema_version", REPORT_SCHEMA_VERSION)?;
        out.serialize_field(
            "tool",
            &Tool {
                name: "posture",
                version: env!("CARGO_PKG_VERSION"),
            },
        )?;
        out.serialize_field(
            "scan",
            &Scan {
                id: &report.scan.id,
                started_at: &report.scan.started_at,
                finished_at: &report.scan.finished_at,
                sources: &report.scan.sources,
                accounts: &report.scan.accounts,
                regions: &report.scan.regions,
            },
        )?;
        out.serialize_field(
            "score",
            &ScoreV1 {
                overall: score.overall,
                pillars: &score.pillars,
                accounts: &score.accounts,
            },
        )?;
        out.serialize_field(
            "coverage",
            &CoverageV1 {
                evaluated: report.coverage.evaluated,
                not_evaluated: report.coverage.not_evaluated,
                gaps: &report.gaps,
            },
        )?;
        if let Some(comparison) = &report.baseline {
            let new = comparison.marks.iter().filter(|m| **m == Mark::New).count();
            out.serialize_field(
                "baseline",
                &BaselineV1 {
                    previous_scan_id: &comparison.previous_scan_id,
                    previous_score: comparison.previous_score,
                    new,
                    unchanged: comparison.marks.len() - new,
                    resolved: &comparison.resolved,
                },
            )?;
        }
        out.serialize_field("findings", &Findings(report))?;
        out.end()
    }
}

pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &ReportV1(report))?;
    out.write_all(b"\n")
}

/// One finding per line, the same objects as `findings` in the report.
pub fn write_ndjson(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for index in 0..report.results.len() {
        serde_json::to_writer(&mut *out, &FindingV1::of(report, index))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
