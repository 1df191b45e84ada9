//! The score (docs/contracts.md §Score): a pure function of per-(rule, account) counters.
//!
//! The unit is a (rule, account) pair: it passes when none of the rule's applicable resources
//! in that account fail. Score = 100 × Σ weight(passing pairs) ÷ Σ weight(evaluated pairs);
//! pairs with only `not_evaluated` or `muted` results are left out.

use crate::finding::Status;
use crate::rules::metadata::{Pillar, RuleMetadata};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Score {
    /// `None` when nothing weighted could be evaluated: never read as 100.
    pub overall: Option<f64>,
    pub pillars: BTreeMap<String, Option<f64>>,
    pub accounts: BTreeMap<String, Option<f64>>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Coverage {
    /// Results that reached a decision (pass, fail, muted).
    pub evaluated: usize,
    pub not_evaluated: usize,
}

impl Coverage {
    /// Evaluated ÷ applicable, in percent; `None` with nothing applicable.
    pub fn percent(&self) -> Option<f64> {
        let total = self.evaluated + self.not_evaluated;
        (total > 0).then(|| round1(100.0 * self.evaluated as f64 / total as f64))
    }
}

#[derive(Default, Clone, Copy)]
struct Pair {
    evaluated: bool,
    failed: bool,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    passing: u64,
    evaluated: u64,
}

impl Tally {
    fn add(&mut self, pair: Pair, weight: u64) {
        if pair.evaluated {
            self.evaluated += weight;
            if !pair.failed {
                self.passing += weight;
            }
        }
    }
    fn score(self) -> Option<f64> {
        (self.evaluated > 0).then(|| round1(100.0 * self.passing as f64 / self.evaluated as f64))
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The (rule, account) pairs of a scan, fed finding by finding.
#[derive(Default)]
pub struct ScoreCounters {
    /// account → one pair per rule index.
    accounts: HashMap<String, Vec<Pair>>,
}

impl ScoreCounters {
    pub fn add(&mut self, rule: usize, account: &str, status: Status) {
        let pairs = match self.accounts.get_mut(account) {
            Some(pairs) => pairs,
            None => self.accounts.entry(account.to_string()).or_default(),
        };
        if pairs.len() <= rule {
            pairs.resize(rule + 1, Pair::default());
        }
        let pair = &mut pairs[rule];
        match status {
            Status::Pass => pair.evaluated = true,
            Status::Fail => {
                pair.evaluated = true;
                pair.failed = true;
            }
            Status::NotEvaluated | Status::Muted => {}
        }
    }

    pub fn score(&self, rules: &[&RuleMetadata]) -> Score {
        let pairs = self.accounts.iter().flat_map(|(account, pairs)| {
            pairs
                .iter()
                .enumerate()
                .map(move |(rule, pair)| ((rule, account.as_str()), pair))
        });
        compute(pairs, rules)
    }
}

fn compute<'a>(pairs: impl Iterator<Item = ((usize, &'a str), &'a Pair)>, rules: &[&RuleMetadata]) -> Score {
    let mut overall = Tally::default();
    let mut pillars: BTreeMap<Pillar, Tally> = Pillar::ALL.iter().map(|p| (*p, Tally::default())).collect();
    let mut accounts: BTreeMap<&str, Tally> = BTreeMap::new();
    for ((rule, account), pair) in pairs {
        let Some(meta) = rules.get(rule) else { continue };
        let weight = u64::from(meta.severity.weight());
        overall.add(*pair, weight);
        pillars.entry(meta.pillar).or_default().add(*pair, weight);
        accounts.entry(account).or_default().add(*pair, weight);
    }
    Score {
        overall: overall.score(),
        pillars: pillars
            .into_iter()
            .map(|(p, t)| (p.as_str().to_string(), t.score()))
            .collect(),
        accounts: accounts.into_iter().map(|(a, t)| (a.to_string(), t.score())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::metadata::Severity;

    fn meta(severity: Severity, pillar: Pillar) -> RuleMetadata {
        RuleMetadata {
            id: "T-1".into(),
            title: String::new(),
            description: String::new(),
            severity,
            pillar,
            categories: vec![],
            requires: vec![],
            compliance: vec![],
            remediation: String::new(),
        }
    }

    fn counters(results: &[(usize, &str, Status)]) -> ScoreCounters {
        let mut counters = ScoreCounters::default();
        for (rule, account, status) in results {
            counters.add(*rule, account, *status);
        }
        counters
    }

    #[test]
    fn pairs_weights_and_exclusions() {
        let critical = meta(Severity::Critical, Pillar::Identity);
        let high = meta(Severity::High, Pillar::Network);
        let low = meta(Severity::Low, Pillar::Network);
        let rules = [&critical, &high, &low];
        let results = counters(&[
            // critical pair in account A: one fail among passes → the pair fails (weight 10).
            (0, "A", Status::Pass),
            (0, "A", Status::Fail),
            // high pair in A passes (weight 5), with a not_evaluated beside a pass.
            (1, "A", Status::Pass),
            (1, "A", Status::NotEvaluated),
            // low pair in A: only muted → left out.
            (2, "A", Status::Muted),
            // high pair in B: only not_evaluated → left out.
            (1, "B", Status::NotEvaluated),
            // low pair in B passes (weight 1).
            (2, "B", Status::Pass),
        ]);
        let score = results.score(&rules);
        // passing 5 + 1 of evaluated 10 + 5 + 1.
        assert_eq!(score.overall, Some(37.5));
        assert_eq!(score.pillars["identity"], Some(0.0));
        assert_eq!(score.pillars["network"], Some(100.0));
        assert_eq!(score.pillars["data"], None);
        assert_eq!(score.accounts["A"], Some(33.3));
        assert_eq!(score.accounts["B"], Some(100.0));
    }

    #[test]
    fn nothing_evaluated_is_no_score_not_a_perfect_one() {
        let rule = meta(Severity::High, Pillar::Detection);
        let score = counters(&[(0, "A", Status::NotEvaluated)]).score(&[&rule]);
        assert_eq!(score.overall, None);
        assert_eq!(score.accounts["A"], None);
        let coverage = Coverage {
            evaluated: 1,
            not_evaluated: 1,
        };
        assert_eq!(coverage.percent(), Some(50.0));
    }
}
