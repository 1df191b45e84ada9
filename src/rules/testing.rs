//! A test runner for Rego (regorus has none): every `test_*` rule of every `_test.rego` file
//! must evaluate to `true` with the rules, libraries and parameters loaded.

use super::{posture_data, FileKind, RegoFile};
use crate::error::InputError;
use regorus::{Engine, Value};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct TestOutcome {
    pub file: String,
    pub name: String,
    pub passed: bool,
    /// What the test evaluated to when it did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Names of the `test_*` rules a module defines, in file order, each once.
pub fn test_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        if !line.starts_with("test_") {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Runs the tests in `tests` against an engine holding every non-test file of `modules`.
pub fn run_tests(
    modules: &[RegoFile],
    tests: &[&RegoFile],
    data: &serde_json::Value,
) -> Result<Vec<TestOutcome>, InputError> {
    let mut base = Engine::new();
    super::limits::apply(&mut base, super::limits::TIME_BUDGET)
        .map_err(|error| InputError::Usage(format!("preparing the rule engine: {error}")))?;
    for file in modules.iter().filter(|f| f.kind != FileKind::Test) {
        base.add_policy(file.origin.clone(), file.text.clone())
            .map_err(|error| super::regorus_error(&file.origin, &error))?;
    }
    base.add_data(posture_data(data))
        .map_err(|error| InputError::Usage(format!("rules data: {error}")))?;
    let mut outcomes = Vec::new();
    for file in tests {
        let mut engine = base.clone();
        engine
            .add_policy(file.origin.clone(), file.text.clone())
            .map_err(|error| super::regorus_error(&file.origin, &error))?;
        engine.set_input(Value::new_object());
        let recursive = super::limits::recursive_rules(
            modules
                .iter()
                .filter(|f| f.kind != FileKind::Test)
                .chain(std::iter::once(*file)),
        );
        let names = test_names(&file.text);
        if names.is_empty() {
            tracing::warn!(file = %file.origin, "test file defines no test_* rule");
        }
        for name in names {
            let path = format!("data.{}.{name}", file.package);
            // Running a recursive function would overflow the stack and abort the runner.
            if let Some(reason) = recursive.get(&path) {
                outcomes.push(TestOutcome {
                    file: file.origin.clone(),
                    name,
                    passed: false,
                    detail: Some(reason.clone()),
                });
                continue;
            }
            let outcome = match engine.eval_rule(path) {
                Ok(Value::Bool(true)) => TestOutcome {
                    file: file.origin.clone(),
                    name,
                    passed: true,
                    detail: None,
                },
                Ok(Value::Undefined) => TestOutcome {
                    file: file.origin.clone(),
                    name,
                    passed: false,
                    detail: Some("undefined (a condition did not hold)".into()),
                },
                Ok(other) => TestOutcome {
                    file: file.origin.clone(),
                    name,
                    passed: false,
                    detail: Some(format!("evaluated to {}", super::limits::cap_echo(&other.to_string()))),
                },
                Err(error) => TestOutcome {
                    file: file.origin.clone(),
                    name,
                    passed: false,
                    detail: Some(super::limits::overrun(&error).unwrap_or_else(|| super::regorus_cause(&error))),
                },
            };
            outcomes.push(outcome);
        }
    }
    Ok(outcomes)
}
