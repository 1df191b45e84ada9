//! What `--incremental` keeps of each account: its results as the rules gave them (before
//! suppressions and baseline marks, which every run applies fresh), compressed, with a digest
//! of everything that decided them. A later run whose digest for the account is the same
//! reuses the results instead of evaluating the rules again; one that cannot read or decode
//! them evaluates the account (unknown stays unknown, never a silent pass).

use crate::facts::{feed_field, AccountAnalysis, ResourceRef};
use crate::results::{RuleResult, Status};
use crate::rules::evaluate::PASS_MESSAGE;
use crate::rules::RuleSet;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// `account_results.encoding`: JSON of [`StoredResults`], LZ4 block-compressed with its size first.
pub const ENCODING_LZ4_JSON: i64 = 1;

/// SHA-256 of what decides one account's results.
pub type InputsDigest = [u8; 32];

/// The build that evaluates: its version, and the executable's size and modification time
/// (a rebuilt binary may judge differently; it evaluates again rather than trusting old results).
static BUILD: LazyLock<String> = LazyLock::new(|| {
    let executable = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|meta| {
            let modified = meta
                .modified()
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |since| since.as_nanos());
            format!("{}:{modified}", meta.len())
        })
        .unwrap_or_else(|_| format!("unknown:{}", std::process::id()));
    format!("{} {executable}", env!("CARGO_PKG_VERSION"))
});

/// The digest of one account's inputs: the build, the rules (sources and every data document,
/// parameters included), the facts exactly as handed to the rules (which hold what the other
/// accounts contribute: the organisation's SCP and RCP levels, cross-account paths), the
/// resource index that names the results, and the regions lacking a section.
pub fn inputs_digest(rules: &RuleSet, analysis: &AccountAnalysis, facts: &[u8]) -> InputsDigest {
    let mut hasher = Sha256::new();
    let mut feed = |bytes: &[u8]| hasher.update(bytes);
    feed_field(&mut feed, b"posture account results v1");
    for part in [BUILD.as_str(), &rules.digest.rules, &rules.digest.data] {
        feed_field(&mut feed, part.as_bytes());
    }
    feed_field(&mut feed, facts);
    feed(&(analysis.regions.len() as u64).to_le_bytes());
    for region in &analysis.regions {
        feed_field(&mut feed, region.as_bytes());
    }
    analysis.index.feed_digest(&mut feed);
    analysis.facts.sections.feed_digest(&mut feed);
    hasher.finalize().into()
}

/// What every account of a scan shares: the build, the rules and their data, the time ages count
/// to, the organisation and the index of roles other accounts may assume.
pub fn scope_digest(
    rules: &RuleSet,
    as_of: chrono::DateTime<chrono::Utc>,
    organization: Option<&crate::snapshot::OrganizationSnapshot>,
    cross_account: Option<&crate::facts::iam::cross_account::CrossAccountIndex>,
) -> Result<InputsDigest, String> {
    let mut hasher = Sha256::new();
    let mut feed = |bytes: &[u8]| hasher.update(bytes);
    feed_field(&mut feed, b"posture account sources v1");
    for part in [
        BUILD.as_str(),
        &rules.digest.rules,
        &rules.digest.data,
        &as_of.to_rfc3339(),
    ] {
        feed_field(&mut feed, part.as_bytes());
    }
    let organization = serde_json::to_vec(&organization).map_err(|error| error.to_string())?;
    feed_field(&mut feed, &organization);
    match cross_account {
        Some(index) => index.feed_digest(&mut feed),
        None => feed(b"-"),
    }
    Ok(hasher.finalize().into())
}

/// What an account's facts are computed from: the scan's [`scope_digest`] and the account's
/// JSON (as the snapshot file has it, or serialised when it was collected in this run). Equal,
/// the facts are equal (nothing else goes into them), so its stored results are reused without
/// computing them, or even parsing the account; otherwise the facts decide ([`inputs_digest`]).
pub fn source_digest(scope: &InputsDigest, account_json: &[u8]) -> InputsDigest {
    let mut hasher = Sha256::new();
    let mut feed = |bytes: &[u8]| hasher.update(bytes);
    feed_field(&mut feed, scope);
    feed_field(&mut feed, account_json);
    hasher.finalize().into()
}

