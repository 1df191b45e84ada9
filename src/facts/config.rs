//! AWS Config facts of one region: recorders, delivery channels and each rule's compliance.

use super::{account_scope, region_scope, ResourceIndex, ResourceRef};
use crate::snapshot::{AccountSnapshot, ConfigSection, RegionSnapshot, Section};
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ConfigFacts {
    pub recorders: Vec<RecorderFacts>,
    pub delivery_channels: Vec<String>,
    /// Config rules with their compliance; `null` when not collected.
    pub rules: Option<Vec<ConfigRuleFacts>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RecorderFacts {
    pub name: String,
    pub recording: bool,
    pub all_supported: bool,
    pub include_global_resource_types: bool,
    /// The recorder's IAM role; absent when not collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Whether that role is the service-linked `AWSServiceRoleForConfig`; `null` when the role
    /// was not collected.
    pub service_linked_role: Option<bool>,
}

/// The service-linked role's path and name, the same in every account and partition.
const CONFIG_SERVICE_LINKED_ROLE: &str = ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig";

fn recorder_facts(recorder: &crate::snapshot::ConfigRecorder) -> RecorderFacts {
    RecorderFacts {
        name: recorder.name.clone(),
        recording: recorder.recording,
        all_supported: recorder.all_supported,
        include_global_resource_types: recorder.include_global_resource_types,
        role_arn: recorder.role_arn.clone(),
        service_linked_role: recorder
            .role_arn
            .as_deref()
            .map(|arn| arn.starts_with("arn:") && arn.ends_with(CONFIG_SERVICE_LINKED_ROLE)),
    }
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
        recorders: section.recorders.iter().map(recorder_facts).collect(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder(role_arn: Option<&str>) -> crate::snapshot::ConfigRecorder {
        crate::snapshot::ConfigRecorder {
            name: "default".into(),
            recording: true,
            all_supported: true,
            include_global_resource_types: true,
            role_arn: role_arn.map(str::to_string),
        }
    }

    #[test]
    fn only_the_config_service_linked_role_counts_as_service_linked() {
        let linked = "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig";
        assert_eq!(recorder_facts(&recorder(Some(linked))).service_linked_role, Some(true));
        let gov = "arn:aws-us-gov:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig";
        assert_eq!(recorder_facts(&recorder(Some(gov))).service_linked_role, Some(true));
        let custom = "arn:aws:iam::111122223333:role/config-recorder";
        assert_eq!(recorder_facts(&recorder(Some(custom))).service_linked_role, Some(false));
        let lookalike = "arn:aws:iam::111122223333:role/AWSServiceRoleForConfig";
        assert_eq!(
            recorder_facts(&recorder(Some(lookalike))).service_linked_role,
            Some(false)
        );
        assert_eq!(recorder_facts(&recorder(None)).service_linked_role, None);
    }
}
