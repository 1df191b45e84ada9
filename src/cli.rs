//! Command line: parses arguments, runs the pipeline, and hands the outcome to the gate.

use crate::baseline::RecordedReport;
use crate::error::InputError;
use crate::gate::{self, FailOn, GateOptions, Outcome};
use crate::output::{self, Format, FormatSpec, OcsfClass, RenderOptions};
use crate::report::{new_scan_id, Report, ScanInfo};
use crate::rules::{self, evaluate, RuleSet};
use crate::snapshot::{AccountSnapshot, Snapshot};
use crate::suppress::{self, SuppressionFile};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "posture",
    version,
    about = "AWS security posture scanner: least privilege, zero trust, scored and gated"
)]
pub struct Cli {
    /// Only warnings and errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More logging on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Configuration file with rule parameters (default: ./posture.yaml when present).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate rules on a snapshot or an IAM dump and report.
    Scan(ScanArgs),
    /// Read AWS (live) into a snapshot file, to scan later with `scan --snapshot`.
    Collect(CollectArgs),
    /// List, explain and test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write a deterministic synthetic organisation snapshot (for benchmarks and tests).
    Synth(SynthArgs),
    /// Print the facts each account gives the rules (the Rego `input`), one JSON object per line.
    Facts(SourceArgs),
    /// Write the JSON Schema of the snapshot.
    Schema {
        /// Output file (default: stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Compare two JSON reports v1: new failing findings, resolved ones, and the score's move.
    Diff(DiffArgs),
    /// Show the configuration in force.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Time a bare JSON parse of a file (the benchmark's yardstick).
    #[command(hide = true)]
    ParseJson { file: PathBuf },
}

/// Where and how to read AWS live (the standard credential chain applies: environment,
/// profiles, SSO, web identity, instance and container roles; AWS_ENDPOINT_URL works).
#[derive(Args, Clone, Default)]
struct LiveArgs {
    /// Named profile from the AWS config files.
    #[arg(long)]
    profile: Option<String>,
    /// Regions to scan, comma-separated (default: every region enabled in each account).
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// Assume this role first (e.g. an audit role in the management account).
    #[arg(long)]
    role_arn: Option<String>,
    /// External id for --role-arn and for the per-account role in --org mode.
    #[arg(long)]
    external_id: Option<String>,
    /// Scan every ACTIVE account of the organisation, assuming --role-name in each.
    #[arg(long)]
    org: bool,
    /// The role to assume in each member account with --org.
    #[arg(long, default_value = "OrganizationAccountAccessRole")]
    role_name: String,
    /// Only these accounts (comma-separated).
    #[arg(long, value_delimiter = ',')]
    accounts: Vec<String>,
    /// Leave these accounts out (comma-separated).
    #[arg(long, value_delimiter = ',')]
    exclude_accounts: Vec<String>,
    /// How many AWS API call groups run at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Fill VPC/PrivateLink data for the whole organisation from this AWS Config aggregator.
    #[arg(long, value_name = "NAME")]
    config_aggregator: Option<String>,
}

#[derive(Args)]
struct CollectArgs {
    #[command(flatten)]
    live: LiveArgs,
    /// The snapshot file to write (atomically).
    #[arg(short, long, value_name = "PATH")]
    output: PathBuf,
}

#[derive(Args)]
struct SourceArgs {
    /// A saved posture snapshot (repeatable).
    #[arg(long, value_name = "FILE")]
    snapshot: Vec<PathBuf>,
    /// Output of `aws iam get-account-authorization-details` (repeatable, one per account).
    #[arg(long, value_name = "FILE")]
    gaad: Vec<PathBuf>,
    /// A folder of your own Rego rules, added to the built-in ones (repeatable).
    #[arg(long, value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Without --snapshot or --gaad, posture reads AWS live with these.
    #[command(flatten)]
    live: LiveArgs,
}

#[derive(Args)]
struct ScanArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Report format, with an optional file: `-f json=report.json -f sarif=posture.sarif -f table`
    /// (repeatable; at most one without a path goes to stdout). One of table, json, ndjson, ocsf,
    /// asff, sarif, junit, csv, html. Default: table.
    #[arg(short, long = "format", value_name = "FORMAT[=PATH]")]
    format: Vec<FormatSpec>,
    /// Write the report to this file (atomically) instead of stdout; only with a single format.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// The OCSF class of `-f ocsf`: compliance (2003) or detection (2004, failing results only).
    #[arg(long, value_enum, default_value = "compliance")]
    ocsf_class: OcsfClass,
    /// Suppressions (YAML). Default: .posture-ignore.yaml in the working directory, if present.
    #[arg(long, value_name = "PATH")]
    ignore_file: Option<PathBuf>,
    /// Apply no suppressions: show every failing result as failing.
    #[arg(long)]
    no_ignores: bool,
    /// An earlier JSON report v1: mark findings new or unchanged and list the resolved ones.
    #[arg(long, value_name = "PREVIOUS.json")]
    baseline: Option<PathBuf>,
    /// With --baseline: fail (exit 3) only on new failing results at or above --fail-on.
    #[arg(long, requires = "baseline")]
    fail_on_new: bool,
    /// Fail (exit 3) on a failing result at or above this severity.
    #[arg(long, value_enum, default_value = "none")]
    fail_on: FailOn,
    /// Fail (exit 3) when the overall score is below this.
    #[arg(long, value_name = "N", value_parser = parse_score)]
    min_score: Option<f64>,
    /// Exit 4 when coverage is incomplete (not-evaluated results or coverage gaps).
    #[arg(long)]
    strict: bool,
    /// Print phase timings to stderr.
    #[arg(long)]
    timings: bool,
    /// Import the findings (ASFF) into AWS Security Hub with BatchImportFindings.
    #[arg(long)]
    push_security_hub: bool,
}

