//! `posture scan`: turns the flags into a [`ScanRequest`], runs it, writes the timings and
//! returns the gate's exit code. Everything the user can get wrong is checked before any work.

use super::args::ScanArgs;
use super::collect::{collect_live, push_security_hub};
use crate::config::Config;
use crate::destination::Destination;
use crate::error::InputError;
use crate::gate::{self, GateOptions, Outcome};
use crate::history::BaselineArg;
use crate::output::{Format, FormatSpec, RenderOptions};
use crate::report::v1::RecordedReport;
use crate::rules::RuleSet;
use crate::scan::{ScanRequest, Source};
use crate::suppress::{self, LiveSuppressions, SuppressionFile};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(super) fn scan(args: ScanArgs, config: Option<&Config>, quiet: bool) -> anyhow::Result<u8> {
    let clock = Instant::now();
    let specs = plan_outputs(&args.format, args.output.as_deref())?;
    let suppressions = load_suppressions(args.ignore_file.as_deref(), args.no_ignores)?;
    let inputs = inputs(&args, suppressions.as_ref(), config);
    let mut outputs = Vec::new();
    for spec in &specs {
        let destination = match &spec.path {
            Some(path) if spec.format == Format::OcsfParquet => Destination::open_folder(path)?,
            Some(path) => Destination::open(path, &inputs)?,
            None => Destination::stdout(),
        };
        outputs.push((spec.format, destination));
    }
    // Security Hub takes the ASFF findings, spooled to a private temporary file.
    let push_file = if args.push_security_hub {
        let file = tempfile::NamedTempFile::new()?;
        outputs.push((Format::Asff, Destination::open(file.path(), &[])?));
        Some(file)
    } else {
        None
    };
    let plan_inputs = plan_inputs(&args)?;
    let mut baseline = match &args.baseline {
        Some(BaselineArg::File(path)) => Some(RecordedReport::load(path)?),
        _ => None,
    };
    let output_paths: Vec<PathBuf> = specs.iter().filter_map(|s| s.path.clone()).collect();
    let history = if plan_inputs.is_empty() {
        super::history::request(&args, config, &inputs, &output_paths)?
    } else {
        refuse_history_with_plan(&args, config)?
    };
    let rules = RuleSet::load(&args.source.rules, true, config)?;
    let rules_loaded = clock.elapsed();
    let mut sources = sources(&args, quiet)?;
    let mut pre_deploy = None;
    let prepare_clock = Instant::now();
    if !plan_inputs.is_empty() {
        let prepared = crate::plan::base::prepare(&plan_inputs, sources, &rules, suppressions.as_ref())?;
        sources = vec![prepared.source];
        baseline = Some(prepared.baseline);
        pre_deploy = Some(prepared.pre_deploy);
    }
    // Reading the plans, scanning the base and applying the changes, before the planned scan.
    let prepared_in = prepare_clock.elapsed();
    let colour =
        specs.iter().any(|s| s.format == Format::Table && s.path.is_none()) && super::use_colour(&std::io::stdout());
    let request = ScanRequest {
        sources,
        suppressions: suppressions.map(|file| LiveSuppressions::new(file, chrono::Utc::now().date_naive())),
        baseline,
        outputs,
        options: RenderOptions {
            colour,
            ocsf_class: args.ocsf_class,
            ocsf_version: args.ocsf_version,
            only_failing: args.only_failing,
        },
        pre_deploy,
        record: false,
        history,
    };
    let outcome = crate::scan::scan(request, &rules)?;
    if let Some(file) = &push_file {
        push_security_hub(file.path(), args.source.live.profile.as_deref())?;
    }
    if args.timings {
        let t = &outcome.timings;
        eprintln!(
            "timings: rules_load={:.3}s plan_and_base={:.3}s load={:.3}s evaluate_wall={:.3}s (facts_cpu={:.3}s input_cpu={:.3}s rules_cpu={:.3}s render_cpu={:.3}s) output={:.3}s total={:.3}s resources={} results={} reused_accounts={} first_pass={:.3}s reused_first_pass={} threads={}",
            rules_loaded.as_secs_f64(),
            prepared_in.as_secs_f64(),
            t.load_seconds,
            t.evaluate_wall_seconds,
            t.facts_cpu_seconds,
            t.input_cpu_seconds,
            t.rules_cpu_seconds,
            t.render_cpu_seconds,
            t.output_seconds,
            clock.elapsed().as_secs_f64(),
            t.resources,
            outcome.summary.counts.total(),
            t.reused_accounts,
            t.first_pass_seconds,
            t.reused_first_pass,
            rayon::current_num_threads(),
        );
        eprintln!("timings: slowest rules: {}", slowest_rules(&rules, 8));
    }
    let options = GateOptions {
        fail_on: args.fail_on,
        min_score: args.min_score,
        strict: args.strict,
        fail_on_new: args.fail_on_new,
    };
    let decision = gate::decide(Outcome::Scanned(&outcome.summary, &options));
    for reason in &decision.reasons {
        eprintln!("gate: {reason}");
    }
    Ok(decision.code)
}

