//! The scan as a library call: sources in, findings built once and streamed to every output,
//! the summary out. Accounts flow one way, one at a time: read (a stream of the snapshot file),
//! facts, rules, findings, renderings, counters; then the summary and the files are finished.
//! Memory is bounded by the accounts in flight, not by the organisation.

use crate::destination::Destination;
use crate::error::InputError;
use crate::facts::analyse_account;
use crate::facts::iam::cross_account::CrossAccountIndex;
use crate::facts::organization::OrgModel;
use crate::finding::{Finding, Fingerprint, Status};
use crate::history::StoredBy;
use crate::import::snapshot::RawAccount;
use crate::output::{Format, Outputs, RenderOptions, ScanStamp};
use crate::report::v1::RecordedReport;
use crate::report::{Gap, ScanInfo, Summary, Tally};
use crate::results::RuleResult;
use crate::rules::evaluate::{evaluate_account, evaluate_prepared, facts_bytes};
use crate::rules::metadata::RuleMetadata;
use crate::rules::RuleSet;
use crate::snapshot::{AccountSnapshot, CoverageGap, OrganizationSnapshot, Snapshot};
use crate::suppress::LiveSuppressions;
use rayon::iter::{IntoParallelRefIterator, ParallelBridge, ParallelIterator};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Instant;

/// Where accounts come from.
pub enum Source {
    /// A saved posture snapshot, streamed.
    Snapshot(PathBuf),
    /// `aws iam get-account-authorization-details` output: one account's IAM.
    Gaad(PathBuf),
    /// Already in memory (live collection), with its label.
    Collected { label: String, snapshot: Box<Snapshot> },
    /// Accounts in memory that several inputs made (a base with a plan applied), with their labels.
    Planned {
        labels: Vec<String>,
        snapshot: Box<Snapshot>,
    },
}

/// What a pre-deploy scan adds: the overlay on the planned accounts' facts, the labels of the
/// plans and templates, and the resource types they hold that no mapping knows.
pub struct PreDeploy {
    pub overlay: crate::plan::PlanOverlay,
    pub unmapped_resource_types: Vec<String>,
}

pub struct ScanRequest {
    pub sources: Vec<Source>,
    pub suppressions: Option<LiveSuppressions>,
    pub baseline: Option<RecordedReport>,
    pub outputs: Vec<(Format, Destination)>,
    pub options: RenderOptions,
    pub pre_deploy: Option<PreDeploy>,
    /// Keep every finding's status, to serve as the baseline of a later scan (a plan's base).
    pub record: bool,
    /// Record the run (and with a selector, take the baseline) in a history store.
    pub history: Option<crate::history::HistoryRequest>,
}

/// Time per phase: wall clock, and CPU summed over workers.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timings {
    pub load_seconds: f64,
    pub evaluate_wall_seconds: f64,
    pub output_seconds: f64,
    pub facts_cpu_seconds: f64,
    pub input_cpu_seconds: f64,
    pub rules_cpu_seconds: f64,
    pub render_cpu_seconds: f64,
    pub resources: usize,
    /// Accounts whose stored results were reused (`--incremental`).
    pub reused_accounts: usize,
    /// The cross-account first pass (part of the evaluation's wall time).
    pub first_pass_seconds: f64,
    /// Accounts whose stored first-pass entry was reused (`--incremental`).
    pub reused_first_pass: usize,
}

pub struct ScanOutcome<'r> {
    pub summary: Summary<'r>,
    pub timings: Timings,
    /// With [`ScanRequest::record`]: the scan as a baseline.
    pub recorded: Option<RecordedReport>,
}

/// The accounts of every source, read before any evaluation: ids, regions, collection time.
struct Plan {
    labels: Vec<String>,
    accounts: Vec<String>,
    regions: Vec<String>,
    as_of: chrono::DateTime<chrono::Utc>,
    /// Accounts already in memory (GAAD dumps, live collection).
    loaded: Vec<AccountSnapshot>,
    files: Vec<PathBuf>,
    /// The organisation of the accounts, from whichever input has it.
    organization: Option<OrganizationSnapshot>,
}

