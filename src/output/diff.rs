//! `posture diff OLD.json NEW.json`: what is new, what was fixed, and how the score moved,
//! as a table or as JSON (diff v1, structs of its own).

use crate::finding::{Fingerprint, Status};
use crate::output::strip_controls;
use crate::report::v1::{RecordedFinding, RecordedReport};
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
        let mut new_failing = Vec::new();
        let mut unchanged_failing = 0;
        for finding in &new.failing {
            let before = Fingerprint::parse(&finding.id).and_then(|id| old.status_of(&id));
            match before {
                Some(Some(Status::Fail)) => unchanged_failing += 1,
                _ => new_failing.push(finding.clone()),
            }
        }
        let (old_scope, new_scope) = (old.scope(), new.scope());
        let resolved = old
            .failing
            .iter()
            .filter(|f| {
                let (account, region) = (&f.resource.account, &f.resource.region);
                old_scope.covers(account, region) && new_scope.covers(account, region)
            })
            .filter(|f| {
                let now = Fingerprint::parse(&f.id).and_then(|id| new.status_of(&id));
                matches!(now, None | Some(Some(Status::Pass)))
            })
            .cloned()
            .collect();
        let score_change = old
            .score
            .zip(new.score)
            .map(|(before, after)| ((after - before) * 10.0).round() / 10.0);
        Diff {
            schema_version: DIFF_SCHEMA_VERSION,
            old: ScanRef {
                scan_id: old.scan_id.clone(),
                score: old.score,
            },
            new: ScanRef {
                scan_id: new.scan_id.clone(),
                score: new.score,
            },
            score_change,
            new_failing,
            resolved,
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
        text.push_str(&findings_section(
            "New failing",
            &self.new_failing,
            self.new_failing.len(),
        ));
        text.push_str(&findings_section("Resolved", &self.resolved, self.resolved.len()));
        let _ = writeln!(text, "\nUnchanged failing: {}", self.unchanged_failing);
        text
    }
}

/// A titled list of findings, one per line, for the diff and the scan table; `total` counts
/// the findings the list stands for when it shows only the first of them.
pub fn findings_section(title: &str, findings: &[RecordedFinding], total: usize) -> String {
    let mut text = format!("\n{title} ({total}):\n");
    if findings.is_empty() {
        text.push_str("  none\n");
    }
    for finding in findings {
        let line = format!(
            "{:<8} {:<8} {} ({} {}) — {}",
            finding.severity,
            finding.rule_id,
            finding.resource.arn,
            finding.resource.account,
            finding.resource.region,
            finding.message
        );
        let _ = writeln!(text, "  {}", strip_controls(&line));
    }
    if total > findings.len() {
        let _ = writeln!(text, "  … and {} more", total - findings.len());
    }
    text
}
