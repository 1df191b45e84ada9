//! `posture facts`: the Rego `input` of each account, one JSON object per line, in input order.

use super::args::SourceArgs;
use crate::config::Config;
use crate::gate::{self, Outcome};
use crate::rules::RuleSet;
use std::io::Write;

pub(super) fn facts(args: &SourceArgs, config: Option<&Config>, quiet: bool) -> anyhow::Result<u8> {
    let rules = RuleSet::load(&args.rules, true, config)?;
    let sources = if args.snapshot.is_empty() && args.gaad.is_empty() {
        let snapshot = super::collect::collect_live(&args.live, quiet)?;
        vec![crate::scan::Source::Collected {
            label: "live:aws".into(),
            snapshot: Box::new(snapshot),
        }]
    } else {
        let snapshots = args.snapshot.iter().cloned().map(crate::scan::Source::Snapshot);
        snapshots
            .chain(args.gaad.iter().cloned().map(crate::scan::Source::Gaad))
            .collect()
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    crate::scan::for_each_account(sources, &rules, &mut |account, scope| {
        let analysis = crate::facts::analyse_account(
            account,
            &rules.iam_knowledge,
            scope.as_of,
            scope.organization,
            scope.cross_account,
        );
        serde_json::to_writer(&mut out, &analysis.facts)?;
        writeln!(out)?;
        Ok(())
    })?;
    out.flush()?;
    Ok(gate::decide(Outcome::Done).code)
}