#[derive(Args)]
struct DiffArgs {
    /// The earlier report.
    old: PathBuf,
    /// The later report.
    new: PathBuf,
    /// `table` or `json`.
    #[arg(short, long, value_enum, default_value = "table")]
    format: DiffFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    Table,
    Json,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// id, severity, pillar and title of every rule.
    List {
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// `table` or `json`.
        #[arg(short, long, value_enum, default_value = "table")]
        format: ListFormat,
        /// Only rules with a compliance id starting with this (e.g. `cis-aws-4.0`, `aws-fsbp:EC2`).
        #[arg(long, value_name = "PREFIX")]
        compliance: Option<String>,
    },
    /// Write the rules reference (Markdown) generated from METADATA.
    Docs {
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// Output file (default: stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Everything posture knows about one rule.
    Explain {
        id: String,
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Run the `test_*` rules of `_test.rego` files (built-in ones, or those under DIR).
    Test {
        dir: Option<PathBuf>,
        /// Leave the built-in rules out (test a folder on its own, e.g. a checkout of rules/).
        #[arg(long)]
        no_builtin: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the rule parameters (data.posture.params): defaults of rules/data/params.json with
    /// posture.yaml's overrides applied.
    Show {
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

#[derive(Args)]
struct SynthArgs {
    #[arg(long, default_value_t = 10)]
    accounts: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file.
    #[arg(short, long)]
    output: PathBuf,
}

fn parse_score(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 100"))
    }
}

/// Parses arguments, runs, and returns the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    let _ = error.print();
                    gate::EXIT_OK
                }
                _ => {
                    // Usage errors are one line; the "try --help" hint below it is dropped.
                    let rendered = error.render().to_string();
                    eprintln!("{}", rendered.lines().next().unwrap_or("error: invalid arguments"));
                    gate::EXIT_INPUT
                }
            };
        }
    };
    init_logging(cli.quiet, cli.verbose);
    let config = cli.config;
    let quiet = cli.quiet;
    let outcome = crate::config::Config::resolve(config.as_deref())
        .map_err(anyhow::Error::from)
        .and_then(|config| run(cli.command, config.as_ref(), quiet));
    match outcome {
        Ok(code) => code,
        Err(error) => match error.downcast_ref::<InputError>() {
            Some(input) => {
                eprintln!("error: {input}");
                gate::decide(Outcome::InputError).code
            }
            None => {
                eprintln!("error: {error:#}");
                gate::decide(Outcome::RuntimeError).code
            }
        },
    }
}

