//! Evaluation of one account: each worker holds its own clone of the prepared engine; every
//! rule × applicable resource yields one result ([`crate::scan`] runs accounts in parallel).

use super::{Rule, RuleSet};
use crate::facts::{AccountAnalysis, ResourceRef, ACCOUNT_KEY, GLOBAL_REGION};
use crate::results::{RuleResult, Status};
use crate::snapshot::Section;
use regorus::{Engine, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

// Keys of deny and not_evaluated entries, built once rather than for every entry.
static RESOURCE_KEY: LazyLock<Value> = LazyLock::new(|| Value::from("resource"));
static MESSAGE_KEY: LazyLock<Value> = LazyLock::new(|| Value::from("message"));
static EVIDENCE_KEY: LazyLock<Value> = LazyLock::new(|| Value::from("evidence"));
static REASON_KEY: LazyLock<Value> = LazyLock::new(|| Value::from("reason"));
use std::time::Instant;

/// The message of a result that passes.
pub const PASS_MESSAGE: &str = "No issue found.";

/// Runs every rule on one account's facts.
pub fn evaluate_account(
    engine: &mut Engine,
    rules: &RuleSet,
    analysis: &AccountAnalysis,
    input_ns: &AtomicU64,
) -> Vec<RuleResult> {
    let started = Instant::now();
    let facts = facts_bytes(analysis);
    input_ns.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    evaluate_prepared(engine, rules, analysis, &facts, input_ns)
}

/// The facts as the rules' `input`, in JSON: what the rules see, byte for byte (the history
/// keys reusable results on it).
pub fn facts_bytes(analysis: &AccountAnalysis) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&analysis.facts).map_err(|error| error.to_string())
}

