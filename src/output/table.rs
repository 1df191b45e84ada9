//! The terminal report: score, pillars, the lowest-scoring accounts, failures by severity, and
//! the failing rules with their first resources. It keeps, across accounts, only what it shows.

use crate::finding::{Finding, Mark, Status};
use crate::output::diff::findings_section;
use crate::output::strip_controls;
use crate::report::v1::RecordedFinding;
use crate::report::Summary;
use crate::rules::metadata::Severity;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Attribute, Cell, Color, ContentArrangement, Table};
use std::collections::BTreeMap;

/// How many resources to name per failing rule before summarising.
const RESOURCES_SHOWN: usize = 5;
/// How many account scores, and how many new failing findings, to list.
const ACCOUNTS_SHOWN: usize = 20;
const NEW_FAILING_SHOWN: usize = 50;

type SortKey = (String, String, String);
/// A failing rule: how many findings, and the first resources in report order.
type FailingRule = (usize, BTreeMap<SortKey, String>);

/// What the table keeps while findings stream past.
pub struct TableSink {
    colour: bool,
    /// rule rank → (failing count, the first resources in report order).
    failing: BTreeMap<usize, FailingRule>,
    /// The first new failing findings in report order, keyed by (rule rank, account, region, ARN).
    new_failing: BTreeMap<(usize, SortKey), RecordedFinding>,
}

fn sort_key(finding: &Finding<'_>) -> SortKey {
    let resource = &finding.resource;
    (resource.account.clone(), resource.region.clone(), resource.arn.clone())
}

/// Inserts into a map that keeps only its `limit` smallest keys.
fn keep_smallest<K: Ord, V>(map: &mut BTreeMap<K, V>, limit: usize, key: K, value: impl FnOnce() -> V) {
    if map.len() >= limit && map.last_key_value().is_some_and(|(last, _)| *last <= key) {
        return;
    }
    map.insert(key, value());
    if map.len() > limit {
        map.pop_last();
    }
}

