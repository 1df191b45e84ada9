//! Developer tools, kept off the product's command line: the synthetic organisation and plan
//! generators (benchmarks and tests) and the bare JSON parse that the benchmark compares scans with.

mod synth;
mod synth_org;
mod synth_plan;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "posture-dev",
    about = "posture developer tools: synth, synth-plan, parse-json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a deterministic synthetic organisation snapshot.
    Synth {
        #[arg(long, default_value_t = 10)]
        accounts: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Give this many accounts (spread evenly) a new administrator: the same organisation a
        /// night later, for `scan --incremental`.
        #[arg(long, default_value_t = 0)]
        changed: usize,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write a deterministic synthetic Terraform plan (JSON) of about N resource changes.
    SynthPlan {
        #[arg(long, default_value_t = 500)]
        resources: usize,
        /// The VPC its groups and subnets go in (the demo's `vpc-0a1prod` by default).
        #[arg(long, default_value = "vpc-0a1prod")]
        vpc: String,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Time two bare parses of a JSON file: one that builds nothing, one into a generic tree.
    ParseJson {
        file: PathBuf,
        /// Skip the tree: for files whose tree would not fit in memory (5 to 6 times the file).
        #[arg(long)]
        no_tree: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Synth {
            accounts,
            seed,
            changed,
            output,
        } => synth(&output, accounts, seed, changed),
        Command::SynthPlan { resources, vpc, output } => {
            synth_plan::write_plan(&output, resources, &vpc).map(|count| {
                eprintln!("wrote {} ({count} resource changes)", output.display());
            })
        }
        Command::ParseJson { file, no_tree } => parse_json(&file, !no_tree),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn synth(output: &std::path::Path, accounts: usize, seed: u64, changed: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let stats = synth::write_snapshot(output, accounts, seed, changed)?;
    eprintln!(
        "wrote {} ({accounts} accounts, {changed} changed, {} resources, {} bytes) in {:.2}s",
        output.display(),
        stats.resources,
        stats.bytes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn parse_json(file: &std::path::Path, tree: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)?;
    // A validating parse that builds nothing: the floor any JSON reader pays.
    let started = Instant::now();
    let _: serde::de::IgnoredAny = serde_json::from_slice(&bytes)?;
    let validate = started.elapsed().as_secs_f64();
    if !tree {
        eprintln!("validate_seconds={validate:.3} bytes={}", bytes.len());
        return Ok(());
    }
    // A parse into a generic JSON tree, as jq or a script would do.
    let started = Instant::now();
    let tree: serde_json::Value = serde_json::from_slice(&bytes)?;
    let dom = started.elapsed().as_secs_f64();
    drop(tree);
    eprintln!(
        "validate_seconds={validate:.3} dom_seconds={dom:.3} bytes={}",
        bytes.len()
    );
    Ok(())
}