/// Runs every rule on facts already written by [`facts_bytes`].
pub fn evaluate_prepared(
    engine: &mut Engine,
    rules: &RuleSet,
    analysis: &AccountAnalysis,
    facts: &Result<Vec<u8>, String>,
    input_ns: &AtomicU64,
) -> Vec<RuleResult> {
    let started = Instant::now();
    // Through regorus's own reader: it interns object keys, so the many objects of one shape
    // share their key strings (less to build, faster lookups for the rules).
    let parsed = facts.as_ref().map_err(Clone::clone).and_then(|bytes| {
        std::str::from_utf8(bytes)
            .map_err(|error| error.to_string())
            .and_then(|text| Value::from_json_str(text).map_err(|error| error.to_string()))
    });
    let input = match parsed {
        Ok(value) => value,
        Err(error) => {
            // Facts are our own types; a failure here is a bug, reported per rule, never a pass.
            return account_not_evaluated(rules, analysis, &format!("facts could not be prepared: {error}"));
        }
    };
    engine.set_input(input);
    input_ns.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    let mut results = Vec::new();
    for (index, rule) in rules.rules.iter().enumerate() {
        let rule_started = Instant::now();
        evaluate_rule(engine, index, rule, analysis, &mut results);
        rule.cpu_ns
            .fetch_add(rule_started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
    results
}

fn account_not_evaluated(rules: &RuleSet, analysis: &AccountAnalysis, reason: &str) -> Vec<RuleResult> {
    (0..rules.rules.len())
        .map(|index| not_evaluated(index, account_resource(analysis), reason.to_string()))
        .collect()
}

fn account_resource(analysis: &AccountAnalysis) -> Arc<ResourceRef> {
    match analysis.index.get(ACCOUNT_KEY) {
        Some(entry) => entry.resource.clone(),
        None => resource_for_unknown_key(analysis, ACCOUNT_KEY),
    }
}

fn not_evaluated(rule: usize, resource: Arc<ResourceRef>, reason: String) -> RuleResult {
    RuleResult {
        rule,
        resource,
        status: Status::NotEvaluated,
        message: format!("Not evaluated: {reason}"),
        evidence: serde_json::json!({ "reason": reason }),
    }
}

/// A rule may name a resource posture did not index (a team's own rule): keep it as given.
fn resource_for_unknown_key(analysis: &AccountAnalysis, key: &str) -> Arc<ResourceRef> {
    Arc::new(ResourceRef {
        arn: key.to_string(),
        resource_type: "Other".into(),
        name: key.rsplit(['/', ':']).next().unwrap_or(key).to_string(),
        account: analysis.facts.account.id.clone(),
        region: GLOBAL_REGION.into(),
    })
}

struct DenyEntry {
    message: String,
    evidence: serde_json::Value,
}

/// What a rule said about one account, checked against the output contract.
#[derive(Default)]
struct Verdicts {
    denied: BTreeMap<String, Vec<DenyEntry>>,
    not_evaluated: BTreeMap<String, String>,
}

fn evaluate_rule(
    engine: &mut Engine,
    index: usize,
    rule: &Rule,
    analysis: &AccountAnalysis,
    out: &mut Vec<RuleResult>,
) {
    let missing: Vec<Section> = rule
        .meta
        .requires
        .iter()
        .copied()
        .filter(|section| !analysis.facts.sections.has(*section))
        .collect();
    if !missing.is_empty() {
        let reason = format!("the snapshot has no {} data for this account", missing.join(", "));
        out.push(not_evaluated(index, account_resource(analysis), reason));
        return;
    }
    if let Some(reason) = rule.blocked.as_ref().or_else(|| rule.over_budget.get()) {
        out.push(not_evaluated(index, account_resource(analysis), reason.clone()));
        return;
    }
    let first = out.len();
    let applicable = match eval_part(engine, rule, analysis, 0).and_then(|value| resource_keys(rule, &value)) {
        Ok(keys) => keys,
        Err(reason) => {
            out.push(not_evaluated(index, account_resource(analysis), reason));
            return;
        }
    };
    let Verdicts {
        mut denied,
        not_evaluated: rule_not_evaluated,
    } = match verdicts(engine, rule, analysis) {
        Ok(verdicts) => verdicts,
        Err(reason) => {
            // Output that breaks the contract is unknown for every resource, never a pass.
            if applicable.is_empty() {
                out.push(not_evaluated(index, account_resource(analysis), reason.clone()));
            }
            for key in &applicable {
                out.push(not_evaluated(index, resolve(analysis, key), reason.clone()));
            }
            return;
        }
    };
    // A denied resource is applicable even if the rule forgot to say so.
    let keys: BTreeSet<String> = applicable.into_iter().chain(denied.keys().cloned()).collect();
    for key in &keys {
        let resource = resolve(analysis, key);
        if let Some(entries) = denied.remove(key.as_str()) {
            out.push(fail_result(index, resource, entries));
            continue;
        }
        let incomplete = analysis.index.get(key).and_then(|entry| {
            entry
                .incomplete
                .iter()
                .find(|(section, _)| rule.meta.requires.iter().any(|r| r == section))
        });
        if let Some(reason) = rule_not_evaluated.get(key.as_str()) {
            out.push(not_evaluated(index, resource, reason.clone()));
        } else if let Some((_, reason)) = incomplete {
            out.push(not_evaluated(index, resource, reason.clone()));
        } else {
            out.push(RuleResult {
                rule: index,
                resource,
                status: Status::Pass,
                message: PASS_MESSAGE.into(),
                evidence: serde_json::Value::Object(Default::default()),
            });
        }
    }
    missing_regions(index, rule, analysis, first, out);
}

/// A scanned region without a section the rule requires (that other regions have) is not
/// evaluated there, unless the rule already said something about that region.
fn missing_regions(index: usize, rule: &Rule, analysis: &AccountAnalysis, first: usize, out: &mut Vec<RuleResult>) {
    for (region, reason) in analysis.facts.sections.missing_regions(&rule.meta.requires) {
        if !out[first..].iter().any(|result| result.resource.region == region) {
            out.push(not_evaluated(
                index,
                Arc::new(analysis.account_in_region(&region)),
                reason,
            ));
        }
    }
}

/// The rule's `deny` and `not_evaluated` entries, or why they break the contract.
fn verdicts(engine: &mut Engine, rule: &Rule, analysis: &AccountAnalysis) -> Result<Verdicts, String> {
    let mut verdicts = Verdicts::default();
    let deny = eval_part(engine, rule, analysis, 1)?;
    for entry in collection(rule, "deny", &deny)? {
        let key = entry_string(rule, "deny", entry, &RESOURCE_KEY, true)?.unwrap_or_default();
        let message =
            entry_string(rule, "deny", entry, &MESSAGE_KEY, false)?.unwrap_or_else(|| rule.meta.title.clone());
        let evidence = match &entry[&*EVIDENCE_KEY] {
            Value::Undefined => serde_json::Value::Object(Default::default()),
            other => serde_json::to_value(other)
                .map_err(|error| contract_error(rule, "deny", &format!("its evidence is not JSON: {error}")))?,
        };
        verdicts
            .denied
            .entry(key)
            .or_default()
            .push(DenyEntry { message, evidence });
    }
    if rule.has_not_evaluated {
        let value = eval_part(engine, rule, analysis, 2)?;
        for entry in collection(rule, "not_evaluated", &value)? {
            let key = entry_string(rule, "not_evaluated", entry, &RESOURCE_KEY, true)?.unwrap_or_default();
            let reason = entry_string(rule, "not_evaluated", entry, &REASON_KEY, true)?.unwrap_or_default();
            verdicts.not_evaluated.insert(key, reason);
        }
    }
    Ok(verdicts)
}

const PARTS: [&str; 3] = ["applicable", "deny", "not_evaluated"];

/// Evaluates one part of a rule; an error or an overrun budget is the reason it is unknown.
fn eval_part(engine: &mut Engine, rule: &Rule, analysis: &AccountAnalysis, part: usize) -> Result<Value, String> {
    let path = match part {
        0 => rule.applicable_path(),
        1 => rule.deny_path(),
        _ => rule.not_evaluated_path(),
    };
    engine.eval_rule(path).map_err(|error| {
        let name = PARTS[part];
        if let Some(overrun) = super::limits::overrun(&error) {
            let reason = format!(
                "rule {} ({}) {overrun} evaluating `{name}` in account {}; not evaluated in any account",
                rule.meta.id,
                rule.location(part),
                analysis.facts.account.id
            );
            tracing::warn!(rule = %rule.meta.id, "{reason}");
            return rule.over_budget.get_or_init(|| reason).clone();
        }
        rule_error(rule, name, &error)
    })
}

/// Members of a part that must be a set (or array); undefined is empty.
fn collection<'v>(rule: &Rule, part: &str, value: &'v Value) -> Result<Vec<&'v Value>, String> {
    match value {
        Value::Set(set) => Ok(set.iter().collect()),
        Value::Array(array) => Ok(array.iter().collect()),
        Value::Undefined => Ok(Vec::new()),
        other => Err(contract_error(
            rule,
            part,
            &format!("it must be a set, found {}", describe_value(other)),
        )),
    }
}

