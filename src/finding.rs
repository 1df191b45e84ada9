//! The finding: one rule's verdict on one resource, built once when its account's results exist
//! and handed, as it is, to every sink (outputs, score counters, gate, baseline). Renderers take
//! findings and nothing else.

use crate::rules::metadata::RuleMetadata;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Region label used for global services (IAM) and account-level results.
pub const GLOBAL_REGION: &str = "global";

/// Who a finding is about, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub arn: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    pub account: String,
    pub region: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Fail,
    NotEvaluated,
    Muted,
    Pass,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Fail, Status::NotEvaluated, Status::Muted, Status::Pass];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotEvaluated => "not_evaluated",
            Status::Muted => "muted",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Position in [`Status::ALL`], for counters.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Stable identity of a finding: the same rule on the same resource keeps it across scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    pub fn of(rule_id: &str, account: &str, region: &str, arn: &str) -> Self {
        let mut hasher = Sha256::new();
        for part in [rule_id, account, region, arn] {
            hasher.update(part.as_bytes());
            hasher.update([0u8]);
        }
        let digest = hasher.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Fingerprint(bytes)
    }

    /// Reads the 32 lowercase hex digits a report carries; `None` for anything else.
    pub fn parse(hex: &str) -> Option<Self> {
        if hex.len() != 32 {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(index * 2..index * 2 + 2)?, 16).ok()?;
        }
        Some(Fingerprint(bytes))
    }

    pub fn hex(&self) -> String {
        use std::fmt::Write as _;
        let mut text = String::with_capacity(32);
        for byte in self.0 {
            let _ = write!(text, "{byte:02x}");
        }
        text
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.hex())
    }
}

/// Against a baseline: the same fingerprint with the same status before, or not.
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

/// What a planned change (Terraform plan, CloudFormation template) does to a finding; set by
/// the pre-deploy inputs, `None` on scans of deployed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeMark {
    Introduced,
    Unchanged,
}

/// Where a planned resource is written (a Terraform plan or a CloudFormation template): the
/// evidence and SARIF's physical location of findings about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOrigin {
    /// `terraform` or `cloudformation`.
    pub tool: &'static str,
    /// The file as given on the command line.
    pub file: String,
    /// The resource address (`module.net.aws_security_group.web`) or logical id.
    pub address: String,
    pub resource_type: String,
    /// `create`, `update`, `delete` or `replace`.
    pub action: &'static str,
    /// 1-based line of the resource in the file, when known.
    pub line: Option<usize>,
}

impl PlannedOrigin {
    /// `terraform:<address>` or `cloudformation:<LogicalId>`: the ARN of a resource without one.
    pub fn label(&self) -> String {
        format!("{}:{}", self.tool, self.address)
    }

    /// What evidence carries under `planned`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut entries = vec![
            ("action".into(), self.action.into()),
            ("address".into(), self.address.clone().into()),
            ("file".into(), self.file.clone().into()),
            ("resource_type".into(), self.resource_type.clone().into()),
            ("tool".into(), self.tool.into()),
        ];
        if let Some(line) = self.line {
            entries.push(("line".into(), line.into()));
        }
        sorted_object(entries)
    }
}

/// The suppression entry that muted a failing finding (`.posture-ignore.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub reason: String,
    pub expires: String,
    pub file: String,
    pub entry: usize,
    pub tags: Vec<String>,
}

impl Suppression {
    /// The object JSON report v1 (and every format that carries evidence) writes.
    pub fn to_json(&self) -> serde_json::Value {
        sorted_object(vec![
            ("entry".into(), self.entry.into()),
            ("expires".into(), self.expires.clone().into()),
            ("file".into(), self.file.clone().into()),
            ("reason".into(), self.reason.clone().into()),
            ("tags".into(), self.tags.clone().into()),
        ])
    }
}

/// An object with its keys in sorted order, whether or not serde_json keeps insertion order
/// (a feature another crate of the build may turn on): the same finding, the same bytes.
pub fn sorted_object(mut entries: Vec<(String, serde_json::Value)>) -> serde_json::Value {
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    serde_json::Value::Object(entries.into_iter().collect())
}

#[derive(Debug, Clone)]
pub struct Finding<'r> {
    pub id: Fingerprint,
    pub rule: &'r RuleMetadata,
    /// Position of the rule in the rule set (SARIF's `ruleIndex`).
    pub rule_index: usize,
    /// Shared with the other findings about the same resource.
    pub resource: Arc<Resource>,
    pub status: Status,
    pub message: String,
    pub evidence: serde_json::Value,
    pub suppression: Option<Arc<Suppression>>,
    pub baseline: Option<Mark>,
    pub change: Option<ChangeMark>,
    /// The plan or template resource the finding is about, on pre-deploy scans.
    pub origin: Option<Arc<PlannedOrigin>>,
}

impl Finding<'_> {
    /// Evidence as reports carry it: a muted finding's suppression sits under `suppression`
    /// (an evidence that is not an object is kept under `original`).
    pub fn reported_evidence(&self) -> std::borrow::Cow<'_, serde_json::Value> {
        if self.suppression.is_none() && self.origin.is_none() {
            return std::borrow::Cow::Borrowed(&self.evidence);
        }
        let mut entries: Vec<(String, serde_json::Value)> = match &self.evidence {
            serde_json::Value::Object(map) => map
                .iter()
                .filter(|(key, _)| *key != "suppression" || self.suppression.is_none())
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            other => vec![("original".into(), other.clone())],
        };
        if let Some(suppression) = &self.suppression {
            entries.push(("suppression".into(), suppression.to_json()));
        }
        if let Some(origin) = &self.origin {
            entries.retain(|(key, _)| key != "planned");
            entries.push(("planned".into(), origin.to_json()));
        }
        let evidence = sorted_object(entries);
        std::borrow::Cow::Owned(evidence)
    }

    pub fn suppression_reason(&self) -> Option<&str> {
        self.suppression.as_deref().map(|s| s.reason.as_str())
    }

    /// `arn (region)`, or the ARN alone for global resources: how tables name a resource.
    pub fn resource_label(&self) -> String {
        if self.resource.region == GLOBAL_REGION {
            self.resource.arn.clone()
        } else {
            format!("{} ({})", self.resource.arn, self.resource.region)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip_through_hex() {
        let id = Fingerprint::of("IAM-001", "111122223333", "global", "arn:aws:iam::111122223333:user/a");
        assert_eq!(Fingerprint::parse(&id.hex()), Some(id));
        assert_eq!(id.hex().len(), 32);
        assert_eq!(Fingerprint::parse("not hex"), None);
        assert_eq!(Fingerprint::parse(&"g".repeat(32)), None);
    }

    #[test]
    fn statuses_parse_their_own_names_only() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("FAIL"), None);
    }
}
