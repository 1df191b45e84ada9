//! The history as a sink of the scan's stream. Before the first account, one read of the store
//! gives the baseline (`--baseline last`), what is already known of every failing finding
//! (for its age) and the trend; then each account's findings are staged, as they are built,
//! in the connection's temporary tables (on disk, not in memory, and not in the store), and
//! after the last account one write transaction moves them into the store and updates the
//! lifecycles. The store's write lock is held only for that transaction, so concurrent jobs
//! queue behind each other's busy timeout; a run killed at any point leaves the store as it was.

use super::query::{self, StoredFinding};
use super::reuse::InputsDigest;
use super::{Detail, HistoryRequest, Store, DAY_MS};
use crate::error::InputError;
use crate::finding::{Finding, Fingerprint, Lifecycle, Status};
use crate::report::v1::RecordedReport;
use crate::report::{Summary, TrendPoint};
use crate::rules::RuleSet;
use rusqlite::{params, TransactionBehavior};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

const STAGING: &str = "
CREATE TEMP TABLE stage_findings (fingerprint BLOB NOT NULL, rule TEXT NOT NULL, account TEXT NOT NULL,
  region TEXT NOT NULL, arn TEXT NOT NULL, status INTEGER NOT NULL, message TEXT, known INTEGER,
  opens INTEGER NOT NULL);
CREATE TEMP TABLE close_candidates (finding INTEGER PRIMARY KEY);
CREATE TEMP TABLE stage_passes (rule TEXT NOT NULL, account TEXT NOT NULL, count INTEGER NOT NULL);
CREATE TEMP TABLE scope_accounts (account TEXT PRIMARY KEY);
CREATE TEMP TABLE scope_regions (region TEXT PRIMARY KEY);
CREATE TEMP TABLE stage_account_results (account TEXT PRIMARY KEY, inputs_sha256 BLOB NOT NULL,
  source_sha256 BLOB NOT NULL, results BLOB);
CREATE TEMP TABLE stage_account_cross (account TEXT PRIMARY KEY, entry_sha256 BLOB NOT NULL,
  as_of INTEGER, entry BLOB);";

const STAGE_FINDING: &str = "INSERT INTO temp.stage_findings VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const STAGE_PASSES: &str = "INSERT INTO temp.stage_passes VALUES (?1, ?2, ?3)";
const STAGE_ACCOUNT_RESULTS: &str = "INSERT OR REPLACE INTO temp.stage_account_results VALUES (?1, ?2, ?3, ?4)";

/// The results this run evaluated replace the account's stored ones.
const STORE_ACCOUNT_RESULTS: &str = "
INSERT INTO account_results (account, scan, inputs_sha256, source_sha256, encoding, results)
SELECT account, ?1, inputs_sha256, source_sha256, ?2, results FROM temp.stage_account_results
WHERE results IS NOT NULL
ON CONFLICT (account) DO UPDATE SET scan = excluded.scan, inputs_sha256 = excluded.inputs_sha256,
  source_sha256 = excluded.source_sha256, encoding = excluded.encoding, results = excluded.results";

/// Results this run reused are this run's too, unless another job replaced them meanwhile.
const KEEP_REUSED_RESULTS: &str = "
UPDATE account_results SET scan = ?1, source_sha256 = s.source_sha256 FROM temp.stage_account_results s
WHERE s.account = account_results.account AND s.results IS NULL
  AND s.inputs_sha256 = account_results.inputs_sha256";

/// An account this run scanned keeps stored results only if they are this run's: the latest run
/// that recorded an account is the one whose results a later run may reuse.
const DROP_STALE_RESULTS: &str = "
DELETE FROM account_results WHERE scan != ?1 AND account IN (SELECT account FROM temp.scope_accounts)";

const STAGE_ACCOUNT_CROSS: &str = "INSERT OR REPLACE INTO temp.stage_account_cross VALUES (?1, ?2, ?3, ?4)";

/// The first-pass entries this run computed replace the account's stored ones.
const STORE_ACCOUNT_CROSS: &str = "
INSERT INTO account_cross (account, scan, entry_sha256, as_of, encoding, entry)
SELECT account, ?1, entry_sha256, as_of, ?2, entry FROM temp.stage_account_cross WHERE entry IS NOT NULL
ON CONFLICT (account) DO UPDATE SET scan = excluded.scan, entry_sha256 = excluded.entry_sha256,
  as_of = excluded.as_of, encoding = excluded.encoding, entry = excluded.entry";