fn resource_keys(rule: &Rule, value: &Value) -> Result<Vec<String>, String> {
    collection(rule, "applicable", value)?
        .into_iter()
        .map(|member| match member {
            Value::String(key) => Ok(key.to_string()),
            other => Err(contract_error(
                rule,
                "applicable",
                &format!(
                    "its members must be resource keys (strings), found {}",
                    describe_value(other)
                ),
            )),
        })
        .collect()
}

/// A string field of a deny or not_evaluated entry; `None` when absent and not required.
fn entry_string(rule: &Rule, part: &str, entry: &Value, key: &Value, required: bool) -> Result<Option<String>, String> {
    if !matches!(entry, Value::Object(_)) {
        return Err(contract_error(
            rule,
            part,
            &format!("its entries must be objects, found {}", describe_value(entry)),
        ));
    }
    let name = key.as_string().map(|k| k.to_string()).unwrap_or_default();
    match &entry[key] {
        Value::String(text) => Ok(Some(text.to_string())),
        Value::Undefined if !required => Ok(None),
        Value::Undefined => Err(contract_error(
            rule,
            part,
            &format!("an entry has no `{name}`: {}", describe_value(entry)),
        )),
        other => Err(contract_error(
            rule,
            part,
            &format!("`{name}` must be a string, found {}", describe_value(other)),
        )),
    }
}

