//! `posture history`: the runs of a history store and one finding's life, as a table or JSON;
//! and, for `posture scan`, the history options from the flags and `posture.yaml`.

use super::args::{HistoryArgs, HistoryCommand, ListFormat, ScanArgs};
use crate::config::Config;
use crate::error::InputError;
use crate::finding::Fingerprint;
use crate::gate::{self, Outcome};
use crate::history::query::{self, FindingLifeV1, RunFilter, RunListV1};
use crate::history::{BaselineArg, HistoryRequest, Store};
use crate::output::strip_controls;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::io::Write;
use std::path::PathBuf;

/// The scan's history request: `--history` or posture.yaml's `history:`, unless `--no-history`.
pub(super) fn request(
    args: &ScanArgs,
    config: Option<&Config>,
    inputs: &[PathBuf],
    outputs: &[PathBuf],
) -> Result<Option<HistoryRequest>, InputError> {
    let flags = &args.history;
    let setting = config.and_then(|c| c.history.as_ref());
    let path = match (&flags.history, flags.no_history) {
        (_, true) => None,
        (Some(path), false) => Some(path.clone()),
        (None, false) => setting.map(|s| s.path.clone()),
    };
    let selector = match &args.baseline {
        Some(BaselineArg::Store(selector)) => Some(selector.clone()),
        _ => None,
    };
    let Some(path) = path else {
        if selector.is_some() {
            return Err(InputError::Usage(
                "--baseline last, 7d or a scan id reads the history store: give --history PATH (or history: in posture.yaml)".into(),
            ));
        }
        if flags.incremental {
            return Err(InputError::Usage(
                "--incremental reuses the results a history store keeps: give --history PATH (or history: in posture.yaml)".into(),
            ));
        }
        if flags.history_keep.is_some() || flags.history_detail.is_some() {
            return Err(InputError::Usage(
                "--history-keep and --history-detail need a history store: give --history PATH".into(),
            ));
        }
        return Ok(None);
    };
    crate::history::schema::refuse_overlap(&path, inputs, outputs)?;
    let store = Store::open(&path, true)?;
    Ok(Some(HistoryRequest {
        store,
        keep_days: flags.history_keep.or(setting.and_then(|s| s.keep_days)),
        detail: flags
            .history_detail
            .or(setting.and_then(|s| s.detail))
            .unwrap_or_default(),
        baseline: selector,
        baseline_required: args.fail_on_new,
        incremental: flags.incremental,
    }))
}

pub(super) fn history(args: HistoryArgs, config: Option<&Config>) -> anyhow::Result<u8> {
    let path = args
        .history
        .clone()
        .or_else(|| config.and_then(|c| c.history.as_ref()).map(|s| s.path.clone()))
        .ok_or_else(|| {
            InputError::Usage("name the history store: --history PATH (or history: in posture.yaml)".into())
        })?;
    let store = Store::open(&path, false)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match &args.command {
        None => {
            let filter = RunFilter {
                account: args.account.clone(),
                rule: args.rule.as_ref().map(|r| r.to_ascii_uppercase()),
                since: args.since,
                limit: args.limit,
            };
            let list = query::list_runs(&store.conn, &filter)?;
            match args.format {
                ListFormat::Json => write_json(&mut out, &list)?,
                ListFormat::Table => out.write_all(runs_table(&list).as_bytes())?,
            }
        }
        Some(HistoryCommand::Show { fingerprint }) => {
            let id = Fingerprint::parse(&fingerprint.to_ascii_lowercase()).ok_or_else(|| {
                InputError::Usage(format!(
                    "{fingerprint:?} is not a finding id (32 hex digits, the `id` of every report)"
                ))
            })?;
            let life = query::finding_life(&store.conn, &id)?.ok_or_else(|| {
                InputError::Usage(format!(
                    "{}: finding {} was never recorded failing, muted or not evaluated",
                    path.display(),
                    id.hex()
                ))
            })?;
            match args.format {
                ListFormat::Json => write_json(&mut out, &life)?,
                ListFormat::Table => out.write_all(life_table(&life).as_bytes())?,
            }
        }
    }
    out.flush()?;
    Ok(gate::decide(Outcome::Done).code)
}

fn write_json(out: &mut impl Write, value: &impl serde::Serialize) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn new_table() -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).force_no_tty();
    table
}

fn number(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1}")).unwrap_or_else(|| "n/a".into())
}

fn runs_table(list: &RunListV1) -> String {
    if list.runs.is_empty() {
        return "No runs recorded (with these filters).\n".into();
    }
    let mut table = new_table();
    table.set_header(vec![
        "Scan",
        "Observed",
        "Accounts",
        "Score",
        "Coverage",
        "Open",
        "New",
        "Reopened",
        "Resolved",
        "Days to resolve",
    ]);
    for run in &list.runs {
        table.add_row(vec![
            run.scan_id.chars().take(8).collect::<String>(),
            run.observed_at.chars().take(16).collect::<String>().replace('T', " "),
            run.accounts.to_string(),
            number(run.score),
            run.coverage
                .percent
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "n/a".into()),
            run.open.to_string(),
            run.new.to_string(),
            run.reopened.to_string(),
            run.resolved.to_string(),
            number(run.resolved_mean_days),
        ]);
    }
    let mut scope = String::new();
    if let Some(account) = &list.account {
        scope.push_str(&format!(" for account {}", strip_controls(account)));
    }
    if let Some(rule) = &list.rule {
        scope.push_str(&format!(" counting {}", strip_controls(rule)));
    }
    format!("Runs, newest first{scope}:\n{table}\n")
}

fn life_table(life: &FindingLifeV1) -> String {
    let mut text = format!(
        "{} {} ({})\n{}\n{} {}\n\nStatus: {}   First seen: {}   Last seen failing: {}   Age: {}   Reopened: {}\n",
        life.rule_id,
        strip_controls(&life.title),
        life.severity,
        strip_controls(&life.resource.arn),
        life.resource.account,
        life.resource.region,
        life.status,
        life.first_seen.as_deref().unwrap_or("never failing"),
        life.last_seen.as_deref().unwrap_or("never"),
        life.age_days
            .map(|d| format!("{d} day(s)"))
            .unwrap_or_else(|| "not open".into()),
        life.reopened,
    );
    if let Some(message) = &life.message {
        text.push_str(&format!("Message: {}\n", strip_controls(message)));
    }
    let mut episodes = new_table();
    episodes.set_header(vec!["Opened", "Resolved", "Days"]);
    for episode in &life.episodes {
        episodes.add_row(vec![
            episode.opened_at.clone(),
            episode.resolved_at.clone().unwrap_or_else(|| "open".into()),
            episode.days.to_string(),
        ]);
    }
    let mut runs = new_table();
    runs.set_header(vec!["Scan", "Observed", "Status"]);
    for run in &life.runs {
        runs.add_row(vec![run.scan_id.clone(), run.observed_at.clone(), run.status.clone()]);
    }
    format!("{text}\nEpisodes:\n{episodes}\n\nRuns, newest first:\n{runs}\n")
}