fn init_logging(quiet: bool, verbose: u8) {
    // Our own warnings by default; the SDK's own (credential-chain probing) only when asked.
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "error,posture=warn",
        (false, 1) => "warn,posture=info",
        _ => "info,posture=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTURE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_colour(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .try_init();
}

/// Colour only on a terminal, and never when NO_COLOR is set to anything non-empty.
fn use_colour(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn run(command: Command, config: Option<&crate::config::Config>, quiet: bool) -> anyhow::Result<u8> {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
    match command {
        Command::Collect(args) => {
            let snapshot = collect_live(&args.live)?;
            output::write_atomically(&args.output, |out| {
                serde_json::to_writer(&mut *out, &snapshot).map_err(std::io::Error::other)?;
                out.write_all(b"\n")
            })
            .with_context(|| format!("writing {}", args.output.display()))?;
            eprintln!(
                "wrote {} ({} account(s), {} coverage gap(s))",
                args.output.display(),
                snapshot.accounts.len(),
                snapshot.accounts.iter().map(|a| a.coverage_gaps.len()).sum::<usize>()
            );
            Ok(gate::decide(Outcome::Done).code)
        }
        Command::Scan(args) => scan(args, config),
        Command::Config(ConfigCommand::Show { rules }) => {
            let mut sources = rules::RuleSources::gather(&rules, true)?;
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
            let yaml = yaml_serde::to_string(&serde_json::json!({ "params": params }))?;
            stdout.write_all(yaml.as_bytes())?;
            Ok(gate::decide(Outcome::Done).code)
        }
        Command::Facts(args) => {
            let rule_set = load_rules(&args.rules, config)?;
            let (snapshot, _) = load_sources(&args)?;
            let as_of = evaluate::collection_time(&snapshot);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for account in &snapshot.accounts {
                let analysis = crate::facts::analyse_account(account, &rule_set.iam_knowledge, as_of);
                serde_json::to_writer(&mut out, &analysis.facts)?;
                writeln!(out)?;
            }
            out.flush()?;
            Ok(gate::decide(Outcome::Done).code)
        }
        Command::Rules(command) => rules_command(command, config),
        Command::Diff(args) => diff(args),
        Command::Synth(args) => {
            let started = Instant::now();
            let stats = crate::synth::write_snapshot(&args.output, args.accounts, args.seed)
                .with_context(|| format!("writing {}", args.output.display()))?;
            eprintln!(
                "wrote {} ({} accounts, {} resources, {} bytes) in {:.2}s",
                args.output.display(),
                args.accounts,
                stats.resources,
                stats.bytes,
                started.elapsed().as_secs_f64()
            );
            Ok(gate::decide(Outcome::Done).code)
        }
        Command::Schema { output } => {
            let schema = serde_json::to_string_pretty(&crate::snapshot::json_schema())? + "\n";
            match output {
                Some(path) => output::write_atomically(&path, |out| out.write_all(schema.as_bytes()))?,
                None => std::io::stdout().lock().write_all(schema.as_bytes())?,
            }
            Ok(gate::decide(Outcome::Done).code)
        }
        Command::ParseJson { file } => {
            let bytes = std::fs::read(&file).map_err(|source| InputError::Unreadable {
                path: file.clone(),
                source,
            })?;
            // A validating parse that builds nothing: the floor any JSON reader pays.
            let started = Instant::now();
            let _: serde::de::IgnoredAny =
                serde_json::from_slice(&bytes).map_err(|error| InputError::at(&file, "$".into(), &error))?;
            let validate = started.elapsed().as_secs_f64();
            // A parse into a generic JSON tree, as jq or a script would do.
            let started = Instant::now();
            let tree: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|error| InputError::at(&file, "$".into(), &error))?;
            let dom = started.elapsed().as_secs_f64();
            drop(tree);
            eprintln!(
                "validate_seconds={validate:.3} dom_seconds={dom:.3} bytes={}",
                bytes.len()
            );
            Ok(gate::decide(Outcome::Done).code)
        }
    }
}

