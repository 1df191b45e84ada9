//! The organisation's heat map: score by account × pillar, the lowest-scoring accounts first and
//! bounded (a page for 1,000 accounts stays usable; it says how many more there are). Each cell
//! carries its number as text and is coloured by it; n/a (nothing weighted evaluated) is grey and
//! striped, never a colour of the scale. Pillar cells use the report's own score formula: one
//! [`ScoreCounters`] per pillar, fed the findings that stream past.

use super::{esc, score_text};
use crate::finding::Finding;
use crate::report::Summary;
use crate::rules::metadata::{Pillar, RuleMetadata};
use crate::score::ScoreCounters;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Accounts the map shows, lowest overall score first (as the terminal table does).
pub const ACCOUNTS_SHOWN: usize = 50;

pub const STYLE: &str = r#"
#heat-map{width:auto}#heat-map td.heat{text-align:right;font-variant-numeric:tabular-nums;min-width:4.5rem}
#heat-map td.heat-na{color:#4b5563;font-style:italic;background:repeating-linear-gradient(135deg,#f3f4f6 0 4px,#d1d5db 4px 6px)}
.heat-legend{display:flex;gap:.35rem;align-items:center;font-size:.8rem;margin:.4rem 0}
.heat-legend span{padding:0 .4rem;border-radius:3px}
"#;

/// The per-pillar counters; `add` takes each finding with its rule's rank.
#[derive(Default)]
pub struct HeatMap {
    // Boxed: the page sink sits in an enum beside much smaller renderers.
    pillars: Box<[ScoreCounters; 4]>,
}

/// Red at 0, amber at 50, green at 100, light enough for dark text.
fn background(score: f64) -> String {
    format!("hsl({:.0},75%,78%)", score.clamp(0.0, 100.0) * 1.2)
}

fn cell(account: &str, pillar: &str, score: Option<f64>) -> String {
    let text = score_text(score);
    let (class, style) = match score {
        Some(score) => ("heat", format!(" style=\"background:{}\"", background(score))),
        None => ("heat heat-na", String::new()),
    };
    format!(
        "<td class=\"{class}\" data-account=\"{account}\" data-pillar=\"{pillar}\" data-score=\"{text}\"{style}>{text}</td>",
        account = esc(account)
    )
}

impl HeatMap {
    pub fn add(&mut self, rank: usize, finding: &Finding<'_>) {
        let pillar = Pillar::ALL.iter().position(|p| *p == finding.rule.pillar).unwrap_or(0);
        if let Some(counters) = self.pillars.get_mut(pillar) {
            counters.add(rank, &finding.resource.account, finding.status);
        }
    }

    /// The map, for a scan of more than one account.
    pub fn render(&self, summary: &Summary<'_>, ranked_rules: &[&RuleMetadata], html: &mut String) {
        let accounts = &summary.score.accounts;
        if accounts.len() <= 1 {
            return;
        }
        let by_pillar: Vec<BTreeMap<String, Option<f64>>> = self
            .pillars
            .iter()
            .map(|counters| counters.score(ranked_rules).accounts)
            .collect();
        let mut listed: Vec<(&String, &Option<f64>)> = accounts.iter().collect();
        // Lowest first; no score (nothing evaluated) counts as lowest: it needs a look too.
        listed.sort_by(|a, b| a.1.unwrap_or(-1.0).total_cmp(&b.1.unwrap_or(-1.0)).then(a.0.cmp(b.0)));
        let shown = listed.len().min(ACCOUNTS_SHOWN);
        let _ = write!(
            html,
            "<h2>Score by account and pillar</h2><p class=\"muted-text\" id=\"heat-map-note\">the {shown} lowest-scoring of {} accounts</p>",
            listed.len()
        );
        legend(html);
        html.push_str("<table id=\"heat-map\"><thead><tr><th scope=\"col\">Account</th><th scope=\"col\">Overall</th>");
        for pillar in Pillar::ALL {
            let _ = write!(html, "<th scope=\"col\">{}</th>", pillar.as_str());
        }
        html.push_str("</tr></thead><tbody>");
        for (account, overall) in listed.iter().take(ACCOUNTS_SHOWN) {
            let _ = write!(html, "<tr><th scope=\"row\">{}</th>", esc(account));
            html.push_str(&cell(account, "overall", **overall));
            for (pillar, scores) in Pillar::ALL.iter().zip(&by_pillar) {
                html.push_str(&cell(account, pillar.as_str(), scores.get(*account).copied().flatten()));
            }
            html.push_str("</tr>");
        }
        if listed.len() > shown {
            let _ = write!(
                html,
                "<tr id=\"heat-map-more\"><td colspan=\"{}\">… and {} more accounts (the JSON report's score.accounts has every one)</td></tr>",
                Pillar::ALL.len() + 2,
                listed.len() - shown
            );
        }
        html.push_str("</tbody></table>");
    }
}

fn legend(html: &mut String) {
    html.push_str("<div class=\"heat-legend\" aria-hidden=\"true\">score");
    for score in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(html, "<span style=\"background:{}\">{score}</span>", background(score));
    }
    html.push_str("<span class=\"heat-na\" style=\"font-style:italic;background:repeating-linear-gradient(135deg,#f3f4f6 0 4px,#d1d5db 4px 6px)\">n/a: nothing evaluated</span></div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_runs_red_to_green_and_n_a_is_no_colour_of_it() {
        assert_eq!(background(0.0), "hsl(0,75%,78%)");
        assert_eq!(background(50.0), "hsl(60,75%,78%)");
        assert_eq!(background(100.0), "hsl(120,75%,78%)");
        assert_eq!(background(250.0), background(100.0));
        let na = cell("1", "data", None);
        assert!(na.contains("class=\"heat heat-na\"") && !na.contains("hsl("), "{na}");
        assert!(na.contains(">n/a</td>"));
        let scored = cell("<a>", "identity", Some(42.5));
        assert!(
            scored.contains("data-account=\"&lt;a&gt;\"") && scored.contains(">42.5</td>"),
            "{scored}"
        );
    }
}
