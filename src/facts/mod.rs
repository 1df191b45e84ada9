//! Facts: the exact semantics computed in Rust from one account's snapshot, handed to Rego as
//! `input`. Every resource a rule can name carries a `key`; the [`ResourceIndex`] maps the key
//! back to the resource's identity and to the sections whose data for it is incomplete.

pub mod config;
pub mod guardduty;
pub mod iam;
pub mod network;
pub mod organization;
pub mod perimeter;
pub mod reachability;
pub mod resources;
pub mod securityhub;

use crate::snapshot::{AccountSnapshot, Section};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use crate::finding::GLOBAL_REGION;

/// Key of the account itself, used when a whole section is missing.
pub const ACCOUNT_KEY: &str = "account";

/// Who a result is about, as reported.
pub use crate::finding::Resource as ResourceRef;

#[derive(Debug, Clone)]
pub struct IndexedResource {
    /// Shared with every result about this resource (one copy however many rules judge it).
    pub resource: std::sync::Arc<ResourceRef>,
    /// (section, reason) pairs: data this resource's verdict may depend on is missing.
    pub incomplete: Vec<(Section, String)>,
}

#[derive(Debug, Default)]
pub struct ResourceIndex {
    entries: HashMap<String, IndexedResource>,
}

impl ResourceIndex {
    pub fn insert(&mut self, key: String, resource: ResourceRef) {
        self.entries.insert(
            key,
            IndexedResource {
                resource: std::sync::Arc::new(resource),
                incomplete: Vec::new(),
            },
        );
    }
    pub fn mark_incomplete(&mut self, key: &str, section: Section, reason: String) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.incomplete.push((section, reason));
        }
    }
    /// Reports the resource under another ARN (a planned resource without one yet).
    pub fn relabel(&mut self, key: &str, arn: &str) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.resource = std::sync::Arc::new(ResourceRef {
                arn: arn.to_string(),
                ..(*entry.resource).clone()
            });
        }
    }
    /// Marks every resource that `matches` incomplete for `section`.
    pub fn mark_where(&mut self, section: Section, reason: &str, matches: impl Fn(&ResourceRef) -> bool) {
        for entry in self.entries.values_mut().filter(|e| matches(&e.resource)) {
            entry.incomplete.push((section, reason.to_string()));
        }
    }
    pub fn get(&self, key: &str) -> Option<&IndexedResource> {
        self.entries.get(key)
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Feeds every entry, in key order, to `feed`: the part of what decides an account's
    /// results that the rules' `input` does not show (identities and incomplete data).
    pub fn feed_digest(&self, feed: &mut dyn FnMut(&[u8])) {
        let mut keys: Vec<&String> = self.entries.keys().collect();
        keys.sort_unstable();
        feed(&(keys.len() as u64).to_le_bytes());
        for key in keys {
            let Some(entry) = self.entries.get(key) else { continue };
            let resource = &entry.resource;
            for part in [
                key,
                &resource.arn,
                &resource.resource_type,
                &resource.name,
                &resource.account,
                &resource.region,
            ] {
                feed_field(feed, part.as_bytes());
            }
            feed(&(entry.incomplete.len() as u64).to_le_bytes());
            for (section, reason) in &entry.incomplete {
                feed_field(feed, section.name().as_bytes());
                feed_field(feed, reason.as_bytes());
            }
        }
    }
}

/// One length-prefixed field, so that no two sequences of fields feed the same bytes.
pub fn feed_field(feed: &mut dyn FnMut(&[u8]), bytes: &[u8]) {
    feed(&(bytes.len() as u64).to_le_bytes());
    feed(bytes);
}

/// Which snapshot sections hold data for this account (rules' `requires` refer to these): a
/// global section on the account, a regional one in at least one scanned region; and, for a
/// regional section, the scanned regions that lack it.
#[derive(Debug, Clone, Default)]
pub struct SectionPresence {
    present: BTreeSet<Section>,
    /// Regional sections present somewhere, with the scanned regions where they are not.
    missing_in: BTreeMap<Section, Vec<String>>,
}