fn load_rules(dirs: &[PathBuf], config: Option<&crate::config::Config>) -> Result<RuleSet, InputError> {
    RuleSet::load(dirs, true, config)
}

#[cfg(feature = "live")]
fn push_security_hub(report: &Report<'_>, profile: Option<&str>) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    output::asff::write(report, &mut buffer)?;
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&buffer)?;
    let total = findings.len();
    let summary = crate::collect::push::push_blocking(findings, profile)?;
    eprintln!("Security Hub: imported {} of {total} finding(s)", summary.imported);
    for (id, error) in &summary.failed {
        eprintln!("Security Hub refused {id}: {error}");
    }
    if summary.failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} finding(s) were not imported into Security Hub (listed above)",
            summary.failed.len()
        )
    }
}

#[cfg(not(feature = "live"))]
fn push_security_hub(_report: &Report<'_>, _profile: Option<&str>) -> anyhow::Result<()> {
    Err(InputError::Usage("this build cannot push to Security Hub (built without the `live` feature)".into()).into())
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(feature = "live")]
fn collect_live(args: &LiveArgs) -> anyhow::Result<Snapshot> {
    let options = crate::collect::CollectOptions {
        profile: args.profile.clone(),
        regions: args.regions.clone(),
        role_arn: args.role_arn.clone(),
        external_id: args.external_id.clone(),
        org: args.org,
        role_name: args.role_name.clone(),
        accounts: args.accounts.clone(),
        exclude_accounts: args.exclude_accounts.clone(),
        concurrency: args.concurrency,
        config_aggregator: args.config_aggregator.clone(),
        progress: !QUIET.load(std::sync::atomic::Ordering::Relaxed),
    };
    let calls = std::sync::Arc::new(crate::collect::CallCounter::default());
    let started = Instant::now();
    let snapshot = crate::collect::collect_blocking(&options, calls.clone())?;
    tracing::info!("collected in {:.2}s", started.elapsed().as_secs_f64());
    for line in calls.summary() {
        tracing::info!("{line}");
    }
    Ok(snapshot)
}

#[cfg(not(feature = "live"))]
fn collect_live(_args: &LiveArgs) -> anyhow::Result<Snapshot> {
    Err(InputError::Usage("this build has no live collection (built without the `live` feature)".into()).into())
}

/// Reads every `--snapshot` and `--gaad` into one snapshot (or AWS live when none is given);
/// returns it with the source labels.
fn load_sources(args: &SourceArgs) -> anyhow::Result<(Snapshot, Vec<String>)> {
    if args.snapshot.is_empty() && args.gaad.is_empty() {
        let snapshot = collect_live(&args.live)?;
        return Ok((snapshot, vec!["live:aws".to_string()]));
    }
    let mut sources = Vec::new();
    let mut accounts: Vec<AccountSnapshot> = Vec::new();
    let mut collected_at: Option<String> = None;
    for path in &args.snapshot {
        let snapshot = Snapshot::load(path)?;
        sources.push(format!("snapshot:{}", path.display()));
        collected_at = collected_at.max(snapshot.generated_at);
        accounts.extend(snapshot.accounts);
    }
    for path in &args.gaad {
        accounts.push(crate::import::gaad::load_gaad(path)?);
        sources.push(format!("gaad:{}", path.display()));
    }
    reject_duplicate_accounts(&accounts)?;
    let mut snapshot = Snapshot::new("scan", accounts);
    // Replaying a saved snapshot judges ages as of its collection, not as of today.
    if collected_at.is_some() {
        snapshot.generated_at = collected_at;
    }
    snapshot.sort();
    Ok((snapshot, sources))
}