/// A planned state is not what is deployed: it is never recorded in the history store (an
/// explicit --history with a plan is refused, before any store is opened; posture.yaml's store
/// is left alone, and said so).
fn refuse_history_with_plan(
    args: &ScanArgs,
    config: Option<&Config>,
) -> Result<Option<crate::history::HistoryRequest>, InputError> {
    if args.history.incremental {
        return Err(InputError::Usage(
            "--incremental reuses recorded results of what is deployed; a scan of --plan or --cloudformation evaluates everything".into(),
        ));
    }
    if args.history.history.is_some() {
        return Err(InputError::Usage(
            "--history records what is deployed; a scan of --plan or --cloudformation is not recorded".into(),
        ));
    }
    if config.is_some_and(|c| c.history.is_some()) && !args.history.no_history {
        tracing::info!("the planned state is not recorded in the history store of posture.yaml");
    }
    Ok(None)
}

/// Every file the run reads: no output may replace one of them.
fn inputs(args: &ScanArgs, suppressions: Option<&SuppressionFile>, config: Option<&Config>) -> Vec<PathBuf> {
    let source = &args.source;
    let mut inputs: Vec<PathBuf> = source.snapshot.iter().chain(&source.gaad).cloned().collect();
    if let Some(BaselineArg::File(path)) = &args.baseline {
        inputs.push(path.clone());
    }
    inputs.extend(
        args.pre_deploy
            .plan
            .iter()
            .chain(&args.pre_deploy.cloudformation)
            .cloned(),
    );
    inputs.extend(suppressions.map(|s| s.path.clone()));
    inputs.extend(config.map(|c| c.path.clone()));
    inputs
}

fn sources(args: &ScanArgs, quiet: bool) -> anyhow::Result<Vec<Source>> {
    let source = &args.source;
    if args.pre_deploy.no_base {
        return Ok(Vec::new());
    }
    if source.snapshot.is_empty() && source.gaad.is_empty() {
        let snapshot = collect_live(&source.live, quiet)?;
        return Ok(vec![Source::Collected {
            label: "live:aws".into(),
            snapshot: Box::new(snapshot),
        }]);
    }
    let snapshots = source.snapshot.iter().cloned().map(Source::Snapshot);
    Ok(snapshots.chain(source.gaad.iter().cloned().map(Source::Gaad)).collect())
}

