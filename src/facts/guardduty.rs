//! GuardDuty facts of one region: whether a detector is on, its features, and the active
//! findings keyed by the resource they name (an instance's ARN joins them to the network facts).

use super::{account_scope, region_scope, ResourceIndex, ResourceRef};
use crate::snapshot::{AccountSnapshot, GuardDutyFinding, GuardDutySection, RegionSnapshot, Section};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct GuardDutyFacts {
    /// At least one detector with status ENABLED.
    pub enabled: bool,
    pub detector_ids: Vec<String>,
    pub suspended_detector_ids: Vec<String>,
    pub detectors: Vec<DetectorFacts>,
    /// Active findings; `null` when they were not collected.
    pub findings: Option<Vec<FindingFacts>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DetectorFacts {
    pub id: String,
    pub enabled: bool,
    /// Feature name (`S3_DATA_EVENTS`, …) → status as reported (`ENABLED`, `DISABLED`); from
    /// `DataSources` when the detector reports no `Features`.
    pub features: BTreeMap<String, String>,
    /// `features` (every feature is listed: an absent one is off), `data_sources` (the older
    /// answer: only the features it covers are known) or `none`.
    pub features_from: &'static str,
}

/// The `DataSources` paths and the feature each one became.
const DATA_SOURCE_FEATURES: [(&str, &str); 6] = [
    ("CloudTrail", "CLOUD_TRAIL"),
    ("DNSLogs", "DNS_LOGS"),
    ("FlowLogs", "FLOW_LOGS"),
    ("S3Logs", "S3_DATA_EVENTS"),
    ("Kubernetes.AuditLogs", "EKS_AUDIT_LOGS"),
    (
        "MalwareProtection.ScanEc2InstanceWithFindings.EbsVolumes",
        "EBS_MALWARE_PROTECTION",
    ),
];

/// The detector's features, and where they come from.
fn detector_features(detector: &crate::snapshot::GuardDutyDetector) -> (BTreeMap<String, String>, &'static str) {
    let upper = |name: &str, status: &str| (name.to_ascii_uppercase(), status.to_ascii_uppercase());
    if !detector.features.is_empty() {
        let features = detector.features.iter().map(|f| upper(&f.name, &f.status)).collect();
        return (features, "features");
    }
    let features: BTreeMap<String, String> = detector
        .data_sources
        .iter()
        .filter_map(|source| {
            DATA_SOURCE_FEATURES
                .iter()
                .find(|(path, _)| path.eq_ignore_ascii_case(&source.name))
                .map(|(_, feature)| upper(feature, &source.status))
        })
        .collect();
    let from = if features.is_empty() { "none" } else { "data_sources" };
    (features, from)
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FindingFacts {
    /// Key of the affected resource (an instance's ARN when the finding names an instance).
    pub resource_key: String,
    pub id: String,
    #[serde(rename = "type")]
    pub finding_type: String,
    pub severity: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
}

/// The region's GuardDuty scope key (indexed on the account) and its facts, `None` when not collected.
pub fn analyse(
    account: &AccountSnapshot,
    region: &RegionSnapshot,
    index: &mut ResourceIndex,
) -> (String, Option<GuardDutyFacts>) {
    let (account_id, name) = (account.account_id.as_str(), region.region.as_str());
    // GuardDuty has no account-level ARN: the region's checks are reported on the account.
    let scope = account_scope(account_id, name, format!("GuardDuty in {name}"));
    region_scope(account, name, Section::Guardduty, scope, index, |index| {
        region
            .guardduty
            .as_ref()
            .map(|section| section_facts(section, account_id, name, index))
    })
}

fn section_facts(
    section: &GuardDutySection,
    account_id: &str,
    region: &str,
    index: &mut ResourceIndex,
) -> GuardDutyFacts {
    let (enabled, suspended): (Vec<_>, Vec<_>) = section
        .detectors
        .iter()
        .partition(|d| d.status.eq_ignore_ascii_case("ENABLED"));
    GuardDutyFacts {
        enabled: !enabled.is_empty(),
        detector_ids: enabled.iter().map(|d| d.id.clone()).collect(),
        suspended_detector_ids: suspended.iter().map(|d| d.id.clone()).collect(),
        detectors: section
            .detectors
            .iter()
            .map(|d| {
                let (features, features_from) = detector_features(d);
                DetectorFacts {
                    id: d.id.clone(),
                    enabled: d.status.eq_ignore_ascii_case("ENABLED"),
                    features,
                    features_from,
                }
            })
            .collect(),
        findings: section.findings.as_ref().map(|findings| {
            findings
                .iter()
                .map(|f| finding_facts(f, account_id, region, index))
                .collect()
        }),
    }
}

/// A finding, keyed by its resource: an instance's canonical ARN when it names one, the ARN as
/// given otherwise, or a per-finding key when it names no resource.
fn finding_facts(
    finding: &GuardDutyFinding,
    account_id: &str,
    region: &str,
    index: &mut ResourceIndex,
) -> FindingFacts {
    let instance_id = finding
        .resource_arn
        .as_deref()
        .and_then(|arn| arn.rsplit_once(":instance/").map(|(_, id)| id.to_string()));
    let (resource_key, resource_type) = match (&instance_id, &finding.resource_arn) {
        (Some(id), _) => (
            format!("arn:aws:ec2:{region}:{account_id}:instance/{id}"),
            "AwsEc2Instance".to_string(),
        ),
        (None, Some(arn)) => (arn.clone(), resource_type_of(finding.resource_type.as_deref())),
        (None, None) => (
            format!("guardduty/{region}/finding/{}", finding.id),
            "Other".to_string(),
        ),
    };
    if index.get(&resource_key).is_none() {
        let name = resource_key
            .rsplit(['/', ':'])
            .next()
            .unwrap_or(&resource_key)
            .to_string();
        index.insert(
            resource_key.clone(),
            ResourceRef {
                arn: resource_key.clone(),
                resource_type,
                name,
                account: account_id.to_string(),
                region: region.to_string(),
            },
        );
    }
    FindingFacts {
        resource_key,
        id: finding.id.clone(),
        finding_type: finding.finding_type.clone(),
        severity: finding.severity,
        resource_arn: finding.resource_arn.clone(),
        resource_type: finding.resource_type.clone(),
        count: finding.count,
        first_seen: finding.first_seen.clone(),
        last_seen: finding.last_seen.clone(),
    }
}

fn resource_type_of(guardduty_type: Option<&str>) -> String {
    match guardduty_type {
        Some("Instance") => "AwsEc2Instance",
        Some("AccessKey") => "AwsIamAccessKeyId",
        Some("S3Bucket") => "AwsS3Bucket",
        Some("EKSCluster") => "AwsEksCluster",
        Some("Lambda") => "AwsLambdaFunction",
        Some("RDSDBInstance") => "AwsRdsDbInstance",
        _ => "Other",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{GuardDutyDetector, NamedStatus};

    fn named(name: &str, status: &str) -> NamedStatus {
        NamedStatus {
            name: name.into(),
            status: status.into(),
        }
    }

    #[test]
    fn data_sources_stand_in_for_missing_features_and_features_win() {
        let mut detector = GuardDutyDetector {
            id: "d-1".into(),
            status: "ENABLED".into(),
            features: Vec::new(),
            data_sources: vec![
                named("S3Logs", "ENABLED"),
                named("Kubernetes.AuditLogs", "DISABLED"),
                named("SomethingNew", "ENABLED"),
            ],
        };
        let (features, from) = detector_features(&detector);
        assert_eq!(from, "data_sources");
        assert_eq!(
            features,
            BTreeMap::from([
                ("EKS_AUDIT_LOGS".to_string(), "DISABLED".to_string()),
                ("S3_DATA_EVENTS".to_string(), "ENABLED".to_string()),
            ])
        );
        detector.features = vec![named("s3_data_events", "disabled")];
        let (features, from) = detector_features(&detector);
        assert_eq!(from, "features");
        assert_eq!(features.get("S3_DATA_EVENTS").map(String::as_str), Some("DISABLED"));
        detector.features.clear();
        detector.data_sources.clear();
        assert_eq!(detector_features(&detector), (BTreeMap::new(), "none"));
    }
}