fn scan(args: ScanArgs, config: Option<&crate::config::Config>) -> anyhow::Result<u8> {
    // Everything the user can get wrong is checked before any work is done.
    let targets = plan_outputs(&args.format, args.output.as_deref())?;
    let suppressions = load_suppressions(args.ignore_file.as_deref(), args.no_ignores)?;
    let previous = args.baseline.as_deref().map(RecordedReport::load).transpose()?;
    let started_at = now();
    let clock = Instant::now();
    let rule_set = load_rules(&args.source.rules, config)?;
    let rules_loaded = clock.elapsed();
    let (snapshot, sources) = load_sources(&args.source)?;
    let loaded = clock.elapsed();

    // What the report needs of the snapshot is taken first: evaluation consumes it.
    let regions: BTreeSet<String> = snapshot
        .accounts
        .iter()
        .flat_map(|a| a.regions.iter().map(|r| r.region.clone()))
        .collect();
    let gaps = snapshot
        .accounts
        .iter()
        .flat_map(|a| a.coverage_gaps.iter().cloned())
        .collect();
    let accounts = snapshot.accounts.iter().map(|a| a.account_id.clone()).collect();

    let evaluation = evaluate::evaluate_snapshot(snapshot, &rule_set);
    let evaluated = clock.elapsed();

    let scan = ScanInfo {
        id: new_scan_id(),
        started_at,
        finished_at: now(),
        sources,
        accounts,
        regions: regions.into_iter().collect(),
    };
    let resources = evaluation.resources;
    let times = evaluation.times;
    let mut results = evaluation.results;
    if let Some(file) = &suppressions {
        let applied = suppress::apply(file, chrono::Utc::now().date_naive(), &mut results, |r| {
            rule_set.rules[r.rule].meta.id.clone()
        });
        for line in &applied.expired {
            eprintln!("warning: {line}");
        }
        tracing::info!("{}: {} failing result(s) muted", file.path.display(), applied.muted);
    }
    let mut report = Report::new(scan, &rule_set, results, gaps);
    if let Some(previous) = &previous {
        report.compare_with(previous);
    }
    let reported = clock.elapsed();

    for target in &targets {
        let colour = target.format == Format::Table && target.path.is_none() && use_colour(&std::io::stdout());
        let options = RenderOptions {
            colour,
            ocsf_class: args.ocsf_class,
        };
        match &target.path {
            Some(path) => output::write_atomically(path, |out| output::render(&report, target.format, options, out))
                .with_context(|| format!("writing {}", path.display()))?,
            None => {
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                output::render(&report, target.format, options, &mut out)?;
                out.flush()?;
            }
        }
    }
    if args.push_security_hub {
        push_security_hub(&report, args.source.live.profile.as_deref())?;
    }
    let written = clock.elapsed();
    if args.timings {
        eprintln!(
            "timings: rules_load={:.3}s load={:.3}s evaluate_wall={:.3}s (facts_cpu={:.3}s input_cpu={:.3}s rules_cpu={:.3}s) report={:.3}s output={:.3}s total={:.3}s resources={} results={} threads={}",
            rules_loaded.as_secs_f64(),
            (loaded - rules_loaded).as_secs_f64(),
            (evaluated - loaded).as_secs_f64(),
            times.facts_seconds,
            times.input_seconds,
            times.rules_seconds,
            (reported - evaluated).as_secs_f64(),
            (written - reported).as_secs_f64(),
            written.as_secs_f64(),
            resources,
            report.results.len(),
            rayon::current_num_threads(),
        );
    }
    let options = GateOptions {
        fail_on: args.fail_on,
        min_score: args.min_score,
        strict: args.strict,
        fail_on_new: args.fail_on_new,
    };
    let decision = gate::decide(Outcome::Scanned(&report, &options));
    for reason in &decision.reasons {
        eprintln!("gate: {reason}");
    }
    Ok(decision.code)
}

