//! One self-contained HTML page: score, pillars, an inline SVG chart of failing findings by
//! severity and pillar, and a filterable findings table. No network: inline CSS and JS only,
//! and a Content-Security-Policy that forbids loading anything.

use super::escape_markup as esc;
use crate::report::Report;
use crate::results::Status;
use crate::rules::metadata::{Pillar, Severity};
use std::fmt::Write as _;
use std::io::Write;

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
"#;

/// Reads `#q=...&severity=...&status=...` so a link opens the table filtered; keeps it in sync.
const SCRIPT: &str = r#"
(function(){
  var q=document.getElementById('filter-text'),sev=document.getElementById('filter-severity'),st=document.getElementById('filter-status');
  var rows=Array.prototype.slice.call(document.querySelectorAll('#findings tbody tr'));
  function params(){var out={};location.hash.replace(/^#/,'').split('&').forEach(function(p){if(!p)return;var kv=p.split('=');out[decodeURIComponent(kv[0])]=decodeURIComponent((kv[1]||'').replace(/\+/g,' '));});return out;}
  function apply(){
    var text=q.value.toLowerCase(),s=sev.value,t=st.value,shown=0;
    rows.forEach(function(r){
      var ok=(!text||r.getAttribute('data-text').indexOf(text)>=0)&&(!s||r.getAttribute('data-severity')===s)&&(!t||r.getAttribute('data-status')===t);
      if(ok){r.removeAttribute('hidden');shown++;}else{r.setAttribute('hidden','');}
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
fn chart(report: &Report<'_>) -> String {
    let mut counts = [[0usize; 5]; 4];
    for result in report.results.iter().filter(|r| r.status == Status::Fail) {
        let meta = report.meta(result);
        let pillar = Pillar::ALL.iter().position(|p| *p == meta.pillar).unwrap_or(0);
        let severity = Severity::DESCENDING
            .iter()
            .position(|s| *s == meta.severity)
            .unwrap_or(0);
        counts[pillar][severity] += 1;
    }
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

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let scan = &report.scan;
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    // Nothing may be fetched: the report works offline and leaks nothing when opened.
    html.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(html, "<title>posture report {}</title>", esc(&scan.id));
    let _ = write!(html, "<style>{STYLE}</style></head><body>");
    let _ = write!(
        html,
        "<h1>posture report</h1><p class=\"muted-text\">{} account(s), {} region(s) · {} · scan {}</p>",
        scan.accounts.len(),
        scan.regions.len(),
        esc(&scan.finished_at),
        esc(&scan.id)
    );
    let coverage = &report.coverage;
    let _ = write!(
        html,
        "<div class=\"cards\"><div class=\"card\"><div>Score</div><div class=\"big\" id=\"score\">{}</div><div class=\"muted-text\">of 100</div></div><div class=\"card\"><div>Coverage</div><div class=\"big\" id=\"coverage\">{}</div><div class=\"muted-text\">{} of {} evaluated</div></div>",
        score_text(report.score.overall),
        coverage.percent().map(|p| format!("{p}%")).unwrap_or_else(|| "n/a".into()),
        coverage.evaluated,
        coverage.evaluated + coverage.not_evaluated
    );
    for (severity, count) in report.failures_by_severity() {
        let _ = write!(
            html,
            "<div class=\"card\"><div>Failing {s}</div><div class=\"big\" id=\"failing-{s}\" style=\"color:{c}\">{count}</div></div>",
            s = severity.as_str(),
            c = colour(severity)
        );
    }
    html.push_str(
        "</div><h2>Pillars</h2><table id=\"pillars\"><thead><tr><th>Pillar</th><th>Score</th></tr></thead><tbody>",
    );
    for (pillar, score) in &report.score.pillars {
        let _ = write!(html, "<tr><td>{}</td><td>{}</td></tr>", esc(pillar), score_text(*score));
    }
    html.push_str("</tbody></table><h2>Failing findings by pillar and severity</h2>");
    html.push_str(&chart(report));
    if let Some(baseline) = &report.baseline {
        let new = baseline
            .marks
            .iter()
            .zip(&report.results)
            .filter(|(m, r)| **m == crate::baseline::Mark::New && r.status == Status::Fail)
            .count();
        let _ = write!(
            html,
            "<h2>Against the baseline</h2><p id=\"baseline\">{new} new failing, {} resolved since scan {} (score then {})</p>",
            baseline.resolved.len(),
            esc(&baseline.previous_scan_id),
            score_text(baseline.previous_score)
        );
    }
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
        n = report.results.len()
    );
    html.push_str("<table id=\"findings\"><thead><tr><th>Severity</th><th>Status</th><th>Rule</th><th>Resource</th><th>Account / region</th><th>Message</th></tr></thead><tbody>");
    // Failures first, then by severity: what a reader must act on is at the top.
    let mut order: Vec<usize> = (0..report.results.len()).collect();
    order.sort_by_key(|&i| {
        let result = &report.results[i];
        (result.status, std::cmp::Reverse(report.meta(result).severity), i)
    });
    for index in order {
        let result = &report.results[index];
        let meta = report.meta(result);
        let resource = &result.resource;
        let mut message = esc(&result.message);
        if let Some(reason) = result.evidence.pointer("/suppression/reason").and_then(|r| r.as_str()) {
            let _ = write!(message, "<br><em>muted: {}</em>", esc(reason));
        }
        if let Some(mark) = report.mark(index) {
            let _ = write!(message, " <small>[{}]</small>", mark.as_str());
        }
        let search = format!(
            "{} {} {} {} {} {}",
            meta.id, meta.title, resource.arn, resource.account, resource.region, result.message
        )
        .to_lowercase();
        let _ = write!(
            html,
            "<tr data-id=\"{id}\" data-severity=\"{sev}\" data-status=\"{st}\" data-text=\"{text}\"><td><span class=\"sev\" style=\"background:{c}\">{sev}</span></td><td class=\"st-{st}\">{st}</td><td title=\"{title}\">{rule}</td><td><code>{arn}</code></td><td>{account} {region}</td><td>{message}</td></tr>",
            id = report.fingerprint(result),
            sev = meta.severity.as_str(),
            st = result.status.as_str(),
            text = esc(&search),
            c = colour(meta.severity),
            title = esc(&meta.title),
            rule = esc(&meta.id),
            arn = esc(&resource.arn),
            account = esc(&resource.account),
            region = esc(&resource.region),
        );
    }
    let _ = writeln!(html, "</tbody></table><script>{SCRIPT}</script></body></html>");
    out.write_all(html.as_bytes())
}
