//! `posture rules …` (list, explain, docs, test) and `posture config show`.

use super::args::{ListFormat, RulesCommand};
use crate::config::Config;
use crate::gate::{self, Outcome};
use crate::rules::{self, RuleSet};
use std::io::Write;
use std::path::{Path, PathBuf};

pub(super) fn rules(command: RulesCommand, config_path: Option<&Path>) -> anyhow::Result<u8> {
    let stdout = &mut std::io::stdout().lock();
    match command {
        RulesCommand::Docs { rules, output } => {
            let rule_set = RuleSet::load(&rules, true, Config::resolve(config_path)?.as_ref())?;
            let text = rules::docs::markdown(&rule_set.rules);
            match output {
                Some(path) => {
                    crate::destination::write_file(&path, &[] as &[PathBuf], |out| out.write_all(text.as_bytes()))?
                }
                None => stdout.write_all(text.as_bytes())?,
            }
        }
        RulesCommand::List {
            rules,
            format,
            compliance,
        } => {
            let rule_set = RuleSet::load(&rules, true, Config::resolve(config_path)?.as_ref())?;
            let prefix = compliance.map(|p| p.to_ascii_lowercase());
            let selected: Vec<&rules::Rule> = rule_set
                .rules
                .iter()
                .filter(|rule| {
                    prefix.as_deref().is_none_or(|prefix| {
                        rule.meta
                            .compliance
                            .iter()
                            .any(|id| id.to_ascii_lowercase().starts_with(prefix))
                    })
                })
                .collect();
            match format {
                ListFormat::Json => {
                    let metas: Vec<_> = selected.iter().map(|r| &r.meta).collect();
                    serde_json::to_writer_pretty(&mut *stdout, &metas)?;
                    writeln!(stdout)?;
                }
                ListFormat::Table => stdout.write_all(rules::docs::list_table(&selected).as_bytes())?,
            }
        }
        RulesCommand::Explain { id, rules } => {
            let rule_set = RuleSet::load(&rules, true, Config::resolve(config_path)?.as_ref())?;
            let rule = rule_set.find(&id).ok_or_else(|| {
                crate::error::InputError::Usage(format!("no rule with id {id:?}; see `posture rules list`"))
            })?;
            stdout.write_all(rules::docs::explain(rule).as_bytes())?;
        }
        // Rego tests are hermetic: posture.yaml is not read.
        RulesCommand::Test { dir, no_builtin } => return test(dir, no_builtin, stdout),
    }
    Ok(gate::decide(Outcome::Done).code)
}

fn test(dir: Option<PathBuf>, no_builtin: bool, stdout: &mut dyn Write) -> anyhow::Result<u8> {
    let dirs: Vec<PathBuf> = dir.iter().cloned().collect();
    let sources = rules::RuleSources::gather(&dirs, !no_builtin)?;
    let own_tests: Vec<&rules::RegoFile> = match &dir {
        // Only the folder's own tests; the built-in ones stay loaded for its imports.
        Some(dir) => sources
            .files
            .iter()
            .filter(|f| f.kind == rules::FileKind::Test && Path::new(&f.origin).starts_with(dir))
            .collect(),
        None => sources
            .files
            .iter()
            .filter(|f| f.kind == rules::FileKind::Test)
            .collect(),
    };
    let outcomes = rules::testing::run_tests(&sources.files, &own_tests, &sources.data_value())?;
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed).collect();
    for outcome in &failed {
        writeln!(
            stdout,
            "FAIL {} {}: {}",
            outcome.file,
            outcome.name,
            outcome.detail.as_deref().unwrap_or_default()
        )?;
    }
    writeln!(
        stdout,
        "rules: {} passed, {} failed",
        outcomes.len() - failed.len(),
        failed.len()
    )?;
    if outcomes.is_empty() {
        writeln!(
            stdout,
            "no test_* rules found in {}",
            dir.as_deref().unwrap_or(Path::new("built-in rules")).display()
        )?;
    }
    Ok(gate::decide(if failed.is_empty() {
        Outcome::Done
    } else {
        Outcome::TestsFailed
    })
    .code)
}

pub(super) fn config_show(rules: &[PathBuf], config: Option<&Config>) -> anyhow::Result<u8> {
    let mut sources = rules::RuleSources::gather(rules, true)?;
    let overridden = match config {
        Some(config) => sources.apply_config(config)?,
        None => Vec::new(),
    };
    let params = sources.data.get("params").cloned().unwrap_or_default();
    let stdout = &mut std::io::stdout().lock();
    match config {
        Some(config) => writeln!(
            stdout,
            "# defaults: rules/data/params.json; overridden by {}: {}",
            config.path.display(),
            if overridden.is_empty() {
                "nothing".to_string()
            } else {
                overridden.join(", ")
            }
        )?,
        None => writeln!(stdout, "# defaults: rules/data/params.json (no posture.yaml)")?,
    }
    for line in sources.param_override_summary() {
        writeln!(stdout, "{line}")?;
    }
    let yaml = yaml_serde::to_string(&serde_json::json!({ "params": params }))?;
    stdout.write_all(yaml.as_bytes())?;
    Ok(gate::decide(Outcome::Done).code)
}
