//! The CI gate and every exit code, decided in one place (docs/contracts.md §Exit codes).

use crate::report::Summary;
use crate::rules::metadata::Severity;

/// `0` ran and the gate passed.
pub const EXIT_OK: u8 = 0;
/// `1` runtime error.
pub const EXIT_RUNTIME: u8 = 1;
/// `2` usage, config or input error.
pub const EXIT_INPUT: u8 = 2;
/// `3` gate failed.
pub const EXIT_GATE_FAILED: u8 = 3;
/// `4` gate undecided: coverage incomplete and `--strict`.
pub const EXIT_INCOMPLETE: u8 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    #[default]
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct GateOptions {
    pub fail_on: FailOn,
    pub min_score: Option<f64>,
    pub strict: bool,
    /// With a baseline: only new failing results (at or above `fail_on`, any severity with
    /// `none`) fail the gate.
    pub fail_on_new: bool,
}

/// How a run ended, as far as the exit code cares.
pub enum Outcome<'a> {
    /// The scan ran; the gate decides.
    Scanned(&'a Summary<'a>, &'a GateOptions),
    /// A command without a gate finished (list, explain, synth, ...).
    Done,
    /// `posture rules test` with failing tests.
    TestsFailed,
    InputError,
    RuntimeError,
}

/// Why the gate said what it said, for stderr.
pub struct Decision {
    pub code: u8,
    pub reasons: Vec<String>,
}

/// The one function that maps outcomes to exit codes.
pub fn decide(outcome: Outcome<'_>) -> Decision {
    match outcome {
        Outcome::Done => Decision {
            code: EXIT_OK,
            reasons: Vec::new(),
        },
        Outcome::TestsFailed => Decision {
            code: EXIT_GATE_FAILED,
            reasons: vec!["rule tests failed".into()],
        },
        Outcome::InputError => Decision {
            code: EXIT_INPUT,
            reasons: Vec::new(),
        },
        Outcome::RuntimeError => Decision {
            code: EXIT_RUNTIME,
            reasons: Vec::new(),
        },
        Outcome::Scanned(report, options) => decide_gate(report, options),
    }
}

fn decide_gate(summary: &Summary<'_>, options: &GateOptions) -> Decision {
    let mut failed = Vec::new();
    if options.fail_on_new {
        let threshold = options.fail_on.threshold().unwrap_or(Severity::Info);
        let new_failures = summary.counts.new_failing_at_or_above(threshold);
        if new_failures > 0 {
            let against = if summary.scan.is_pre_deploy() {
                "introduced by the change"
            } else {
                "against the baseline"
            };
            failed.push(format!(
                "{new_failures} new failing result(s) at or above {} {against}",
                threshold.as_str()
            ));
        }
    } else if let Some(threshold) = options.fail_on.threshold() {
        let at_or_above = summary.counts.failing_at_or_above(threshold);
        if at_or_above > 0 {
            failed.push(format!(
                "{at_or_above} failing result(s) at or above {}",
                threshold.as_str()
            ));
        }
    }
    let mut undecided = Vec::new();
    if let Some(minimum) = options.min_score {
        match summary.score.overall {
            Some(score) if score < minimum => failed.push(format!("score {score} is below the minimum {minimum}")),
            Some(_) => {}
            // No score cannot meet a minimum: fail closed, or undecided under --strict.
            None if options.strict => undecided.push("no score could be computed".to_string()),
            None => failed.push(format!(
                "no score could be computed to compare with the minimum {minimum}"
            )),
        }
    }
    if !failed.is_empty() {
        return Decision {
            code: EXIT_GATE_FAILED,
            reasons: failed,
        };
    }
    if options.strict {
        if summary.scan.accounts.is_empty() {
            // Nothing scanned proves nothing: an empty input must not pass a strict gate.
            undecided.push("no account was scanned".to_string());
        }
        if summary.coverage.not_evaluated > 0 {
            undecided.push(format!("{} result(s) not evaluated", summary.coverage.not_evaluated));
        }
        if !summary.gaps.is_empty() {
            undecided.push(format!("{} coverage gap(s)", summary.gaps.len()));
        }
        if !undecided.is_empty() {
            return Decision {
                code: EXIT_INCOMPLETE,
                reasons: undecided,
            };
        }
    }
    Decision {
        code: EXIT_OK,
        reasons: Vec::new(),
    }
}
