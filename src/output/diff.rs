//! `posture diff OLD.json NEW.json`: what is new, what was fixed, and how the score moved,
//! as a table or as JSON (diff v1, structs of its own).

use crate::baseline::{self, CurrentFinding, Mark, RecordedFinding, RecordedReport};
use serde::Serialize;
use std::fmt::Write as _;

pub const DIFF_SCHEMA_VERSION: &str = "1";

#[derive(Serialize)]
pub struct ScanRef {
    pub scan_id: String,
    pub score: Option<f64>,
}

#[derive(Serialize)]
pub struct Diff {
    pub schema_version: &'static str,
    pub old: ScanRef,
    pub new: ScanRef,
    /// New minus old overall score, when both have one.
    pub score_change: Option<f64>,
    /// Failing now, and not failing (or absent) before.
    pub new_failing: Vec<RecordedFinding>,
    /// Failing before; passing or gone now, in a scope scanned both times.
    pub resolved: Vec<RecordedFinding>,
    pub unchanged_failing: usize,
}

impl Diff {
    pub fn of(old: &RecordedReport, new: &RecordedReport) -> Self {
        let current = new.findings.iter().map(|f| CurrentFinding {
            id: &f.id,
            status: &f.status,
        });
        let comparison = baseline::compare(old, current, &new.scope());
        let mut new_failing = Vec::new();
        let mut unchanged_failing = 0;
        for (finding, mark) in new.findings.iter().zip(&comparison.marks) {
            if finding.status != "fail" {
                continue;
            }
            match mark {
                Mark::New => new_failing.push(finding.clone()),
                Mark::Unchanged => unchanged_failing += 1,
            }
        }
        let score_change = old
            .score
            .overall
            .zip(new.score.overall)
            .map(|(before, after)| ((after - before) * 10.0).round() / 10.0);
        Diff {
            schema_version: DIFF_SCHEMA_VERSION,
            old: ScanRef {
                scan_id: old.scan.id.clone(),
                score: old.score.overall,
            },
            new: ScanRef {
                scan_id: new.scan.id.clone(),
                score: new.score.overall,
            },
            score_change,
            new_failing,
            resolved: comparison.resolved,
            unchanged_failing,
        }
    }

    pub fn table(&self) -> String {
        let score = |s: Option<f64>| s.map(|s| format!("{s:.1}")).unwrap_or_else(|| "n/a".into());
        let mut text = format!(
            "posture diff: scan {} → scan {}\nScore: {} → {}{}\n",
            self.old.scan_id,
            self.new.scan_id,
            score(self.old.score),
            score(self.new.score),
            self.score_change.map(|c| format!(" ({c:+.1})")).unwrap_or_default()
        );
        text.push_str(&findings_section("New failing", &self.new_failing));
        text.push_str(&findings_section("Resolved", &self.resolved));
        let _ = writeln!(text, "\nUnchanged failing: {}", self.unchanged_failing);
        text
    }
}

/// A titled list of findings, one per line, for the diff and the scan table.
pub fn findings_section(title: &str, findings: &[RecordedFinding]) -> String {
    let mut text = format!("\n{title} ({}):\n", findings.len());
    if findings.is_empty() {
        text.push_str("  none\n");
    }
    for finding in findings {
        let _ = writeln!(
            text,
            "  {:<8} {:<8} {} ({} {}) — {}",
            finding.severity,
            finding.rule_id,
            finding.resource.arn,
            finding.resource.account,
            finding.resource.region,
            finding.message
        );
    }
    text
}