/// Entries this run reused are this run's too, unless another job replaced them meanwhile.
const KEEP_REUSED_CROSS: &str = "
UPDATE account_cross SET scan = ?1 FROM temp.stage_account_cross s
WHERE s.account = account_cross.account AND s.entry IS NULL AND s.entry_sha256 = account_cross.entry_sha256";

/// As for results: an account this run scanned keeps only this run's entry.
const DROP_STALE_CROSS: &str = "
DELETE FROM account_cross WHERE scan != ?1 AND account IN (SELECT account FROM temp.scope_accounts)";

/// One row per fingerprint ever recorded; the message is the latest failing one.
const UPSERT_FINDINGS: &str = "
INSERT INTO findings (fingerprint, rule, account, region, arn, message)
SELECT s.fingerprint, r.id, s.account, s.region, s.arn, s.message
FROM temp.stage_findings s JOIN rules r ON r.rule_id = s.rule WHERE true ORDER BY s.fingerprint
ON CONFLICT (fingerprint) DO UPDATE SET message = excluded.message
WHERE excluded.message IS NOT NULL AND findings.message IS NOT excluded.message";

const INSERT_OBSERVATIONS: &str = "
INSERT OR IGNORE INTO observations (scan, finding, status)
SELECT ?1, f.id, s.status FROM temp.stage_findings s JOIN findings f ON f.fingerprint = s.fingerprint
ORDER BY f.id";

/// When nothing else wrote to the store since the run read it, the findings it already held
/// unchanged (`known`: their row) are not looked up again: only the others are upserted.
const UPSERT_OTHER_FINDINGS: &str = "
INSERT INTO findings (fingerprint, rule, account, region, arn, message)
SELECT s.fingerprint, r.id, s.account, s.region, s.arn, s.message
FROM temp.stage_findings s JOIN rules r ON r.rule_id = s.rule WHERE s.known IS NULL ORDER BY s.fingerprint
ON CONFLICT (fingerprint) DO UPDATE SET message = excluded.message
WHERE excluded.message IS NOT NULL AND findings.message IS NOT excluded.message";

const INSERT_KNOWN_OBSERVATIONS: &str = "
INSERT OR IGNORE INTO observations (scan, finding, status)
SELECT ?1, s.known, s.status FROM temp.stage_findings s WHERE s.known IS NOT NULL ORDER BY s.known";

const INSERT_OTHER_OBSERVATIONS: &str = "
INSERT OR IGNORE INTO observations (scan, finding, status)
SELECT ?1, f.id, s.status FROM temp.stage_findings s JOIN findings f ON f.fingerprint = s.fingerprint
WHERE s.known IS NULL ORDER BY f.id";

const INSERT_PASSES: &str = "
INSERT OR REPLACE INTO passes (scan, rule, account, count)
SELECT ?1, r.id, p.account, sum(p.count) FROM temp.stage_passes p JOIN rules r ON r.rule_id = p.rule
GROUP BY r.id, p.account";

/// A failing finding without an open episode opens one (first seen, or back after a fix).
const OPEN_EPISODES: &str = "
INSERT INTO episodes (finding, opened_scan, opened_at)
SELECT o.finding, ?1, ?2 FROM observations o
WHERE o.scan = ?1 AND o.status = 0
  AND NOT EXISTS (SELECT 1 FROM episodes e WHERE e.finding = o.finding AND e.closed_scan IS NULL)";

/// An open episode is resolved when its finding, in a scope this run scanned, passes or is
/// gone; muted or not evaluated is not a fix. The open findings this run did not see are one
/// set difference (about half the time of a lookup per open episode).
const CLOSE_EPISODES: &str = "
UPDATE episodes SET closed_scan = ?1, closed_at = ?2
WHERE closed_scan IS NULL AND opened_scan != ?1
  AND finding IN (SELECT finding FROM episodes WHERE closed_scan IS NULL
                  EXCEPT SELECT finding FROM observations WHERE scan = ?1 AND status != 3)
  AND EXISTS (SELECT 1 FROM findings f WHERE f.id = episodes.finding
              AND f.account IN (SELECT account FROM temp.scope_accounts)
              AND (f.region = 'global' OR f.region IN (SELECT region FROM temp.scope_regions)))";

/// As [`OPEN_EPISODES`], when the store is as the run read it: only the findings failing now
/// that had no open episode then (`opens`) are looked at.
const OPEN_NEW_EPISODES: &str = "
INSERT INTO episodes (finding, opened_scan, opened_at)
SELECT DISTINCT f.id, ?1, ?2 FROM temp.stage_findings s JOIN findings f ON f.fingerprint = s.fingerprint
WHERE s.opens AND NOT EXISTS (SELECT 1 FROM episodes e WHERE e.finding = f.id AND e.closed_scan IS NULL)";