impl SectionPresence {
    pub fn of(account: &AccountSnapshot) -> Self {
        let present: BTreeSet<Section> = Section::ALL.into_iter().filter(|s| s.in_account(account)).collect();
        let missing_in = present
            .iter()
            .filter(|section| section.is_regional())
            .map(|&section| {
                let regions = account
                    .regions
                    .iter()
                    .filter(|region| !region.has(section))
                    .map(|region| region.region.clone())
                    .collect();
                (section, regions)
            })
            .collect();
        Self { present, missing_in }
    }
    pub fn has(&self, section: Section) -> bool {
        self.present.contains(&section)
    }
    /// Feeds the regions that lack each present regional section (`input.sections` shows only
    /// which sections are present).
    pub fn feed_digest(&self, feed: &mut dyn FnMut(&[u8])) {
        feed(&(self.missing_in.len() as u64).to_le_bytes());
        for (section, regions) in &self.missing_in {
            feed_field(feed, section.name().as_bytes());
            feed(&(regions.len() as u64).to_le_bytes());
            for region in regions {
                feed_field(feed, region.as_bytes());
            }
        }
    }
    /// The scanned regions that lack some of `requires` while other regions have it, each with
    /// the reason its results are not evaluated.
    pub fn missing_regions(&self, requires: &[Section]) -> Vec<(String, String)> {
        let mut by_region: BTreeMap<&str, Vec<Section>> = BTreeMap::new();
        for section in requires {
            for region in self.missing_in.get(section).into_iter().flatten() {
                by_region.entry(region).or_default().push(*section);
            }
        }
        by_region
            .into_iter()
            .map(|(region, sections)| {
                let reason = format!("the snapshot has no {} data for region {region}", sections.join(", "));
                (region.to_string(), reason)
            })
            .collect()
    }
}

// Rules read `input.sections.<name>`: one boolean per section, in `Section::ALL` order.
impl Serialize for SectionPresence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(Section::ALL.len()))?;
        for section in Section::ALL {
            map.serialize_entry(section.name(), &self.has(section))?;
        }
        map.end()
    }
}

// The schema of `input.sections`: one boolean per section.
impl schemars::JsonSchema for SectionPresence {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SectionPresence".into()
    }
    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let properties: serde_json::Map<String, serde_json::Value> = Section::ALL
            .iter()
            .map(|s| (s.name().to_string(), serde_json::json!({"type": "boolean"})))
            .collect();
        let required: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
        schemars::json_schema!({
            "description": "Whether the snapshot holds each section's data for this account (in any region).",
            "type": "object",
            "properties": properties,
            "required": required,
        })
    }
}

