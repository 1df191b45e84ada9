//! One self-contained HTML page: score, pillars, an inline SVG chart of failing findings by
//! severity and pillar, failing rules, for an organisation a heat map of score by account and
//! pillar (`heat_map`), and a filterable findings table (failing findings first; past
//! [`ROWS_SHOWN`] rows the rest is left to the JSON and CSV reports, so a large organisation's
//! page stays usable). Under each failing escalation and toxic-combination finding, a small
//! inline-SVG graph of its path (`escalation`, drawn by `graph`). No network: inline CSS and JS
//! only, and a Content-Security-Policy that forbids loading anything.

mod escalation;
mod graph;
mod heat_map;

use super::escape_markup as esc;
use crate::finding::{Finding, Status};
use crate::report::{Summary, TrendPoint};
use crate::rules::metadata::{Pillar, RuleMetadata, Severity};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#7f1d1d",
        Severity::High => "#dc2626",
        Severity::Medium => "#f59e0b",
        Severity::Low => "#3b82f6",
        Severity::Info => "#9ca3af",
    }
}

fn score_text(score: Option<f64>) -> String {
    score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "n/a".into())
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#111827;background:#f9fafb}
h1{margin:0 0 .25rem 0}.muted-text{color:#6b7280}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:1rem 1.25rem;min-width:9rem}
.card .big{font-size:2.25rem;font-weight:700}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e5e7eb;padding:.4rem .6rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f3f4f6}
td:nth-child(3){white-space:nowrap}
.sev{color:#fff;border-radius:4px;padding:0 .4rem;font-size:.8rem}
.st-fail{color:#b91c1c;font-weight:600}.st-pass{color:#15803d}.st-muted{color:#6b7280;font-style:italic}.st-not_evaluated{color:#92400e}
.filters{display:flex;gap:.75rem;margin:1rem 0;align-items:center;flex-wrap:wrap}
code{font-size:.8rem;word-break:break-all}
tr.graph-row td{border-bottom:1px solid #e5e7eb;padding:.2rem .6rem .6rem 2rem;background:#fcfcfd}
svg.finding-graph{max-width:100%;height:auto;display:block}
"#;

/// Reads `#q=...&severity=...&status=...` so a link opens the table filtered; keeps it in sync.
const SCRIPT: &str = r#"
(function(){
  var q=document.getElementById('filter-text'),sev=document.getElementById('filter-severity'),st=document.getElementById('filter-status');
  var rows=Array.prototype.slice.call(document.querySelectorAll('#findings tbody tr[data-id]'));
  function dec(t){try{return decodeURIComponent(t);}catch(e){return t;}}
  function params(){var out={};location.hash.replace(/^#/,'').split('&').forEach(function(p){if(!p)return;var kv=p.split('=');out[dec(kv[0])]=dec((kv[1]||'').replace(/\+/g,' '));});return out;}
  function apply(){
    var text=q.value.toLowerCase(),s=sev.value,t=st.value,shown=0;
    rows.forEach(function(r){
      var ok=(!text||r.getAttribute('data-text').indexOf(text)>=0)&&(!s||r.getAttribute('data-severity')===s)&&(!t||r.getAttribute('data-status')===t);
      if(ok){r.removeAttribute('hidden');shown++;}else{r.setAttribute('hidden','');}
      var g=r.nextElementSibling;if(g&&g.className==='graph-row'){if(ok){g.removeAttribute('hidden');}else{g.setAttribute('hidden','');}}
    });
    var c=document.getElementById('shown-count');c.textContent=shown+' of '+rows.length+' findings shown';c.setAttribute('data-shown',String(shown));
  }
  function sync(){var h=[];if(q.value)h.push('q='+encodeURIComponent(q.value));if(sev.value)h.push('severity='+sev.value);if(st.value)h.push('status='+st.value);history.replaceState(null,'',h.length?'#'+h.join('&'):location.pathname);apply();}
  var p=params();q.value=p.q||'';sev.value=p.severity||'';st.value=p.status||'';
  [q,sev,st].forEach(function(e){e.addEventListener('input',sync);e.addEventListener('change',sync);});
  window.addEventListener('hashchange',function(){var p=params();q.value=p.q||'';sev.value=p.severity||'';st.value=p.status||'';apply();});
  apply();
})();
"#;

/// Horizontal stacked bars: one per pillar, a segment per severity of its failing findings.
fn chart(counts: &[[usize; 5]; 4]) -> String {
    let max = counts
        .iter()
        .map(|row| row.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_width, bar_width, row_height) = (90.0, 420.0, 28.0);
    let height = row_height * 4.0 + 40.0;
    let mut svg = format!(
        "<svg id=\"failing-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" role=\"img\" aria-label=\"Failing findings by severity and pillar\">",
        w = label_width + bar_width + 60.0
    );
    for (row, pillar) in Pillar::ALL.iter().enumerate() {
        let y = row as f64 * row_height + 4.0;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text>",
            y + 16.0,
            pillar.as_str()
        );
        let mut x = label_width;
        for (column, severity) in Severity::DESCENDING.iter().enumerate() {
            let count = counts[row][column];
            if count == 0 {
                continue;
            }
            let width = bar_width * count as f64 / max as f64;
            let _ = write!(
                svg,
                "<rect class=\"bar\" data-pillar=\"{p}\" data-severity=\"{s}\" data-count=\"{count}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"20\" fill=\"{c}\"><title>{p}: {count} {s}</title></rect>",
                p = pillar.as_str(),
                s = severity.as_str(),
                c = colour(*severity)
            );
            x += width;
        }
        let total: usize = counts[row].iter().sum();
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{total}</text>",
            x + 6.0,
            y + 15.0
        );
    }
    let mut x = 0.0;
    let legend_y = row_height * 4.0 + 18.0;
    for severity in Severity::DESCENDING {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            legend_y - 10.0,
            colour(severity),
            x + 16.0,
            legend_y,
            severity.as_str()
        );
        x += 80.0;
    }
    svg.push_str("</svg>");
    svg
}

fn pillar_colour(series: &str) -> &'static str {
    match series {
        "identity" => "#7c3aed",
        "network" => "#0891b2",
        "detection" => "#ea580c",
        "data" => "#16a34a",
        _ => "#111827",
    }
}

/// Lines of the overall and pillar scores over the runs of the history (oldest left); a run
/// without a score breaks its line rather than drawing it at 0.
fn trend_chart(points: &[TrendPoint]) -> String {
    let (left, top, width, height) = (40.0, 10.0, 520.0, 160.0);
    let step = if points.len() > 1 {
        width / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x = |index: usize| left + step * index as f64;
    let y = |score: f64| top + height * (1.0 - score.clamp(0.0, 100.0) / 100.0);
    let mut svg = format!(
        "<svg id=\"trend-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"220\" viewBox=\"0 0 640 220\" role=\"img\" aria-label=\"Score per pillar over the last {} runs\">",
        points.len()
    );
    for tick in [0.0, 50.0, 100.0] {
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e5e7eb\"/><text x=\"0\" y=\"{:.1}\" font-size=\"11\">{tick}</text>",
            left + width,
            y(tick) + 4.0,
            y = y(tick)
        );
    }
    let mut series: Vec<(&str, Vec<Option<f64>>)> = vec![("overall", points.iter().map(|p| p.overall).collect())];
    for pillar in Pillar::ALL {
        let name = pillar.as_str();
        series.push((
            name,
            points.iter().map(|p| p.pillars.get(name).copied().flatten()).collect(),
        ));
    }
    for (legend, (name, scores)) in series.iter().enumerate() {
        let colour = pillar_colour(name);
        let stroke = if *name == "overall" { 3 } else { 2 };
        for run in split_runs(scores) {
            let line: Vec<String> = run
                .iter()
                .map(|(i, score)| format!("{:.1},{:.1}", x(*i), y(*score)))
                .collect();
            let _ = write!(
                svg,
                "<polyline class=\"trend\" data-series=\"{name}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{stroke}\" points=\"{}\"/>",
                line.join(" ")
            );
        }
        for (i, score) in scores.iter().enumerate() {
            if let Some(score) = score {
                let _ = write!(
                    svg,
                    "<circle class=\"trend-point\" data-series=\"{name}\" data-scan=\"{scan}\" data-score=\"{score}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{name} {score:.1} · {when} · scan {scan}</title></circle>",
                    x(i),
                    y(*score),
                    scan = esc(&points[i].scan_id),
                    when = crate::history::rfc3339(points[i].observed_at).get(..10).unwrap_or_default(),
                );
            }
        }
        let lx = 40.0 + legend as f64 * 100.0;
        let _ = write!(
            svg,
            "<rect data-legend=\"{name}\" x=\"{lx}\" y=\"196\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"206\" font-size=\"12\">{name}</text>",
            lx + 16.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Consecutive scored runs: one polyline each.
fn split_runs(scores: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut runs: Vec<Vec<(usize, f64)>> = vec![Vec::new()];
    for (index, score) in scores.iter().enumerate() {
        match (score, runs.last_mut()) {
            (Some(score), Some(run)) => run.push((index, *score)),
            _ => runs.push(Vec::new()),
        }
    }
    runs.retain(|run| !run.is_empty());
    runs
}

/// Open failing findings listed by age, oldest first.
const OLDEST_SHOWN: usize = 20;

type OldestKey = (i64, Reverse<Severity>, usize, String, String, String);

/// Rows of the findings table the page carries at most.
pub const ROWS_SHOWN: usize = 5_000;
/// Graphs drawn, for the first rows that have one (failing first, most severe first).
pub const GRAPHS_SHOWN: usize = 500;

type RowKey = (Status, Reverse<Severity>, usize, String, String, String);

/// One row of the findings table and, for a failing escalation or combination, its graph.
struct Row {
    html: String,
    graph: Option<String>,
}

/// What the page keeps while findings stream past: counts, and its first rows pre-rendered.
#[derive(Default)]
pub struct HtmlSink {
    /// [pillar][severity] failing findings.
    chart: [[usize; 5]; 4],
    /// rule rank → (failing findings, accounts with one).
    failing_rules: BTreeMap<usize, (usize, BTreeSet<String>)>,
    rows: BTreeMap<RowKey, Row>,
    rows_offered: usize,
    heat_map: heat_map::HeatMap,
    /// With a history: the oldest open failing findings, by when they opened.
    oldest: BTreeMap<OldestKey, String>,
}

impl HtmlSink {
    pub fn add(&mut self, findings: &[(usize, Finding<'_>)], only_failing: bool) {
        for (rank, finding) in findings {
            self.heat_map.add(*rank, finding);
            if finding.status == Status::Fail {
                let meta = finding.rule;
                let pillar = Pillar::ALL.iter().position(|p| *p == meta.pillar).unwrap_or(0);
                let severity = Severity::DESCENDING
                    .iter()
                    .position(|s| *s == meta.severity)
                    .unwrap_or(0);
                self.chart[pillar][severity] += 1;
                let (count, accounts) = self.failing_rules.entry(*rank).or_default();
                *count += 1;
                if !accounts.contains(&finding.resource.account) {
                    accounts.insert(finding.resource.account.clone());
                }
                self.add_oldest(*rank, finding);
            }
            if only_failing && !matches!(finding.status, Status::Fail | Status::Muted) {
                continue;
            }
            self.rows_offered += 1;
            let resource = &finding.resource;
            let key: RowKey = (
                finding.status,
                Reverse(finding.rule.severity),
                *rank,
                resource.account.clone(),
                resource.region.clone(),
                resource.arn.clone(),
            );
            if self.rows.len() >= ROWS_SHOWN && self.rows.last_key_value().is_some_and(|(last, _)| *last <= key) {
                continue;
            }
            self.rows.insert(
                key,
                Row {
                    html: row(finding),
                    graph: graph_of(finding),
                },
            );
            if self.rows.len() > ROWS_SHOWN {
                self.rows.pop_last();
            }
        }
    }

    fn add_oldest(&mut self, rank: usize, finding: &Finding<'_>) {
        let Some(life) = finding.lifecycle else { return };
        let resource = &finding.resource;
        let key: OldestKey = (
            life.open_since,
            Reverse(finding.rule.severity),
            rank,
            resource.account.clone(),
            resource.region.clone(),
            resource.arn.clone(),
        );
        if self.oldest.len() >= OLDEST_SHOWN && self.oldest.last_key_value().is_some_and(|(last, _)| *last <= key) {
            return;
        }
        let row = format!(
            "<tr data-id=\"{id}\" data-age=\"{age}\"><td>{age}</td><td style=\"white-space:nowrap\">{since}</td><td><span class=\"sev\" style=\"background:{c}\">{sev}</span></td><td style=\"white-space:nowrap\">{rule}</td><td><code>{arn}</code></td><td>{account} {region}</td><td>{reopened}</td></tr>",
            id = finding.id,
            age = life.age_days,
            since = crate::history::rfc3339(life.open_since).get(..10).unwrap_or_default(),
            c = colour(finding.rule.severity),
            sev = finding.rule.severity.as_str(),
            rule = esc(&finding.rule.id),
            arn = esc(&resource.arn),
            account = esc(&resource.account),
            region = esc(&resource.region),
            reopened = life.reopened,
        );
        self.oldest.insert(key, row);
        if self.oldest.len() > OLDEST_SHOWN {
            self.oldest.pop_last();
        }
    }

    /// The trend of the history's runs and the oldest open findings (only with a history).
    fn history(&self, summary: &Summary<'_>, html: &mut String) {
        if let Some(trend) = &summary.trend {
            let _ = write!(
                html,
                "<h2>Score over the last runs</h2><p class=\"muted-text\">{} run(s) of the history, oldest left</p>",
                trend.len()
            );
            html.push_str(&trend_chart(trend));
        }
        if !self.oldest.is_empty() {
            html.push_str("<h2>Oldest open findings</h2><table id=\"oldest-open\"><thead><tr><th>Days open</th><th>Since</th><th>Severity</th><th>Rule</th><th>Resource</th><th>Account / region</th><th>Reopened</th></tr></thead><tbody>");
            for row in self.oldest.values() {
                html.push_str(row);
            }
            html.push_str("</tbody></table>");
        }
    }

    pub fn render(&self, summary: &Summary<'_>, ranked_rules: &[&RuleMetadata]) -> String {
        let mut html = head(summary);
        cards(summary, &mut html);
        html.push_str(
            "</div><h2>Pillars</h2><table id=\"pillars\"><thead><tr><th>Pillar</th><th>Score</th></tr></thead><tbody>",
        );
        for (pillar, score) in &summary.score.pillars {
            let _ = write!(html, "<tr><td>{}</td><td>{}</td></tr>", esc(pillar), score_text(*score));
        }
        html.push_str("</tbody></table>");
        self.history(summary, &mut html);
        html.push_str("<h2>Failing findings by pillar and severity</h2>");
        html.push_str(&chart(&self.chart));
        self.rules_and_accounts(summary, ranked_rules, &mut html);
        if let Some(baseline) = &summary.baseline {
            let _ = write!(
                html,
                "<h2>Against the baseline</h2><p id=\"baseline\">{} new failing, {} resolved since scan {} (score then {})</p>",
                summary.counts.new_failing_at_or_above(Severity::Info),
                baseline.resolved.len(),
                esc(&baseline.previous_scan_id),
                score_text(baseline.previous_score)
            );
        }
        self.findings_table(&mut html);
        let _ = writeln!(html, "</tbody></table><script>{SCRIPT}</script></body></html>");
        html
    }

    /// Failing rules with the accounts they fail in; for an organisation, its heat map.
    fn rules_and_accounts(&self, summary: &Summary<'_>, ranked_rules: &[&RuleMetadata], html: &mut String) {
        if !self.failing_rules.is_empty() {
            html.push_str("<h2>Failing rules</h2><table id=\"failing-rules\"><thead><tr><th>Severity</th><th>Rule</th><th>Title</th><th>Failing</th><th>Accounts</th></tr></thead><tbody>");
            let mut rules: Vec<(&usize, &(usize, BTreeSet<String>))> = self.failing_rules.iter().collect();
            rules.sort_by(|a, b| {
                ranked_rules[*b.0]
                    .severity
                    .cmp(&ranked_rules[*a.0].severity)
                    .then(a.0.cmp(b.0))
            });
            for (rank, (count, accounts)) in rules {
                let meta = ranked_rules[*rank];
                let _ = write!(
                    html,
                    "<tr><td><span class=\"sev\" style=\"background:{c}\">{s}</span></td><td>{id}</td><td>{title}</td><td>{count}</td><td>{accounts}</td></tr>",
                    c = colour(meta.severity),
                    s = meta.severity.as_str(),
                    id = esc(&meta.id),
                    title = esc(&meta.title),
                    accounts = accounts.len()
                );
            }
            html.push_str("</tbody></table>");
        }
        self.heat_map.render(summary, ranked_rules, html);
    }

    fn findings_table(&self, html: &mut String) {
        html.push_str("<h2>Findings</h2><div class=\"filters\"><input id=\"filter-text\" type=\"search\" placeholder=\"Filter: rule, resource, message…\" size=\"40\">");
        html.push_str("<select id=\"filter-severity\"><option value=\"\">any severity</option>");
        for severity in Severity::DESCENDING {
            let _ = write!(html, "<option value=\"{s}\">{s}</option>", s = severity.as_str());
        }
        html.push_str("</select><select id=\"filter-status\"><option value=\"\">any status</option>");
        for status in ["fail", "muted", "not_evaluated", "pass"] {
            let _ = write!(html, "<option value=\"{status}\">{status}</option>");
        }
        let _ = write!(
            html,
            "</select><span id=\"shown-count\" data-shown=\"{n}\">{n} findings</span></div>",
            n = self.rows.len()
        );
        if self.rows_offered > self.rows.len() {
            let _ = write!(
                html,
                "<p id=\"rows-left-out\" class=\"muted-text\">The first {} of {} findings (failing first); the JSON, NDJSON and CSV reports hold every one.</p>",
                self.rows.len(),
                self.rows_offered
            );
        }
        let graphs = self.rows.values().filter(|r| r.graph.is_some()).count();
        if graphs > GRAPHS_SHOWN {
            let _ = write!(
                html,
                "<p id=\"graphs-left-out\" class=\"muted-text\">Graphs are drawn for the first {GRAPHS_SHOWN} of {graphs} escalation and combination findings; the evidence of the JSON report holds every path.</p>"
            );
        }
        html.push_str("<table id=\"findings\"><thead><tr><th>Severity</th><th>Status</th><th>Rule</th><th>Resource</th><th>Account / region</th><th>Message</th></tr></thead><tbody>");
        let mut drawn = 0;
        for row in self.rows.values() {
            html.push_str(&row.html);
            let Some(graph) = row.graph.as_ref().filter(|_| drawn < GRAPHS_SHOWN) else {
                continue;
            };
            drawn += 1;
            let _ = write!(html, "<tr class=\"graph-row\"><td colspan=\"6\">{graph}</td></tr>");
        }
    }
}

fn head(summary: &Summary<'_>) -> String {
    let scan = &summary.scan;
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    // Nothing may be fetched: the report works offline and leaks nothing when opened.
    html.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(html, "<title>posture report {}</title>", esc(&scan.id));
    let _ = write!(html, "<style>{STYLE}{}</style></head><body>", heat_map::STYLE);
    let _ = write!(
        html,
        "<h1>posture report</h1><p class=\"muted-text\">{} account(s), {} region(s) · {} · scan {}</p>",
        scan.accounts.len(),
        scan.regions.len(),
        esc(&scan.finished_at),
        esc(&scan.id)
    );
    html
}

fn cards(summary: &Summary<'_>, html: &mut String) {
    let coverage = &summary.coverage;
    let _ = write!(
        html,
        "<div class=\"cards\"><div class=\"card\"><div>Score</div><div class=\"big\" id=\"score\">{}</div><div class=\"muted-text\">of 100</div></div><div class=\"card\"><div>Coverage</div><div class=\"big\" id=\"coverage\">{}</div><div class=\"muted-text\">{} of {} evaluated</div></div>",
        score_text(summary.score.overall),
        coverage.percent().map(|p| format!("{p}%")).unwrap_or_else(|| "n/a".into()),
        coverage.evaluated,
        coverage.evaluated + coverage.not_evaluated
    );
    for (severity, count) in summary.counts.failures_by_severity() {
        let _ = write!(
            html,
            "<div class=\"card\"><div>Failing {s}</div><div class=\"big\" id=\"failing-{s}\" style=\"color:{c}\">{count}</div></div>",
            s = severity.as_str(),
            c = colour(severity)
        );
    }
}

/// The graph drawn under a failing escalation or combination finding.
fn graph_of(finding: &Finding<'_>) -> Option<String> {
    if finding.status != Status::Fail {
        return None;
    }
    let graph = escalation::graph_of(&finding.rule.id, &finding.resource.arn, &finding.evidence)?;
    Some(graph.to_svg(&finding.id.to_string(), &finding.rule.id))
}

fn row(finding: &Finding<'_>) -> String {
    let meta = finding.rule;
    let resource = &finding.resource;
    let mut message = esc(&finding.message);
    if let Some(reason) = finding.suppression_reason() {
        let _ = write!(message, "<br><em>muted: {}</em>", esc(reason));
    }
    if let Some(mark) = finding.baseline {
        let _ = write!(message, " <small>[{}]</small>", mark.as_str());
    }
    if let Some(life) = finding.lifecycle {
        let _ = write!(message, " <small class=\"age\">[open {} day(s)]</small>", life.age_days);
    }
    let search = format!(
        "{} {} {} {} {} {}",
        meta.id, meta.title, resource.arn, resource.account, resource.region, finding.message
    )
    .to_lowercase();
    format!(
        "<tr data-id=\"{id}\" data-severity=\"{sev}\" data-status=\"{st}\" data-text=\"{text}\"><td><span class=\"sev\" style=\"background:{c}\">{sev}</span></td><td class=\"st-{st}\">{st}</td><td title=\"{title}\">{rule}</td><td><code>{arn}</code></td><td>{account} {region}</td><td>{message}</td></tr>",
        id = finding.id,
        sev = meta.severity.as_str(),
        st = finding.status.as_str(),
        text = esc(&search),
        c = colour(meta.severity),
        title = esc(&meta.title),
        rule = esc(&meta.id),
        arn = esc(&resource.arn),
        account = esc(&resource.account),
        region = esc(&resource.region),
    )
}