impl TableSink {
    pub fn new(colour: bool) -> Self {
        TableSink {
            colour,
            failing: BTreeMap::new(),
            new_failing: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, findings: &[(usize, Finding<'_>)]) {
        for (rank, finding) in findings.iter().filter(|(_, f)| f.status == Status::Fail) {
            let (count, shown) = self.failing.entry(*rank).or_default();
            *count += 1;
            keep_smallest(shown, RESOURCES_SHOWN, sort_key(finding), || {
                strip_controls(&finding.resource_label())
            });
            if finding.baseline == Some(Mark::New) {
                keep_smallest(
                    &mut self.new_failing,
                    NEW_FAILING_SHOWN,
                    (*rank, sort_key(finding)),
                    || recorded(finding),
                );
            }
        }
    }

    pub fn render(&self, summary: &Summary<'_>, ranked_rules: &[&crate::rules::metadata::RuleMetadata]) -> String {
        let mut text = header(summary);
        text.push_str(&pillars(summary, self.colour).to_string());
        text.push_str("\n\n");
        let counts: Vec<String> = summary
            .counts
            .failures_by_severity()
            .iter()
            .map(|(severity, count)| format!("{} {count}", severity.as_str()))
            .collect();
        text.push_str(&format!(
            "Failing: {}   (pass {}, not evaluated {}, muted {})\n\n",
            counts.join(", "),
            summary.counts.status(Status::Pass),
            summary.counts.status(Status::NotEvaluated),
            summary.counts.status(Status::Muted)
        ));
        text.push_str(&self.failing_rules(ranked_rules));
        if let Some(baseline) = &summary.baseline {
            let against = if summary.scan.is_pre_deploy() {
                "What the change does, against the deployed base"
            } else {
                "Against baseline scan"
            };
            text.push_str(&format!(
                "\n{against} {} (score then {}):",
                baseline.previous_scan_id,
                score_text(baseline.previous_score)
            ));
            let new_failing: Vec<RecordedFinding> = self.new_failing.values().cloned().collect();
            let total_new = summary.counts.new_failing_at_or_above(Severity::Info);
            text.push_str(&findings_section("New failing", &new_failing, total_new));
            text.push_str(&findings_section(
                "Resolved",
                &baseline.resolved,
                baseline.resolved.len(),
            ));
        }
        if let Some(unmapped) = summary.scan.unmapped_resource_types.as_ref().filter(|u| !u.is_empty()) {
            let listed = strip_controls(&unmapped.join(", "));
            text.push_str(&format!(
                "\nNot judged (resource types posture does not map): {listed}\n"
            ));
        }
        if !summary.gaps.is_empty() {
            text.push_str(&format!("\nCoverage gaps ({}):\n", summary.gaps.len()));
            for gap in summary.gaps.iter().take(20) {
                let line = format!(
                    "{} {} {}:{} — {}",
                    gap.account, gap.region, gap.service, gap.operation, gap.error
                );
                text.push_str(&format!("  {}\n", strip_controls(&line)));
            }
        }
        text
    }

    fn failing_rules(&self, ranked_rules: &[&crate::rules::metadata::RuleMetadata]) -> String {
        if self.failing.is_empty() {
            return "No failing rules.\n".into();
        }
        let mut rows: Vec<(&usize, &FailingRule)> = self.failing.iter().collect();
        // Highest severity first, then by rule id (the rank).
        rows.sort_by(|a, b| {
            ranked_rules[*b.0]
                .severity
                .cmp(&ranked_rules[*a.0].severity)
                .then(a.0.cmp(b.0))
        });
        let mut table = new_table(self.colour);
        table.set_header(vec!["Severity", "Rule", "Title", "Failing", "Resources"]);
        for (rank, (count, resources)) in rows {
            let meta = ranked_rules[*rank];
            let mut shown: Vec<String> = resources.values().cloned().collect();
            if *count > RESOURCES_SHOWN {
                shown.push(format!("… and {} more", count - RESOURCES_SHOWN));
            }
            table.add_row(vec![
                severity_cell(meta.severity, self.colour),
                Cell::new(&meta.id),
                Cell::new(&meta.title),
                Cell::new(count),
                Cell::new(shown.join("\n")),
            ]);
        }
        format!("{table}\n")
    }
}

fn header(summary: &Summary<'_>) -> String {
    let scan = &summary.scan;
    let coverage = &summary.coverage;
    format!(
        "posture scan of {} account(s), {} region(s) from {}\n\nScore: {}   Coverage: {} ({} of {} results evaluated)\n\n",
        scan.accounts.len(),
        scan.regions.len(),
        scan.sources.join(", "),
        score_text(summary.score.overall),
        coverage
            .percent()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "n/a".into()),
        coverage.evaluated,
        coverage.evaluated + coverage.not_evaluated,
    )
}

/// Pillar scores, then (for an organisation) the lowest-scoring accounts.
fn pillars(summary: &Summary<'_>, colour: bool) -> Table {
    let mut pillars = new_table(colour);
    pillars.set_header(vec!["Pillar", "Score"]);
    for (pillar, score) in &summary.score.pillars {
        pillars.add_row(vec![Cell::new(pillar), Cell::new(score_text(*score))]);
    }
    let accounts = &summary.score.accounts;
    if accounts.len() > 1 {
        pillars.add_row(vec![Cell::new(""), Cell::new("")]);
        let mut listed: Vec<(&String, &Option<f64>)> = accounts.iter().collect();
        if listed.len() > ACCOUNTS_SHOWN {
            // Lowest first; no score (nothing evaluated) counts as lowest: it needs a look too.
            listed.sort_by(|a, b| a.1.unwrap_or(-1.0).total_cmp(&b.1.unwrap_or(-1.0)).then(a.0.cmp(b.0)));
        }
        for (account, score) in listed.iter().take(ACCOUNTS_SHOWN) {
            pillars.add_row(vec![
                Cell::new(format!("account {account}")),
                Cell::new(score_text(**score)),
            ]);
        }
        if listed.len() > ACCOUNTS_SHOWN {
            pillars.add_row(vec![
                Cell::new(format!("… and {} more accounts", listed.len() - ACCOUNTS_SHOWN)),
                Cell::new(""),
            ]);
        }
    }
    pillars
}

fn recorded(finding: &Finding<'_>) -> RecordedFinding {
    RecordedFinding::of(finding)
}

fn new_table(colour: bool) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !colour {
        table.force_no_tty();
    }
    table
}

fn score_text(score: Option<f64>) -> String {
    score.map(|s| format!("{s:.1}/100")).unwrap_or_else(|| "n/a".into())
}

fn severity_cell(severity: Severity, colour: bool) -> Cell {
    let cell = Cell::new(severity.as_str());
    if !colour {
        return cell;
    }
    match severity {
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low => cell.fg(Color::Blue),
        Severity::Info => cell,
    }
}
