//! `posture collect`, and the live reads and Security Hub push that `scan` borrows. Only this
//! module of the command line touches the AWS SDK, behind the `live` feature.

use super::args::{CollectArgs, LiveArgs};
use crate::gate::{self, Outcome};
use crate::snapshot::Snapshot;
use std::io::Write;
use std::path::Path;

pub(super) fn collect(args: &CollectArgs, quiet: bool) -> anyhow::Result<u8> {
    // The target is checked before minutes of collection, not after.
    let mut destination = crate::destination::Destination::open(&args.output, &[])?;
    let snapshot = collect_live(&args.live, quiet)?;
    {
        let mut out = destination.writer();
        serde_json::to_writer(&mut out, &snapshot)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    destination
        .commit()
        .map_err(|error| anyhow::anyhow!("writing {}: {error}", args.output.display()))?;
    eprintln!(
        "wrote {} ({} account(s), {} coverage gap(s))",
        args.output.display(),
        snapshot.accounts.len(),
        snapshot.accounts.iter().map(|a| a.coverage_gaps.len()).sum::<usize>()
    );
    Ok(gate::decide(Outcome::Done).code)
}

#[cfg(feature = "live")]
pub(super) fn collect_live(args: &LiveArgs, quiet: bool) -> anyhow::Result<Snapshot> {
    if args.shard.is_some() && !args.org {
        return Err(
            crate::error::InputError::Usage("--shard takes the accounts of an organisation: add --org".into()).into(),
        );
    }
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
        progress: !quiet,
        shard: args.shard,
    };
    let calls = std::sync::Arc::new(crate::collect::CallCounter::default());
    let started = std::time::Instant::now();
    let mut snapshot = crate::collect::collect_blocking(&options, calls.clone())?;
    if let Some(shard) = args.shard {
        // The aggregator may add accounts of other shards: each shard keeps only its own.
        snapshot.accounts.retain(|account| shard.contains(&account.account_id));
    }
    tracing::info!("collected in {:.2}s", started.elapsed().as_secs_f64());
    for line in calls.summary() {
        tracing::info!("{line}");
    }
    Ok(snapshot)
}

#[cfg(not(feature = "live"))]
pub(super) fn collect_live(_args: &LiveArgs, _quiet: bool) -> anyhow::Result<Snapshot> {
    Err(
        crate::error::InputError::Usage("this build has no live collection (built without the `live` feature)".into())
            .into(),
    )
}

/// Imports the ASFF findings of `asff` (a JSON array) into Security Hub.
#[cfg(feature = "live")]
pub(super) fn push_security_hub(asff: &Path, profile: Option<&str>) -> anyhow::Result<()> {
    let file = std::io::BufReader::new(std::fs::File::open(asff)?);
    let findings: Vec<serde_json::Value> = serde_json::from_reader(file)?;
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
pub(super) fn push_security_hub(_asff: &Path, _profile: Option<&str>) -> anyhow::Result<()> {
    Err(crate::error::InputError::Usage(
        "this build cannot push to Security Hub (built without the `live` feature)".into(),
    )
    .into())
}
