//! Budgets that keep one rule from crashing or stalling a scan: recursion is found before
//! anything runs (regorus recurses on the native stack, so a function that calls itself would
//! overflow it and abort the process), every evaluation has a time budget, and the builtins
//! that build a collection in one step have a size budget.

use super::RegoFile;
pub use crate::error::cap_echo;
use regorus::unstable::{Expr, Literal, Parser, Query, Rule as RegoRule, RuleHead, Source};
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::time::Duration;

/// Wall-clock budget of one evaluation (one rule part, one account). Real rules take
/// milliseconds on the largest accounts; a rule that needs more is broken or hostile.
pub const TIME_BUDGET: Duration = Duration::from_secs(10);

/// Largest collection `numbers.range` may build (a port range needs 65,536).
pub const RANGE_BUDGET: u64 = 1_000_000;

/// Work units between clock reads: rare enough to cost nothing, frequent enough to stop promptly.
const CHECK_INTERVAL: u32 = 256;

/// Puts the time budget and the size-budgeted builtins on an engine, before policies are added.
pub fn apply(engine: &mut Engine, time_budget: Duration) -> anyhow::Result<()> {
    engine.set_execution_timer_config(timer(time_budget));
    // Extensions are looked up before builtins, so these replace regorus's unbounded ones.
    engine.add_extension(
        "numbers.range".into(),
        2,
        Box::new(|args: Vec<Value>| bounded_range(&args, "numbers.range")),
    )?;
    engine.add_extension(
        "numbers.range_step".into(),
        3,
        Box::new(|args: Vec<Value>| bounded_range(&args, "numbers.range_step")),
    )?;
    Ok(())
}

/// regorus's cooperative timer for one evaluation of at most `budget`.
pub fn timer(budget: Duration) -> ExecutionTimerConfig {
    ExecutionTimerConfig {
        limit: budget,
        check_interval: NonZeroU32::new(CHECK_INTERVAL).unwrap_or(NonZeroU32::MIN),
    }
}

/// `numbers.range(a, b)` and `numbers.range_step(a, b, step)`, refusing more than
/// [`RANGE_BUDGET`] elements instead of allocating gigabytes in one uninterruptible step.
fn bounded_range(args: &[Value], name: &str) -> anyhow::Result<Value> {
    let integer = |value: Option<&Value>| -> anyhow::Result<i64> {
        value
            .and_then(|v| v.as_i64().ok())
            .ok_or_else(|| anyhow::anyhow!("{name}: operands must be integers"))
    };
    let start = integer(args.first())?;
    let end = integer(args.get(1))?;
    let step = if args.len() > 2 { integer(args.get(2))? } else { 1 };
    if step <= 0 {
        anyhow::bail!("{name}: step must be a positive integer");
    }
    let span = end.abs_diff(start);
    let elements = span / step.unsigned_abs() + 1;
    if elements > RANGE_BUDGET {
        anyhow::bail!("{name} would build {elements} numbers, over posture's budget of {RANGE_BUDGET}");
    }
    let increment = if end >= start { step } else { -step };
    let values: Vec<Value> = (0..elements as i64)
        .map(|i| Value::from(start + i * increment))
        .collect();
    Ok(Value::from(values))
}

/// "exceeded its time budget of N s" when an evaluation stopped on the budget.
pub fn overrun(error: &anyhow::Error) -> Option<String> {
    match error.downcast_ref::<regorus::LimitError>()? {
        regorus::LimitError::TimeLimitExceeded { limit, .. } => {
            Some(format!("exceeded its time budget of {} s", limit.as_secs_f64()))
        }
        other => Some(other.to_string()),
    }
}

/// One rule or function of the loaded modules: where it is written and what it uses.
#[derive(Default)]
struct Definition {
    origin: String,
    line: u32,
    name: String,
    is_function: bool,
    calls: BTreeSet<String>,
    refs: BTreeSet<String>,
}

/// Per module: its package path and import aliases, to resolve the names its rules use.
struct Scope {
    package: String,
    imports: BTreeMap<String, String>,
}

