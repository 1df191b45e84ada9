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

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

/// `posture rules list` as a terminal table: id, severity, pillar, title.
pub fn list_table(rules: &[&Rule]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(vec!["ID", "Severity", "Pillar", "Title"]);
    for rule in rules {
        table.add_row(vec![
            rule.meta.id.as_str(),
            rule.meta.severity.as_str(),
            rule.meta.pillar.as_str(),
            rule.meta.title.as_str(),
        ]);
    }
    format!("{table}\n")
}

/// `posture rules explain ID`: everything posture knows about one rule.
pub fn explain(rule: &Rule) -> String {
    let meta = &rule.meta;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", meta.id, meta.title);
    let _ = writeln!(
        out,
        "severity: {}   pillar: {}",
        meta.severity.as_str(),
        meta.pillar.as_str()
    );
    let _ = writeln!(out, "categories: {}", meta.categories.join(", "));
    let _ = writeln!(out, "requires: {}", meta.requires.join(", "));
    let _ = writeln!(out, "compliance: {}", meta.compliance.join(", "));
    let _ = writeln!(out, "source: {} (package {})", rule.origin, rule.package);
    let _ = writeln!(out, "\n{}\n", meta.description);
    let _ = writeln!(out, "Remediation: {}", meta.remediation);
    out
}
