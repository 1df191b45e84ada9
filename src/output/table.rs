//! The terminal report: score, pillars, failures by severity, failing rules with resources.

use crate::baseline::{Mark, RecordedFinding, RecordedResource};
use crate::output::diff::findings_section;
use crate::report::Report;
use crate::results::Status;
use crate::rules::metadata::Severity;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Attribute, Cell, Color, ContentArrangement, Table};
use std::collections::BTreeMap;

/// How many resources to name per failing rule before summarising.
const RESOURCES_SHOWN: usize = 5;

pub fn render(report: &Report<'_>, colour: bool) -> String {
    let mut text = String::new();
    let scan = &report.scan;
    text.push_str(&format!(
        "posture scan of {} account(s), {} region(s) from {}\n\n",
        scan.accounts.len(),
        scan.regions.len(),
        scan.sources.join(", ")
    ));
    let coverage = &report.coverage;
    text.push_str(&format!(
        "Score: {}   Coverage: {} ({} of {} results evaluated)\n\n",
        score_text(report.score.overall),
        coverage
            .percent()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "n/a".into()),
        coverage.evaluated,
        coverage.evaluated + coverage.not_evaluated,
    ));

    let mut pillars = new_table(colour);
    pillars.set_header(vec!["Pillar", "Score"]);
    for (pillar, score) in &report.score.pillars {
        pillars.add_row(vec![Cell::new(pillar), Cell::new(score_text(*score))]);
    }
    if report.score.accounts.len() > 1 {
        pillars.add_row(vec![Cell::new(""), Cell::new("")]);
        for (account, score) in report.score.accounts.iter().take(20) {
            pillars.add_row(vec![
                Cell::new(format!("account {account}")),
                Cell::new(score_text(*score)),
            ]);
        }
    }
    text.push_str(&pillars.to_string());
    text.push_str("\n\n");

    let counts: Vec<String> = report
        .failures_by_severity()
        .iter()
        .map(|(severity, count)| format!("{} {count}", severity.as_str()))
        .collect();
    text.push_str(&format!(
        "Failing: {}   (pass {}, not evaluated {}, muted {})\n\n",
        counts.join(", "),
        report.count(Status::Pass),
        report.count(Status::NotEvaluated),
        report.count(Status::Muted)
    ));

    // rule index → failing resources, highest severity first.
    let mut failing: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for result in report.results.iter().filter(|r| r.status == Status::Fail) {
        let label = if result.resource.region == crate::facts::GLOBAL_REGION {
            result.resource.arn.clone()
        } else {
            format!("{} ({})", result.resource.arn, result.resource.region)
        };
        failing.entry(result.rule).or_default().push(label);
    }
    if failing.is_empty() {
        text.push_str("No failing rules.\n");
    } else {
        let mut rows: Vec<(usize, Vec<String>)> = failing.into_iter().collect();
        rows.sort_by(|a, b| {
            let (ma, mb) = (&report.rules.rules[a.0].meta, &report.rules.rules[b.0].meta);
            mb.severity.cmp(&ma.severity).then_with(|| ma.id.cmp(&mb.id))
        });
        let mut table = new_table(colour);
        table.set_header(vec!["Severity", "Rule", "Title", "Failing", "Resources"]);
        for (rule, resources) in rows {
            let meta = &report.rules.rules[rule].meta;
            let mut shown: Vec<String> = resources.iter().take(RESOURCES_SHOWN).cloned().collect();
            if resources.len() > RESOURCES_SHOWN {
                shown.push(format!("… and {} more", resources.len() - RESOURCES_SHOWN));
            }
            table.add_row(vec![
                severity_cell(meta.severity, colour),
                Cell::new(&meta.id),
                Cell::new(&meta.title),
                Cell::new(resources.len()),
                Cell::new(shown.join("\n")),
            ]);
        }
        text.push_str(&table.to_string());
        text.push('\n');
    }
    if let Some(baseline) = &report.baseline {
        let new_failing: Vec<RecordedFinding> = report
            .results
            .iter()
            .enumerate()
            .filter(|(index, r)| r.status == Status::Fail && report.mark(*index) == Some(Mark::New))
            .map(|(_, r)| {
                let meta = report.meta(r);
                RecordedFinding {
                    id: report.fingerprint(r),
                    rule_id: meta.id.clone(),
                    title: meta.title.clone(),
                    severity: meta.severity.as_str().into(),
                    status: r.status.as_str().into(),
                    resource: RecordedResource {
                        arn: r.resource.arn.clone(),
                        account: r.resource.account.clone(),
                        region: r.resource.region.clone(),
                    },
                    message: r.message.clone(),
                }
            })
            .collect();
        text.push_str(&format!(
            "\nAgainst baseline scan {} (score then {}):",
            baseline.previous_scan_id,
            score_text(baseline.previous_score)
        ));
        text.push_str(&findings_section("New failing", &new_failing));
        text.push_str(&findings_section("Resolved", &baseline.resolved));
    }
    if !report.gaps.is_empty() {
        text.push_str(&format!("\nCoverage gaps ({}):\n", report.gaps.len()));
        for gap in report.gaps.iter().take(20) {
            text.push_str(&format!(
                "  {} {} {}:{} — {}\n",
                gap.account, gap.region, gap.service, gap.operation, gap.error
            ));
        }
    }
    text
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
