//! Baselines: compare findings with an earlier JSON report v1 (`scan --baseline`, `posture diff`).
//!
//! A finding is `unchanged` when the earlier report had the same fingerprint with the same
//! status, else `new`. A finding that failed before is `resolved` when it now passes or is gone,
//! but only in (account, region) scopes scanned both times: "not scanned" is never "resolved".

use crate::error::InputError;
use crate::facts::GLOBAL_REGION;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// The part of a JSON report v1 a comparison needs; unknown fields are ignored (additive v1).
#[derive(Debug, Deserialize)]
pub struct RecordedReport {
    pub schema_version: String,
    pub scan: RecordedScan,
    pub score: RecordedScore,
    pub findings: Vec<RecordedFinding>,
}

#[derive(Debug, Deserialize)]
pub struct RecordedScan {
    pub id: String,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct RecordedScore {
    pub overall: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RecordedFinding {
    pub id: String,
    pub rule_id: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub resource: RecordedResource,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RecordedResource {
    pub arn: String,
    pub account: String,
    pub region: String,
}

impl RecordedReport {
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let bytes = std::fs::read(path).map_err(|source| InputError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        let report: RecordedReport = serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let json_path = error.path().to_string();
            InputError::at(path, json_path, error.inner())
        })?;
        if report.schema_version != crate::output::json_v1::REPORT_SCHEMA_VERSION {
            return Err(InputError::Invalid {
                path: path.to_path_buf(),
                json_path: "$.schema_version".into(),
                message: format!(
                    "expected a JSON report v1, found schema_version {:?}",
                    report.schema_version
                ),
            });
        }
        Ok(report)
    }

    pub fn scope(&self) -> Scope {
        Scope::new(&self.scan.accounts, &self.scan.regions)
    }
}

/// The (account, region) pairs a scan covered. Global resources count as scanned with the account.
pub struct Scope {
    accounts: BTreeSet<String>,
    regions: BTreeSet<String>,
}

impl Scope {
    pub fn new(accounts: &[String], regions: &[String]) -> Self {
        Scope {
            accounts: accounts.iter().cloned().collect(),
            regions: regions.iter().cloned().collect(),
        }
    }
    pub fn covers(&self, account: &str, region: &str) -> bool {
        self.accounts.contains(account) && (region == GLOBAL_REGION || self.regions.contains(region))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    New,
    Unchanged,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::New => "new",
            Mark::Unchanged => "unchanged",
        }
    }
}

/// What a current finding needs to be compared.
pub struct CurrentFinding<'a> {
    pub id: &'a str,
    pub status: &'a str,
}

/// The outcome of a comparison: one mark per current finding (same order), and the resolved ones.
#[derive(Debug)]
pub struct Comparison {
    pub previous_scan_id: String,
    pub previous_score: Option<f64>,
    pub marks: Vec<Mark>,
    pub resolved: Vec<RecordedFinding>,
}

pub fn compare<'a>(
    previous: &RecordedReport,
    current: impl Iterator<Item = CurrentFinding<'a>>,
    current_scope: &Scope,
) -> Comparison {
    let before: HashMap<&str, &str> = previous
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f.status.as_str()))
        .collect();
    let mut now: HashMap<&str, &str> = HashMap::new();
    let marks = current
        .map(|finding| {
            now.insert(finding.id, finding.status);
            match before.get(finding.id) {
                Some(status) if *status == finding.status => Mark::Unchanged,
                _ => Mark::New,
            }
        })
        .collect();
    let previous_scope = previous.scope();
    let resolved = previous
        .findings
        .iter()
        .filter(|f| f.status == "fail")
        .filter(|f| {
            let scanned_both = previous_scope.covers(&f.resource.account, &f.resource.region)
                && current_scope.covers(&f.resource.account, &f.resource.region);
            // Now muted or not evaluated is not a fix; gone or passing in a rescanned scope is.
            scanned_both && matches!(now.get(f.id.as_str()), None | Some(&"pass"))
        })
        .cloned()
        .collect();
    Comparison {
        previous_scan_id: previous.scan.id.clone(),
        previous_score: previous.score.overall,
        marks,
        resolved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, status: &str, region: &str) -> RecordedFinding {
        RecordedFinding {
            id: id.into(),
            rule_id: "R".into(),
            title: "t".into(),
            severity: "high".into(),
            status: status.into(),
            resource: RecordedResource {
                arn: format!("arn:{id}"),
                account: "1".into(),
                region: region.into(),
            },
            message: String::new(),
        }
    }

    #[test]
    fn unscanned_scopes_are_never_resolved() {
        let previous = RecordedReport {
            schema_version: "1".into(),
            scan: RecordedScan {
                id: "old".into(),
                accounts: vec!["1".into()],
                regions: vec!["eu-west-1".into(), "us-east-1".into()],
            },
            score: RecordedScore { overall: Some(50.0) },
            findings: vec![
                finding("a", "fail", "eu-west-1"),
                finding("b", "fail", "us-east-1"),
                finding("c", "fail", "global"),
                finding("d", "fail", "eu-west-1"),
            ],
        };
        let current = [
            CurrentFinding {
                id: "d",
                status: "fail",
            },
            CurrentFinding {
                id: "e",
                status: "fail",
            },
        ];
        // us-east-1 was not scanned this time: b is not resolved; a and c are gone, so resolved.
        let scope = Scope::new(&["1".into()], &["eu-west-1".into()]);
        let comparison = compare(&previous, current.into_iter(), &scope);
        assert_eq!(comparison.marks, vec![Mark::Unchanged, Mark::New]);
        let resolved: Vec<&str> = comparison.resolved.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(resolved, vec!["a", "c"]);
    }
}
