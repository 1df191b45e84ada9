//! The command line's words: every command, flag and value, as clap structs. Parsing only;
//! the commands live in the modules beside this one.

use crate::gate::FailOn;
use crate::history::{BaselineArg, Detail};
use crate::output::{FormatSpec, OcsfClass, OcsfVersion};
use crate::shard::Shard;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "posture",
    version,
    about = "AWS security posture scanner: least privilege, zero trust, scored and gated"
)]
pub struct Cli {
    /// Only warnings and errors on stderr.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// More logging on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Configuration file with rule parameters (default: ./posture.yaml when present).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Evaluate rules on a snapshot or an IAM dump and report.
    Scan(ScanArgs),
    /// Read AWS (live) into a snapshot file, to scan later with `scan --snapshot`.
    Collect(CollectArgs),
    /// List, explain and test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print the facts each account gives the rules (the Rego `input`), one JSON object per line.
    Facts(SourceArgs),
    /// Write the JSON Schema of the snapshot.
    Schema {
        /// Which schema: the snapshot (input), JSON report v1 (output) or the facts (the Rego input).
        #[arg(long, value_enum, default_value = "snapshot")]
        kind: SchemaKind,
        /// Output file (default: stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Compare two JSON reports v1: new failing findings, resolved ones, and the score's move.
    Diff(DiffArgs),
    /// The runs recorded in a history store (`scan --history`), or one finding's life.
    History(HistoryArgs),
    /// Show the configuration in force.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Where and how to read AWS live (the standard credential chain applies: environment,
/// profiles, SSO, web identity, instance and container roles; AWS_ENDPOINT_URL works).
#[derive(Args, Clone, Default)]
pub(crate) struct LiveArgs {
    /// Named profile from the AWS config files.
    #[arg(long)]
    pub(crate) profile: Option<String>,
    /// Regions to scan, comma-separated (default: every region enabled in each account).
    #[arg(long, value_delimiter = ',')]
    pub(crate) regions: Vec<String>,
    /// Assume this role first (e.g. an audit role in the management account).
    #[arg(long)]
    pub(crate) role_arn: Option<String>,
    /// External id for --role-arn and for the per-account role in --org mode.
    #[arg(long)]
    pub(crate) external_id: Option<String>,
    /// Scan every ACTIVE account of the organisation, assuming --role-name in each.
    #[arg(long)]
    pub(crate) org: bool,
    /// The role to assume in each member account with --org.
    #[arg(long, default_value = "OrganizationAccountAccessRole")]
    pub(crate) role_name: String,
    /// Only these accounts (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub(crate) accounts: Vec<String>,
    /// Leave these accounts out (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub(crate) exclude_accounts: Vec<String>,
    /// How many AWS API call groups run at once.
    #[arg(long, default_value_t = 8)]
    pub(crate) concurrency: usize,
    /// Fill VPC/PrivateLink data for the whole organisation from this AWS Config aggregator.
    #[arg(long, value_name = "NAME")]
    pub(crate) config_aggregator: Option<String>,
    /// With --org: only shard K of N (`--shard 0/4`), a stable subset by a hash of the account
    /// id; the N shards never overlap and together cover every account.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub(crate) shard: Option<Shard>,
}

pub(crate) fn parse_shard(text: &str) -> Result<Shard, String> {
    Shard::parse(text)
}

#[derive(Args)]
pub(crate) struct CollectArgs {
    #[command(flatten)]
    pub(crate) live: LiveArgs,
    /// The snapshot file to write (atomically).
    #[arg(short, long, value_name = "PATH")]
    pub(crate) output: PathBuf,
}

#[derive(Args)]
pub(crate) struct SourceArgs {
    /// A saved posture snapshot (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) snapshot: Vec<PathBuf>,
    /// Output of `aws iam get-account-authorization-details` (repeatable, one per account).
    #[arg(long, value_name = "FILE")]
    pub(crate) gaad: Vec<PathBuf>,
    /// A folder of your own Rego rules, added to the built-in ones (repeatable).
    #[arg(long, value_name = "DIR")]
    pub(crate) rules: Vec<PathBuf>,
    /// Without --snapshot or --gaad, posture reads AWS live with these.
    #[command(flatten)]
    pub(crate) live: LiveArgs,
}

#[derive(Args)]
pub(crate) struct ScanArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Report format, with an optional file: `-f json=report.json -f sarif=posture.sarif -f table`
    /// (repeatable; at most one without a path goes to stdout). One of table, json, ndjson, ocsf,
    /// asff, sarif, junit, csv, html, and ocsf-parquet=DIR (a folder; builds with the `parquet`
    /// feature). Default: table.
    #[arg(short, long = "format", value_name = "FORMAT[=PATH]")]
    pub(crate) format: Vec<FormatSpec>,
    /// Write the report to this file (atomically) instead of stdout; only with a single format.
    #[arg(short, long, value_name = "PATH")]
    pub(crate) output: Option<PathBuf>,
    /// The OCSF class of `-f ocsf`: compliance (2003) or detection (2004, failing results only).
    #[arg(long, value_enum, default_value = "compliance")]
    pub(crate) ocsf_class: OcsfClass,
    /// The OCSF schema version of `-f ocsf`: 1.6 (IAM Analysis Finding, 2008, for least-privilege
    /// failures) or 1.3 (the output before 1.6, for consumers pinned to it).
    #[arg(long, value_enum, default_value = "1.6")]
    pub(crate) ocsf_version: OcsfVersion,
    /// Suppressions (YAML). Default: .posture-ignore.yaml in the working directory, if present.
    #[arg(long, value_name = "PATH")]
    pub(crate) ignore_file: Option<PathBuf>,
    /// Apply no suppressions: show every failing result as failing.
    #[arg(long)]
    pub(crate) no_ignores: bool,
    /// An earlier JSON report v1, or a run of the history store: `last` (the previous run over
    /// the same accounts and regions), `7d` (the last one at least 7 days older) or a scan id.
    /// Marks findings new or unchanged and lists the resolved ones.
    #[arg(long, value_name = "FILE|last|7d|SCAN_ID", value_parser = crate::history::parse_baseline)]
    pub(crate) baseline: Option<BaselineArg>,
    /// With --baseline, --plan or --cloudformation: fail (exit 3) only on new failing results at
    /// or above --fail-on (with a plan: only what the change introduces).
    #[arg(long)]
    pub(crate) fail_on_new: bool,
    #[command(flatten)]
    pub(crate) pre_deploy: Box<PreDeployArgs>,
    /// Fail (exit 3) on a failing result at or above this severity.
    #[arg(long, value_enum, default_value = "none")]
    pub(crate) fail_on: FailOn,
    /// Fail (exit 3) when the overall score is below this.
    #[arg(long, value_name = "N", value_parser = parse_score)]
    pub(crate) min_score: Option<f64>,
    /// Exit 4 when coverage is incomplete (not-evaluated results or coverage gaps).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Leave passing and not-evaluated findings out of every file (the score, coverage and the
    /// gate still count everything; the report header says so).
    #[arg(long)]
    pub(crate) only_failing: bool,
    /// Print phase timings to stderr.
    #[arg(long)]
    pub(crate) timings: bool,
    /// Import the findings (ASFF) into AWS Security Hub with BatchImportFindings.
    #[arg(long)]
    pub(crate) push_security_hub: bool,
    #[command(flatten)]
    pub(crate) history: HistoryFlags,
}

#[derive(Args)]
pub(crate) struct HistoryFlags {
    /// Record the run in this history store, an SQLite file created when missing (default: the
    /// `history:` of posture.yaml).
    #[arg(long, value_name = "PATH")]
    pub(crate) history: Option<PathBuf>,
    /// Record nothing, even when posture.yaml names a history store.
    #[arg(long, conflicts_with = "history")]
    pub(crate) no_history: bool,
    /// After recording, forget the runs observed more than this before this one (e.g. 400d).
    #[arg(long, value_name = "DAYS", value_parser = crate::history::parse_days)]
    pub(crate) history_keep: Option<u32>,
    /// What the store keeps per result: failing (passes as counts per rule and account) or all.
    #[arg(long, value_enum, value_name = "DETAIL")]
    pub(crate) history_detail: Option<Detail>,
    /// Reuse the stored results of every account whose facts, rules and parameters are those
    /// the latest run that recorded it evaluated; evaluate the others (needs a history store).
    #[arg(long)]
    pub(crate) incremental: bool,
}

#[derive(Args)]
pub(crate) struct HistoryArgs {
    #[command(subcommand)]
    pub(crate) command: Option<HistoryCommand>,
    /// The history store (default: the `history:` of posture.yaml).
    #[arg(long, value_name = "PATH", global = true)]
    pub(crate) history: Option<PathBuf>,
    /// `table` or `json`.
    #[arg(short, long, value_enum, default_value = "table", global = true)]
    pub(crate) format: ListFormat,
    /// Only runs that scanned this account, with its score and its findings.
    #[arg(long, value_name = "ID")]
    pub(crate) account: Option<String>,
    /// Count only this rule's findings.
    #[arg(long, value_name = "RULE")]
    pub(crate) rule: Option<String>,
    /// Only runs observed since: a number of days (7d), a date (2026-11-01) or an RFC 3339 time.
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    pub(crate) since: Option<i64>,
    /// The newest runs to list (0: all).
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub(crate) limit: usize,
}

#[derive(Subcommand)]
pub(crate) enum HistoryCommand {
    /// One finding's life: first and last seen, age, episodes, and its status run by run.
    Show {
        /// The finding's id (32 hex digits, as every report writes it).
        fingerprint: String,
    },
}

/// `7d`, `2026-11-01` or an RFC 3339 time → epoch milliseconds.
pub(crate) fn parse_since(text: &str) -> Result<i64, String> {
    if let Ok(days) = crate::history::parse_days(text) {
        return Ok(chrono::Utc::now().timestamp_millis() - i64::from(days) * crate::history::DAY_MS);
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|time| time.timestamp_millis())
        .map_err(|_| format!("{text:?} is not a number of days (7d), a date (2026-11-01) or an RFC 3339 time"))
}

/// A planned change, judged in the context of what is deployed (the snapshot, or live).
#[derive(Args, Default)]
pub(crate) struct PreDeployArgs {
    /// A Terraform plan as JSON (`terraform show -json tf.plan > tfplan.json`), applied to the
    /// base (repeatable); the base's findings are the baseline.
    #[arg(long, value_name = "FILE")]
    pub(crate) plan: Vec<PathBuf>,
    /// A CloudFormation template (YAML or JSON), applied to the base (repeatable).
    #[arg(long = "cloudformation", value_name = "FILE")]
    pub(crate) cloudformation: Vec<PathBuf>,
    /// The account a template is deployed to (default: the base's only account).
    #[arg(long, value_name = "ID", value_parser = parse_account)]
    pub(crate) cfn_account: Option<String>,
    /// The region a template is deployed to (default: us-east-1).
    #[arg(long, value_name = "REGION")]
    pub(crate) cfn_region: Option<String>,
    /// The account of a Terraform plan that names none (default: the base's only account).
    #[arg(long, value_name = "ID", value_parser = parse_account)]
    pub(crate) plan_account: Option<String>,
    /// Judge the plan or template on its own, without the deployed state (no snapshot, no
    /// live collection).
    #[arg(long)]
    pub(crate) no_base: bool,
}

pub(crate) fn parse_account(text: &str) -> Result<String, String> {
    crate::plan::parse_account(text)
}

#[derive(Args)]
pub(crate) struct DiffArgs {
    /// The earlier report.
    pub(crate) old: PathBuf,
    /// The later report.
    pub(crate) new: PathBuf,
    /// `table` or `json`.
    #[arg(short, long, value_enum, default_value = "table")]
    pub(crate) format: DiffFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum DiffFormat {
    Table,
    Json,
}

#[derive(Subcommand)]
pub(crate) enum RulesCommand {
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
pub(crate) enum ConfigCommand {
    /// Print the rule parameters (data.posture.params): defaults of rules/data/params.json with
    /// posture.yaml's overrides applied.
    Show {
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum SchemaKind {
    Snapshot,
    Report,
    /// The facts each account gives the rules (the Rego `input`).
    Facts,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum ListFormat {
    Table,
    Json,
}

pub(crate) fn parse_score(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 100"))
    }
}
