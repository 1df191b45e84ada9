//! Reading the store: the runs, the run a baseline names, what is known of each finding, the
//! trend for the page, and the two views of `posture history` (runs, one finding's life).

use super::{days_between, rfc3339, Detail, Selector, DAY_MS};
use crate::error::InputError;
use crate::finding::{Fingerprint, Status, GLOBAL_REGION};
use crate::report::v1::{RecordedFinding, RecordedReport, RecordedResource};
use crate::report::TrendPoint;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One recorded run, as `scans` holds it.
#[derive(Debug, Clone)]
pub struct Run {
    pub row: i64,
    pub scan_id: String,
    pub started_at: String,
    pub finished_at: String,
    pub observed_at: i64,
    pub detail: Detail,
    pub sources: Vec<String>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub score: Option<f64>,
    pub evaluated: i64,
    pub not_evaluated: i64,
    pub failed: i64,
}

impl Run {
    fn covers(&self, account: &str, region: &str) -> bool {
        self.accounts.iter().any(|a| a == account)
            && (region == GLOBAL_REGION || self.regions.iter().any(|r| r == region))
    }
}

/// The accounts and regions of the scan being run.
pub struct Scope<'a> {
    pub accounts: &'a [String],
    pub regions: &'a [String],
}

fn status_of(code: i64) -> Option<Status> {
    usize::try_from(code).ok().and_then(|i| Status::ALL.get(i).copied())
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Every run, newest (last recorded) first.
pub fn runs(conn: &Connection) -> rusqlite::Result<Vec<Run>> {
    let mut select = conn.prepare(
        "SELECT id, scan_id, started_at, finished_at, observed_at, detail, sources, accounts, regions,
                score, evaluated, not_evaluated, failed FROM scans ORDER BY id DESC",
    )?;
    let rows = select.query_map([], |row| {
        Ok(Run {
            row: row.get(0)?,
            scan_id: row.get(1)?,
            started_at: row.get(2)?,
            finished_at: row.get(3)?,
            observed_at: row.get(4)?,
            detail: Detail::parse(&row.get::<_, String>(5)?).unwrap_or_default(),
            sources: json_list(&row.get::<_, String>(6)?),
            accounts: json_list(&row.get::<_, String>(7)?),
            regions: json_list(&row.get::<_, String>(8)?),
            score: row.get(9)?,
            evaluated: row.get(10)?,
            not_evaluated: row.get(11)?,
            failed: row.get(12)?,
        })
    })?;
    rows.collect()
}

/// Runs over the same accounts and regions, newest first; when there are none, runs that
/// share an account (an account joined or left).
fn comparable<'r>(runs: &'r [Run], scope: &Scope<'_>) -> Vec<&'r Run> {
    let same: Vec<&Run> = runs
        .iter()
        .filter(|run| run.accounts == scope.accounts && run.regions == scope.regions)
        .collect();
    if !same.is_empty() {
        return same;
    }
    runs.iter()
        .filter(|run| run.accounts.iter().any(|a| scope.accounts.contains(a)))
        .collect()
}

/// The run `--baseline` names; `None` when the store has no such earlier run.
pub fn select_baseline<'r>(
    runs: &'r [Run],
    selector: &Selector,
    scope: &Scope<'_>,
    observed_at: i64,
    path: &Path,
) -> Result<Option<&'r Run>, InputError> {
    let chosen = match selector {
        Selector::Last => comparable(runs, scope).into_iter().next(),
        Selector::DaysAgo(days) => {
            let latest = observed_at - i64::from(*days) * DAY_MS;
            comparable(runs, scope)
                .into_iter()
                .find(|run| run.observed_at <= latest)
        }
        Selector::ScanId(prefix) => {
            let matching: Vec<&Run> = runs
                .iter()
                .filter(|run| run.scan_id.starts_with(prefix.as_str()))
                .collect();
            match matching.as_slice() {
                [one] => Some(*one),
                [] => {
                    return Err(InputError::Usage(format!(
                        "{}: --baseline {prefix}: no run with that scan id",
                        path.display()
                    )))
                }
                _ => {
                    return Err(InputError::Usage(format!(
                        "{}: --baseline {prefix}: {} runs have scan ids starting so; give more of it",
                        path.display(),
                        matching.len()
                    )))
                }
            }
        }
    };
    if let Some(run) = chosen {
        if run.accounts != scope.accounts || run.regions != scope.regions {
            tracing::warn!(
                "{}: baseline scan {} covered other accounts or regions; only the scopes scanned both times are compared",
                path.display(),
                run.scan_id
            );
        }
    }
    Ok(chosen)
}