fn plan(sources: Vec<Source>) -> Result<Plan, InputError> {
    let mut labels = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut regions = BTreeSet::new();
    let mut collected_at: Option<String> = None;
    let mut loaded = Vec::new();
    let mut files = Vec::new();
    let mut organization = None;
    for source in sources {
        match source {
            Source::Snapshot(path) => {
                let outline = crate::import::snapshot::outline(&path)?;
                for account in &outline.accounts {
                    ids.push(account.account_id.clone());
                    regions.extend(account.regions().map(str::to_string));
                }
                collected_at = collected_at.max(outline.generated_at);
                join_organization(&mut organization, outline.organization)?;
                labels.push(format!("snapshot:{}", path.display()));
                files.push(path);
            }
            Source::Gaad(path) => {
                let account = crate::import::gaad::load_gaad(&path)?;
                ids.push(account.account_id.clone());
                loaded.push(account);
                labels.push(format!("gaad:{}", path.display()));
            }
            Source::Collected { label, snapshot } => {
                let snapshot = *snapshot;
                collected_at = collected_at.max(snapshot.generated_at);
                join_organization(&mut organization, snapshot.organization)?;
                ids.extend(snapshot.accounts.iter().map(|a| a.account_id.clone()));
                loaded.extend(snapshot.accounts);
                labels.push(label);
            }
            Source::Planned {
                labels: planned,
                snapshot,
            } => {
                let snapshot = *snapshot;
                collected_at = collected_at.max(snapshot.generated_at);
                join_organization(&mut organization, snapshot.organization)?;
                ids.extend(snapshot.accounts.iter().map(|a| a.account_id.clone()));
                loaded.extend(snapshot.accounts);
                labels.extend(planned);
            }
        }
    }
    for account in &loaded {
        regions.extend(account.regions.iter().map(|r| r.region.clone()));
    }
    let mut seen = BTreeSet::new();
    for id in &ids {
        if !seen.insert(id.as_str()) {
            return Err(InputError::Usage(format!(
                "account {id} appears in more than one input; scan each account once"
            )));
        }
    }
    // Replaying a saved snapshot judges ages as of its collection, not as of today.
    let as_of = collected_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(chrono::Utc::now);
    Ok(Plan {
        labels,
        accounts: seen.into_iter().map(str::to_string).collect(),
        regions: regions.into_iter().collect(),
        as_of,
        loaded,
        files,
        organization,
    })
}

/// Inputs may each carry the organisation; they must agree on which one it is.
fn join_organization(
    joined: &mut Option<OrganizationSnapshot>,
    next: Option<OrganizationSnapshot>,
) -> Result<(), InputError> {
    match (joined.as_ref(), next) {
        (_, None) => Ok(()),
        (None, Some(next)) => {
            *joined = Some(next);
            Ok(())
        }
        (Some(first), Some(next)) if first.id == next.id => Ok(()),
        (Some(first), Some(next)) => Err(InputError::Usage(format!(
            "the inputs belong to two organisations ({} and {}); scan one organisation at a time",
            first.id, next.id
        ))),
    }
}

/// Rule index → position of the rule in report order (by id).
fn rule_ranks(rules: &RuleSet) -> (Vec<usize>, Vec<&RuleMetadata>) {
    let mut by_id: Vec<usize> = (0..rules.rules.len()).collect();
    by_id.sort_by(|a, b| rules.rules[*a].meta.id.cmp(&rules.rules[*b].meta.id));
    let mut ranks = vec![0; by_id.len()];
    for (rank, index) in by_id.iter().enumerate() {
        ranks[*index] = rank;
    }
    let ranked = by_id.iter().map(|index| &rules.rules[*index].meta).collect();
    (ranks, ranked)
}

/// What the workers share.
struct Shared<'r> {
    rules: &'r RuleSet,
    ranks: Vec<usize>,
    suppressions: Option<LiveSuppressions>,
    baseline: Option<RecordedReport>,
    history: Option<crate::history::Recorder>,
    as_of: chrono::DateTime<chrono::Utc>,
    organization: Option<OrgModel>,
    cross_account: Option<CrossAccountIndex>,
    facts_ns: AtomicU64,
    input_ns: AtomicU64,
    rules_ns: AtomicU64,
    render_ns: AtomicU64,
    resources: AtomicU64,
    /// Accounts whose stored results were reused (`--incremental`).
    reused: AtomicU64,
    /// With a history store: what every account's facts take from the scan besides its own data.
    scope: Option<crate::history::reuse::InputsDigest>,
    overlay: Option<crate::plan::PlanOverlay>,
    /// A worker found an account of the input broken: the scan stops.
    input_failed: AtomicBool,
}

/// What the workers fold their accounts into, one at a time. The outputs are apart: workers
/// render under a shared read lock, in parallel, and only appending takes the write lock.
struct Folded {
    tally: Tally,
    gaps: Vec<Gap>,
    error: Option<anyhow::Error>,
    /// The first account a worker could not read (the file and the place).
    input_error: Option<InputError>,
    /// With [`ScanRequest::record`]: every finding's status, and the failing ones in full.
    recorded: Option<crate::report::v1::RecordedFindings>,
}

