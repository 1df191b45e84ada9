//! Command line: parses arguments, runs the pipeline, and hands the outcome to the gate.

use crate::error::InputError;
use crate::gate::{self, FailOn, GateOptions, Outcome};
use crate::output::{self, Format};
use crate::report::{new_scan_id, Report, ScanInfo};
use crate::rules::{self, evaluate, RuleSet};
use crate::snapshot::{AccountSnapshot, Snapshot};
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
    /// Show the configuration in force.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Time a bare JSON parse of a file (the benchmark's yardstick).
    #[command(hide = true)]
    ParseJson { file: PathBuf },
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
}

#[derive(Args)]
struct ScanArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Report format.
    #[arg(short, long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
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
            let _ = error.print();
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => gate::EXIT_OK,
                _ => gate::EXIT_INPUT,
            };
        }
    };
    init_logging(cli.quiet, cli.verbose);
    let config = cli.config;
    let outcome = crate::config::Config::resolve(config.as_deref())
        .map_err(anyhow::Error::from)
        .and_then(|config| run(cli.command, config.as_ref()));
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
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
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

fn run(command: Command, config: Option<&crate::config::Config>) -> anyhow::Result<u8> {
    match command {
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

/// Reads every `--snapshot` and `--gaad` into one snapshot; returns it with the source labels.
fn load_sources(args: &SourceArgs) -> Result<(Snapshot, Vec<String>), InputError> {
    if args.snapshot.is_empty() && args.gaad.is_empty() {
        return Err(InputError::Usage(
            "a source is needed: --snapshot FILE or --gaad FILE".into(),
        ));
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
    let started_at = now();
    let clock = Instant::now();
    let rule_set = load_rules(&args.source.rules, config)?;
    let rules_loaded = clock.elapsed();
    let (snapshot, sources) = load_sources(&args.source)?;
    let loaded = clock.elapsed();

    let evaluation = evaluate::evaluate_snapshot(&snapshot, &rule_set);
    let evaluated = clock.elapsed();

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
    let scan = ScanInfo {
        id: new_scan_id(),
        started_at,
        finished_at: now(),
        sources,
        accounts: snapshot.accounts.iter().map(|a| a.account_id.clone()).collect(),
        regions: regions.into_iter().collect(),
    };
    let resources = evaluation.resources;
    let times = evaluation.times;
    drop(snapshot);
    let report = Report::new(scan, &rule_set, evaluation.results, gaps);
    let reported = clock.elapsed();

    let colour = args.output.is_none() && use_colour(&std::io::stdout());
    match &args.output {
        Some(path) => output::write_atomically(path, |out| output::render(&report, args.format, colour, out))
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            output::render(&report, args.format, colour, &mut out)?;
            out.flush()?;
        }
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
    };
    let decision = gate::decide(Outcome::Scanned(&report, &options));
    for reason in &decision.reasons {
        eprintln!("gate: {reason}");
    }
    Ok(decision.code)
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
