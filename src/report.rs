//! Everything a renderer needs, assembled once after evaluation. Renderers only render.

use crate::baseline::{self, Comparison, CurrentFinding, Mark, RecordedReport, Scope};
use crate::results::{RuleResult, Status};
use crate::rules::metadata::{RuleMetadata, Severity};
use crate::rules::RuleSet;
use crate::score::{self, Coverage, Score};
use crate::snapshot::CoverageGap;
use rayon::slice::ParallelSliceMut;
use sha2::{Digest, Sha256};

pub struct ScanInfo {
    pub id: String,
    pub started_at: String,
    pub finished_at: String,
    pub sources: Vec<String>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

pub struct Report<'a> {
    pub scan: ScanInfo,
    pub rules: &'a RuleSet,
    /// Sorted by rule id, account, region, resource ARN.
    pub results: Vec<RuleResult>,
    pub score: Score,
    pub coverage: Coverage,
    pub gaps: Vec<CoverageGap>,
    /// Set when a `--baseline` was given: one mark per result, and what was resolved.
    pub baseline: Option<Comparison>,
}

impl<'a> Report<'a> {
    pub fn new(scan: ScanInfo, rules: &'a RuleSet, mut results: Vec<RuleResult>, gaps: Vec<CoverageGap>) -> Self {
        results.par_sort_unstable_by(|a, b| {
            (
                &rules.rules[a.rule].meta.id,
                &a.resource.account,
                &a.resource.region,
                &a.resource.arn,
            )
                .cmp(&(
                    &rules.rules[b.rule].meta.id,
                    &b.resource.account,
                    &b.resource.region,
                    &b.resource.arn,
                ))
        });
        let metas: Vec<&RuleMetadata> = rules.rules.iter().map(|r| &r.meta).collect();
        let score = score::compute(&results, &metas);
        let coverage = Coverage::of(&results);
        Report {
            scan,
            rules,
            results,
            score,
            coverage,
            gaps,
            baseline: None,
        }
    }

    /// Marks each result new or unchanged against an earlier report, and lists the resolved.
    pub fn compare_with(&mut self, previous: &RecordedReport) {
        let scope = Scope::new(&self.scan.accounts, &self.scan.regions);
        let ids: Vec<String> = self.results.iter().map(|r| self.fingerprint(r)).collect();
        let current = ids.iter().zip(&self.results).map(|(id, r)| CurrentFinding {
            id,
            status: r.status.as_str(),
        });
        self.baseline = Some(baseline::compare(previous, current, &scope));
    }

    /// The baseline mark of the result at `index`, when a baseline was given.
    pub fn mark(&self, index: usize) -> Option<Mark> {
        self.baseline.as_ref().and_then(|b| b.marks.get(index).copied())
    }

    pub fn fingerprint(&self, result: &RuleResult) -> String {
        let resource = &result.resource;
        fingerprint(
            &self.meta(result).id,
            &resource.account,
            &resource.region,
            &resource.arn,
        )
    }

    pub fn meta(&self, result: &RuleResult) -> &'a RuleMetadata {
        &self.rules.rules[result.rule].meta
    }

    /// Failing results (not muted) per severity, highest first.
    pub fn failures_by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::DESCENDING
            .iter()
            .map(|severity| {
                let count = self
                    .results
                    .iter()
                    .filter(|r| r.status == Status::Fail && self.meta(r).severity == *severity)
                    .count();
                (*severity, count)
            })
            .collect()
    }

    pub fn count(&self, status: Status) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }
}

/// Stable fingerprint of a result: the same rule on the same resource keeps its id across scans.
pub fn fingerprint(rule_id: &str, account: &str, region: &str, arn: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [rule_id, account, region, arn] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
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