pub fn scan(request: ScanRequest, rules: &RuleSet) -> anyhow::Result<ScanOutcome<'_>> {
    let clock = Instant::now();
    let started_at = now();
    let mut plan = plan(request.sources)?;
    let loaded_at = clock.elapsed();
    let stamp = ScanStamp {
        scan_id: crate::report::new_scan_id(),
        started_at,
    };
    let (ranks, ranked_rules) = rule_ranks(rules);
    let outputs = Outputs::new(request.outputs, &stamp, request.options, rules.rules.len())?;
    let (overlay, unmapped) = match request.pre_deploy {
        Some(pre) => (Some(pre.overlay), Some(pre.unmapped_resource_types)),
        None => (None, None),
    };
    let organization = plan.organization.take().map(OrgModel::new);
    let (history, baseline) = match request.history {
        Some(history) => {
            let (recorder, from_store) =
                history.prepare(&plan.accounts, &plan.regions, plan.as_of.timestamp_millis())?;
            (Some(recorder), from_store.or(request.baseline))
        }
        None => (None, request.baseline),
    };
    let first_pass_started = Instant::now();
    let (cross_account, reused_first_pass) =
        cross_account_index(&plan, rules, organization.as_ref(), history.as_ref())?;
    let first_pass = first_pass_started.elapsed();
    let shared = Shared {
        rules,
        ranks,
        suppressions: request.suppressions,
        baseline,
        history,
        as_of: plan.as_of,
        organization,
        cross_account,
        facts_ns: AtomicU64::new(0),
        input_ns: AtomicU64::new(0),
        rules_ns: AtomicU64::new(0),
        render_ns: AtomicU64::new(0),
        resources: AtomicU64::new(0),
        reused: AtomicU64::new(0),
        scope: None,
        overlay,
        input_failed: AtomicBool::new(false),
    };
    let mut shared = shared;
    if shared.history.is_some() {
        let organization = shared.organization.as_ref().map(|org| &org.snapshot);
        shared.scope =
            crate::history::reuse::scope_digest(rules, shared.as_of, organization, shared.cross_account.as_ref())
                .map_err(|error| tracing::warn!("the scan's inputs cannot be digested ({error}); facts decide"))
                .ok();
    }
    let outputs = RwLock::new(outputs);
    let folded = Mutex::new(Folded {
        tally: Tally::default(),
        gaps: Vec::new(),
        error: None,
        input_error: None,
        recorded: request.record.then(Default::default),
    });
    let read_error = evaluate_all(plan.loaded, &plan.files, &shared, &outputs, &folded)?;
    let evaluated_at = clock.elapsed();
    let folded = folded.into_inner().map_err(|_| anyhow::anyhow!("a worker panicked"))?;
    let outputs = outputs.into_inner().map_err(|_| anyhow::anyhow!("a worker panicked"))?;
    if let Some(error) = read_error.or(folded.input_error) {
        return Err(error.into());
    }
    if let Some(error) = folded.error {
        return Err(error);
    }
    let mut gaps = folded.gaps;
    gaps.extend(organization_gaps(shared.organization.as_ref()));
    gaps.sort();
    let info = ScanInfo {
        id: stamp.scan_id,
        started_at: stamp.started_at,
        finished_at: now(),
        sources: plan.labels,
        accounts: plan.accounts,
        regions: plan.regions,
        unmapped_resource_types: unmapped,
    };
    let mut summary = folded.tally.finish(
        info,
        rules,
        gaps,
        shared.baseline.as_ref(),
        request.options.only_failing,
    );
    summary.trend = shared.history.as_ref().map(|recorder| recorder.trend_with(&summary));
    outputs.finish(&summary, &ranked_rules)?;
    if let Some(recorder) = shared.history {
        if recorder.incremental() {
            tracing::info!(
                "incremental: reused the stored results of {} of {} account(s)",
                shared.reused.load(Ordering::Relaxed),
                summary.scan.accounts.len()
            );
        }
        let committing = Instant::now();
        let recorded = recorder.commit(&summary, rules)?;
        tracing::info!(
            "history: recorded scan {} in {:.3}s after {:.3}s of staging ({} newly failing, {} resolved, {} old run(s) forgotten)",
            summary.scan.id,
            committing.elapsed().as_secs_f64(),
            recorded.staging_seconds,
            recorded.opened,
            recorded.resolved,
            recorded.forgotten_runs
        );
    }
    if let Some(suppressions) = &shared.suppressions {
        for line in &suppressions.expired {
            eprintln!("warning: {line}");
        }
        let muted = suppressions.muted.load(Ordering::Relaxed);
        tracing::info!("{}: {muted} failing result(s) muted", suppressions.path.display());
    }
    let seconds = |ns: &AtomicU64| ns.load(Ordering::Relaxed) as f64 / 1e9;
    let input = seconds(&shared.input_ns);
    let timings = Timings {
        load_seconds: loaded_at.as_secs_f64(),
        evaluate_wall_seconds: (evaluated_at - loaded_at).as_secs_f64(),
        output_seconds: (clock.elapsed() - evaluated_at).as_secs_f64(),
        facts_cpu_seconds: seconds(&shared.facts_ns),
        input_cpu_seconds: input,
        rules_cpu_seconds: seconds(&shared.rules_ns) - input,
        render_cpu_seconds: seconds(&shared.render_ns),
        resources: shared.resources.load(Ordering::Relaxed) as usize,
        reused_accounts: shared.reused.load(Ordering::Relaxed) as usize,
        first_pass_seconds: first_pass.as_secs_f64(),
        reused_first_pass,
    };
    let recorded = folded
        .recorded
        .map(|findings| RecordedReport::of_scan(&summary, findings));
    Ok(ScanOutcome {
        summary,
        timings,
        recorded,
    })
}

/// The Organizations calls that failed, as the report's coverage gaps.
fn organization_gaps(organization: Option<&OrgModel>) -> Vec<Gap> {
    let gaps = organization
        .into_iter()
        .flat_map(|org| org.snapshot.coverage_gaps.iter());
    gaps.map(|gap| Gap {
        account: gap.account.clone(),
        region: gap.region.clone(),
        service: gap.service.clone(),
        operation: gap.operation.clone(),
        error: gap.error.clone(),
    })
    .collect()
}