/// As [`CLOSE_EPISODES`], when the store is as the run read it: the open findings this run did
/// not see failing, muted or not evaluated are known before the commit (`close_candidates`).
const CLOSE_UNSEEN_EPISODES: &str = "
UPDATE episodes SET closed_scan = ?1, closed_at = ?2
WHERE closed_scan IS NULL AND opened_scan != ?1
  AND finding IN (SELECT finding FROM temp.close_candidates)
  AND EXISTS (SELECT 1 FROM findings f WHERE f.id = episodes.finding
              AND f.account IN (SELECT account FROM temp.scope_accounts)
              AND (f.region = 'global' OR f.region IN (SELECT region FROM temp.scope_regions)))";

/// Result counts of one account or pillar.
#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    evaluated: i64,
    not_evaluated: i64,
    failed: i64,
}

impl Counters {
    fn add(&mut self, status: Status) {
        match status {
            Status::NotEvaluated => self.not_evaluated += 1,
            Status::Fail => {
                self.failed += 1;
                self.evaluated += 1;
            }
            Status::Pass | Status::Muted => self.evaluated += 1,
        }
    }
}

struct Staging {
    store: Store,
    /// Per entry of [`Recorder::stored`]: whether this run saw the finding other than passing.
    seen: Vec<bool>,
    accounts: HashMap<String, Counters>,
    pillars: BTreeMap<&'static str, Counters>,
}

/// What a run records of one account for the next `--incremental` run: the digest of its
/// inputs, and its results encoded ([`super::reuse::encode`]), or `None` when it reused the
/// stored ones (they stay, now as this run's).
pub struct Reusable {
    pub account: String,
    pub inputs: InputsDigest,
    /// [`super::reuse::source_digest`]: what the facts were computed from.
    pub source: InputsDigest,
    pub results: Option<Vec<u8>>,
}

/// What a run records of one account's cross-account first pass ([`super::reuse::cross_digest`]):
/// the entry encoded, or `None` when it reused the stored one.
pub struct ReusableCross {
    pub account: String,
    pub digest: InputsDigest,
    /// Epoch ms of the collection time the entry turned on (a date condition), if it did.
    pub as_of: Option<i64>,
    pub entry: Option<Vec<u8>>,
}

/// Which digest of an account a stored row is looked up by.
#[derive(Debug, Clone, Copy)]
pub enum StoredBy<'a> {
    /// What its facts are computed from (reused without computing them).
    Source(&'a InputsDigest),
    /// Its facts and everything else that decides its results.
    Inputs(&'a InputsDigest),
}

/// A stored row: its encoding, its results and the digest of the inputs they were evaluated on.
pub struct StoredRow {
    pub encoding: i64,
    pub results: Vec<u8>,
    pub inputs: Vec<u8>,
}

/// The recording side of one scan.
pub struct Recorder {
    staging: Mutex<Staging>,
    /// Sorted by fingerprint: what the store held of each finding before this run.
    stored: Vec<(Fingerprint, StoredFinding)>,
    /// `PRAGMA data_version` before that read: if another connection wrote since, the rows
    /// above may be stale, and the commit looks every finding up by fingerprint.
    store_version: i64,
    /// Earlier comparable runs, oldest first.
    trend: Vec<TrendPoint>,
    keep_days: Option<u32>,
    detail: Detail,
    /// Epoch ms the run's data describes; ages count to it.
    observed_at: i64,
    /// Time spent staging, summed over workers (the recording cost while the scan runs).
    staging_ns: std::sync::atomic::AtomicU64,
    /// With `--incremental`: a second connection that reads stored results while workers stage.
    reader: Option<Mutex<rusqlite::Connection>>,
    path: std::path::PathBuf,
}

impl HistoryRequest {
    /// Reads what the scan needs from the store (baseline, lifecycles, trend) and prepares the
    /// staging tables; `accounts` and `regions` are the scan's scope.
    pub fn prepare(
        self,
        accounts: &[String],
        regions: &[String],
        observed_at: i64,
    ) -> anyhow::Result<(Recorder, Option<RecordedReport>)> {
        let HistoryRequest {
            mut store,
            keep_days,
            detail,
            baseline,
            baseline_required,
            incremental,
        } = self;
        let path = store.path.clone();
        let store_version = data_version(&store.conn)?;
        let read = store.conn.transaction()?;
        let runs = query::runs(&read)?;
        let scope = query::Scope { accounts, regions };
        let baseline = match &baseline {
            None => None,
            Some(selector) => match query::select_baseline(&runs, selector, &scope, observed_at, &path)? {
                Some(run) => Some(query::recorded_report(&read, run)?),
                None if baseline_required => {
                    return Err(InputError::Usage(format!(
                        "{}: no earlier run to compare with for --baseline; --fail-on-new needs one",
                        path.display()
                    ))
                    .into())
                }
                None => {
                    tracing::warn!(
                        "{}: no earlier run to compare with; scanning without a baseline",
                        path.display()
                    );
                    None
                }
            },
        };
        let stored = query::stored_findings(&read)?;
        let trend = query::trend(&read, &runs, &scope)?;
        read.commit()?;
        store.conn.execute_batch(STAGING)?;
        let reader = match incremental {
            true => Some(Mutex::new(open_reader(&path)?)),
            false => None,
        };
        let recorder = Recorder {
            staging: Mutex::new(Staging {
                store,
                seen: vec![false; stored.len()],
                accounts: HashMap::new(),
                pillars: BTreeMap::new(),
            }),
            stored,
            store_version,
            trend,
            keep_days,
            detail,
            observed_at,
            staging_ns: Default::default(),
            reader,
            path,
        };
        Ok((recorder, baseline))
    }
}

/// What one recording did, for the log.
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    /// Seconds spent staging findings while the scan ran, summed over workers.
    pub staging_seconds: f64,
    pub opened: usize,
    pub resolved: usize,
    pub forgotten_runs: usize,
}