/// Rules (by full path, `data.pkg.rule`) that call, or use something that calls, a function
/// that calls itself, each with the reason naming that function's `file:line`. Rego forbids
/// recursion (OPA rejects it when compiling); regorus would overflow its stack instead.
pub fn recursive_rules<'a>(files: impl IntoIterator<Item = &'a RegoFile>) -> BTreeMap<String, String> {
    let mut definitions: BTreeMap<String, Definition> = BTreeMap::new();
    let mut unresolved: Vec<(String, Scope, Vec<String>, Vec<String>)> = Vec::new();
    for file in files {
        // Files that do not parse were already refused when they were added to the engine.
        let Ok(source) = Source::from_contents(file.origin.clone(), file.text.clone()) else {
            continue;
        };
        let parsed = Parser::new(&source).and_then(|mut parser| {
            parser.enable_rego_v1()?;
            parser.parse()
        });
        let Ok(module) = parsed else {
            continue;
        };
        let Ok(package) = regorus::utils::get_path_string(&module.package.refr, Some("data")) else {
            continue;
        };
        let mut imports = BTreeMap::new();
        for import in &module.imports {
            let Ok(target) = regorus::utils::get_path_string(&import.refr, None) else {
                continue;
            };
            let alias = match &import.r#as {
                Some(span) => span.text().to_string(),
                None => target.rsplit('.').next().unwrap_or_default().to_string(),
            };
            imports.insert(alias, target);
        }
        let scope = Scope { package, imports };
        for rule in &module.policy {
            let (head_ref, is_function, line) = match rule.as_ref() {
                RegoRule::Spec { head, span, .. } => match head {
                    RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } => (refr, false, span.line),
                    RuleHead::Func { refr, .. } => (refr, true, span.line),
                },
                RegoRule::Default { refr, args, span, .. } => (refr, !args.is_empty(), span.line),
            };
            let Ok(name) = regorus::utils::get_path_string(head_ref, None) else {
                continue;
            };
            let mut uses = Uses::default();
            uses.rule(rule);
            let path = format!("{}.{name}", scope.package);
            let definition = definitions.entry(path.clone()).or_insert_with(|| Definition {
                origin: file.origin.clone(),
                line,
                name: name.clone(),
                is_function,
                ..Definition::default()
            });
            definition.is_function |= is_function;
            unresolved.push((
                path,
                Scope {
                    package: scope.package.clone(),
                    imports: scope.imports.clone(),
                },
                uses.calls,
                uses.refs,
            ));
        }
    }
    let known: BTreeSet<String> = definitions.keys().cloned().collect();
    for (path, scope, calls, refs) in unresolved {
        let calls: Vec<String> = calls
            .iter()
            .map(|call| resolve(&scope, call))
            .filter(|target| known.contains(target))
            .collect();
        let refs: Vec<String> = refs
            .iter()
            .filter_map(|reference| longest_known_prefix(&known, &resolve(&scope, reference)))
            .collect();
        if let Some(definition) = definitions.get_mut(&path) {
            definition.calls.extend(calls);
            definition.refs.extend(refs);
        }
    }
    // A function in a call cycle is recursive; everything that reaches one is unsafe to run.
    let mut reasons: BTreeMap<String, String> = BTreeMap::new();
    for (path, definition) in &definitions {
        if definition.is_function && reaches(&definitions, path, path, false) {
            reasons.insert(
                path.clone(),
                format!(
                    "function `{}` ({}:{}) calls itself; Rego does not allow recursion",
                    definition.name, definition.origin, definition.line
                ),
            );
        }
    }
    if reasons.is_empty() {
        return reasons;
    }
    let cyclic: Vec<(String, String)> = reasons.iter().map(|(p, r)| (p.clone(), r.clone())).collect();
    for path in definitions.keys() {
        if reasons.contains_key(path) {
            continue;
        }
        if let Some((_, reason)) = cyclic
            .iter()
            .find(|(target, _)| reaches(&definitions, path, target, true))
        {
            reasons.insert(path.clone(), reason.clone());
        }
    }
    reasons
}

/// Whether `target` is reachable from `from` in one or more steps (calls only, or calls and refs).
fn reaches(definitions: &BTreeMap<String, Definition>, from: &str, target: &str, with_refs: bool) -> bool {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut pending: Vec<&str> = vec![from];
    while let Some(current) = pending.pop() {
        let Some(definition) = definitions.get(current) else {
            continue;
        };
        let refs = definition.refs.iter().filter(|_| with_refs);
        for next in definition.calls.iter().chain(refs) {
            if next == target {
                return true;
            }
            if seen.insert(next.as_str()) {
                pending.push(next.as_str());
            }
        }
    }
    false
}

/// A name as written (`f`, `lib.f`, `data.x.f`) as a full path, the way regorus resolves it.
fn resolve(scope: &Scope, written: &str) -> String {
    if written.starts_with("data.") {
        return written.to_string();
    }
    let (first, rest) = written.split_once('.').unwrap_or((written, ""));
    match scope.imports.get(first) {
        Some(target) if rest.is_empty() => target.clone(),
        Some(target) => format!("{target}.{rest}"),
        None => format!("{}.{written}", scope.package),
    }
}

fn longest_known_prefix(known: &BTreeSet<String>, path: &str) -> Option<String> {
    let mut candidate = path;
    loop {
        if known.contains(candidate) {
            return Some(candidate.to_string());
        }
        candidate = &candidate[..candidate.rfind('.')?];
    }
}

/// The functions a rule calls and the names it refers to, as written.
#[derive(Default)]
struct Uses {
    calls: Vec<String>,
    refs: Vec<String>,
}