/// An account on its way to a worker: in memory already, or as a snapshot file has it (the
/// worker parses it, or does not need to).
enum Incoming<'a> {
    Loaded(Box<std::borrow::Cow<'a, AccountSnapshot>>),
    Read { file: &'a Path, raw: RawAccount },
}

impl<'a> Incoming<'a> {
    fn parse(self) -> Result<std::borrow::Cow<'a, AccountSnapshot>, InputError> {
        match self {
            Incoming::Loaded(account) => Ok(*account),
            Incoming::Read { file, raw } => raw.parse(file).map(std::borrow::Cow::Owned),
        }
    }

    /// [`crate::history::reuse::source_digest`]: of the bytes as read, without parsing them.
    fn source_digest(
        &self,
        scope: &crate::history::reuse::InputsDigest,
    ) -> Option<crate::history::reuse::InputsDigest> {
        match self {
            Incoming::Read { raw, .. } => Some(crate::history::reuse::source_digest(scope, raw.bytes())),
            Incoming::Loaded(account) => crate::history::reuse::source_digest_of(scope, account)
                .map_err(|error| tracing::warn!("account {}: cannot be digested: {error}", account.account_id))
                .ok(),
        }
    }

    /// The id, and for an account read from a file its gaps (read without parsing the rest).
    fn head(&self) -> Result<(String, Option<Vec<CoverageGap>>), InputError> {
        match self {
            Incoming::Loaded(account) => Ok((account.account_id.clone(), None)),
            Incoming::Read { file, raw } => raw.head(file).map(|head| (head.account_id, Some(head.coverage_gaps))),
        }
    }
}

/// Reads accounts on one thread and evaluates them on the rayon pool as they arrive; returns
/// the reading error, if any (the workers' errors are in `folded`).
fn evaluate_all(
    loaded: Vec<AccountSnapshot>,
    files: &[PathBuf],
    shared: &Shared<'_>,
    outputs: &RwLock<Outputs>,
    folded: &Mutex<Folded>,
) -> anyhow::Result<Option<InputError>> {
    // A few accounts in flight: enough to keep every worker busy, few enough to bound memory.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Incoming<'_>>(rayon::current_num_threads());
    let failed = &shared.input_failed;
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Option<InputError> {
            for account in loaded {
                if sender
                    .send(Incoming::Loaded(Box::new(std::borrow::Cow::Owned(account))))
                    .is_err()
                {
                    return None;
                }
            }
            for file in files {
                // A worker that found an account broken stops the reading.
                let mut send =
                    |raw| !failed.load(Ordering::Relaxed) && sender.send(Incoming::Read { file, raw }).is_ok();
                if let Err(error) = crate::import::snapshot::stream_raw_accounts(file, &mut send) {
                    return Some(error);
                }
            }
            None
        });
        receiver.into_iter().par_bridge().for_each_init(
            || shared.rules.engine.clone(),
            |engine, account| {
                evaluate_one(engine, account, shared, outputs, folded);
            },
        );
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the snapshot reader panicked"))
    })
}

/// One account judged: its results (evaluated or reused) and what goes with them.
struct Judged {
    account_id: String,
    gaps: Vec<CoverageGap>,
    results: Vec<RuleResult>,
    reusable: Option<crate::history::Reusable>,
    origins: crate::plan::apply::Origins,
    facts_done: Instant,
}

fn evaluate_one(
    engine: &mut regorus::Engine,
    incoming: Incoming<'_>,
    shared: &Shared<'_>,
    outputs: &RwLock<Outputs>,
    folded: &Mutex<Folded>,
) {
    if shared.input_failed.load(Ordering::Relaxed) {
        return;
    }
    let started = Instant::now();
    let judged = match judge(engine, incoming, shared) {
        Ok(judged) => judged,
        Err(error) => {
            shared.input_failed.store(true, Ordering::Relaxed);
            if let Ok(mut state) = folded.lock() {
                state.input_error.get_or_insert(error);
            }
            return;
        }
    };
    let Judged {
        account_id,
        gaps,
        results,
        reusable,
        origins,
        facts_done,
    } = judged;
    let gaps: Vec<Gap> = gaps
        .into_iter()
        .map(|gap| Gap {
            account: gap.account,
            region: gap.region,
            service: gap.service,
            operation: gap.operation,
            error: gap.error,
        })
        .collect();
    let rules_done = Instant::now();
    let findings = build_findings(results, shared, &origins);
    let rendered = match outputs.read() {
        Ok(outputs) => outputs.render(&account_id, &findings),
        Err(_) => return,
    };
    let render_done = Instant::now();
    shared
        .facts_ns
        .fetch_add((facts_done - started).as_nanos() as u64, Ordering::Relaxed);
    shared
        .rules_ns
        .fetch_add((rules_done - facts_done).as_nanos() as u64, Ordering::Relaxed);
    shared
        .render_ns
        .fetch_add((render_done - rules_done).as_nanos() as u64, Ordering::Relaxed);
    let appended = match outputs.write() {
        Ok(mut outputs) => rendered.and_then(|rendered| outputs.append(&findings, rendered)),
        Err(_) => return,
    };
    let staged = match &shared.history {
        Some(recorder) => recorder.stage(&findings, reusable.as_ref()),
        None => Ok(()),
    };
    let Ok(mut state) = folded.lock() else { return };
    state.tally.add(&findings, shared.baseline.as_ref());
    if let Some(recorded) = state.recorded.as_mut() {
        recorded.add(findings.iter().map(|(_, finding)| finding));
    }
    if let Err(error) = staged {
        state
            .error
            .get_or_insert(anyhow::anyhow!("recording the history: {error}"));
    }
    state.gaps.extend(gaps);
    if let Err(error) = appended {
        state
            .error
            .get_or_insert(anyhow::anyhow!("writing the report: {error}"));
    }
}

