//! Security Hub facts of one region: whether it is on, its enabled standards, and its
//! controls with the resources of their failed findings.

use super::{region_scope, ResourceIndex, ResourceRef};
use crate::snapshot::{AccountSnapshot, RegionSnapshot, Section, SecurityHubControl, SecurityHubSection};
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SecurityHubFacts {
    pub enabled: bool,
    /// Enabled standards; `null` when not collected.
    pub standards: Option<Vec<StandardFacts>>,
    /// Controls; `null` when not collected.
    pub controls: Option<Vec<ControlFacts>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
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

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ControlFacts {
    pub key: String,
    pub id: String,
    pub title: String,
    /// `PASSED`, `FAILED`, `WARNING`, `NOT_AVAILABLE`.
    pub status: String,
    pub severity: String,
    pub failed_resources: Vec<String>,
}

/// The region's hub key (indexed as the hub) and its facts, `None` when not collected.
pub fn analyse(
    account: &AccountSnapshot,
    region: &RegionSnapshot,
    index: &mut ResourceIndex,
) -> (String, Option<SecurityHubFacts>) {
    let (account_id, name) = (account.account_id.as_str(), region.region.as_str());
    let scope = ResourceRef {
        arn: format!("arn:aws:securityhub:{name}:{account_id}:hub/default"),
        resource_type: "AwsSecurityHubHub".into(),
        name: format!("Security Hub in {name}"),
        account: account_id.to_string(),
        region: name.to_string(),
    };
    region_scope(account, name, Section::Securityhub, scope, index, |index| {
        region
            .securityhub
            .as_ref()
            .map(|section| section_facts(section, account_id, name, index))
    })
}

fn section_facts(
    section: &SecurityHubSection,
    account_id: &str,
    region: &str,
    index: &mut ResourceIndex,
) -> SecurityHubFacts {
    SecurityHubFacts {
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
                .map(|c| control_facts(c, account_id, region, index))
                .collect()
        }),
    }
}

fn control_facts(
    control: &SecurityHubControl,
    account_id: &str,
    region: &str,
    index: &mut ResourceIndex,
) -> ControlFacts {
    let arn = format!(
        "arn:aws:securityhub:{region}:{account_id}:security-control/{}",
        control.id
    );
    index.insert(
        arn.clone(),
        ResourceRef {
            arn: arn.clone(),
            resource_type: "AwsSecurityHubControl".into(),
            name: control.id.clone(),
            account: account_id.to_string(),
            region: region.to_string(),
        },
    );
    ControlFacts {
        key: arn,
        id: control.id.clone(),
        title: control.title.clone(),
        status: control.status.to_ascii_uppercase(),
        severity: control.severity.to_ascii_uppercase(),
        failed_resources: control.failed_resources.clone(),
    }
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