/// JSON Schema of the facts (the Rego `input` of one account), generated from these types,
/// keys sorted: team rules code against it (docs/facts.schema.json).
pub fn json_schema() -> serde_json::Value {
    // Facts are only ever written: a field that may be left out is not required.
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    crate::snapshot::sort_keys(generator.into_root_schema_for::<AccountFacts>().to_value())
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AccountInfo {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The Rego `input` for one account.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AccountFacts {
    pub account: AccountInfo,
    pub sections: SectionPresence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam: Option<iam::IamFacts>,
    pub regions: Vec<RegionFacts>,
    pub network: network::NetworkFacts,
    /// The account's place in its organisation and its guardrails; `null` when the snapshot
    /// has no organisation data (SCPs and RCPs are then not applied).
    pub organization: Option<organization::OrganizationFacts>,
    /// Resources with resource-based policies, and who may use them.
    pub resources: resources::ResourcesFacts,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RegionFacts {
    pub region: String,
    /// `null` when GuardDuty was not collected in this region.
    pub guardduty: Option<guardduty::GuardDutyFacts>,
    /// `null` when Security Hub was not collected in this region.
    pub securityhub: Option<securityhub::SecurityHubFacts>,
    /// `null` when AWS Config was not collected in this region.
    pub config: Option<config::ConfigFacts>,
    /// Keys of the per-region scopes, present even when the data is not.
    pub guardduty_key: String,
    pub securityhub_key: String,
    pub config_key: String,
    /// Which regional sections this region holds (`input.sections` says it for the account).
    pub sections: BTreeMap<Section, bool>,
}

/// Facts plus the index that resolves rule outputs.
pub struct AccountAnalysis {
    pub facts: AccountFacts,
    pub index: ResourceIndex,
    pub regions: Vec<String>,
}

impl AccountAnalysis {
    /// The account as the resource of a result about one of its regions as a whole.
    pub fn account_in_region(&self, region: &str) -> ResourceRef {
        let account = &self.facts.account.id;
        match self.index.get(ACCOUNT_KEY) {
            Some(entry) => ResourceRef {
                region: region.to_string(),
                ..(*entry.resource).clone()
            },
            None => account_scope(account, region, account.clone()),
        }
    }
}

/// Builds the facts of one account; ages (of access keys, ...) are counted up to `as_of`.
pub fn analyse_account(
    account: &AccountSnapshot,
    knowledge: &iam::IamKnowledge,
    as_of: chrono::DateTime<chrono::Utc>,
    organization: Option<&organization::OrgModel>,
    cross_account: Option<&iam::cross_account::CrossAccountIndex>,
) -> AccountAnalysis {
    let mut index = ResourceIndex::default();
    let account_id = account.account_id.as_str();
    index.insert(
        ACCOUNT_KEY.to_string(),
        ResourceRef {
            arn: account_arn(account_id),
            resource_type: "AwsAccount".into(),
            name: account.name.clone().unwrap_or_else(|| account_id.to_string()),
            account: account_id.to_string(),
            region: GLOBAL_REGION.into(),
        },
    );
    let sections = SectionPresence::of(account);
    let iam = account.iam.as_ref().map(|section| {
        let workloads = iam::workloads::Workloads::of(account);
        let account_iam = iam::AccountIam {
            account_id,
            section,
            workloads: &workloads,
            roles_only: false,
        };
        iam::analyse(account_iam, knowledge, as_of, organization, cross_account, &mut index)
    });
    let regions = region_facts(account, &mut index);
    let mut network = network::analyse(account, &mut index);
    join_instances(account, &regions, &mut network);
    let organization_facts = organization.map(|org| org.facts_for(account_id));
    let resources = resources::analyse(account, organization, organization_facts.as_ref(), &mut index);
    AccountAnalysis {
        facts: AccountFacts {
            account: AccountInfo {
                id: account_id.to_string(),
                name: account.name.clone(),
            },
            sections,
            iam,
            regions,
            network,
            organization: organization_facts,
            resources,
        },
        index,
        regions: account.regions.iter().map(|r| r.region.clone()).collect(),
    }
}

/// The detection facts of each scanned region, one field per regional detection service.
fn region_facts(account: &AccountSnapshot, index: &mut ResourceIndex) -> Vec<RegionFacts> {
    account
        .regions
        .iter()
        .map(|region| {
            let (guardduty_key, guardduty) = guardduty::analyse(account, region, index);
            let (securityhub_key, securityhub) = securityhub::analyse(account, region, index);
            let (config_key, config) = config::analyse(account, region, index);
            RegionFacts {
                region: region.region.clone(),
                guardduty,
                securityhub,
                config,
                guardduty_key,
                securityhub_key,
                config_key,
                sections: Section::ALL
                    .into_iter()
                    .filter(|s| s.is_regional())
                    .map(|s| (s, region.has(s)))
                    .collect(),
            }
        })
        .collect()
}

/// One regional service's facts in one region, with its per-region scope key
/// (`<section>/<region>`, indexed as `resource`: region-wide checks are reported on it), which
/// is incomplete when the section was not collected in that region.
fn region_scope<T>(
    account: &AccountSnapshot,
    region: &str,
    section: Section,
    resource: ResourceRef,
    index: &mut ResourceIndex,
    facts: impl FnOnce(&mut ResourceIndex) -> Option<T>,
) -> (String, Option<T>) {
    let key = format!("{}/{region}", section.name());
    let facts = facts(index);
    index.insert(key.clone(), resource);
    if facts.is_none() {
        index.mark_incomplete(&key, section, gap_reason(account, region, section.name()));
    }
    (key, facts)
}

/// The account as the resource of a region-wide check named `name`.
fn account_scope(account_id: &str, region: &str, name: String) -> ResourceRef {
    ResourceRef {
        arn: account_arn(account_id),
        resource_type: "AwsAccount".into(),
        name,
        account: account_id.to_string(),
        region: region.to_string(),
    }
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

/// Gives each instance the role of its instance profile (matched through the roles'
/// `instance_profiles`, by ARN, else by profile name) and the active GuardDuty findings on it.
fn join_instances(account: &AccountSnapshot, regions: &[RegionFacts], network: &mut network::NetworkFacts) {
    let profiles = account
        .iam
        .as_ref()
        .map(|_| iam::workloads::InstanceProfiles::of(account));
    for instance in &mut network.instances {
        let role = instance
            .instance_profile_arn
            .as_deref()
            .zip(profiles.as_ref())
            .and_then(|(profile, profiles)| profiles.role_of(profile));
        if let Some(role) = role {
            instance.role_status = "resolved";
            instance.role_arn = Some(role.to_string());
        }
        instance.guardduty_findings = regions
            .iter()
            .find(|r| r.region == instance.region)
            .and_then(|r| r.guardduty.as_ref())
            .and_then(|g| g.findings.as_ref())
            .map(|findings| {
                findings
                    .iter()
                    .filter(|f| f.resource_key == instance.key)
                    .cloned()
                    .collect()
            });
    }
}

/// Security Hub's convention for the account as a resource.
/// What a first pass over every account keeps for the second: the roles other accounts may
/// assume and how each reaches privilege.
pub fn cross_account_entry(
    account: &AccountSnapshot,
    knowledge: &iam::IamKnowledge,
    as_of: chrono::DateTime<chrono::Utc>,
    organization: Option<&organization::OrgModel>,
    into: &mut iam::cross_account::CrossAccountIndex,
) {
    match &account.iam {
        Some(section) => {
            let mut scratch = ResourceIndex::default();
            let workloads = iam::workloads::Workloads::of(account);
            let account_iam = iam::AccountIam {
                account_id: &account.account_id,
                section,
                workloads: &workloads,
                roles_only: true,
            };
            let facts = iam::analyse(account_iam, knowledge, as_of, organization, None, &mut scratch);
            into.add_account(&account.account_id, &facts);
        }
        None => into.add_unknown_account(&account.account_id),
    }
}

pub fn account_arn(account_id: &str) -> String {
    format!("AWS::::Account:{account_id}")
}

#[cfg(test)]
mod first_pass_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::path::Path;

    /// The index from the whole analysis of an account, as the first pass once built it.
    fn entry_from_full_analysis(
        account: &AccountSnapshot,
        knowledge: &iam::IamKnowledge,
        as_of: chrono::DateTime<chrono::Utc>,
        organization: Option<&organization::OrgModel>,
    ) -> String {
        let mut into = iam::cross_account::CrossAccountIndex::default();
        if let Some(section) = &account.iam {
            let workloads = iam::workloads::Workloads::of(account);
            let account_iam = iam::AccountIam {
                account_id: &account.account_id,
                section,
                workloads: &workloads,
                roles_only: false,
            };
            let facts = iam::analyse(
                account_iam,
                knowledge,
                as_of,
                organization,
                None,
                &mut ResourceIndex::default(),
            );
            into.add_account(&account.account_id, &facts);
        }
        serde_json::to_string(&into).unwrap()
    }

    #[test]
    fn the_roles_only_first_pass_keeps_what_the_whole_analysis_gives() {
        let rules = crate::rules::RuleSet::load(&[], true, None).unwrap();
        let as_of = chrono::Utc::now();
        let mut compared = 0;
        for file in [
            "fixtures/demo/snapshot.json",
            "fixtures/demo/snapshot-next.json",
            "fixtures/organization/snapshot.json",
            "fixtures/correlation/snapshot.json",
        ] {
            let snapshot = crate::snapshot::Snapshot::load(Path::new(file)).unwrap();
            let organization = snapshot.organization.clone().map(organization::OrgModel::new);
            let mut accounts = snapshot.accounts.clone();
            accounts.push(crate::import::gaad::load_gaad(Path::new("fixtures/iam-corpus/gaad.json")).unwrap());
            for account in &accounts {
                let mut roles_only = iam::cross_account::CrossAccountIndex::default();
                cross_account_entry(
                    account,
                    &rules.iam_knowledge,
                    as_of,
                    organization.as_ref(),
                    &mut roles_only,
                );
                let whole = entry_from_full_analysis(account, &rules.iam_knowledge, as_of, organization.as_ref());
                assert_eq!(
                    serde_json::to_string(&roles_only).unwrap(),
                    whole,
                    "{file}: {}",
                    account.account_id
                );
                compared += usize::from(!roles_only.is_empty());
            }
        }
        assert!(
            compared >= 4,
            "the fixtures have roles other accounts may assume ({compared})"
        );
    }
}
