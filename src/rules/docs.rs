//! `docs/rules.md`, generated from the rules' METADATA (`posture rules docs`); never edited by hand.

use super::Rule;
use std::fmt::Write;

/// The rules reference as Markdown: an index table, then one section per rule.
pub fn markdown(rules: &[Rule]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Rules\n");
    let _ = writeln!(
        out,
        "Generated from each rule's METADATA by `posture rules docs -o docs/rules.md` \
         (`scripts/regenerate.sh`); a test fails when this file is stale. {} rules.\n",
        rules.len()
    );
    let _ = writeln!(out, "| ID | Severity | Pillar | Title |");
    let _ = writeln!(out, "|---|---|---|---|");
    for rule in rules {
        let meta = &rule.meta;
        let _ = writeln!(
            out,
            "| [{id}](#{anchor}) | {} | {} | {} |",
            meta.severity.as_str(),
            meta.pillar.as_str(),
            escape(&meta.title),
            id = meta.id,
            anchor = meta.id.to_ascii_lowercase(),
        );
    }
    for rule in rules {
        let meta = &rule.meta;
        let _ = writeln!(out, "\n## {}\n", meta.id);
        let _ = writeln!(out, "**{}**\n", escape(&meta.title));
        let _ = writeln!(
            out,
            "- Severity: {} · Pillar: {} · Categories: {}",
            meta.severity.as_str(),
            meta.pillar.as_str(),
            list(&meta.categories)
        );
        let _ = writeln!(out, "- Requires: {}", list(&meta.requires));
        let _ = writeln!(out, "- Compliance: {}", list(&meta.compliance));
        let _ = writeln!(out, "- Source: `{}`\n", rule.origin.trim_start_matches("<builtin>/"));
        let _ = writeln!(out, "{}\n", meta.description);
        let _ = writeln!(out, "Remediation: {}", meta.remediation);
    }
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}