/// The account's results: with `--incremental`, the stored ones of an account whose bytes and
/// scan scope are unchanged, read without parsing it; else from its facts ([`results_of`]).
fn judge(engine: &mut regorus::Engine, incoming: Incoming<'_>, shared: &Shared<'_>) -> Result<Judged, InputError> {
    let source = shared.scope.as_ref().and_then(|scope| incoming.source_digest(scope));
    let incremental = shared
        .history
        .as_ref()
        .is_some_and(crate::history::Recorder::incremental);
    // A stored row found but unusable is not looked up again by the facts.
    let mut look_up = true;
    if let (Some(source), true) = (source, incremental) {
        let (account_id, gaps) = incoming.head()?;
        match reuse_unchanged_source(&account_id, source, shared) {
            Ok(Some((results, reusable))) => {
                let gaps = match gaps {
                    Some(gaps) => gaps,
                    None => incoming.parse()?.into_owned().coverage_gaps,
                };
                return Ok(Judged {
                    account_id,
                    gaps,
                    results,
                    reusable: Some(reusable),
                    origins: Default::default(),
                    facts_done: Instant::now(),
                });
            }
            Ok(None) => {}
            Err(()) => look_up = false,
        }
    }
    let mut account = incoming.parse()?.into_owned();
    let mut analysis = analyse_account(
        &account,
        &shared.rules.iam_knowledge,
        shared.as_of,
        shared.organization.as_ref(),
        shared.cross_account.as_ref(),
    );
    let origins = match &shared.overlay {
        Some(overlay) => overlay.apply(&account.account_id, &mut analysis.index),
        None => Default::default(),
    };
    let facts_done = Instant::now();
    shared
        .resources
        .fetch_add(analysis.index.len() as u64, Ordering::Relaxed);
    let (results, reusable) = results_of(engine, &account.account_id, &analysis, shared, (source, look_up));
    Ok(Judged {
        account_id: std::mem::take(&mut account.account_id),
        gaps: std::mem::take(&mut account.coverage_gaps),
        results,
        reusable,
        origins,
        facts_done,
    })
}

/// The account's results: with `--incremental`, the stored ones when its inputs are those the
/// latest run that recorded it evaluated; else the rules'. With a history store, also what to
/// record for the next run (nothing when the facts could not be written: those are unknown).
fn results_of(
    engine: &mut regorus::Engine,
    account_id: &str,
    analysis: &crate::facts::AccountAnalysis,
    shared: &Shared<'_>,
    (source, look_up): (Option<crate::history::reuse::InputsDigest>, bool),
) -> (Vec<RuleResult>, Option<crate::history::Reusable>) {
    let started = Instant::now();
    let facts = facts_bytes(analysis);
    shared
        .input_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    let (Some(recorder), Ok(bytes), Some(source)) = (&shared.history, &facts, source) else {
        return (
            evaluate_prepared(engine, shared.rules, analysis, &facts, &shared.input_ns),
            None,
        );
    };
    let inputs = crate::history::reuse::inputs_digest(shared.rules, analysis, bytes);
    let reusable = |results| crate::history::Reusable {
        account: account_id.to_string(),
        inputs,
        source,
        results,
    };
    if recorder.incremental() && look_up {
        let stored = reuse_stored(recorder, account_id, StoredBy::Inputs(&inputs), shared.rules);
        if let Ok(Some((results, _))) = stored {
            shared.reused.fetch_add(1, Ordering::Relaxed);
            return (results, Some(reusable(None)));
        }
    }
    let results = evaluate_prepared(engine, shared.rules, analysis, &facts, &shared.input_ns);
    match crate::history::reuse::encode(&results, shared.rules) {
        Ok(encoded) => (results, Some(reusable(Some(encoded)))),
        Err(error) => {
            tracing::warn!("account {account_id}: its results cannot be kept for --incremental: {error}");
            (results, None)
        }
    }
}