/// A recorded run as a baseline report: every status it recorded and its failing findings in
/// report order. With `failing` detail, passes were not recorded one by one.
pub fn recorded_report(conn: &Connection, run: &Run) -> rusqlite::Result<RecordedReport> {
    let mut select = conn.prepare(
        "SELECT f.fingerprint, o.status FROM observations o JOIN findings f ON f.id = o.finding WHERE o.scan = ?1",
    )?;
    let statuses = select
        .query_map([run.row], |row| {
            Ok((fingerprint(row.get::<_, Vec<u8>>(0)?), status_of(row.get(1)?)))
        })?
        .filter_map(|row| match row {
            Ok((Some(id), status)) => Some(Ok((id, status))),
            Ok((None, _)) => None,
            Err(error) => Some(Err(error)),
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut select = conn.prepare(
        "SELECT f.fingerprint, r.rule_id, r.title, r.severity, f.arn, f.account, f.region, f.message
         FROM observations o JOIN findings f ON f.id = o.finding JOIN rules r ON r.id = f.rule
         WHERE o.scan = ?1 AND o.status = 0 ORDER BY r.rule_id, f.account, f.region, f.arn",
    )?;
    let failing = select
        .query_map([run.row], |row| {
            let id = fingerprint(row.get::<_, Vec<u8>>(0)?)
                .map(|id| id.hex())
                .unwrap_or_default();
            Ok(RecordedFinding {
                id,
                rule_id: row.get(1)?,
                title: row.get(2)?,
                severity: row.get(3)?,
                status: Status::Fail.as_str().into(),
                resource: RecordedResource {
                    arn: row.get(4)?,
                    account: row.get(5)?,
                    region: row.get(6)?,
                },
                message: row.get::<_, Option<String>>(7)?.unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(RecordedReport::from_history(
        run.scan_id.clone(),
        run.score,
        run.accounts.clone(),
        run.regions.clone(),
        run.detail == Detail::Failing,
        statuses,
        failing,
    ))
}

fn fingerprint(bytes: Vec<u8>) -> Option<Fingerprint> {
    <[u8; 16]>::try_from(bytes.as_slice()).ok().map(Fingerprint::from_bytes)
}

/// What the store knows of a finding that has failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub first_seen: i64,
    /// When its open episode began; `None` when every episode is resolved.
    pub open_since: Option<i64>,
    /// Episodes resolved: the times it came back is this when it fails again.
    pub resolved: u32,
}

/// What the store holds of one finding when a run begins: its row, a key of its message (to
/// tell whether this run changes it) and, if it has ever failed, its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredFinding {
    pub row: i64,
    pub message: Option<u64>,
    pub lifecycle: Option<Known>,
}

impl StoredFinding {
    /// Whether it has an open episode.
    pub fn is_open(&self) -> bool {
        self.lifecycle.is_some_and(|known| known.open_since.is_some())
    }
}

/// A key of a finding's message: equal messages, equal keys (within one process).
pub fn message_key(message: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    message.hash(&mut hasher);
    hasher.finish()
}

/// Every finding of the store, sorted by fingerprint, in one sequential read, so that the run
/// records the findings it already holds by row instead of looking each one up again.
pub fn stored_findings(conn: &Connection) -> rusqlite::Result<Vec<(Fingerprint, StoredFinding)>> {
    let mut select = conn.prepare(
        "SELECT f.fingerprint, f.id, f.message, min(e.opened_at),
                max(CASE WHEN e.closed_scan IS NULL THEN e.opened_at END),
                sum(e.closed_scan IS NOT NULL), count(e.finding)
         FROM findings f LEFT JOIN episodes e ON e.finding = f.id GROUP BY f.id",
    )?;
    let mut stored = Vec::new();
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let Some(id) = fingerprint(row.get::<_, Vec<u8>>(0)?) else {
            continue;
        };
        let message = match row.get_ref(2)? {
            rusqlite::types::ValueRef::Text(text) => Some(message_key(text)),
            _ => None,
        };
        let lifecycle = match row.get::<_, i64>(6)? {
            0 => None,
            _ => Some(Known {
                first_seen: row.get(3)?,
                open_since: row.get(4)?,
                resolved: u32::try_from(row.get::<_, i64>(5)?).unwrap_or(0),
            }),
        };
        let row = row.get(1)?;
        stored.push((
            id,
            StoredFinding {
                row,
                message,
                lifecycle,
            },
        ));
    }
    stored.sort_unstable_by_key(|(id, _)| *id);
    Ok(stored)
}

/// Runs kept in the page's trend besides the current one.
pub const TREND_RUNS: usize = 29;

/// The last comparable runs' scores, oldest first.
pub fn trend(conn: &Connection, runs: &[Run], scope: &Scope<'_>) -> rusqlite::Result<Vec<TrendPoint>> {
    let mut select = conn.prepare("SELECT pillar, score FROM scan_pillars WHERE scan = ?1")?;
    let mut points = Vec::new();
    let shared: Vec<&Run> = runs
        .iter()
        .filter(|run| run.accounts.iter().any(|a| scope.accounts.contains(a)))
        .take(TREND_RUNS)
        .collect();
    for run in shared.into_iter().rev() {
        let pillars = select
            .query_map([run.row], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Option<f64>>(1)?))
            })?
            .collect::<rusqlite::Result<BTreeMap<_, _>>>()?;
        points.push(TrendPoint {
            scan_id: run.scan_id.clone(),
            observed_at: run.observed_at,
            overall: run.score,
            pillars,
        });
    }
    Ok(points)
}

