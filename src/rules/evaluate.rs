//! Evaluation of one account: each worker holds its own clone of the prepared engine; every
//! rule × applicable resource yields one result ([`crate::scan`] runs accounts in parallel).

use super::{Rule, RuleSet};
use crate::facts::{AccountAnalysis, ResourceRef, ACCOUNT_KEY, GLOBAL_REGION};
use crate::results::{RuleResult, Status};
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

/// Runs every rule on one account's facts.
pub fn evaluate_account(
    engine: &mut Engine,
    rules: &RuleSet,
    analysis: &AccountAnalysis,
    input_ns: &AtomicU64,
) -> Vec<RuleResult> {
    let started = Instant::now();
    let input = match serde_json::to_value(&analysis.facts) {
        Ok(json) => Value::from(json),
        Err(error) => {
            // Facts are our own types; a failure here is a bug, reported per rule, never a pass.
            return account_not_evaluated(rules, analysis, &format!("facts could not be prepared: {error}"));
        }
    };
    engine.set_input(input);
    input_ns.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    let mut results = Vec::new();
    for (index, rule) in rules.rules.iter().enumerate() {
        evaluate_rule(engine, index, rule, analysis, &mut results);
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

fn evaluate_rule(
    engine: &mut Engine,
    index: usize,
    rule: &Rule,
    analysis: &AccountAnalysis,
    out: &mut Vec<RuleResult>,
) {
    let missing: Vec<&str> = rule
        .meta
        .requires
        .iter()
        .map(String::as_str)
        .filter(|section| analysis.facts.sections.has(section) != Some(true))
        .collect();
    if !missing.is_empty() {
        let reason = format!("the snapshot has no {} data for this account", missing.join(", "));
        out.push(not_evaluated(index, account_resource(analysis), reason));
        return;
    }
    let applicable = match engine.eval_rule(rule.applicable_path()) {
        Ok(value) => string_members(&value),
        Err(error) => {
            out.push(not_evaluated(
                index,
                account_resource(analysis),
                rule_error(rule, "applicable", &error),
            ));
            return;
        }
    };
    let mut denied: BTreeMap<String, Vec<DenyEntry>> = BTreeMap::new();
    match engine.eval_rule(rule.deny_path()) {
        Ok(value) => {
            for entry in members(&value) {
                let Some(key) = entry[&*RESOURCE_KEY].as_string().ok().map(|s| s.to_string()) else {
                    tracing::warn!(rule = %rule.meta.id, "a deny entry has no `resource` string; ignored");
                    continue;
                };
                let message = entry[&*MESSAGE_KEY]
                    .as_string()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|_| rule.meta.title.clone());
                let evidence = match &entry[&*EVIDENCE_KEY] {
                    Value::Undefined => serde_json::Value::Object(Default::default()),
                    other => serde_json::to_value(other).unwrap_or(serde_json::Value::Null),
                };
                denied.entry(key).or_default().push(DenyEntry { message, evidence });
            }
        }
        Err(error) => {
            let reason = rule_error(rule, "deny", &error);
            for key in &applicable {
                out.push(not_evaluated(index, resolve(analysis, key), reason.clone()));
            }
            return;
        }
    }
    let mut rule_not_evaluated: BTreeMap<String, String> = BTreeMap::new();
    if rule.has_not_evaluated {
        if let Ok(value) = engine.eval_rule(rule.not_evaluated_path()) {
            for entry in members(&value) {
                if let Ok(key) = entry[&*RESOURCE_KEY].as_string() {
                    let reason = entry[&*REASON_KEY]
                        .as_string()
                        .map(|s| s.to_string())
                        .unwrap_or_default();
                    rule_not_evaluated.insert(key.to_string(), reason);
                }
            }
        }
    }
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
                message: "No issue found.".into(),
                evidence: serde_json::Value::Object(Default::default()),
            });
        }
    }
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
    let first = error.to_string().lines().next().unwrap_or_default().to_string();
    tracing::warn!(rule = %rule.meta.id, "evaluating `{part}` failed: {first}");
    format!("rule {} failed to evaluate `{part}`: {first}", rule.meta.id)
}

/// Elements of a set or array; nothing for undefined.
fn members(value: &Value) -> Vec<&Value> {
    match value {
        Value::Set(set) => set.iter().collect(),
        Value::Array(array) => array.iter().collect(),
        _ => Vec::new(),
    }
}

fn string_members(value: &Value) -> Vec<String> {
    members(value)
        .into_iter()
        .filter_map(|v| v.as_string().ok().map(|s| s.to_string()))
        .collect()
}
