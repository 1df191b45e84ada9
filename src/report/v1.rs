//! JSON report v1 (docs/contracts.md): structs of its own, used by the writer and by the
//! readers (`--baseline`, `posture diff`), with a JSON Schema generated from them. Internal
//! types never reach the bytes directly; adding a field is additive, renaming one is v2.

use crate::error::InputError;
use crate::finding::{Finding, Fingerprint, Status, GLOBAL_REGION};
use schemars::JsonSchema;
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const REPORT_SCHEMA_VERSION: &str = "1";

/// The whole document. `F` is the findings' representation: a list of [`FindingV1`] in the
/// schema, a placeholder while the streamed writer renders the header.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ReportV1<'a, F> {
    pub schema_version: Cow<'a, str>,
    pub tool: ToolV1<'a>,
    pub scan: ScanV1<'a>,
    pub score: ScoreV1<'a>,
    pub coverage: CoverageV1<'a>,
    /// Only with a baseline (an additive v1 section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineV1<'a>>,
    pub findings: F,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ToolV1<'a> {
    pub name: Cow<'a, str>,
    pub version: Cow<'a, str>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ScanV1<'a> {
    pub id: Cow<'a, str>,
    pub started_at: Cow<'a, str>,
    pub finished_at: Cow<'a, str>,
    pub sources: Cow<'a, [String]>,
    pub accounts: Cow<'a, [String]>,
    pub regions: Cow<'a, [String]>,
    /// Present (and true) when the files leave out passing and not-evaluated findings
    /// (`--only-failing`); score and coverage still count every finding.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_failing: bool,
    /// Present with a Terraform plan or CloudFormation template: the resource types posture
    /// does not map onto its model, sorted, once each (an additive v1 field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmapped_resource_types: Option<Cow<'a, [String]>>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ScoreV1<'a> {
    /// `null` when nothing weighted could be evaluated: never read as 100.
    pub overall: Option<f64>,
    pub pillars: Cow<'a, BTreeMap<String, Option<f64>>>,
    pub accounts: Cow<'a, BTreeMap<String, Option<f64>>>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct CoverageV1<'a> {
    pub evaluated: usize,
    pub not_evaluated: usize,
    pub gaps: Vec<GapV1<'a>>,
}

/// A call that failed while collecting: the data it would have brought is missing.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct GapV1<'a> {
    pub account: Cow<'a, str>,
    pub region: Cow<'a, str>,
    pub service: Cow<'a, str>,
    pub operation: Cow<'a, str>,
    pub error: Cow<'a, str>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct BaselineV1<'a> {
    pub previous_scan_id: Cow<'a, str>,
    pub previous_score: Option<f64>,
    pub new: usize,
    pub unchanged: usize,
    pub resolved: Cow<'a, [RecordedFinding]>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct FindingV1<'a> {
    /// Stable fingerprint: a hash of rule, account, region and resource ARN.
    pub id: Cow<'a, str>,
    pub rule_id: Cow<'a, str>,
    pub title: Cow<'a, str>,
    pub severity: Cow<'a, str>,
    /// `pass`, `fail`, `not_evaluated` or `muted`.
    pub status: Cow<'a, str>,
    pub pillar: Cow<'a, str>,
    pub categories: Cow<'a, [String]>,
    pub resource: ResourceV1<'a>,
    pub message: Cow<'a, str>,
    pub evidence: Cow<'a, serde_json::Value>,
    pub compliance: Cow<'a, [String]>,
    pub remediation: Cow<'a, str>,
    /// `new` or `unchanged`, only when a baseline was given (an additive v1 field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ResourceV1<'a> {
    pub arn: Cow<'a, str>,
    #[serde(rename = "type")]
    pub resource_type: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub account: Cow<'a, str>,
    /// Region name, or `global`.
    pub region: Cow<'a, str>,
}

/// The part of a [`FindingV1`] that comparisons keep (and `baseline.resolved` lists); its
/// fields are a subset of the finding's, so every finding reads as one.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RecordedFinding {
    pub id: String,
    pub rule_id: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub resource: RecordedResource,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RecordedResource {
    pub arn: String,
    pub account: String,
    pub region: String,
}

/// JSON Schema of the report, generated from these types, keys sorted.
pub fn json_schema() -> serde_json::Value {
    crate::snapshot::sort_keys(schemars::schema_for!(ReportV1<'static, Vec<FindingV1<'static>>>).to_value())
}

/// An earlier report as comparisons need it, read in one pass without holding its findings:
/// every fingerprint with its status, and the failing findings in full.
#[derive(Debug)]
pub struct RecordedReport {
    pub scan_id: String,
    pub score: Option<f64>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// The report left out passing and not-evaluated findings: absent is not "new".
    pub only_failing: bool,
    /// Sorted by fingerprint; a status the build does not know is `None` (never equal).
    statuses: Vec<(Fingerprint, Option<Status>)>,
    /// In report order.
    pub failing: Vec<RecordedFinding>,
}

impl RecordedReport {
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let file = std::fs::File::open(path).map_err(|source| InputError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let reader = std::io::BufReader::with_capacity(1 << 20, file);
        let deserializer = &mut serde_json::Deserializer::from_reader(reader);
        let head: RecordedHead = serde_path_to_error::deserialize(deserializer)
            .map_err(|error| InputError::at(path, error.path().to_string(), error.inner()))?;
        if head.schema_version != REPORT_SCHEMA_VERSION {
            return Err(InputError::Invalid {
                path: path.to_path_buf(),
                json_path: "$.schema_version".into(),
                message: format!(
                    "expected a JSON report v1, found schema_version {:?}",
                    head.schema_version
                ),
            });
        }
        let mut statuses = head.findings.statuses;
        statuses.sort_unstable_by_key(|(id, _)| *id);
        Ok(RecordedReport {
            scan_id: head.scan.id,
            score: head.score.overall,
            accounts: head.scan.accounts,
            regions: head.scan.regions,
            only_failing: head.scan.only_failing,
            statuses,
            failing: head.findings.failing,
        })
    }

    /// A scan just run, as the baseline of the next one; failing findings in report order.
    pub fn of_scan(summary: &crate::report::Summary<'_>, findings: RecordedFindings) -> Self {
        let mut statuses = findings.statuses;
        statuses.sort_unstable_by_key(|(id, _)| *id);
        let mut failing = findings.failing;
        failing.sort_by(|a, b| {
            (&a.rule_id, &a.resource.account, &a.resource.region, &a.resource.arn).cmp(&(
                &b.rule_id,
                &b.resource.account,
                &b.resource.region,
                &b.resource.arn,
            ))
        });
        RecordedReport {
            scan_id: summary.scan.id.clone(),
            score: summary.score.overall,
            accounts: summary.scan.accounts.clone(),
            regions: summary.scan.regions.clone(),
            only_failing: false,
            statuses,
            failing,
        }
    }

    /// The status the report gave this finding; `None` when it had no such finding.
    pub fn status_of(&self, id: &Fingerprint) -> Option<Option<Status>> {
        self.statuses
            .binary_search_by_key(id, |(key, _)| *key)
            .ok()
            .map(|index| self.statuses[index].1)
    }

    pub fn scope(&self) -> Scope {
        Scope::new(&self.accounts, &self.regions)
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

#[derive(Deserialize)]
struct RecordedHead {
    schema_version: String,
    scan: RecordedScan,
    score: RecordedScore,
    findings: RecordedFindings,
}

#[derive(Deserialize)]
struct RecordedScan {
    id: String,
    accounts: Vec<String>,
    regions: Vec<String>,
    #[serde(default)]
    only_failing: bool,
}

#[derive(Deserialize)]
struct RecordedScore {
    overall: Option<f64>,
}

/// Every finding's status and the failing findings in full: what a baseline keeps.
#[derive(Debug, Default)]
pub struct RecordedFindings {
    statuses: Vec<(Fingerprint, Option<Status>)>,
    failing: Vec<RecordedFinding>,
}

impl RecordedFindings {
    /// Keeps the findings of a scan as they are built (a plan's base scan).
    pub fn add<'f>(&mut self, findings: impl Iterator<Item = &'f Finding<'f>>) {
        for finding in findings {
            self.statuses.push((finding.id, Some(finding.status)));
            if finding.status == Status::Fail {
                self.failing.push(RecordedFinding::of(finding));
            }
        }
    }
}

impl RecordedFinding {
    pub fn of(finding: &Finding<'_>) -> Self {
        let meta = finding.rule;
        RecordedFinding {
            id: finding.id.hex(),
            rule_id: meta.id.clone(),
            title: meta.title.clone(),
            severity: meta.severity.as_str().into(),
            status: finding.status.as_str().into(),
            resource: RecordedResource {
                arn: finding.resource.arn.clone(),
                account: finding.resource.account.clone(),
                region: finding.resource.region.clone(),
            },
            message: finding.message.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for RecordedFindings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(FindingsVisitor)
    }
}

struct FindingsVisitor;

impl<'de> Visitor<'de> for FindingsVisitor {
    type Value = RecordedFindings;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a list of findings")
    }

    /// One finding at a time: the report is never held whole.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut findings = RecordedFindings::default();
        while let Some(finding) = seq.next_element::<RecordedFinding>()? {
            let id = Fingerprint::parse(&finding.id)
                .ok_or_else(|| serde::de::Error::custom(format!("id {:?} is not a posture fingerprint", finding.id)))?;
            let status = Status::parse(&finding.status);
            findings.statuses.push((id, status));
            if status == Some(Status::Fail) {
                findings.failing.push(finding);
            }
        }
        Ok(findings)
    }
}