fn contract_error(rule: &Rule, part: &str, problem: &str) -> String {
    let at = PARTS.iter().position(|p| *p == part).unwrap_or(1);
    let reason = format!(
        "rule {} ({}) breaks the output contract in `{part}`: {problem}",
        rule.meta.id,
        rule.location(at)
    );
    tracing::warn!(rule = %rule.meta.id, "{reason}");
    reason
}

/// A value as shown in a reason: its kind and, capped, its text.
fn describe_value(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Set(_) => "a set",
        Value::Object(_) => "an object",
        Value::Undefined => "undefined",
    };
    format!("{kind} {}", super::limits::cap_echo(&value.to_string()))
}

fn fail_result(index: usize, resource: Arc<ResourceRef>, mut entries: Vec<DenyEntry>) -> RuleResult {
    let (message, evidence) = if entries.len() == 1 {
        let entry = entries.remove(0);
        (entry.message, entry.evidence)
    } else {
        let message = format!("{} (and {} more)", entries[0].message, entries.len() - 1);
        let all: Vec<serde_json::Value> = entries
            .into_iter()
            .map(|e| {
                crate::finding::sorted_object(vec![
                    ("evidence".into(), e.evidence),
                    ("message".into(), e.message.into()),
                ])
            })
            .collect();
        (message, serde_json::json!({ "matches": all }))
    };
    RuleResult {
        rule: index,
        resource,
        status: Status::Fail,
        message,
        evidence,
    }
}

fn resolve(analysis: &AccountAnalysis, key: &str) -> Arc<ResourceRef> {
    match analysis.index.get(key) {
        Some(entry) => entry.resource.clone(),
        None => resource_for_unknown_key(analysis, key),
    }
}

fn rule_error(rule: &Rule, part: &str, error: &anyhow::Error) -> String {
    let cause = super::regorus_cause(error);
    tracing::warn!(rule = %rule.meta.id, "evaluating `{part}` failed: {cause}");
    format!("rule {} failed to evaluate `{part}`: {cause}", rule.meta.id)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const SLOW_RULE: &str = "# METADATA\n# title: Slow\n# description: Never finishes.\n# custom:\n#   id: ZZ-001\n#   severity: low\n#   pillar: identity\n#   categories: [hygiene]\n#   requires: [iam]\n#   remediation: None.\npackage acme.slow\n\napplicable contains p.key if {\n\tsome p in input.iam.principals\n}\n\ndeny contains {\"resource\": \"x\"} if {\n\tsome i in numbers.range(1, 900000)\n\tsome j in numbers.range(1, 900000)\n\ti == j + 900000\n}\n";

    #[test]
    fn a_rule_over_its_time_budget_is_not_evaluated() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("acme")).unwrap();
        std::fs::write(dir.path().join("acme/slow.rego"), SLOW_RULE).unwrap();
        let mut rules = RuleSet::load(&[dir.path().to_path_buf()], true, None).unwrap();
        rules.set_time_budget(std::time::Duration::from_millis(200));
        let snapshot = crate::snapshot::Snapshot::load(std::path::Path::new("fixtures/demo/snapshot.json")).unwrap();
        let as_of = chrono::Utc::now();
        let mut engine = rules.engine.clone();
        let started = Instant::now();
        let mut results = Vec::new();
        for account in &snapshot.accounts {
            let analysis = crate::facts::analyse_account(account, &rules.iam_knowledge, as_of, None, None);
            results.extend(evaluate_account(&mut engine, &rules, &analysis, &AtomicU64::new(0)));
        }
        assert!(started.elapsed().as_secs() < 20, "the budget stops it");
        let slow = rules.rules.iter().position(|r| r.meta.id == "ZZ-001").unwrap();
        let slow_results: Vec<&RuleResult> = results.iter().filter(|r| r.rule == slow).collect();
        assert!(!slow_results.is_empty());
        for result in slow_results {
            assert_eq!(result.status, Status::NotEvaluated);
            assert!(
                result
                    .message
                    .contains("acme/slow.rego:17) exceeded its time budget of 0.2 s evaluating `deny`"),
                "{}",
                result.message
            );
        }
        // The built-in rules are untouched by one rule's overrun.
        assert!(results.iter().any(|r| r.status == Status::Fail));
    }
}