/// [`source_digest`] of an account in memory.
pub fn source_digest_of(
    scope: &InputsDigest,
    account: &crate::snapshot::AccountSnapshot,
) -> Result<InputsDigest, String> {
    let json = serde_json::to_vec(account).map_err(|error| error.to_string())?;
    Ok(source_digest(scope, &json))
}

/// The stored form: rule ids and resources once each, results pointing at them; a result's
/// message and evidence are left out when they are a pass's (`No issue found.`, `{}`).
#[derive(Serialize, Deserialize)]
struct StoredResults {
    rules: Vec<String>,
    /// `[arn, type, name, account, region]`.
    resources: Vec<[String; 5]>,
    results: Vec<StoredResult>,
}

#[derive(Serialize, Deserialize)]
struct StoredResult {
    /// Index into `rules`.
    r: u32,
    /// Index into `resources`.
    o: u32,
    /// [`Status::index`].
    s: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    e: Option<serde_json::Value>,
}

/// One account's results, compressed for the store.
pub fn encode(results: &[RuleResult], rules: &RuleSet) -> Result<Vec<u8>, String> {
    let mut resources: Vec<[String; 5]> = Vec::new();
    let mut resource_at: HashMap<*const ResourceRef, u32> = HashMap::new();
    let mut stored = Vec::with_capacity(results.len());
    for result in results {
        let key = Arc::as_ptr(&result.resource);
        let o = *resource_at.entry(key).or_insert_with(|| {
            let r = &result.resource;
            resources.push([
                r.arn.clone(),
                r.resource_type.clone(),
                r.name.clone(),
                r.account.clone(),
                r.region.clone(),
            ]);
            (resources.len() - 1) as u32
        });
        let empty = result.evidence.as_object().is_some_and(|map| map.is_empty());
        stored.push(StoredResult {
            r: result.rule as u32,
            o,
            s: result.status.index() as u8,
            m: (result.message != PASS_MESSAGE).then(|| result.message.clone()),
            e: (!empty).then(|| result.evidence.clone()),
        });
    }
    let document = StoredResults {
        rules: rules.rules.iter().map(|rule| rule.meta.id.clone()).collect(),
        resources,
        results: stored,
    };
    compress_json(&document)
}

fn compress_json(document: &impl Serialize) -> Result<Vec<u8>, String> {
    let json = serde_json::to_vec(document).map_err(|error| error.to_string())?;
    Ok(lz4_flex::block::compress_prepend_size(&json))
}

/// The JSON an [`ENCODING_LZ4_JSON`] blob holds; damage is an error, never a large allocation.
fn decompress_json(bytes: &[u8], encoding: i64) -> Result<Vec<u8>, String> {
    if encoding != ENCODING_LZ4_JSON {
        return Err(format!("unknown encoding {encoding}"));
    }
    let declared = bytes
        .get(..4)
        .and_then(|size| <[u8; 4]>::try_from(size).ok())
        .map(|size| u32::from_le_bytes(size) as usize)
        .ok_or("shorter than its size")?;
    // LZ4 expands at most about 255 times: a larger size is damage, not an allocation to make.
    if declared > bytes.len().saturating_mul(255) {
        return Err(format!("declares {declared} bytes from {}", bytes.len()));
    }
    lz4_flex::block::decompress_size_prepended(bytes).map_err(|error| format!("decompressing: {error}"))
}

/// What every account's part of the cross-account first pass shares: the build, the rules'
/// data (the IAM knowledge) and the organisation (its SCPs).
pub fn cross_scope_digest(
    rules: &RuleSet,
    organization: Option<&crate::snapshot::OrganizationSnapshot>,
) -> Result<InputsDigest, String> {
    let organization = serde_json::to_vec(&organization).map_err(|error| error.to_string())?;
    let mut hasher = Sha256::new();
    let mut feed = |bytes: &[u8]| hasher.update(bytes);
    feed_field(&mut feed, b"posture cross-account entry v2");
    for part in [BUILD.as_str(), &rules.digest.rules, &rules.digest.data] {
        feed_field(&mut feed, part.as_bytes());
    }
    feed_field(&mut feed, &organization);
    Ok(hasher.finalize().into())
}

