//! Conditions decided from the snapshot alone: dates on `aws:CurrentTime` and
//! `aws:TokenIssueTime` against the collection time, and, when the principal is known, the keys
//! that name it (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`,
//! `aws:PrincipalIsAWSService`): that is how an SCP's break-glass exception is read. Everything
//! else (`aws:SecureTransport`, `aws:MultiFactorAuthPresent`, tags, addresses) depends on the
//! request and stays conditional.

use super::catalog::resource_match;
use crate::snapshot::policy::ConditionBlock;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::cell::Cell;

thread_local! {
    /// Whether a verdict decided on this thread turned on the collection time.
    static AS_OF_CONSULTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` and says whether any condition it decided turned on the collection time: what
/// it computed then holds at any other time too when it did not (src/history/reuse.rs keeps
/// such results across nights).
pub fn noting_as_of<T>(work: impl FnOnce() -> T) -> (T, bool) {
    let outer = AS_OF_CONSULTED.with(|flag| flag.replace(false));
    let value = work();
    let consulted = AS_OF_CONSULTED.with(|flag| flag.replace(outer || flag.get()));
    (value, consulted)
}

/// The longest a temporary credential lives (GetSessionToken and GetFederationToken: 36 hours),
/// so a token issued before a date that long ago has expired.
const LONGEST_SESSION: Duration = Duration::hours(36);

/// A start date within this horizon is kept conditional: it will hold soon enough to matter.
const NEAR_FUTURE: Duration = Duration::days(365);

/// Whether a statement's condition block holds at the collection time, whoever asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionVerdict {
    /// No condition, or every entry holds from now on.
    Always,
    /// Some entry can never hold (now): the statement has no effect.
    Never,
    /// It depends on the request.
    Depends,
}

/// The IAM principal a policy is judged for (an IAM user or role, never an AWS service).
#[derive(Debug, Clone, Default)]
pub struct PrincipalContext {
    pub arn: String,
    pub account: String,
    /// The organisation of the principal's account, when it is known to be a member.
    pub organization_id: Option<String>,
}

/// Decides a condition block: its entries are ANDed, so one that never holds decides it.
pub fn decide(block: Option<&ConditionBlock>, as_of: DateTime<Utc>) -> ConditionVerdict {
    decide_for(block, as_of, None)
}

/// Decides a condition block for a known principal, if any.
pub fn decide_for(
    block: Option<&ConditionBlock>,
    as_of: DateTime<Utc>,
    principal: Option<&PrincipalContext>,
) -> ConditionVerdict {
    let mut verdict = ConditionVerdict::Always;
    for (operator, keys) in block.into_iter().flatten() {
        for (key, values) in keys {
            let decided = principal.and_then(|p| principal_entry(operator, key, values, p));
            match decided.unwrap_or_else(|| entry(operator, key, values, as_of)) {
                ConditionVerdict::Never => return ConditionVerdict::Never,
                ConditionVerdict::Depends => verdict = ConditionVerdict::Depends,
                ConditionVerdict::Always => {}
            }
        }
    }
    verdict
}

/// One operator on one key: its values are ORed.
fn entry(operator: &str, key: &str, values: &[String], as_of: DateTime<Utc>) -> ConditionVerdict {
    let operator = operator.to_ascii_lowercase();
    let (operator, if_exists) = match operator.strip_suffix("ifexists") {
        Some(base) => (base.to_string(), true),
        None => (operator, false),
    };
    let Some(dates) = values.iter().map(|v| parse_date(v)).collect::<Option<Vec<_>>>() else {
        return ConditionVerdict::Depends;
    };
    if dates.is_empty() {
        return ConditionVerdict::Depends;
    }
    let horizon = as_of + NEAR_FUTURE;
    let key = key.to_ascii_lowercase();
    if key == "aws:currenttime" || (key == "aws:tokenissuetime" && !if_exists) {
        AS_OF_CONSULTED.with(|flag| flag.set(true));
    }
    match key.as_str() {
        // Always in the request, and only moves forward.
        "aws:currenttime" => match operator.as_str() {
            "datelessthan" if dates.iter().all(|d| *d <= as_of) => ConditionVerdict::Never,
            "datelessthanequals" if dates.iter().all(|d| *d < as_of) => ConditionVerdict::Never,
            "dategreaterthan" if dates.iter().any(|d| *d < as_of) => ConditionVerdict::Always,
            "dategreaterthanequals" if dates.iter().any(|d| *d <= as_of) => ConditionVerdict::Always,
            "dategreaterthan" | "dategreaterthanequals" if dates.iter().all(|d| *d > horizon) => {
                ConditionVerdict::Never
            }
            _ => ConditionVerdict::Depends,
        },
        // Absent for long-term access keys (so an IfExists entry holds for them); a live token
        // was issued within the longest session before now.
        "aws:tokenissuetime" if !if_exists => match operator.as_str() {
            "datelessthan" | "datelessthanequals" if dates.iter().all(|d| *d + LONGEST_SESSION <= as_of) => {
                ConditionVerdict::Never
            }
            "dategreaterthan" | "dategreaterthanequals" if dates.iter().all(|d| *d > horizon) => {
                ConditionVerdict::Never
            }
            _ => ConditionVerdict::Depends,
        },
        _ => ConditionVerdict::Depends,
    }
}

/// One operator on a key that names the principal; `None` when the key or operator is not
/// one this decides (multi-valued operators, tags, unknown organisation).
fn principal_entry(
    operator: &str,
    key: &str,
    values: &[String],
    principal: &PrincipalContext,
) -> Option<ConditionVerdict> {
    let key = key.to_ascii_lowercase();
    let actual = match key.as_str() {
        "aws:principalarn" => principal.arn.as_str(),
        "aws:principalaccount" => principal.account.as_str(),
        "aws:principalorgid" => principal.organization_id.as_deref()?,
        "aws:principalisawsservice" => "false",
        _ => return None,
    };
    let lower = operator.to_ascii_lowercase();
    let base = lower.strip_suffix("ifexists").unwrap_or(&lower);
    if base == "null" {
        // The key is present in every request an IAM principal makes.
        return Some(verdict_of(values.iter().any(|v| v.eq_ignore_ascii_case("false"))));
    }
    let (negated, matcher): (bool, fn(&str, &str) -> bool) = match base {
        "stringequals" | "arnequals" => (false, |v, a| v == a),
        "stringnotequals" | "arnnotequals" => (true, |v, a| v == a),
        "stringequalsignorecase" => (false, |v, a| v.eq_ignore_ascii_case(a)),
        "stringnotequalsignorecase" => (true, |v, a| v.eq_ignore_ascii_case(a)),
        "stringlike" | "arnlike" => (false, |v, a| resource_match(v, a)),
        "stringnotlike" | "arnnotlike" => (true, |v, a| resource_match(v, a)),
        "bool" if key == "aws:principalisawsservice" => (false, |v, a| v.eq_ignore_ascii_case(a)),
        _ => return None,
    };
    let any = values.iter().any(|value| matcher(value, actual));
    Some(verdict_of(any != negated))
}

fn verdict_of(holds: bool) -> ConditionVerdict {
    if holds {
        ConditionVerdict::Always
    } else {
        ConditionVerdict::Never
    }
}

/// The date formats IAM accepts: ISO 8601 (RFC 3339, or a bare date) and epoch seconds.
fn parse_date(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(value) {
        return Some(parsed.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return DateTime::from_timestamp(value.parse().ok()?, 0);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn block(operator: &str, key: &str, value: &str) -> ConditionBlock {
        BTreeMap::from([(
            operator.to_string(),
            BTreeMap::from([(key.to_string(), vec![value.to_string()])]),
        )])
    }

    fn now() -> DateTime<Utc> {
        parse_date("2025-06-01T00:00:00Z").unwrap()
    }

    #[test]
    fn a_verdict_that_turned_on_the_time_is_noted() {
        let dated = block("DateLessThan", "aws:CurrentTime", "2026-12-01T00:00:00Z");
        let (_, noted) = noting_as_of(|| decide(Some(&dated), now()));
        assert!(noted);
        let token = block("DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:00Z");
        assert!(noting_as_of(|| decide(Some(&token), now())).1);
        let if_exists = block("DateGreaterThanIfExists", "aws:TokenIssueTime", "2020-01-01T00:00:00Z");
        assert!(
            !noting_as_of(|| decide(Some(&if_exists), now())).1,
            "decided without the time"
        );
        let other = block("StringEquals", "aws:RequestedRegion", "eu-west-1");
        let (_, noted) = noting_as_of(|| decide(Some(&other), now()));
        assert!(!noted);
        // An inner run does not hide what the outer one noted.
        let (inner, outer) = noting_as_of(|| {
            decide(Some(&dated), now());
            noting_as_of(|| decide(Some(&other), now())).1
        });
        assert!(!inner && outer);
    }

    fn verdict(operator: &str, key: &str, value: &str) -> ConditionVerdict {
        decide(Some(&block(operator, key, value)), now())
    }

    #[test]
    fn past_end_dates_never_hold() {
        assert_eq!(
            verdict("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
            ConditionVerdict::Never
        );
        assert_eq!(
            verdict("DateLessThanEquals", "aws:currenttime", "2020-01-01"),
            ConditionVerdict::Never
        );
        assert_eq!(
            verdict("DateLessThan", "aws:TokenIssueTime", "2025-05-01T00:00:00Z"),
            ConditionVerdict::Never
        );
        assert_eq!(
            verdict("DateLessThan", "aws:CurrentTime", "1577836800"),
            ConditionVerdict::Never
        );
    }

    #[test]
    fn dates_that_may_still_hold_depend() {
        assert_eq!(
            verdict("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z"),
            ConditionVerdict::Depends
        );
        // A token issued an hour before the cut-off may still be live.
        assert_eq!(
            verdict("DateLessThan", "aws:TokenIssueTime", "2025-05-31T23:00:00Z"),
            ConditionVerdict::Depends
        );
        // Long-term access keys have no token issue time: IfExists holds for them.
        assert_eq!(
            verdict("DateLessThanIfExists", "aws:TokenIssueTime", "2020-01-01"),
            ConditionVerdict::Depends
        );
        assert_eq!(
            verdict("DateGreaterThan", "aws:CurrentTime", "2025-09-01"),
            ConditionVerdict::Depends
        );
        assert_eq!(
            verdict("DateLessThan", "aws:CurrentTime", "not a date"),
            ConditionVerdict::Depends
        );
    }

    #[test]
    fn start_dates_decide_both_ways() {
        assert_eq!(
            verdict("DateGreaterThan", "aws:CurrentTime", "2999-01-01T00:00:00Z"),
            ConditionVerdict::Never
        );
        assert_eq!(
            verdict("DateGreaterThan", "aws:TokenIssueTime", "2999-01-01"),
            ConditionVerdict::Never
        );
        assert_eq!(
            verdict("DateGreaterThan", "aws:CurrentTime", "2020-01-01"),
            ConditionVerdict::Always
        );
        // Long-term keys lack the key: a past start on the token does not always hold.
        assert_eq!(
            verdict("DateGreaterThan", "aws:TokenIssueTime", "2020-01-01"),
            ConditionVerdict::Depends
        );
    }

    #[test]
    fn request_conditions_stay_conditional() {
        assert_eq!(
            verdict("Bool", "aws:SecureTransport", "true"),
            ConditionVerdict::Depends
        );
        assert_eq!(
            verdict("Bool", "aws:MultiFactorAuthPresent", "true"),
            ConditionVerdict::Depends
        );
        assert_eq!(decide(None, now()), ConditionVerdict::Always);
    }

    fn principal() -> PrincipalContext {
        PrincipalContext {
            arn: "arn:aws:iam::111122223333:role/BreakGlass".into(),
            account: "111122223333".into(),
            organization_id: Some("o-abc".into()),
        }
    }

    #[test]
    fn keys_naming_the_principal_are_decided_for_it() {
        let for_it = |operator: &str, key: &str, value: &str| {
            decide_for(Some(&block(operator, key, value)), now(), Some(&principal()))
        };
        let exception = "arn:aws:iam::*:role/BreakGlass";
        assert_eq!(
            for_it("ArnNotLike", "aws:PrincipalARN", exception),
            ConditionVerdict::Never
        );
        assert_eq!(
            for_it("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Other"),
            ConditionVerdict::Always
        );
        assert_eq!(
            for_it("StringEquals", "aws:PrincipalOrgID", "o-abc"),
            ConditionVerdict::Always
        );
        assert_eq!(
            for_it("StringNotEqualsIfExists", "aws:PrincipalAccount", "111122223333"),
            ConditionVerdict::Never
        );
        assert_eq!(for_it("Null", "aws:PrincipalArn", "true"), ConditionVerdict::Never);
        assert_eq!(
            for_it("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", "o-abc/*"),
            ConditionVerdict::Depends
        );
        // Without a known principal the same block depends on the request.
        assert_eq!(
            verdict("ArnNotLike", "aws:PrincipalArn", exception),
            ConditionVerdict::Depends
        );
    }

    #[test]
    fn one_entry_that_never_holds_decides_the_block() {
        let mut both = block("Bool", "aws:MultiFactorAuthPresent", "true");
        both.extend(block("DateLessThan", "aws:CurrentTime", "2020-01-01"));
        assert_eq!(decide(Some(&both), now()), ConditionVerdict::Never);
        let mut mixed = block("Bool", "aws:MultiFactorAuthPresent", "true");
        mixed.extend(block("DateGreaterThan", "aws:CurrentTime", "2020-01-01"));
        assert_eq!(decide(Some(&mixed), now()), ConditionVerdict::Depends);
    }
}