impl Recorder {
    /// The lifecycle of a failing finding of this run: as the store knew it, or new now.
    pub fn lifecycle(&self, id: &Fingerprint) -> Lifecycle {
        let now = self.observed_at;
        let known = self.stored_finding(id).and_then(|stored| stored.lifecycle);
        let (first_seen, open_since, reopened) = match known {
            Some(known) => (known.first_seen, known.open_since.unwrap_or(now), known.resolved),
            None => (now, now, 0),
        };
        Lifecycle {
            first_seen,
            open_since,
            age_days: super::days_between(open_since, now),
            reopened,
        }
    }

    fn stored_index(&self, id: &Fingerprint) -> Option<usize> {
        position(&self.stored, id)
    }

    fn stored_finding(&self, id: &Fingerprint) -> Option<&StoredFinding> {
        self.stored_index(id).map(|index| &self.stored[index].1)
    }

    /// Earlier comparable runs and this one, oldest first: the page's trend.
    pub fn trend_with(&self, summary: &Summary<'_>) -> Vec<TrendPoint> {
        let mut points = self.trend.clone();
        points.push(TrendPoint {
            scan_id: summary.scan.id.clone(),
            observed_at: self.observed_at,
            overall: summary.score.overall,
            pillars: summary.score.pillars.clone(),
        });
        points
    }

    /// With `--incremental`: whether stored results may be reused.
    pub fn incremental(&self) -> bool {
        self.reader.is_some()
    }

    /// The store's path, for messages.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// With `--incremental`, the account's stored results (encoding and bytes) when the latest
    /// run that recorded the account had these inputs.
    pub fn stored_results(&self, account: &str, by: StoredBy<'_>) -> anyhow::Result<Option<StoredRow>> {
        let Some(reader) = &self.reader else { return Ok(None) };
        let conn = reader
            .lock()
            .map_err(|_| anyhow::anyhow!("a worker panicked while reading the history"))?;
        let (sql, digest) = match by {
            StoredBy::Source(digest) => (
                "SELECT encoding, results, inputs_sha256 FROM account_results WHERE account = ?1 AND source_sha256 = ?2",
                digest,
            ),
            StoredBy::Inputs(digest) => (
                "SELECT encoding, results, inputs_sha256 FROM account_results WHERE account = ?1 AND inputs_sha256 = ?2",
                digest,
            ),
        };
        let mut select = conn.prepare_cached(sql)?;
        let mut rows = select.query(params![account, &digest[..]])?;
        match rows.next()? {
            Some(row) => Ok(Some(StoredRow {
                encoding: row.get(0)?,
                results: row.get(1)?,
                inputs: row.get(2)?,
            })),
            None => Ok(None),
        }
    }

    /// With `--incremental`, the account's stored first-pass entry (encoding and bytes) when
    /// it was computed from the same inputs and, if it turned on the collection time, at the
    /// same time.
    pub fn stored_cross(&self, account: &str, digest: &InputsDigest) -> anyhow::Result<Option<(i64, Vec<u8>)>> {
        let Some(reader) = &self.reader else { return Ok(None) };
        let conn = reader
            .lock()
            .map_err(|_| anyhow::anyhow!("a worker panicked while reading the history"))?;
        let mut select = conn.prepare_cached(
            "SELECT encoding, entry FROM account_cross
             WHERE account = ?1 AND entry_sha256 = ?2 AND (as_of IS NULL OR as_of = ?3)",
        )?;
        let mut rows = select.query(params![account, &digest[..], self.observed_at])?;
        match rows.next()? {
            Some(row) => Ok(Some((row.get(0)?, row.get(1)?))),
            None => Ok(None),
        }
    }