/// What one account's part of the first pass is computed from: [`cross_scope_digest`], the
/// account id and its IAM data (the collection time too when the entry turned on it, which the
/// store keeps beside the digest).
pub fn cross_digest(scope: &InputsDigest, account: &crate::snapshot::AccountSnapshot) -> Result<InputsDigest, String> {
    let iam = serde_json::to_vec(&account.iam).map_err(|error| error.to_string())?;
    // The roles its functions and instances run as are routes of the escalation graph too.
    let workloads = crate::facts::iam::workloads::Workloads::of(account);
    let workloads = serde_json::to_vec(&workloads).map_err(|error| error.to_string())?;
    let mut hasher = Sha256::new();
    let mut feed = |bytes: &[u8]| hasher.update(bytes);
    feed_field(&mut feed, scope);
    feed_field(&mut feed, b"parsed");
    feed_field(&mut feed, account.account_id.as_bytes());
    feed_field(&mut feed, &iam);
    feed_field(&mut feed, &workloads);
    Ok(hasher.finalize().into())
}

/// [`cross_digest`] of an account not parsed: the parts its entry is computed from, as the
/// snapshot file has them (a part written differently gives another digest, and the entry is
/// computed again: never a stale one).
pub fn cross_digest_of_parts(
    scope: &InputsDigest,
    parts: &crate::import::snapshot::FirstPassParts<'_>,
) -> InputsDigest {
    fn text(part: Option<&serde_json::value::RawValue>) -> &[u8] {
        part.map_or("", |raw| raw.get()).as_bytes()
    }
    let mut hasher = Sha256::new();
    let mut feed = |bytes: &[u8]| hasher.update(bytes);
    feed_field(&mut feed, scope);
    feed_field(&mut feed, b"as read");
    feed_field(&mut feed, parts.account_id.as_bytes());
    feed_field(&mut feed, text(parts.iam));
    feed(&(parts.regions.len() as u64).to_le_bytes());
    for region in &parts.regions {
        feed_field(&mut feed, region.region.as_bytes());
        feed_field(&mut feed, text(region.lambda));
        feed_field(&mut feed, text(region.network));
        feed_field(&mut feed, text(region.workloads));
    }
    hasher.finalize().into()
}

/// One account's first-pass entry, compressed for the store.
pub fn encode_cross(entry: &crate::facts::iam::cross_account::CrossAccountIndex) -> Result<Vec<u8>, String> {
    compress_json(entry)
}

/// The entry back; any damage is an error (the account's first pass is computed again).
pub fn decode_cross(
    bytes: &[u8],
    encoding: i64,
) -> Result<crate::facts::iam::cross_account::CrossAccountIndex, String> {
    let json = decompress_json(bytes, encoding)?;
    serde_json::from_slice(&json).map_err(|error| format!("decoding: {error}"))
}

