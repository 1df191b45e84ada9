//! What a scan says beyond its findings: the scan's identity, the score, coverage, gaps, counts
//! and the comparison with a baseline. The [`Tally`] takes every account's findings as they are
//! built and keeps only counters, so the [`Summary`] costs the same for 10 or 10,000 accounts.

pub mod v1;

use crate::finding::{Finding, Fingerprint, Mark, Status};
use crate::rules::metadata::Severity;
use crate::rules::RuleSet;
use crate::score::{Coverage, Score, ScoreCounters};
use std::collections::HashSet;
use v1::{RecordedFinding, RecordedReport, Scope};

pub struct ScanInfo {
    pub id: String,
    pub started_at: String,
    pub finished_at: String,
    pub sources: Vec<String>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// With a plan or template: the resource types no mapping knows (sorted, once each).
    pub unmapped_resource_types: Option<Vec<String>>,
}

impl ScanInfo {
    /// A scan of a plan or template on its base (its baseline is the base, not a report).
    pub fn is_pre_deploy(&self) -> bool {
        self.unmapped_resource_types.is_some()
    }
}

/// A call that failed while collecting (the snapshot's coverage gap, as reported).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    pub account: String,
    pub region: String,
    pub service: String,
    pub operation: String,
    pub error: String,
}

/// Results per status and failing results per severity, over every finding of the scan
/// (with `--only-failing` too: the files leave findings out, the counts do not).
#[derive(Debug, Default, Clone)]
pub struct Counts {
    by_status: [usize; 4],
    /// Not muted; indexed like [`Severity::DESCENDING`].
    failing: [usize; 5],
    new_failing: [usize; 5],
    pub new: usize,
    pub unchanged: usize,
}

fn severity_index(severity: Severity) -> usize {
    Severity::DESCENDING
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(Severity::DESCENDING.len() - 1)
}

impl Counts {
    pub fn status(&self, status: Status) -> usize {
        self.by_status[status.index()]
    }
    pub fn total(&self) -> usize {
        self.by_status.iter().sum()
    }
    pub fn failing(&self, severity: Severity) -> usize {
        self.failing[severity_index(severity)]
    }
    /// Failing results (not muted) at or above `threshold`.
    pub fn failing_at_or_above(&self, threshold: Severity) -> usize {
        Severity::DESCENDING
            .iter()
            .filter(|s| **s >= threshold)
            .map(|s| self.failing(*s))
            .sum()
    }
    /// Failing results marked new against the baseline, at or above `threshold`.
    pub fn new_failing_at_or_above(&self, threshold: Severity) -> usize {
        Severity::DESCENDING
            .iter()
            .filter(|s| **s >= threshold)
            .map(|s| self.new_failing[severity_index(*s)])
            .sum()
    }
    /// Failing results per severity, highest first.
    pub fn failures_by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::DESCENDING.iter().map(|s| (*s, self.failing(*s))).collect()
    }

    fn add(&mut self, finding: &Finding<'_>) {
        self.by_status[finding.status.index()] += 1;
        let failing = finding.status == Status::Fail;
        if failing {
            self.failing[severity_index(finding.rule.severity)] += 1;
        }
        match finding.baseline {
            Some(Mark::New) => {
                self.new += 1;
                if failing {
                    self.new_failing[severity_index(finding.rule.severity)] += 1;
                }
            }
            Some(Mark::Unchanged) => self.unchanged += 1,
            None => {}
        }
    }
}

/// The comparison with an earlier report.
pub struct BaselineOutcome {
    pub previous_scan_id: String,
    pub previous_score: Option<f64>,
    /// Failing before; passing or gone now, in a scope scanned both times.
    pub resolved: Vec<RecordedFinding>,
}

pub struct Summary<'r> {
    pub scan: ScanInfo,
    pub rules: &'r RuleSet,
    pub score: Score,
    pub coverage: Coverage,
    pub gaps: Vec<Gap>,
    pub counts: Counts,
    pub baseline: Option<BaselineOutcome>,
    /// Files leave out passing and not-evaluated findings (`--only-failing`).
    pub only_failing: bool,
}

/// Counters over every finding of a scan, fed account by account.
#[derive(Default)]
pub struct Tally {
    counts: Counts,
    score: ScoreCounters,
    /// Fingerprints the baseline had failing that are present now and not passing: not resolved.
    still_open: HashSet<Fingerprint>,
}

impl Tally {
    /// One account's findings, each with its rule's rank.
    pub fn add(&mut self, findings: &[(usize, Finding<'_>)], previous: Option<&RecordedReport>) {
        for (_, finding) in findings {
            self.counts.add(finding);
            self.score
                .add(finding.rule_index, &finding.resource.account, finding.status);
            if finding.status != Status::Pass
                && previous.and_then(|p| p.status_of(&finding.id)) == Some(Some(Status::Fail))
            {
                self.still_open.insert(finding.id);
            }
        }
    }

    pub fn finish<'r>(
        self,
        scan: ScanInfo,
        rules: &'r RuleSet,
        gaps: Vec<Gap>,
        previous: Option<&RecordedReport>,
        only_failing: bool,
    ) -> Summary<'r> {
        let metas: Vec<_> = rules.rules.iter().map(|r| &r.meta).collect();
        let score = self.score.score(&metas);
        let not_evaluated = self.counts.status(Status::NotEvaluated);
        let coverage = Coverage {
            evaluated: self.counts.total() - not_evaluated,
            not_evaluated,
        };
        let baseline = previous.map(|previous| {
            let current_scope = Scope::new(&scan.accounts, &scan.regions);
            let previous_scope = previous.scope();
            let resolved = previous
                .failing
                .iter()
                .filter(|f| {
                    let (account, region) = (&f.resource.account, &f.resource.region);
                    previous_scope.covers(account, region) && current_scope.covers(account, region)
                })
                // Now muted or not evaluated is not a fix; gone or passing in a rescanned scope is.
                .filter(|f| Fingerprint::parse(&f.id).is_some_and(|id| !self.still_open.contains(&id)))
                .cloned()
                .collect();
            BaselineOutcome {
                previous_scan_id: previous.scan_id.clone(),
                previous_score: previous.score,
                resolved,
            }
        });
        Summary {
            scan,
            rules,
            score,
            coverage,
            gaps,
            counts: self.counts,
            baseline,
            only_failing,
        }
    }
}

/// Marks a finding against an earlier report: the same fingerprint with the same status is
/// unchanged, anything else new.
pub fn mark(previous: &RecordedReport, id: &Fingerprint, status: Status) -> Mark {
    match previous.status_of(id) {
        Some(Some(before)) if before == status => Mark::Unchanged,
        // A report written with --only-failing left passing and not-evaluated findings out.
        None if previous.only_failing && matches!(status, Status::Pass | Status::NotEvaluated) => Mark::Unchanged,
        _ => Mark::New,
    }
}

/// A random (version 4) UUID for the scan id.
pub fn new_scan_id() -> String {
    let mut bytes = [0u8; 16];
    for byte in &mut bytes {
        *byte = fastrand::u8(..);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