/// `posture history`'s filters.
#[derive(Debug, Default, Clone)]
pub struct RunFilter {
    pub account: Option<String>,
    pub rule: Option<String>,
    /// Epoch ms: runs observed at or after it.
    pub since: Option<i64>,
    /// Newest runs shown; 0 for all.
    pub limit: usize,
}

/// History list v1 (`posture history -f json`).
#[derive(Debug, Serialize)]
pub struct RunListV1 {
    pub schema_version: &'static str,
    pub account: Option<String>,
    pub rule: Option<String>,
    pub runs: Vec<RunV1>,
}

#[derive(Debug, Serialize)]
pub struct RunV1 {
    pub scan_id: String,
    pub started_at: String,
    pub finished_at: String,
    pub observed_at: String,
    pub sources: Vec<String>,
    pub accounts: usize,
    pub regions: usize,
    /// The run's score, or with `--account` that account's.
    pub score: Option<f64>,
    pub pillars: BTreeMap<String, Option<f64>>,
    pub coverage: CoverageV1,
    /// Failing findings in the run (with the filters).
    pub open: i64,
    /// Failing findings that opened in this run: first seen, or back after a fix.
    pub new: i64,
    /// Of `new`, those that had been resolved before.
    pub reopened: i64,
    /// Findings resolved in this run: passing or gone where it scanned.
    pub resolved: i64,
    /// Mean days from opening to this run of the findings it resolved.
    pub resolved_mean_days: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct CoverageV1 {
    pub evaluated: i64,
    pub not_evaluated: i64,
    pub percent: Option<f64>,
}

fn percent(evaluated: i64, not_evaluated: i64) -> Option<f64> {
    let total = evaluated + not_evaluated;
    (total > 0).then(|| (1000.0 * evaluated as f64 / total as f64).round() / 10.0)
}

/// Findings conditions for the filters; `?2` account, `?3` rule id (NULL for any).
const FILTER: &str = "(?2 IS NULL OR f.account = ?2) AND (?3 IS NULL OR r.rule_id = ?3)";

pub fn list_runs(conn: &Connection, filter: &RunFilter) -> rusqlite::Result<RunListV1> {
    let mut listed = Vec::new();
    for run in runs(conn)? {
        if filter.since.is_some_and(|since| run.observed_at < since) {
            continue;
        }
        if filter.limit > 0 && listed.len() >= filter.limit {
            break;
        }
        if let Some(account) = &filter.account {
            if !run.accounts.contains(account) {
                continue;
            }
        }
        listed.push(run_v1(conn, &run, filter)?);
    }
    Ok(RunListV1 {
        schema_version: "1",
        account: filter.account.clone(),
        rule: filter.rule.clone(),
        runs: listed,
    })
}

fn run_v1(conn: &Connection, run: &Run, filter: &RunFilter) -> rusqlite::Result<RunV1> {
    let (account, rule) = (filter.account.as_deref(), filter.rule.as_deref());
    let count = |sql: &str| -> rusqlite::Result<i64> {
        conn.query_row(
            &sql.replace("{FILTER}", FILTER),
            params![run.row, account, rule],
            |row| row.get(0),
        )
    };
    let joined = "JOIN findings f ON f.id = e.finding JOIN rules r ON r.id = f.rule";
    let open = count("SELECT count(*) FROM observations o JOIN findings f ON f.id = o.finding JOIN rules r ON r.id = f.rule WHERE o.scan = ?1 AND o.status = 0 AND {FILTER}")?;
    let new = count(&format!(
        "SELECT count(*) FROM episodes e {joined} WHERE e.opened_scan = ?1 AND {{FILTER}}"
    ))?;
    let reopened = count(&format!("SELECT count(*) FROM episodes e {joined} WHERE e.opened_scan = ?1 AND {{FILTER}} AND EXISTS (SELECT 1 FROM episodes p WHERE p.finding = e.finding AND p.opened_scan < e.opened_scan)"))?;
    let resolved = count(&format!(
        "SELECT count(*) FROM episodes e {joined} WHERE e.closed_scan = ?1 AND {{FILTER}}"
    ))?;
    let mean: Option<f64> = conn.query_row(
        &format!(
            "SELECT avg(e.closed_at - e.opened_at) FROM episodes e {joined} WHERE e.closed_scan = ?1 AND {FILTER}"
        ),
        params![run.row, account, rule],
        |row| row.get(0),
    )?;
    let (score, evaluated, not_evaluated) = match account {
        Some(account) => conn
            .query_row(
                "SELECT score, evaluated, not_evaluated FROM scan_accounts WHERE scan = ?1 AND account = ?2",
                params![run.row, account],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?
            .unwrap_or((None, 0, 0)),
        None => (run.score, run.evaluated, run.not_evaluated),
    };
    let mut select = conn.prepare_cached("SELECT pillar, score FROM scan_pillars WHERE scan = ?1")?;
    let pillars = select
        .query_map([run.row], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Option<f64>>(1)?))
        })?
        .collect::<rusqlite::Result<BTreeMap<_, _>>>()?;
    Ok(RunV1 {
        scan_id: run.scan_id.clone(),
        started_at: run.started_at.clone(),
        finished_at: run.finished_at.clone(),
        observed_at: rfc3339(run.observed_at),
        sources: run.sources.clone(),
        accounts: run.accounts.len(),
        regions: run.regions.len(),
        score,
        pillars,
        coverage: CoverageV1 {
            evaluated,
            not_evaluated,
            percent: percent(evaluated, not_evaluated),
        },
        open,
        new,
        reopened,
        resolved,
        resolved_mean_days: mean.map(|ms| (ms / DAY_MS as f64 * 10.0).round() / 10.0),
    })
}