/// The results back, each pointing at the rule of that id in `rules`; any damage, a rule this
/// rule set lacks or a reference out of range is an error (the account is evaluated again).
pub fn decode(bytes: &[u8], encoding: i64, rules: &RuleSet) -> Result<Vec<RuleResult>, String> {
    let json = decompress_json(bytes, encoding)?;
    let document: StoredResults = serde_json::from_slice(&json).map_err(|error| format!("decoding: {error}"))?;
    let by_id: HashMap<&str, usize> = rules
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| (rule.meta.id.as_str(), index))
        .collect();
    let rule_of: Vec<Option<usize>> = document
        .rules
        .iter()
        .map(|id| by_id.get(id.as_str()).copied())
        .collect();
    let resources: Vec<Arc<ResourceRef>> = document
        .resources
        .into_iter()
        .map(|[arn, resource_type, name, account, region]| {
            Arc::new(ResourceRef {
                arn,
                resource_type,
                name,
                account,
                region,
            })
        })
        .collect();
    document
        .results
        .into_iter()
        .map(|stored| {
            let rule = rule_of
                .get(stored.r as usize)
                .copied()
                .flatten()
                .ok_or_else(|| format!("result names rule #{} that this rule set lacks", stored.r))?;
            let resource = resources
                .get(stored.o as usize)
                .cloned()
                .ok_or_else(|| format!("result names resource #{} of {}", stored.o, resources.len()))?;
            let status = Status::ALL
                .get(stored.s as usize)
                .copied()
                .ok_or_else(|| format!("unknown status {}", stored.s))?;
            Ok(RuleResult {
                rule,
                resource,
                status,
                message: stored.m.unwrap_or_else(|| PASS_MESSAGE.to_string()),
                evidence: stored
                    .e
                    .unwrap_or_else(|| serde_json::Value::Object(Default::default())),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::facts::analyse_account;
    use crate::rules::evaluate::evaluate_account;
    use std::sync::atomic::AtomicU64;

    fn demo() -> (RuleSet, crate::snapshot::Snapshot) {
        let rules = RuleSet::load(&[], true, None).unwrap();
        let snapshot = crate::snapshot::Snapshot::load(std::path::Path::new("fixtures/demo/snapshot.json")).unwrap();
        (rules, snapshot)
    }

    fn as_of() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-11-21T02:00:00Z")
            .unwrap()
            .into()
    }

    fn same(a: &RuleResult, b: &RuleResult) -> bool {
        (a.rule, &*a.resource, a.status, &a.message, &a.evidence)
            == (b.rule, &*b.resource, b.status, &b.message, &b.evidence)
    }

    #[test]
    fn results_come_back_exactly_and_smaller() {
        let (rules, snapshot) = demo();
        let mut engine = rules.engine.clone();
        for account in &snapshot.accounts {
            let analysis = analyse_account(account, &rules.iam_knowledge, as_of(), None, None);
            let results = evaluate_account(&mut engine, &rules, &analysis, &AtomicU64::new(0));
            assert!(results.iter().any(|r| r.status == Status::Fail));
            assert!(results.iter().any(|r| r.status == Status::Pass));
            let encoded = encode(&results, &rules).unwrap();
            let decoded = decode(&encoded, ENCODING_LZ4_JSON, &rules).unwrap();
            assert_eq!(decoded.len(), results.len());
            assert!(results.iter().zip(&decoded).all(|(a, b)| same(a, b)));
            let plain =
                serde_json::to_vec(&results.iter().map(|r| (&r.message, &r.evidence)).collect::<Vec<_>>()).unwrap();
            assert!(encoded.len() < plain.len(), "{} >= {}", encoded.len(), plain.len());
        }
    }

    #[test]
    fn damage_and_unknown_rules_are_errors_not_results() {
        let (rules, snapshot) = demo();
        let mut engine = rules.engine.clone();
        let analysis = analyse_account(&snapshot.accounts[0], &rules.iam_knowledge, as_of(), None, None);
        let results = evaluate_account(&mut engine, &rules, &analysis, &AtomicU64::new(0));
        let encoded = encode(&results, &rules).unwrap();
        let mut flipped = encoded.clone();
        let middle = flipped.len() / 2;
        flipped.truncate(middle);
        assert!(decode(&flipped, ENCODING_LZ4_JSON, &rules).is_err());
        assert!(decode(&[0xff, 0xff, 0xff, 0x7f, 1, 2], ENCODING_LZ4_JSON, &rules)
            .unwrap_err()
            .contains("declares"));
        assert!(decode(&[1, 2], ENCODING_LZ4_JSON, &rules).is_err());
        assert!(decode(&encoded, 7, &rules).unwrap_err().contains("unknown encoding 7"));
        let mut fewer = rules.clone();
        let first = results[0].rule;
        fewer.rules.remove(first);
        assert!(decode(&encoded, ENCODING_LZ4_JSON, &fewer)
            .unwrap_err()
            .contains("lacks"));
    }

    #[test]
    fn the_digest_follows_the_facts_the_index_and_the_rules() {
        let (rules, snapshot) = demo();
        let account = &snapshot.accounts[0];
        let digest = |rules: &RuleSet, account: &crate::snapshot::AccountSnapshot, as_of| {
            let analysis = analyse_account(account, &rules.iam_knowledge, as_of, None, None);
            let facts = crate::rules::evaluate::facts_bytes(&analysis).unwrap();
            inputs_digest(rules, &analysis, &facts)
        };
        let base = digest(&rules, account, as_of());
        assert_eq!(
            base,
            digest(&rules, account, as_of()),
            "the same inputs, the same digest"
        );
        let mut drifted = account.clone();
        let iam = drifted.iam.as_mut().unwrap();
        let mut user = iam.users[0].clone();
        user.name = "drift".into();
        user.arn = user.arn.replace(&iam.users[0].name, "drift");
        iam.users.push(user);
        assert_ne!(base, digest(&rules, &drifted, as_of()));
        let mut renamed = account.clone();
        renamed.name = Some("renamed".into());
        assert_ne!(base, digest(&rules, &renamed, as_of()));
        let mut other_params = rules.clone();
        other_params.digest.data = "other".into();
        assert_ne!(base, digest(&other_params, account, as_of()));
        let mut other_rules = rules.clone();
        other_rules.digest.rules = "other".into();
        assert_ne!(base, digest(&other_rules, account, as_of()));
    }

    fn organization() -> (RuleSet, crate::snapshot::Snapshot) {
        let rules = RuleSet::load(&[], true, None).unwrap();
        let path = std::path::Path::new("fixtures/organization/snapshot.json");
        (rules, crate::snapshot::Snapshot::load(path).unwrap())
    }

    #[test]
    fn a_first_pass_entry_comes_back_as_it_was_computed() {
        use crate::facts::iam::cross_account::CrossAccountIndex;
        let (rules, snapshot) = organization();
        let org = snapshot
            .organization
            .clone()
            .map(crate::facts::organization::OrgModel::new);
        let (mut fresh, mut decoded) = (CrossAccountIndex::default(), CrossAccountIndex::default());
        for account in &snapshot.accounts {
            let mut entry = CrossAccountIndex::default();
            crate::facts::cross_account_entry(account, &rules.iam_knowledge, as_of(), org.as_ref(), &mut entry);
            let back = decode_cross(&encode_cross(&entry).unwrap(), ENCODING_LZ4_JSON).unwrap();
            assert_eq!(format!("{entry:?}"), format!("{back:?}"));
            fresh.append(entry);
            decoded.append(back);
        }
        assert!(!fresh.is_empty(), "the fixture's roles trust other accounts");
        fresh.finish();
        decoded.finish();
        assert_eq!(format!("{fresh:?}"), format!("{decoded:?}"));
        let digest = |index: &CrossAccountIndex| {
            let mut hasher = Sha256::new();
            index.feed_digest(&mut |bytes| hasher.update(bytes));
            hasher.finalize()
        };
        assert_eq!(digest(&fresh), digest(&decoded), "the scan's scope digest is the same");
        assert!(decode_cross(&[0x0a, 0, 0, 0, 0xff], ENCODING_LZ4_JSON).is_err());
        assert!(decode_cross(&encode_cross(&fresh).unwrap(), 2).is_err());
        let unknown_kind = compress_json(&serde_json::json!({"roles": [{"arn": "a", "account": "1",
            "trust": [], "trust_unknown": false, "assume": null, "reach": {"path": [], "steps": [
            {"from": "a", "to": "b", "via": "c", "kind": "teleport"}], "target_reason": "full_admin",
            "conditional": false}, "reach_unknown": null}], "unknown_accounts": []}))
        .unwrap();
        let error = decode_cross(&unknown_kind, ENCODING_LZ4_JSON).unwrap_err();
        assert!(error.contains("unknown value \"teleport\""), "{error}");
    }

    #[test]
    fn the_first_pass_digest_follows_the_iam_data_and_the_organisation_only() {
        let (rules, snapshot) = organization();
        let account = &snapshot.accounts[1];
        let scope = cross_scope_digest(&rules, snapshot.organization.as_ref()).unwrap();
        let base = cross_digest(&scope, account).unwrap();
        let mut renamed = account.clone();
        renamed.name = Some("renamed".into());
        assert_eq!(base, cross_digest(&scope, &renamed).unwrap(), "only IAM data counts");
        let mut changed = account.clone();
        changed.iam.as_mut().unwrap().roles.pop();
        assert_ne!(base, cross_digest(&scope, &changed).unwrap());
        let mut other = account.clone();
        other.account_id = "999999999999".into();
        assert_ne!(base, cross_digest(&scope, &other).unwrap());
        let no_org = cross_scope_digest(&rules, None).unwrap();
        assert_ne!(base, cross_digest(&no_org, account).unwrap());
        let mut other_data = rules.clone();
        other_data.digest.data = "other".into();
        let other_scope = cross_scope_digest(&other_data, snapshot.organization.as_ref()).unwrap();
        assert_ne!(base, cross_digest(&other_scope, account).unwrap());
    }

    #[test]
    fn the_first_pass_digest_of_an_unparsed_account_follows_the_parts_its_entry_is_computed_from() {
        let (rules, snapshot) = organization();
        let scope = cross_scope_digest(&rules, snapshot.organization.as_ref()).unwrap();
        let digest = |account: serde_json::Value| {
            let json = account.to_string();
            let parts = serde_json::from_str(&json).unwrap();
            cross_digest_of_parts(&scope, &parts)
        };
        let account = serde_json::json!({"account_id": "111111111111", "name": "a", "iam": {"roles": []},
            "regions": [{"region": "eu-west-1", "lambda": {"resources": []}, "guardduty": {"findings": []}}]});
        let base = digest(account.clone());
        let mut renamed = account.clone();
        renamed["name"] = "b".into();
        renamed["regions"][0]["guardduty"] = serde_json::json!({"findings": [{"id": "x"}]});
        assert_eq!(
            base,
            digest(renamed),
            "only the IAM data and the workload sections count"
        );
        type Change = fn(&mut serde_json::Value);
        let changes: [(&str, Change); 5] = [
            ("the account", |a| a["account_id"] = "222222222222".into()),
            ("its IAM data", |a| {
                a["iam"]["roles"] = serde_json::json!([{"arn": "r"}])
            }),
            ("a region's functions", |a| {
                a["regions"][0]["lambda"]["resources"] = serde_json::json!([{}])
            }),
            ("a region's network", |a| {
                a["regions"][0]["network"] = serde_json::json!({})
            }),
            ("a region", |a| a["regions"][0]["region"] = "us-east-1".into()),
        ];
        for (what, change) in changes {
            let mut changed = account.clone();
            change(&mut changed);
            assert_ne!(base, digest(changed), "{what} changed");
        }
        let mut without_iam = account.clone();
        without_iam.as_object_mut().unwrap().remove("iam");
        assert_ne!(base, digest(without_iam));
        let no_org = cross_scope_digest(&rules, None).unwrap();
        let json = account.to_string();
        assert_ne!(
            base,
            cross_digest_of_parts(&no_org, &serde_json::from_str(&json).unwrap())
        );
    }

    #[test]
    fn the_source_digest_follows_the_snapshot_the_time_and_the_organisation() {
        let (rules, snapshot) = demo();
        let account = &snapshot.accounts[0];
        let scope = scope_digest(&rules, as_of(), None, None).unwrap();
        let base = source_digest_of(&scope, account).unwrap();
        assert_eq!(
            base,
            source_digest_of(&scope_digest(&rules, as_of(), None, None).unwrap(), account).unwrap()
        );
        let later = scope_digest(&rules, as_of() + chrono::Duration::days(1), None, None).unwrap();
        assert_ne!(base, source_digest_of(&later, account).unwrap());
        let organization = crate::snapshot::OrganizationSnapshot::default();
        let with_org = scope_digest(&rules, as_of(), Some(&organization), None).unwrap();
        assert_ne!(base, source_digest_of(&with_org, account).unwrap());
        let mut renamed = account.clone();
        renamed.name = Some("renamed".into());
        assert_ne!(base, source_digest_of(&scope, &renamed).unwrap());
    }
}