impl Uses {
    fn rule(&mut self, rule: &RegoRule) {
        match rule {
            RegoRule::Spec { head, bodies, .. } => {
                match head {
                    RuleHead::Compr { assign, .. } | RuleHead::Func { assign, .. } => {
                        if let Some(assign) = assign {
                            self.expr(&assign.value);
                        }
                    }
                    RuleHead::Set { key, .. } => {
                        if let Some(key) = key {
                            self.expr(key);
                        }
                    }
                }
                for body in bodies {
                    if let Some(assign) = &body.assign {
                        self.expr(&assign.value);
                    }
                    self.query(&body.query);
                }
            }
            RegoRule::Default { value, .. } => self.expr(value),
        }
    }

    fn query(&mut self, query: &Query) {
        for stmt in &query.stmts {
            for modifier in &stmt.with_mods {
                self.expr(&modifier.r#as);
            }
            match &stmt.literal {
                Literal::SomeVars { .. } => {}
                Literal::SomeIn {
                    key, value, collection, ..
                } => self.membership(key.as_ref(), value, collection),
                Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => self.expr(expr),
                Literal::Every { domain, query, .. } => {
                    self.expr(domain);
                    self.query(query);
                }
            }
        }
    }

    /// `some key, value in collection` and `key, value in collection`.
    fn membership(&mut self, key: Option<&regorus::unstable::Ref<Expr>>, value: &Expr, collection: &Expr) {
        if let Some(key) = key {
            self.expr(key);
        }
        self.expr(value);
        self.expr(collection);
    }

    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. } => {
                if let Ok(path) = regorus::utils::get_path_string(expr, None) {
                    self.refs.push(path);
                }
                // Dynamic indexes (`x[f(y)]`) can call functions too.
                let mut current = expr;
                while let Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } = current {
                    if let Expr::RefBrack { index, .. } = current {
                        self.expr(index);
                    }
                    current = refr;
                }
            }
            Expr::Call { fcn, params, .. } => {
                if let Ok(path) = regorus::utils::get_path_string(fcn, None) {
                    self.calls.push(path);
                }
                for param in params {
                    self.expr(param);
                }
            }
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                for item in items {
                    self.expr(item);
                }
            }
            Expr::Object { fields, .. } => {
                for (_, key, value) in fields {
                    self.expr(key);
                    self.expr(value);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                self.expr(term);
                self.query(query);
            }
            Expr::ObjectCompr { key, value, query, .. } => {
                self.expr(key);
                self.expr(value);
                self.query(query);
            }
            Expr::UnaryExpr { expr, .. } => self.expr(expr),
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            Expr::Membership {
                key, value, collection, ..
            } => self.membership(key.as_ref(), value, collection),
            // Literals use nothing.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::rules::{builtin_sources, FileKind};

    fn module(origin: &str, text: &str) -> RegoFile {
        RegoFile {
            origin: origin.into(),
            relative: origin.into(),
            package: String::new(),
            text: text.into(),
            kind: FileKind::Rule,
        }
    }

    #[test]
    fn built_in_rules_have_no_recursion() {
        let sources = builtin_sources().unwrap();
        assert!(recursive_rules(&sources.files).is_empty());
    }

    #[test]
    fn recursion_is_found_directly_mutually_and_through_imports() {
        let lib = module(
            "lib.rego",
            "package lib\n\nping(n) := pong(n - 1)\n\npong(n) := ping(n)\n\nsafe(n) := n + 1\n",
        );
        let rule = module(
            "rule.rego",
            "package acme.rule\n\nimport data.lib\n\nf(x) := y if {\n\ty := f(x)\n}\n\ndeny contains x if {\n\tx := lib.ping(1)\n}\n\napplicable contains lib.safe(1) if true\n\nuses_f if f(1)\n",
        );
        let found = recursive_rules([&lib, &rule]);
        assert!(found["data.acme.rule.f"].contains("function `f` (rule.rego:5) calls itself"));
        assert!(found["data.acme.rule.deny"].contains("lib.rego:"));
        assert!(found["data.acme.rule.uses_f"].contains("`f`"));
        assert!(found.contains_key("data.lib.ping") && found.contains_key("data.lib.pong"));
        assert!(!found.contains_key("data.acme.rule.applicable"));
        assert!(!found.contains_key("data.lib.safe"));
    }

    #[test]
    fn ranges_are_built_within_their_budget() {
        let range = |args: &[i64]| {
            let values: Vec<Value> = args.iter().map(|n| Value::from(*n)).collect();
            bounded_range(&values, "numbers.range")
        };
        assert_eq!(
            range(&[3, 1]).unwrap(),
            Value::from(vec![Value::from(3), Value::from(2), Value::from(1)])
        );
        assert_eq!(
            range(&[0, 10, 5]).unwrap(),
            Value::from(vec![Value::from(0), Value::from(5), Value::from(10)])
        );
        let error = range(&[1, 50_000_000]).unwrap_err().to_string();
        assert!(error.contains("50000000 numbers, over posture's budget"), "{error}");
        assert!(range(&[0, 10, 0]).is_err());
    }
}
