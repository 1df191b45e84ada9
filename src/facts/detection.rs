//! Detection facts per scanned region: GuardDuty detectors, features and active findings;
//! Security Hub, its standards and controls; AWS Config recorders and rules.

use super::{account_arn, ResourceIndex, ResourceRef};
use crate::snapshot::{AccountSnapshot, GuardDutyFinding};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct RegionFacts {
    pub region: String,
    /// `null` when GuardDuty was not collected in this region.
    pub guardduty: Option<GuardDutyFacts>,
    /// `null` when Security Hub was not collected in this region.
    pub securityhub: Option<SecurityHubFacts>,
    /// `null` when AWS Config was not collected in this region.
    pub config: Option<ConfigFacts>,
    /// Keys of the per-region scopes, present even when the data is not.
    pub guardduty_key: String,
    pub securityhub_key: String,
    pub config_key: String,
}

#[derive(Debug, Serialize)]
pub struct GuardDutyFacts {
    /// At least one detector with status ENABLED.
    pub enabled: bool,
    pub detector_ids: Vec<String>,
    pub suspended_detector_ids: Vec<String>,
    pub detectors: Vec<DetectorFacts>,
    /// Active findings; `null` when they were not collected.
    pub findings: Option<Vec<FindingFacts>>,
}

#[derive(Debug, Serialize)]
pub struct DetectorFacts {
    pub id: String,
    pub enabled: bool,
    /// Feature name (`S3_DATA_EVENTS`, …) → status as reported (`ENABLED`, `DISABLED`).
    pub features: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct SecurityHubFacts {
    pub enabled: bool,
    /// Enabled standards; `null` when not collected.
    pub standards: Option<Vec<StandardFacts>>,
    /// Controls; `null` when not collected.
    pub controls: Option<Vec<ControlFacts>>,
}

#[derive(Debug, Serialize)]
pub struct StandardFacts {
    pub arn: String,
    /// The standard's name from its ARN: `aws-foundational-security-best-practices`,
    /// `cis-aws-foundations-benchmark`, `nist-800-53`, `pci-dss`, …
    pub standard: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `READY`, `PENDING`, `INCOMPLETE`, `DELETING`, `FAILED`.
    pub status: String,
}

#[derive(Debug, Serialize)]
pub struct ControlFacts {
    pub key: String,
    pub id: String,
    pub title: String,
    /// `PASSED`, `FAILED`, `WARNING`, `NOT_AVAILABLE`.
    pub status: String,
    pub severity: String,
    pub failed_resources: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ConfigFacts {
    pub recorders: Vec<crate::snapshot::ConfigRecorder>,
    pub delivery_channels: Vec<String>,
    /// Config rules with their compliance; `null` when not collected.
    pub rules: Option<Vec<ConfigRuleFacts>>,
}

#[derive(Debug, Serialize)]
pub struct ConfigRuleFacts {
    pub key: String,
    pub name: String,
    /// `COMPLIANT`, `NON_COMPLIANT`, `NOT_APPLICABLE`, `INSUFFICIENT_DATA`.
    pub compliance: String,
}

pub fn analyse(account: &AccountSnapshot, index: &mut ResourceIndex) -> Vec<RegionFacts> {
    let account_id = account.account_id.as_str();
    account
        .regions
        .iter()
        .map(|region| {
            let name = region.region.as_str();
            let guardduty_key = format!("guardduty/{name}");
            let securityhub_key = format!("securityhub/{name}");
            // GuardDuty has no account-level ARN; Security Hub reports such checks on the account.
            index.insert(
                guardduty_key.clone(),
                ResourceRef {
                    arn: account_arn(account_id),
                    resource_type: "AwsAccount".into(),
                    name: format!("GuardDuty in {name}"),
                    account: account_id.to_string(),
                    region: name.to_string(),
                },
            );
            index.insert(
                securityhub_key.clone(),
                ResourceRef {
                    arn: format!("arn:aws:securityhub:{name}:{account_id}:hub/default"),
                    resource_type: "AwsSecurityHubHub".into(),
                    name: format!("Security Hub in {name}"),
                    account: account_id.to_string(),
                    region: name.to_string(),
                },
            );
            let config_key = format!("config/{name}");
            index.insert(
                config_key.clone(),
                ResourceRef {
                    arn: account_arn(account_id),
                    resource_type: "AwsAccount".into(),
                    name: format!("AWS Config in {name}"),
                    account: account_id.to_string(),
                    region: name.to_string(),
                },
            );
            let guardduty = region.guardduty.as_ref().map(|section| {
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
                            .map(|f| finding_facts(f, account_id, name, index))
                            .collect()
                    }),
                }
            });
            if guardduty.is_none() {
                index.mark_incomplete(&guardduty_key, "guardduty", gap_reason(account, name, "guardduty"));
            }
            let securityhub = region.securityhub.as_ref().map(|section| SecurityHubFacts {
                enabled: section.enabled,
                standards: section.standards.as_ref().map(|standards| {
                    standards
                        .iter()
                        .map(|s| {
                            let (standard, version) = standard_of(&s.arn);
                            StandardFacts {
                                arn: s.arn.clone(),
                                standard,
                                version,
                                status: s.status.to_ascii_uppercase(),
                            }
                        })
                        .collect()
                }),
                controls: section.controls.as_ref().map(|controls| {
                    controls
                        .iter()
                        .map(|c| {
                            let arn = format!("arn:aws:securityhub:{name}:{account_id}:security-control/{}", c.id);
                            index.insert(
                                arn.clone(),
                                ResourceRef {
                                    arn: arn.clone(),
                                    resource_type: "AwsSecurityHubControl".into(),
                                    name: c.id.clone(),
                                    account: account_id.to_string(),
                                    region: name.to_string(),
                                },
                            );
                            ControlFacts {
                                key: arn,
                                id: c.id.clone(),
                                title: c.title.clone(),
                                status: c.status.to_ascii_uppercase(),
                                severity: c.severity.to_ascii_uppercase(),
                                failed_resources: c.failed_resources.clone(),
                            }
                        })
                        .collect()
                }),
            });
            if securityhub.is_none() {
                index.mark_incomplete(
                    &securityhub_key,
                    "securityhub",
                    gap_reason(account, name, "securityhub"),
                );
            }
            let config = region.config.as_ref().map(|section| ConfigFacts {
                recorders: section.recorders.clone(),
                delivery_channels: section.delivery_channels.clone(),
                rules: section.rules.as_ref().map(|rules| {
                    rules
                        .iter()
                        .map(|rule| {
                            let arn = format!("arn:aws:config:{name}:{account_id}:config-rule/{}", rule.name);
                            index.insert(
                                arn.clone(),
                                ResourceRef {
                                    arn: arn.clone(),
                                    resource_type: "AwsConfigRule".into(),
                                    name: rule.name.clone(),
                                    account: account_id.to_string(),
                                    region: name.to_string(),
                                },
                            );
                            ConfigRuleFacts {
                                key: arn,
                                name: rule.name.clone(),
                                compliance: rule.status.to_ascii_uppercase(),
                            }
                        })
                        .collect()
                }),
            });
            if config.is_none() {
                index.mark_incomplete(&config_key, "config", gap_reason(account, name, "config"));
            }
            RegionFacts {
                region: name.to_string(),
                guardduty,
                securityhub,
                config,
                guardduty_key,
                securityhub_key,
                config_key,
            }
        })
        .collect()
}

/// The recorded coverage gap for a service in a region, or a plain "not collected".
pub fn gap_reason(account: &AccountSnapshot, region: &str, service: &str) -> String {
    account
        .coverage_gaps
        .iter()
        .find(|gap| gap.region == region && gap.service == service)
        .map(|gap| format!("{} {} failed: {}", gap.service, gap.operation, gap.error))
        .unwrap_or_else(|| format!("{service} was not collected in {region}"))
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

/// `…:standards/aws-foundational-security-best-practices/v/1.0.0` or `…:ruleset/cis-aws-foundations-benchmark/v/1.2.0`
/// → (name, version).
fn standard_of(arn: &str) -> (String, Option<String>) {
    let path = arn
        .split_once(":standards/")
        .or_else(|| arn.split_once(":ruleset/"))
        .map(|(_, rest)| rest)
        .unwrap_or(arn);
    match path.split_once("/v/") {
        Some((name, version)) => (name.to_string(), Some(version.to_string())),
        None => (path.to_string(), None),
    }
}
