//! The history store: each scan run with `--history posture.db` is recorded in one SQLite file
//! (compiled in; nothing to install), so that nightly audits remember on their own what is new,
//! what was fixed, how old each open finding is and how the score moved. [`schema`] opens the
//! file with care and migrates it forward; [`record`] is the scan's sink; [`query`] reads runs,
//! findings, lifecycles and baselines back. The tables are a contract (docs/contracts.md §10).

pub mod query;
pub mod record;
pub mod reuse;
pub mod schema;

pub use record::{Recorder, Reusable, ReusableCross, StoredBy};
pub use schema::Store;

use std::path::PathBuf;

/// What is recorded per finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Detail {
    /// Every result that is not a pass, one row each; passes as counts per rule and account.
    #[default]
    Failing,
    /// Every result, passes included, one row each.
    All,
}

impl Detail {
    pub fn as_str(self) -> &'static str {
        match self {
            Detail::Failing => "failing",
            Detail::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<Detail> {
        [Detail::Failing, Detail::All].into_iter().find(|d| d.as_str() == text)
    }
}

/// Which earlier run of the store `--baseline` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The latest run over the same accounts and regions.
    Last,
    /// The latest run over the same scope observed at least this many days before this one.
    DaysAgo(u32),
    /// A scan id, or a unique prefix of one (at least 8 characters).
    ScanId(String),
}

/// `--baseline`: a JSON report v1, or a run of the history store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineArg {
    File(PathBuf),
    Store(Selector),
}

/// Reads `--baseline`: `last`, `7d` and scan ids name runs of the store; anything else is a
/// file (write `./last` for a file of that name).
pub fn parse_baseline(text: &str) -> Result<BaselineArg, String> {
    if text.is_empty() {
        return Err("give a file, last, a number of days (7d) or a scan id".into());
    }
    if text == "last" {
        return Ok(BaselineArg::Store(Selector::Last));
    }
    if let Ok(days) = parse_days(text) {
        return Ok(BaselineArg::Store(Selector::DaysAgo(days)));
    }
    if looks_like_scan_id(text) {
        return Ok(BaselineArg::Store(Selector::ScanId(text.to_ascii_lowercase())));
    }
    Ok(BaselineArg::File(PathBuf::from(text)))
}

/// A scan id (a UUID) or a prefix of one: hex digits and dashes, at least 8 of them.
fn looks_like_scan_id(text: &str) -> bool {
    (8..=36).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && text.chars().take(8).all(|c| c.is_ascii_hexdigit())
}

/// `400d` → 400. Days only: retention and baselines are counted in nights.
pub fn parse_days(text: &str) -> Result<u32, String> {
    let digits = text
        .strip_suffix('d')
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| format!("{text:?} is not a number of days such as 7d or 400d"))?;
    digits.parse().map_err(|_| format!("{text:?} is too many days"))
}

/// The history options of one scan, from the flags and `posture.yaml`.
pub struct HistoryRequest {
    pub store: Store,
    /// Runs observed longer than this before the new one are deleted after it is recorded.
    pub keep_days: Option<u32>,
    pub detail: Detail,
    pub baseline: Option<Selector>,
    /// `--fail-on-new`: a missing earlier run is an error, not a scan without a baseline.
    pub baseline_required: bool,
    /// `--incremental`: an account whose inputs are unchanged reuses its stored results.
    pub incremental: bool,
}

pub const DAY_MS: i64 = 86_400_000;

/// RFC 3339 UTC with milliseconds, as reports write times.
pub fn rfc3339(epoch_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(epoch_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Whole days from `from` to `to`, never negative (runs replayed out of order).
pub fn days_between(from: i64, to: i64) -> u32 {
    u32::try_from((to - from).max(0) / DAY_MS).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn baselines_name_runs_or_files() {
        assert_eq!(parse_baseline("last"), Ok(BaselineArg::Store(Selector::Last)));
        assert_eq!(parse_baseline("7d"), Ok(BaselineArg::Store(Selector::DaysAgo(7))));
        assert_eq!(
            parse_baseline("3F2A9C1D-aaaa"),
            Ok(BaselineArg::Store(Selector::ScanId("3f2a9c1d-aaaa".into())))
        );
        assert_eq!(parse_baseline("last.json"), Ok(BaselineArg::File("last.json".into())));
        assert_eq!(parse_baseline("./last"), Ok(BaselineArg::File("./last".into())));
        assert_eq!(parse_baseline("7x"), Ok(BaselineArg::File("7x".into())));
        assert!(parse_baseline("").is_err());
    }

    #[test]
    fn days_are_digits_then_d() {
        assert_eq!(parse_days("400d"), Ok(400));
        for bad in ["400", "d", "-3d", "4.5d", "99999999999d", "7 d"] {
            assert!(parse_days(bad).is_err(), "{bad}");
        }
    }
}