/// The stored results of an account with these digests, decoded, with the digest of the inputs
/// they were evaluated on; `Ok(None)` when there are none, `Err` (and a warning) when they
/// cannot be read or decoded: the account is then evaluated.
fn reuse_stored(
    recorder: &crate::history::Recorder,
    account_id: &str,
    by: StoredBy<'_>,
    rules: &RuleSet,
) -> Result<Option<(Vec<RuleResult>, crate::history::reuse::InputsDigest)>, ()> {
    let path = recorder.path().display();
    let row = match recorder.stored_results(account_id, by) {
        Ok(Some(row)) => row,
        Ok(None) => return Ok(None),
        Err(error) => {
            tracing::warn!(
                "{path}: the stored results of account {account_id} cannot be read ({error}); evaluating it"
            );
            return Err(());
        }
    };
    let decoded = crate::history::reuse::decode(&row.results, row.encoding, rules).and_then(|results| {
        let inputs = <[u8; 32]>::try_from(row.inputs.as_slice()).map_err(|_| "its inputs digest is not 32 bytes")?;
        Ok((results, inputs))
    });
    match decoded {
        Ok(reused) => Ok(Some(reused)),
        Err(error) => {
            tracing::warn!(
                "{path}: the stored results of account {account_id} cannot be decoded ({error}); evaluating it"
            );
            Err(())
        }
    }
}

/// With `--incremental`, the stored results of an account whose snapshot and scan scope are those
/// its results were evaluated from: reused without computing its facts.
fn reuse_unchanged_source(
    account_id: &str,
    source: crate::history::reuse::InputsDigest,
    shared: &Shared<'_>,
) -> Result<Option<(Vec<RuleResult>, crate::history::Reusable)>, ()> {
    let Some(recorder) = shared.history.as_ref().filter(|recorder| recorder.incremental()) else {
        return Ok(None);
    };
    let Some((results, inputs)) = reuse_stored(recorder, account_id, StoredBy::Source(&source), shared.rules)? else {
        return Ok(None);
    };
    shared.reused.fetch_add(1, Ordering::Relaxed);
    let reusable = crate::history::Reusable {
        account: account_id.to_string(),
        inputs,
        source,
        results: None,
    };
    Ok(Some((results, reusable)))
}

/// One finding per result, sorted in report order, each with its rule's rank.
fn build_findings<'r>(
    results: Vec<RuleResult>,
    shared: &Shared<'r>,
    origins: &crate::plan::apply::Origins,
) -> Vec<(usize, Finding<'r>)> {
    let mut findings: Vec<(usize, Finding<'r>)> = results
        .into_iter()
        .map(|result| {
            let meta = &shared.rules.rules[result.rule].meta;
            let resource = result.resource;
            let id = Fingerprint::of(&meta.id, &resource.account, &resource.region, &resource.arn);
            let suppression = match (&shared.suppressions, result.status) {
                (Some(live), Status::Fail) => live.matching(&meta.id, &resource),
                _ => None,
            };
            let status = if suppression.is_some() {
                Status::Muted
            } else {
                result.status
            };
            let baseline = shared
                .baseline
                .as_ref()
                .map(|previous| crate::report::mark(previous, &id, status));
            let origin = origins.get(&(resource.arn.clone(), resource.region.clone())).cloned();
            let lifecycle = match (&shared.history, status) {
                (Some(recorder), Status::Fail) => Some(recorder.lifecycle(&id)),
                _ => None,
            };
            let finding = Finding {
                id,
                rule: meta,
                rule_index: result.rule,
                resource,
                status,
                message: result.message,
                evidence: result.evidence,
                origin,
                suppression,
                baseline,
                change: None,
                lifecycle,
            };
            (shared.ranks[result.rule], finding)
        })
        .collect();
    findings.sort_unstable_by(|(rank_a, a), (rank_b, b)| {
        (rank_a, &a.resource.account, &a.resource.region, &a.resource.arn).cmp(&(
            rank_b,
            &b.resource.account,
            &b.resource.region,
            &b.resource.arn,
        ))
    });
    findings
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Hands every account of the sources to `each`, one at a time, in input order (the facts
/// command), with the time its ages are counted to.
/// What every account of a scan is judged with besides its own data.
pub struct ScanScope<'a> {
    /// The time ages are counted to.
    pub as_of: chrono::DateTime<chrono::Utc>,
    /// The organisation, when an input has it.
    pub organization: Option<&'a OrgModel>,
    /// The roles other accounts of the scan may assume (scans of several accounts).
    pub cross_account: Option<&'a CrossAccountIndex>,
}

/// What [`for_each_account`] hands each account to.
pub type AccountVisitor<'a> = dyn FnMut(&AccountSnapshot, &ScanScope<'_>) -> anyhow::Result<()> + 'a;

pub fn for_each_account(sources: Vec<Source>, rules: &RuleSet, each: &mut AccountVisitor<'_>) -> anyhow::Result<()> {
    let mut plan = plan(sources)?;
    let organization = plan.organization.take().map(OrgModel::new);
    let (cross_account, _) = cross_account_index(&plan, rules, organization.as_ref(), None)?;
    let scope = ScanScope {
        as_of: plan.as_of,
        organization: organization.as_ref(),
        cross_account: cross_account.as_ref(),
    };
    for account in &plan.loaded {
        each(account, &scope)?;
    }
    let mut failed = None;
    for path in &plan.files {
        crate::import::snapshot::stream_accounts(path, &mut |account| match each(&account, &scope) {
            Ok(()) => true,
            Err(error) => {
                failed = Some(error);
                false
            }
        })?;
        if let Some(error) = failed.take() {
            return Err(error);
        }
    }
    Ok(())
}

/// The first pass of a scan of several accounts: every account's roles that other accounts may
/// assume, with how each reaches privilege; `None` for one account or when no role trusts
/// another account. With a history store each account's part is kept for the next run, and
/// with `--incremental` an account whose IAM data is unchanged takes its kept part (how many
/// did is the second value).
fn cross_account_index(
    plan: &Plan,
    rules: &RuleSet,
    organization: Option<&OrgModel>,
    history: Option<&crate::history::Recorder>,
) -> Result<(Option<CrossAccountIndex>, usize), InputError> {
    if plan.accounts.len() < 2 {
        return Ok((None, 0));
    }
    let cache = history.and_then(|history| FirstPassCache::new(history, rules, plan.as_of, organization));
    let index = Mutex::new(CrossAccountIndex::default());
    let failure: Mutex<Option<InputError>> = Mutex::new(None);
    let failed = AtomicBool::new(false);
    let add = |incoming: Incoming<'_>| {
        let local = match &cache {
            Some(cache) => cache.entry(incoming),
            None => incoming
                .parse()
                .map(|account| first_pass_entry(&account, rules, plan.as_of, organization)),
        };
        match local {
            Ok(local) if local.is_empty() => {}
            Ok(local) => {
                if let Ok(mut index) = index.lock() {
                    index.append(local);
                }
            }
            Err(error) => {
                failed.store(true, Ordering::Relaxed);
                if let Ok(mut failure) = failure.lock() {
                    failure.get_or_insert(error);
                }
            }
        }
    };
    plan.loaded
        .par_iter()
        .for_each(|account| add(Incoming::Loaded(Box::new(std::borrow::Cow::Borrowed(account)))));
    for file in &plan.files {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<RawAccount>(rayon::current_num_threads());
        let failed = &failed;
        let streamed = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut send = |raw| !failed.load(Ordering::Relaxed) && sender.send(raw).is_ok();
                crate::import::snapshot::stream_raw_accounts(file, &mut send)
            });
            receiver
                .into_iter()
                .par_bridge()
                .for_each(|raw| add(Incoming::Read { file, raw }));
            reader.join()
        });
        match streamed {
            Ok(result) => result?,
            Err(_) => return Err(InputError::Usage("the snapshot reader panicked".into())),
        }
    }
    if let Some(error) = failure.into_inner().ok().flatten() {
        return Err(error);
    }
    let reused = cache.map_or(0, FirstPassCache::keep);
    let mut index = index.into_inner().unwrap_or_default();
    index.finish();
    Ok(((!index.is_empty()).then_some(index), reused))
}