/// Where each requested format goes. `-o PATH` keeps working with exactly one format.
fn plan_outputs(formats: &[FormatSpec], output: Option<&Path>) -> Result<Vec<FormatSpec>, InputError> {
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

fn diff(args: DiffArgs) -> anyhow::Result<u8> {
    let old = RecordedReport::load(&args.old)?;
    let new = RecordedReport::load(&args.new)?;
    let diff = output::diff::Diff::of(&old, &new);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        DiffFormat::Table => out.write_all(diff.table().as_bytes())?,
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &diff)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(gate::decide(Outcome::Done).code)
}

fn reject_duplicate_accounts(accounts: &[AccountSnapshot]) -> Result<(), InputError> {
    let mut seen = BTreeSet::new();
    for account in accounts {
        if !seen.insert(account.account_id.as_str()) {
            return Err(InputError::Usage(format!(
                "account {} appears in more than one input; scan each account once",
                account.account_id
            )));
        }
    }
    Ok(())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn rules_command(command: RulesCommand, config: Option<&crate::config::Config>) -> anyhow::Result<u8> {
    let stdout = &mut std::io::stdout().lock();
    match command {
        RulesCommand::Docs { rules, output } => {
            let rule_set = load_rules(&rules, config)?;
            let text = rules::docs::markdown(&rule_set.rules);
            match output {
                Some(path) => output::write_atomically(&path, |out| out.write_all(text.as_bytes()))?,
                None => stdout.write_all(text.as_bytes())?,
            }
            Ok(gate::decide(Outcome::Done).code)
        }
        RulesCommand::List {
            rules,
            format,
            compliance,
        } => {
            let rule_set = load_rules(&rules, config)?;
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
                ListFormat::Table => {
                    let mut table = comfy_table::Table::new();
                    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
                    table.set_header(vec!["ID", "Severity", "Pillar", "Title"]);
                    for rule in &selected {
                        table.add_row(vec![
                            rule.meta.id.as_str(),
                            rule.meta.severity.as_str(),
                            rule.meta.pillar.as_str(),
                            rule.meta.title.as_str(),
                        ]);
                    }
                    writeln!(stdout, "{table}")?;
                }
            }
            Ok(gate::decide(Outcome::Done).code)
        }
        RulesCommand::Explain { id, rules } => {
            let rule_set = load_rules(&rules, config)?;
            let rule = rule_set
                .find(&id)
                .ok_or_else(|| InputError::Usage(format!("no rule with id {id:?}; see `posture rules list`")))?;
            let meta = &rule.meta;
            writeln!(stdout, "{} — {}", meta.id, meta.title)?;
            writeln!(
                stdout,
                "severity: {}   pillar: {}",
                meta.severity.as_str(),
                meta.pillar.as_str()
            )?;
            writeln!(stdout, "categories: {}", meta.categories.join(", "))?;
            writeln!(stdout, "requires: {}", meta.requires.join(", "))?;
            writeln!(stdout, "compliance: {}", meta.compliance.join(", "))?;
            writeln!(stdout, "source: {} (package {})", rule.origin, rule.package)?;
            writeln!(stdout, "\n{}\n", meta.description)?;
            writeln!(stdout, "Remediation: {}", meta.remediation)?;
            Ok(gate::decide(Outcome::Done).code)
        }
        RulesCommand::Test { dir, no_builtin } => {
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
    }
}
