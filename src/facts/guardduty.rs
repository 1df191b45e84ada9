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
    /// Feature name (`S3_DATA_EVENTS`, …) → status as reported (`ENABLED`, `DISABLED`).
    pub features: BTreeMap<String, String>,
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
            .map(|d| DetectorFacts {
                id: d.id.clone(),
                enabled: d.status.eq_ignore_ascii_case("ENABLED"),
                features: d
                    .features
                    .iter()
                    .map(|f| (f.name.to_ascii_uppercase(), f.status.to_ascii_uppercase()))
                    .collect(),
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