/// History finding v1 (`posture history show FINGERPRINT -f json`).
#[derive(Debug, Serialize)]
pub struct FindingLifeV1 {
    pub schema_version: &'static str,
    pub id: String,
    pub rule_id: String,
    pub title: String,
    pub severity: String,
    pub resource: RecordedResource,
    /// The latest failing message recorded.
    pub message: Option<String>,
    /// Status in the latest run that scanned it: `pass` when not recorded there (passes are
    /// counts), `absent` when it was not there at all (`--history-detail all`).
    pub status: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Days open, counted to the latest run that scanned it; `None` when not open.
    pub age_days: Option<u32>,
    pub reopened: u32,
    pub episodes: Vec<EpisodeV1>,
    /// Newest first: every run that scanned its account and region.
    pub runs: Vec<RunStatusV1>,
}

#[derive(Debug, Serialize)]
pub struct EpisodeV1 {
    pub opened_at: String,
    pub resolved_at: Option<String>,
    /// Time to resolve, or for the open episode its age.
    pub days: u32,
}

#[derive(Debug, Serialize)]
pub struct RunStatusV1 {
    pub scan_id: String,
    pub observed_at: String,
    pub status: String,
}

/// One finding's life; `None` when the store has never recorded it.
pub fn finding_life(conn: &Connection, id: &Fingerprint) -> rusqlite::Result<Option<FindingLifeV1>> {
    let identity = conn
        .query_row(
            "SELECT f.id, r.rule_id, r.title, r.severity, f.arn, f.account, f.region, f.message
             FROM findings f JOIN rules r ON r.id = f.rule WHERE f.fingerprint = ?1",
            [&id.bytes()[..]],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    RecordedResource {
                        arn: row.get(4)?,
                        account: row.get(5)?,
                        region: row.get(6)?,
                    },
                    row.get::<_, Option<String>>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((row, rule_id, title, severity, resource, message)) = identity else {
        return Ok(None);
    };
    let timeline = timeline(conn, row, &resource)?;
    let latest = timeline.first().map(|(run, _)| run.observed_at);
    let mut select =
        conn.prepare("SELECT opened_at, closed_at FROM episodes WHERE finding = ?1 ORDER BY opened_scan")?;
    let spans = select
        .query_map([row], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let episodes: Vec<EpisodeV1> = spans
        .iter()
        .map(|(opened, closed)| EpisodeV1 {
            opened_at: rfc3339(*opened),
            resolved_at: closed.map(rfc3339),
            days: days_between(*opened, closed.or(latest).unwrap_or(*opened)),
        })
        .collect();
    let open_since = spans
        .iter()
        .find(|(_, closed)| closed.is_none())
        .map(|(opened, _)| *opened);
    let last_failing = timeline
        .iter()
        .find(|(_, status)| *status == "fail")
        .map(|(run, _)| run.observed_at);
    Ok(Some(FindingLifeV1 {
        schema_version: "1",
        id: id.hex(),
        rule_id,
        title,
        severity,
        resource,
        message,
        status: timeline
            .first()
            .map(|(_, s)| s.to_string())
            .unwrap_or_else(|| "unknown".into()),
        first_seen: spans.first().map(|(opened, _)| rfc3339(*opened)),
        last_seen: last_failing.map(rfc3339),
        age_days: open_since.map(|since| days_between(since, latest.unwrap_or(since))),
        reopened: u32::try_from(spans.len().saturating_sub(1)).unwrap_or(0),
        episodes,
        runs: timeline
            .iter()
            .map(|(run, status)| RunStatusV1 {
                scan_id: run.scan_id.clone(),
                observed_at: rfc3339(run.observed_at),
                status: status.to_string(),
            })
            .collect(),
    }))
}

/// The finding's status in every run that scanned it, newest first.
fn timeline(
    conn: &Connection,
    finding: i64,
    resource: &RecordedResource,
) -> rusqlite::Result<Vec<(Run, &'static str)>> {
    let mut select = conn.prepare_cached("SELECT status FROM observations WHERE scan = ?1 AND finding = ?2")?;
    let mut timeline = Vec::new();
    for run in runs(conn)? {
        if !run.covers(&resource.account, &resource.region) {
            continue;
        }
        let status: Option<i64> = select
            .query_row(params![run.row, finding], |row| row.get(0))
            .optional()?;
        let label = match (status.and_then(status_of), run.detail) {
            (Some(status), _) => status.as_str(),
            (None, Detail::Failing) => "pass",
            (None, Detail::All) => "absent",
        };
        timeline.push((run, label));
    }
    Ok(timeline)
}

/// Accounts recorded in any run (for messages about a filter that matches nothing).
pub fn accounts_seen(runs: &[Run]) -> BTreeSet<&str> {
    runs.iter()
        .flat_map(|run| run.accounts.iter().map(String::as_str))
        .collect()
}