fn first_pass_entry(
    account: &AccountSnapshot,
    rules: &RuleSet,
    as_of: chrono::DateTime<chrono::Utc>,
    organization: Option<&OrgModel>,
) -> CrossAccountIndex {
    let mut entry = CrossAccountIndex::default();
    crate::facts::cross_account_entry(account, &rules.iam_knowledge, as_of, organization, &mut entry);
    entry
}

/// Each account's first-pass entry, through the history store.
struct FirstPassCache<'a> {
    history: &'a crate::history::Recorder,
    rules: &'a RuleSet,
    as_of: chrono::DateTime<chrono::Utc>,
    organization: Option<&'a OrgModel>,
    scope: crate::history::reuse::InputsDigest,
    /// Entries computed (with their bytes) or reused (without), staged when the pass ends.
    kept: Mutex<Vec<crate::history::ReusableCross>>,
}

impl<'a> FirstPassCache<'a> {
    fn new(
        history: &'a crate::history::Recorder,
        rules: &'a RuleSet,
        as_of: chrono::DateTime<chrono::Utc>,
        organization: Option<&'a OrgModel>,
    ) -> Option<Self> {
        let snapshot = organization.map(|org| &org.snapshot);
        let scope = crate::history::reuse::cross_scope_digest(rules, snapshot)
            .map_err(|error| tracing::warn!("the organisation cannot be digested ({error}); first pass computed"))
            .ok()?;
        Some(FirstPassCache {
            history,
            rules,
            as_of,
            organization,
            scope,
            kept: Mutex::new(Vec::new()),
        })
    }

    fn compute(&self, account: &AccountSnapshot) -> CrossAccountIndex {
        first_pass_entry(account, self.rules, self.as_of, self.organization)
    }

    /// The account's entry: the stored one when it may be reused (an account read from a file
    /// is then not parsed), computed otherwise.
    fn entry(&self, incoming: Incoming<'_>) -> Result<CrossAccountIndex, InputError> {
        let Some((account_id, digest)) = self.digest(&incoming)? else {
            return Ok(self.compute(&*incoming.parse()?));
        };
        if let Some(entry) = self.stored(&account_id, &digest) {
            self.remember(&account_id, digest, None, None);
            return Ok(entry);
        }
        let account = incoming.parse()?;
        let (entry, turned_on_time) = crate::facts::iam::conditions::noting_as_of(|| self.compute(&account));
        match crate::history::reuse::encode_cross(&entry) {
            Ok(bytes) => {
                let as_of = turned_on_time.then(|| self.as_of.timestamp_millis());
                self.remember(&account_id, digest, as_of, Some(bytes));
            }
            Err(error) => tracing::warn!("account {account_id}: first-pass entry not kept ({error})"),
        }
        Ok(entry)
    }

