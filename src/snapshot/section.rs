//! The one list of snapshot sections. METADATA `requires`, the section presence that rules see
//! and the resource index's incomplete marks all name a section by this enum; adding a service
//! adds a variant here and its arm in [`RegionSnapshot::has`].

use super::{AccountSnapshot, RegionSnapshot};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::cmp::Ordering;

/// A section of the snapshot, as named in METADATA `requires` and in `input.sections`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Iam,
    Guardduty,
    Securityhub,
    Network,
    Config,
    S3,
    Kms,
    Sqs,
    Sns,
    Secretsmanager,
    Lambda,
    Ecr,
    Workloads,
}

impl Section {
    /// Every section, in the order `input.sections` lists them.
    pub const ALL: [Section; 13] = [
        Section::Iam,
        Section::Guardduty,
        Section::Securityhub,
        Section::Network,
        Section::Config,
        Section::S3,
        Section::Kms,
        Section::Sqs,
        Section::Sns,
        Section::Secretsmanager,
        Section::Lambda,
        Section::Ecr,
        Section::Workloads,
    ];

    /// The name used in METADATA, in the facts and in reasons.
    pub fn name(self) -> &'static str {
        match self {
            Section::Iam => "iam",
            Section::Guardduty => "guardduty",
            Section::Securityhub => "securityhub",
            Section::Network => "network",
            Section::Config => "config",
            Section::S3 => "s3",
            Section::Kms => "kms",
            Section::Sqs => "sqs",
            Section::Sns => "sns",
            Section::Secretsmanager => "secretsmanager",
            Section::Lambda => "lambda",
            Section::Ecr => "ecr",
            Section::Workloads => "workloads",
        }
    }

    /// Global sections live on the account; the others once per scanned region.
    pub fn is_regional(self) -> bool {
        !matches!(self, Section::Iam | Section::S3)
    }

    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the account holds this section's data (in any region for a regional one).
    pub fn in_account(self, account: &AccountSnapshot) -> bool {
        match self {
            Section::Iam => account.iam.is_some(),
            Section::S3 => account.s3.is_some(),
            regional => account.regions.iter().any(|region| region.has(regional)),
        }
    }
}

impl RegionSnapshot {
    /// Whether this region holds the section's data (always false for a global section).
    pub fn has(&self, section: Section) -> bool {
        match section {
            Section::Iam | Section::S3 => false,
            Section::Guardduty => self.guardduty.is_some(),
            Section::Securityhub => self.securityhub.is_some(),
            Section::Network => self.network.is_some(),
            Section::Config => self.config.is_some(),
            Section::Kms => self.kms.is_some(),
            Section::Sqs => self.sqs.is_some(),
            Section::Sns => self.sns.is_some(),
            Section::Secretsmanager => self.secretsmanager.is_some(),
            Section::Lambda => self.lambda.is_some(),
            Section::Ecr => self.ecr.is_some(),
            Section::Workloads => self.workloads.is_some(),
        }
    }
}

impl std::fmt::Display for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

// Ordered by name, so that it agrees with `Borrow<str>` (lists of sections join as names).
impl Ord for Section {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name().cmp(other.name())
    }
}

impl PartialOrd for Section {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Borrow<str> for Section {
    fn borrow(&self) -> &str {
        self.name()
    }
}

#[cfg(test)]
mod tests {
    use super::Section;

    #[test]
    fn names_round_trip_through_serde() {
        for section in Section::ALL {
            let json = serde_json::to_string(&section).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", section.name()));
            assert_eq!(Section::from_name(section.name()), Some(section));
        }
        assert_eq!(Section::from_name("dynamodb"), None);
    }
}
