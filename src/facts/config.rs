//! AWS Config facts of one region: recorders, delivery channels and each rule's compliance.

use super::{account_scope, region_scope, ResourceIndex, ResourceRef};
use crate::snapshot::{AccountSnapshot, ConfigSection, RegionSnapshot, Section};
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ConfigFacts {
    pub recorders: Vec<crate::snapshot::ConfigRecorder>,
    pub delivery_channels: Vec<String>,
    /// Config rules with their compliance; `null` when not collected.
    pub rules: Option<Vec<ConfigRuleFacts>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ConfigRuleFacts {
    pub key: String,
    pub name: String,
    /// `COMPLIANT`, `NON_COMPLIANT`, `NOT_APPLICABLE`, `INSUFFICIENT_DATA`.
    pub compliance: String,
}

/// The region's Config scope key (indexed on the account) and its facts, `None` when not collected.
pub fn analyse(
    account: &AccountSnapshot,
    region: &RegionSnapshot,
    index: &mut ResourceIndex,
) -> (String, Option<ConfigFacts>) {
    let (account_id, name) = (account.account_id.as_str(), region.region.as_str());
    let scope = account_scope(account_id, name, format!("AWS Config in {name}"));
    region_scope(account, name, Section::Config, scope, index, |index| {
        region
            .config
            .as_ref()
            .map(|section| section_facts(section, account_id, name, index))
    })
}

fn section_facts(section: &ConfigSection, account_id: &str, region: &str, index: &mut ResourceIndex) -> ConfigFacts {
    ConfigFacts {
        recorders: section.recorders.clone(),
        delivery_channels: section.delivery_channels.clone(),
        rules: section.rules.as_ref().map(|rules| {
            rules
                .iter()
                .map(|rule| {
                    let arn = format!("arn:aws:config:{region}:{account_id}:config-rule/{}", rule.name);
                    index.insert(
                        arn.clone(),
                        ResourceRef {
                            arn: arn.clone(),
                            resource_type: "AwsConfigRule".into(),
                            name: rule.name.clone(),
                            account: account_id.to_string(),
                            region: region.to_string(),
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
    }
}