    /// Stages the first-pass entries of the accounts for the next `--incremental` run.
    pub fn stage_cross(&self, entries: &[ReusableCross]) -> anyhow::Result<()> {
        let mut staging = self
            .staging
            .lock()
            .map_err(|_| anyhow::anyhow!("a worker panicked while recording the history"))?;
        let tx = staging.store.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(STAGE_ACCOUNT_CROSS)?;
            for entry in entries {
                insert.execute(params![entry.account, &entry.digest[..], entry.as_of, entry.entry])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stages one account's findings (in the worker that built them), and what the next
    /// `--incremental` run may reuse of it.
    pub fn stage(&self, findings: &[(usize, Finding<'_>)], reusable: Option<&Reusable>) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        let mut staging = self
            .staging
            .lock()
            .map_err(|_| anyhow::anyhow!("a worker panicked while recording the history"))?;
        let Staging {
            store,
            seen,
            accounts,
            pillars,
        } = &mut *staging;
        let tx = store.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(STAGE_FINDING)?;
            let mut passes: BTreeMap<(&str, &str), i64> = BTreeMap::new();
            for (_, finding) in findings {
                let resource = &finding.resource;
                accounts
                    .entry(resource.account.clone())
                    .or_default()
                    .add(finding.status);
                pillars
                    .entry(finding.rule.pillar.as_str())
                    .or_default()
                    .add(finding.status);
                if finding.status == Status::Pass && self.detail == Detail::Failing {
                    *passes.entry((&finding.rule.id, &resource.account)).or_default() += 1;
                    continue;
                }
                let message =
                    matches!(finding.status, Status::Fail | Status::Muted).then_some(finding.message.as_str());
                let stored = self.stored_index(&finding.id);
                if let (Some(index), false) = (stored, finding.status == Status::Pass) {
                    seen[index] = true;
                }
                let stored = stored.map(|index| &self.stored[index].1);
                insert.execute(params![
                    &finding.id.bytes()[..],
                    finding.rule.id,
                    resource.account,
                    resource.region,
                    resource.arn,
                    finding.status.index() as i64,
                    message,
                    stored.and_then(|stored| unchanged_row(stored, message)),
                    finding.status == Status::Fail && !stored.is_some_and(StoredFinding::is_open)
                ])?;
            }
            let mut insert = tx.prepare_cached(STAGE_PASSES)?;
            for ((rule, account), count) in passes {
                insert.execute(params![rule, account, count])?;
            }
            if let Some(reusable) = reusable {
                let mut insert = tx.prepare_cached(STAGE_ACCOUNT_RESULTS)?;
                insert.execute(params![
                    reusable.account,
                    &reusable.inputs[..],
                    &reusable.source[..],
                    reusable.results
                ])?;
            }
        }
        tx.commit()?;
        let spent = started.elapsed().as_nanos() as u64;
        self.staging_ns.fetch_add(spent, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Moves the staged run into the store in one transaction, updates the lifecycles and
    /// applies the retention.
    pub fn commit(self, summary: &Summary<'_>, rules: &RuleSet) -> anyhow::Result<Recorded> {
        pause_before_commit_for_tests();
        // Closed first, so that the writer closes last and folds the WAL into the store file.
        drop(self.reader);
        let staging = self
            .staging
            .into_inner()
            .map_err(|_| anyhow::anyhow!("a worker panicked while recording the history"))?;
        let Staging {
            mut store,
            seen,
            accounts,
            pillars,
        } = staging;
        let path = store.path.clone();
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|error| anyhow::anyhow!("{}: waiting to record: {error}", path.display()))?;
        let mut lap = Lap::default();
        upsert_rules(&tx, rules)?;
        let scan = insert_scan(&tx, summary, rules, self.detail, self.observed_at)?;
        fill_scope(&tx, summary)?;
        lap.mark("scan");
        // What the run read of the store still holds unless another connection wrote since.
        let fresh = data_version(&tx)? == self.store_version;
        if !fresh {
            tracing::debug!("history: the store changed since this run read it; every finding is looked up");
        }
        record_findings(&tx, scan, fresh, &mut lap)?;
        tx.execute(INSERT_PASSES, [scan])?;
        insert_breakdowns(&tx, scan, summary, &accounts, &pillars)?;
        lap.mark("passes");
        store_account_results(&tx, scan, rules)?;
        lap.mark("account_results");
        let seen = fresh.then_some((&self.stored[..], &seen[..]));
        let (opened, resolved) = update_episodes(&tx, scan, self.observed_at, seen)?;
        lap.mark("episodes");
        let forgotten_runs = match self.keep_days {
            Some(days) => forget_before(&tx, self.observed_at - i64::from(days) * DAY_MS)?,
            None => 0,
        };
        hold_before_commit_for_tests();
        tx.commit()
            .map_err(|error| anyhow::anyhow!("{}: recording the run: {error}", path.display()))?;
        lap.mark("commit");
        tracing::debug!("history: recording took {}", lap.laps.join(" "));
        Ok(Recorded {
            staging_seconds: self.staging_ns.into_inner() as f64 / 1e9,
            opened,
            resolved,
            forgotten_runs,
        })
    }
}

/// What a run read of the store's findings, and which of them it saw other than passing.
type Seen<'a> = (&'a [(Fingerprint, StoredFinding)], &'a [bool]);

/// Opens an episode for each finding failing without one and closes those of the findings in
/// scope this run saw passing or not at all. With `seen` (the store is as the run read it),
/// both start from what the run knows instead of every observation and episode.
fn update_episodes(
    tx: &rusqlite::Transaction<'_>,
    scan: i64,
    at: i64,
    seen: Option<Seen<'_>>,
) -> rusqlite::Result<(usize, usize)> {
    let Some((stored, seen)) = seen else {
        let opened = tx.execute(OPEN_EPISODES, params![scan, at])?;
        return Ok((opened, tx.execute(CLOSE_EPISODES, params![scan, at])?));
    };
    tx.execute("DELETE FROM temp.close_candidates", [])?;
    let mut candidate = tx.prepare("INSERT INTO temp.close_candidates VALUES (?1)")?;
    for ((_, stored), seen) in stored.iter().zip(seen) {
        if stored.is_open() && !seen {
            candidate.execute([stored.row])?;
        }
    }
    let opened = tx.execute(OPEN_NEW_EPISODES, params![scan, at])?;
    Ok((opened, tx.execute(CLOSE_UNSEEN_EPISODES, params![scan, at])?))
}

/// The run's findings into the store (new ones, changed messages) and its observations. With
/// `fresh` (the store is as the run read it), the findings it held unchanged go in by row.
fn record_findings(tx: &rusqlite::Transaction<'_>, scan: i64, fresh: bool, lap: &mut Lap) -> rusqlite::Result<()> {
    if fresh {
        tx.execute(UPSERT_OTHER_FINDINGS, [])?;
        lap.mark("findings");
        tx.execute(INSERT_KNOWN_OBSERVATIONS, [scan])?;
        tx.execute(INSERT_OTHER_OBSERVATIONS, [scan])?;
    } else {
        tx.execute(UPSERT_FINDINGS, [])?;
        lap.mark("findings");
        tx.execute(INSERT_OBSERVATIONS, [scan])?;
    }
    lap.mark("observations");
    Ok(())
}

/// Time per step of a recording, for the debug log.
struct Lap {
    since: std::time::Instant,
    laps: Vec<String>,
}

impl Default for Lap {
    fn default() -> Self {
        Lap {
            since: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }
}

impl Lap {
    fn mark(&mut self, step: &str) {
        self.laps
            .push(format!("{step}={:.3}s", self.since.elapsed().as_secs_f64()));
        self.since = std::time::Instant::now();
    }
}

/// The accounts' results for the next `--incremental` run; none from a run in which a rule ran
/// over its time budget (its results then depend on the order accounts were evaluated in).
fn store_account_results(tx: &rusqlite::Transaction<'_>, scan: i64, rules: &RuleSet) -> rusqlite::Result<()> {
    if let Some(rule) = rules.rules.iter().find(|rule| rule.over_budget.get().is_some()) {
        tracing::warn!(
            "rule {} ran over its time budget: no results of this run are kept for --incremental",
            rule.meta.id
        );
    } else {
        tx.execute(STORE_ACCOUNT_RESULTS, params![scan, super::reuse::ENCODING_LZ4_JSON])?;
        tx.execute(KEEP_REUSED_RESULTS, [scan])?;
    }
    tx.execute(STORE_ACCOUNT_CROSS, params![scan, super::reuse::ENCODING_LZ4_JSON])?;
    tx.execute(KEEP_REUSED_CROSS, [scan])?;
    tx.execute(DROP_STALE_RESULTS, [scan])?;
    tx.execute(DROP_STALE_CROSS, [scan])?;
    Ok(())
}

/// Where a fingerprint is in `sorted`. Fingerprints are uniform (SHA-256), so their first bytes
/// place an entry near its rank: the search widens from there, in a few cache lines instead of
/// a binary search's many.
fn position<T>(sorted: &[(Fingerprint, T)], id: &Fingerprint) -> Option<usize> {
    let len = sorted.len();
    let prefix = u64::from_be_bytes(id.bytes()[..8].try_into().ok()?);
    let guess = ((u128::from(prefix) * len as u128) >> 64) as usize;
    let key = |index: usize| &sorted[index].0;
    let (mut low, mut high, mut step) = (guess, (guess + 1).min(len), 1);
    while low > 0 && key(low) > id {
        high = low;
        low = low.saturating_sub(step);
        step *= 2;
    }
    while high < len && key(high - 1) < id {
        low = high;
        high = (high + step).min(len);
        step *= 2;
    }
    let found = sorted[low..high].binary_search_by_key(id, |(key, _)| *key).ok()?;
    Some(low + found)
}

/// The store's row of a finding this run records as the store holds it (its message, if any,
/// unchanged): the commit need not look it up or update it.
fn unchanged_row(stored: &StoredFinding, message: Option<&str>) -> Option<i64> {
    match message {
        Some(text) if stored.message != Some(query::message_key(text.as_bytes())) => None,
        _ => Some(stored.row),
    }
}

/// Changes when another connection commits to the store (never for this connection's own).
fn data_version(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA main.data_version", [], |row| row.get(0))
}

/// A read-only connection to the store, for the results `--incremental` reuses.
fn open_reader(path: &std::path::Path) -> anyhow::Result<rusqlite::Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags)
        .map_err(|error| anyhow::anyhow!("{}: opening the history store to read: {error}", path.display()))?;
    conn.busy_timeout(super::schema::BUSY_TIMEOUT)?;
    Ok(conn)
}

fn upsert_rules(tx: &rusqlite::Transaction<'_>, rules: &RuleSet) -> rusqlite::Result<()> {
    let mut upsert = tx.prepare(
        "INSERT INTO rules (rule_id, title, severity, pillar) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (rule_id) DO UPDATE SET title = excluded.title, severity = excluded.severity,
         pillar = excluded.pillar",
    )?;
    for rule in &rules.rules {
        let meta = &rule.meta;
        upsert.execute(params![
            meta.id,
            meta.title,
            meta.severity.as_str(),
            meta.pillar.as_str()
        ])?;
    }
    Ok(())
}

fn insert_scan(
    tx: &rusqlite::Transaction<'_>,
    summary: &Summary<'_>,
    rules: &RuleSet,
    detail: Detail,
    observed_at: i64,
) -> anyhow::Result<i64> {
    let scan = &summary.scan;
    let counts = &summary.counts;
    let count = |status: Status| counts.status(status) as i64;
    tx.execute(
        "INSERT INTO scans (scan_id, started_at, finished_at, observed_at, posture_version, rules_sha256,
           params_sha256, detail, sources, accounts, regions, score, evaluated, not_evaluated, passed, failed, muted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            scan.id,
            scan.started_at,
            scan.finished_at,
            observed_at,
            env!("CARGO_PKG_VERSION"),
            rules.digest.rules,
            rules.digest.params,
            detail.as_str(),
            serde_json::to_string(&scan.sources)?,
            serde_json::to_string(&scan.accounts)?,
            serde_json::to_string(&scan.regions)?,
            summary.score.overall,
            summary.coverage.evaluated as i64,
            summary.coverage.not_evaluated as i64,
            count(Status::Pass),
            count(Status::Fail),
            count(Status::Muted),
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn fill_scope(tx: &rusqlite::Transaction<'_>, summary: &Summary<'_>) -> rusqlite::Result<()> {
    tx.execute_batch("DELETE FROM temp.scope_accounts; DELETE FROM temp.scope_regions;")?;
    let mut account = tx.prepare("INSERT OR IGNORE INTO temp.scope_accounts VALUES (?1)")?;
    for id in &summary.scan.accounts {
        account.execute([id])?;
    }
    let mut region = tx.prepare("INSERT OR IGNORE INTO temp.scope_regions VALUES (?1)")?;
    for name in &summary.scan.regions {
        region.execute([name])?;
    }
    Ok(())
}

fn insert_breakdowns(
    tx: &rusqlite::Transaction<'_>,
    scan: i64,
    summary: &Summary<'_>,
    accounts: &HashMap<String, Counters>,
    pillars: &BTreeMap<&'static str, Counters>,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare("INSERT INTO scan_accounts VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    let mut ids: Vec<&String> = accounts.keys().collect();
    ids.sort();
    for id in ids {
        let counters = accounts.get(id).copied().unwrap_or_default();
        let score = summary.score.accounts.get(id).copied().flatten();
        insert.execute(params![
            scan,
            id,
            score,
            counters.evaluated,
            counters.not_evaluated,
            counters.failed
        ])?;
    }
    let mut insert = tx.prepare("INSERT INTO scan_pillars VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for (pillar, score) in &summary.score.pillars {
        let counters = pillars.get(pillar.as_str()).copied().unwrap_or_default();
        insert.execute(params![
            scan,
            pillar,
            score,
            counters.evaluated,
            counters.not_evaluated,
            counters.failed
        ])?;
    }
    Ok(())
}

/// Retention: runs observed before `cutoff`, episodes resolved before it, and findings that
/// nothing refers to any more. Returns the runs deleted.
fn forget_before(tx: &rusqlite::Transaction<'_>, cutoff: i64) -> rusqlite::Result<usize> {
    let old = "(SELECT id FROM scans WHERE observed_at < ?1)";
    for table in [
        "observations",
        "passes",
        "scan_accounts",
        "scan_pillars",
        "account_results",
        "account_cross",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE scan IN {old}"), [cutoff])?;
    }
    tx.execute(
        "DELETE FROM episodes WHERE closed_at IS NOT NULL AND closed_at < ?1",
        [cutoff],
    )?;
    let runs = tx.execute("DELETE FROM scans WHERE observed_at < ?1", [cutoff])?;
    tx.execute(
        "DELETE FROM findings WHERE id NOT IN (SELECT finding FROM episodes)
         AND id NOT IN (SELECT finding FROM observations)",
        [],
    )?;
    Ok(runs)
}

/// Tests hold a run here, staged and not yet writing, while another job writes to the store:
/// POSTURE_TEST_PAUSE_HISTORY_COMMIT names a file to create; the run goes on once it is removed.
fn pause_before_commit_for_tests() {
    if let Some(signal) = std::env::var_os("POSTURE_TEST_PAUSE_HISTORY_COMMIT") {
        let path = std::path::Path::new(&signal);
        let waiting = std::time::Instant::now();
        if std::fs::write(path, b"paused").is_ok() {
            while path.exists() && waiting.elapsed() < std::time::Duration::from_secs(120) {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }
}

/// Tests stop a run here, with every row written and nothing committed, to kill it:
/// POSTURE_TEST_HOLD_HISTORY_COMMIT names a file to create, then the run waits to be killed.
fn hold_before_commit_for_tests() {
    if let Some(signal) = std::env::var_os("POSTURE_TEST_HOLD_HISTORY_COMMIT") {
        if std::fs::write(&signal, b"holding").is_ok() {
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_finds_every_stored_fingerprint_and_no_other() {
        for len in [0, 1, 2, 3, 10, 1000] {
            let mut sorted: Vec<(Fingerprint, usize)> = (0..len)
                .map(|n| (Fingerprint::of("R", "1", "r", &format!("arn:{n}")), n))
                .collect();
            sorted.sort();
            for (index, (id, _)) in sorted.iter().enumerate() {
                assert_eq!(position(&sorted, id), Some(index), "{len}: {index}");
            }
            for n in 0..200 {
                let absent = Fingerprint::of("R", "2", "r", &format!("arn:{n}"));
                assert_eq!(position(&sorted, &absent), None);
            }
            let (lowest, highest) = (Fingerprint::from_bytes([0; 16]), Fingerprint::from_bytes([255; 16]));
            assert_eq!(position(&sorted, &lowest), None);
            assert_eq!(position(&sorted, &highest), None);
        }
    }

    #[test]
    fn position_is_exact_when_fingerprints_are_far_from_uniform() {
        for first in [0u8, 128, 255] {
            let id = |n: u8| {
                let mut bytes = [first; 16];
                bytes[15] = n;
                Fingerprint::from_bytes(bytes)
            };
            let sorted: Vec<(Fingerprint, ())> = (0..=255u8).step_by(2).map(|n| (id(n), ())).collect();
            for (index, (id, _)) in sorted.iter().enumerate() {
                assert_eq!(position(&sorted, id), Some(index));
            }
            assert_eq!(position(&sorted, &id(1)), None);
            assert_eq!(position(&sorted, &id(255)), None);
        }
    }
}