/// The plans and templates to apply, with the flags that only make sense with them checked.
fn plan_inputs(args: &ScanArgs) -> Result<crate::plan::PlanInputs, InputError> {
    let given = &args.pre_deploy;
    let inputs = crate::plan::PlanInputs {
        terraform: given.plan.clone(),
        cloudformation: given.cloudformation.clone(),
        plan_account: given.plan_account.clone(),
        cfn_account: given.cfn_account.clone(),
        cfn_region: given.cfn_region.clone(),
    };
    let usage = |text: &str| Err(InputError::Usage(text.into()));
    if inputs.is_empty() {
        if given.no_base || given.plan_account.is_some() {
            return usage("--no-base and --plan-account need --plan or --cloudformation");
        }
        if given.cfn_account.is_some() || given.cfn_region.is_some() {
            return usage("--cfn-account and --cfn-region need --cloudformation");
        }
        if args.fail_on_new && args.baseline.is_none() {
            return usage("--fail-on-new needs --baseline, --plan or --cloudformation");
        }
        return Ok(inputs);
    }
    if args.baseline.is_some() {
        return usage("--baseline and --plan/--cloudformation both set the baseline (a plan's is its base); give one");
    }
    if given.no_base && !(args.source.snapshot.is_empty() && args.source.gaad.is_empty()) {
        return usage("--no-base judges the plan on its own: leave out --snapshot and --gaad");
    }
    Ok(inputs)
}

/// Where each requested format goes. `-o PATH` keeps working with exactly one format.
pub(super) fn plan_outputs(formats: &[FormatSpec], output: Option<&Path>) -> Result<Vec<FormatSpec>, InputError> {
    let mut targets: Vec<FormatSpec> = if formats.is_empty() {
        vec![FormatSpec {
            format: Format::Table,
            path: None,
        }]
    } else {
        formats.to_vec()
    };
    if let Some(path) = output {
        match targets.as_mut_slice() {
            [only] if only.path.is_none() => only.path = Some(path.to_path_buf()),
            [_] => {
                return Err(InputError::Usage(
                    "give the path once: either -f FORMAT=PATH or -o PATH".into(),
                ))
            }
            _ => {
                return Err(InputError::Usage(
                    "-o PATH takes a single format; with several, give each its own: -f json=report.json".into(),
                ))
            }
        }
    }
    if targets.iter().any(|t| t.format == Format::OcsfParquet) {
        if !cfg!(feature = "parquet") {
            return Err(InputError::Usage(format!(
                "-f ocsf-parquet: {}",
                crate::output::PARQUET_MISSING
            )));
        }
        if targets
            .iter()
            .any(|t| t.format == Format::OcsfParquet && t.path.is_none())
        {
            return Err(InputError::Usage(
                "-f ocsf-parquet needs a folder: -f ocsf-parquet=DIR".into(),
            ));
        }
    }
    if targets.iter().filter(|t| t.path.is_none()).count() > 1 {
        return Err(InputError::Usage(
            "at most one format may go to stdout; give the others a path: -f FORMAT=PATH".into(),
        ));
    }
    let mut paths = BTreeSet::new();
    for path in targets.iter().filter_map(|t| t.path.as_ref()) {
        if !paths.insert(path) {
            return Err(InputError::Usage(format!(
                "{} is the target of more than one format",
                path.display()
            )));
        }
    }
    Ok(targets)
}

/// The suppression file to apply: the one named, else `.posture-ignore.yaml` if present.
fn load_suppressions(named: Option<&Path>, disabled: bool) -> Result<Option<SuppressionFile>, InputError> {
    if disabled {
        return Ok(None);
    }
    let path = match named {
        Some(path) => path.to_path_buf(),
        None => {
            let default = PathBuf::from(suppress::DEFAULT_IGNORE_FILE);
            if !default.exists() {
                return Ok(None);
            }
            default
        }
    };
    SuppressionFile::load(&path)
        .map(Some)
        .map_err(|error| InputError::Usage(error.to_string()))
}

/// The `count` rules that took the most CPU in this scan, as `ID=seconds` (for rule authors).
fn slowest_rules(rules: &RuleSet, count: usize) -> String {
    let mut spent: Vec<(&str, u64)> = rules
        .rules
        .iter()
        .map(|rule| {
            (
                rule.meta.id.as_str(),
                rule.cpu_ns.load(std::sync::atomic::Ordering::Relaxed),
            )
        })
        .collect();
    spent.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    spent
        .iter()
        .take(count)
        .map(|(id, ns)| format!("{id}={:.3}s", *ns as f64 / 1e9))
        .collect::<Vec<_>>()
        .join(" ")
}