    /// The account's id and the digest its entry is kept under; `None` for an account without
    /// IAM data (its entry costs nothing to compute) or one that cannot be digested.
    fn digest(
        &self,
        incoming: &Incoming<'_>,
    ) -> Result<Option<(String, crate::history::reuse::InputsDigest)>, InputError> {
        let account = match incoming {
            Incoming::Read { file, raw } => {
                let parts = raw.first_pass_parts(file)?;
                let digest = crate::history::reuse::cross_digest_of_parts(&self.scope, &parts);
                return Ok(parts.iam.is_some().then_some((parts.account_id, digest)));
            }
            Incoming::Loaded(account) if account.iam.is_some() => account,
            Incoming::Loaded(_) => return Ok(None),
        };
        match crate::history::reuse::cross_digest(&self.scope, account) {
            Ok(digest) => Ok(Some((account.account_id.clone(), digest))),
            Err(error) => {
                tracing::warn!("account {}: IAM data cannot be digested ({error})", account.account_id);
                Ok(None)
            }
        }
    }

    fn stored(&self, account: &str, digest: &crate::history::reuse::InputsDigest) -> Option<CrossAccountIndex> {
        let (encoding, bytes) = match self.history.stored_cross(account, digest) {
            Ok(found) => found?,
            Err(error) => {
                tracing::warn!(
                    "{}: reading account {account}'s first-pass entry: {error}",
                    self.history.path().display()
                );
                return None;
            }
        };
        crate::history::reuse::decode_cross(&bytes, encoding)
            .map_err(|error| {
                tracing::warn!(
                    "{}: account {account}'s stored first-pass entry cannot be read ({error}); computing it",
                    self.history.path().display()
                )
            })
            .ok()
    }

    fn remember(
        &self,
        account: &str,
        digest: crate::history::reuse::InputsDigest,
        as_of: Option<i64>,
        entry: Option<Vec<u8>>,
    ) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.push(crate::history::ReusableCross {
                account: account.to_string(),
                digest,
                as_of,
                entry,
            });
        }
    }

    /// Stages what the next run may reuse (a failure costs that run time, not this run's
    /// data); returns how many entries this run reused.
    fn keep(self) -> usize {
        let kept = self.kept.into_inner().unwrap_or_default();
        if let Err(error) = self.history.stage_cross(&kept) {
            tracing::warn!(
                "{}: first-pass entries not kept: {error}",
                self.history.path().display()
            );
        }
        kept.iter().filter(|entry| entry.entry.is_none()).count()
    }
}

/// Every finding of an in-memory snapshot as `(fingerprint hex, rule id, resource ARN, status)`,
/// in report order, built on the same path as [`scan`] but with no suppressions, no baseline
/// and no outputs: what property tests compare before and after they break an input.
pub fn statuses(snapshot: Snapshot, rules: &RuleSet) -> anyhow::Result<Vec<(String, String, String, Status)>> {
    let as_of = snapshot
        .generated_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(chrono::Utc::now, |t| t.with_timezone(&chrono::Utc));
    let shared = Shared {
        rules,
        ranks: rule_ranks(rules).0,
        suppressions: None,
        baseline: None,
        history: None,
        as_of,
        organization: snapshot.organization.clone().map(OrgModel::new),
        cross_account: None,
        facts_ns: AtomicU64::new(0),
        input_ns: AtomicU64::new(0),
        rules_ns: AtomicU64::new(0),
        render_ns: AtomicU64::new(0),
        resources: AtomicU64::new(0),
        reused: AtomicU64::new(0),
        scope: None,
        overlay: None,
        input_failed: AtomicBool::new(false),
    };
    let mut shared = shared;
    if snapshot.accounts.len() > 1 {
        let mut index = CrossAccountIndex::default();
        for account in &snapshot.accounts {
            let organization = shared.organization.as_ref();
            crate::facts::cross_account_entry(account, &rules.iam_knowledge, as_of, organization, &mut index);
        }
        index.finish();
        shared.cross_account = (!index.is_empty()).then_some(index);
    }
    let mut engine = rules.engine.clone();
    let mut statuses = Vec::new();
    for account in &snapshot.accounts {
        let analysis = analyse_account(
            account,
            &rules.iam_knowledge,
            as_of,
            shared.organization.as_ref(),
            shared.cross_account.as_ref(),
        );
        let results = evaluate_account(&mut engine, rules, &analysis, &shared.input_ns);
        statuses.extend(
            build_findings(results, &shared, &Default::default())
                .into_iter()
                .map(|(_, finding)| {
                    let arn = finding.resource.arn.clone();
                    (finding.id.hex(), finding.rule.id.clone(), arn, finding.status)
                }),
        );
    }
    Ok(statuses)
}
