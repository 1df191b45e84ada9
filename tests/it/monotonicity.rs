//! Missing data never becomes a pass (issue 11, "Make it stay fixed"). From valid inputs, remove
//! any one section (IAM, S3, one region's GuardDuty, Security Hub, network, Config or resource
//! policies, or the organisation) or make any one policy document, trust policy, resource
//! policy, SCP or RCP undecodable, evaluate in-process, and compare finding by
//! finding with the untouched input:
//! - no `fail` becomes `pass`; a `fail` may become `not_evaluated`, or vanish only when its rule
//!   now says the removed section is missing (an account-level `not_evaluated`);
//! - a corrupted policy changes only verdicts in its own account, of rules that read its section,
//!   and, for rules that judge a principal's own policies (not a path through others), only the
//!   principals that hold it.
//!
//! Every removal is enumerated (no sampling): the fixtures are small.

use posture::finding::{Fingerprint, Status};
use posture::rules::metadata::Pillar;
use posture::rules::RuleSet;
use posture::snapshot::{Section, Snapshot};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

use crate::harness::{read_json, root};

const CORRUPT: &str = "policy document is not valid JSON: made undecodable by the monotonicity test";

/// One finding as the property compares it.
#[derive(Debug, Clone)]
struct Verdict {
    rule: String,
    arn: String,
    status: Status,
}

fn evaluate(snapshot: &Value, rules: &RuleSet) -> BTreeMap<String, Verdict> {
    let snapshot: Snapshot = serde_json::from_value(snapshot.clone()).expect("a removal keeps the snapshot valid");
    posture::scan::statuses(snapshot, rules)
        .unwrap()
        .into_iter()
        .map(|(id, rule, arn, status)| (id, Verdict { rule, arn, status }))
        .collect()
}

/// What one case broke.
#[derive(Debug, Clone)]
enum Removal {
    /// A section: `iam` on the account (region `global`) or a regional one.
    Section {
        account: String,
        region: String,
        section: Section,
    },
    /// A policy document made undecodable, with who holds it.
    Policy {
        account: String,
        /// Region of an endpoint policy; `global` for IAM.
        region: String,
        section: Section,
        /// JSON path, for messages.
        at: String,
        /// Principals (and the policy itself) whose own policies include it.
        holders: BTreeSet<String>,
        /// Principals it is the permissions boundary of.
        bounds: BTreeSet<String>,
    },
    /// An SCP or RCP made undecodable: any verdict of the accounts below it may depend on it.
    OrgPolicy { at: String },
    /// The organisation data as a whole.
    Organization,
}

impl Removal {
    fn describe(&self) -> String {
        match self {
            Removal::Section {
                account,
                region,
                section,
            } => format!("remove {} of {account} {region}", section.name()),
            Removal::Policy { at, .. } | Removal::OrgPolicy { at } => format!("make {at} undecodable"),
            Removal::Organization => "remove the organisation".into(),
        }
    }
}

/// Rules that follow paths through other principals or combine resources: a policy they read
/// may belong to anyone in the account.
fn follows_paths(categories: &[String]) -> bool {
    categories.iter().any(|c| {
        matches!(
            c.as_str(),
            "privilege-escalation" | "latent-escalation" | "lateral-movement" | "toxic-combination"
        )
    })
}

/// Every section removal of a snapshot.
fn section_removals(snapshot: &Value) -> Vec<(Removal, Value)> {
    let mut cases = Vec::new();
    for (a, account) in snapshot["accounts"].as_array().unwrap().iter().enumerate() {
        let id = account["account_id"].as_str().unwrap().to_string();
        if !account["iam"].is_null() {
            let mut broken = snapshot.clone();
            broken["accounts"][a].as_object_mut().unwrap().remove("iam");
            cases.push((
                Removal::Section {
                    account: id.clone(),
                    region: "global".into(),
                    section: Section::Iam,
                },
                broken,
            ));
        }
        if !account["s3"].is_null() {
            let mut broken = snapshot.clone();
            broken["accounts"][a].as_object_mut().unwrap().remove("s3");
            cases.push((
                Removal::Section {
                    account: id.clone(),
                    region: "global".into(),
                    section: Section::S3,
                },
                broken,
            ));
        }
        for (r, region) in account["regions"].as_array().unwrap().iter().enumerate() {
            for section in Section::ALL.into_iter().filter(|s| s.is_regional()) {
                if region[section.name()].is_null() {
                    continue;
                }
                let mut broken = snapshot.clone();
                broken["accounts"][a]["regions"][r]
                    .as_object_mut()
                    .unwrap()
                    .remove(section.name());
                cases.push((
                    Removal::Section {
                        account: id.clone(),
                        region: region["region"].as_str().unwrap().to_string(),
                        section,
                    },
                    broken,
                ));
            }
        }
    }
    if !snapshot["organization"].is_null() {
        let mut broken = snapshot.clone();
        broken.as_object_mut().unwrap().remove("organization");
        cases.push((Removal::Organization, broken));
    }
    cases
}

/// JSON paths (as pointers) of every decoded policy document: objects with a `document`.
fn policy_pointers(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.get("document").is_some_and(Value::is_object) {
                out.push(pointer.clone());
            }
            for (key, child) in map {
                policy_pointers(child, format!("{pointer}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                policy_pointers(child, format!("{pointer}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn corrupt_at(snapshot: &mut Value, pointer: &str) {
    let source = snapshot.pointer_mut(pointer).unwrap().as_object_mut().unwrap();
    source.remove("document");
    source.insert("decode_error".into(), json!(CORRUPT));
}

/// Who holds the IAM policy at `pointer` (`/accounts/A/iam/<kind>/I/...`): the principal itself,
/// the users of a group, every principal attaching a managed policy or bounded by it; and the
/// policy's own ARN.
fn holders(snapshot: &Value, pointer: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let iam = &snapshot["accounts"][parts[1].parse::<usize>().unwrap()]["iam"];
    let owner = &iam[parts[3]][parts[4].parse::<usize>().unwrap()];
    let arn = owner["arn"].as_str().unwrap().to_string();
    let list = |kind: &str| iam[kind].as_array().cloned().unwrap_or_default();
    let members = |group: &Value| -> Vec<String> {
        let name = group["name"].as_str().unwrap();
        list("users")
            .iter()
            .filter(|u| u["groups"].as_array().into_iter().flatten().any(|g| g == name))
            .map(|u| u["arn"].as_str().unwrap().to_string())
            .collect()
    };
    let mut held = BTreeSet::from([arn.clone()]);
    let mut bounds = BTreeSet::new();
    match parts[3] {
        "groups" => held.extend(members(owner)),
        "policies" => {
            for kind in ["users", "groups", "roles"] {
                for principal in list(kind) {
                    let attached = principal["attached_policies"].as_array().into_iter().flatten();
                    let bounded = principal["permissions_boundary"] == json!(arn);
                    if bounded {
                        bounds.insert(principal["arn"].as_str().unwrap().to_string());
                    }
                    if bounded || attached.clone().any(|p| p == &json!(arn)) {
                        held.insert(principal["arn"].as_str().unwrap().to_string());
                        if kind == "groups" {
                            held.extend(members(&principal));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    (held, bounds)
}

fn policy_removal(snapshot: &Value, pointer: &str) -> Removal {
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    if parts[0] == "organization" {
        return Removal::OrgPolicy {
            at: pointer.to_string(),
        };
    }
    let account = &snapshot["accounts"][parts[1].parse::<usize>().unwrap()];
    let id = account["account_id"].as_str().unwrap().to_string();
    let policy = |region: String, section: Section, holders: BTreeSet<String>| Removal::Policy {
        account: id.clone(),
        region,
        section,
        at: pointer.to_string(),
        holders,
        bounds: BTreeSet::new(),
    };
    match parts[2] {
        "iam" => {
            let (holders, bounds) = holders(snapshot, pointer);
            Removal::Policy {
                account: id,
                region: "global".into(),
                section: Section::Iam,
                at: pointer.to_string(),
                holders,
                bounds,
            }
        }
        "s3" => {
            let bucket = &account["s3"]["buckets"][parts[4].parse::<usize>().unwrap()];
            let arn = format!("arn:aws:s3:::{}", bucket["name"].as_str().unwrap());
            policy("global".into(), Section::S3, BTreeSet::from([arn]))
        }
        "regions" => {
            let region = &account["regions"][parts[3].parse::<usize>().unwrap()];
            let name = region["region"].as_str().unwrap().to_string();
            match Section::from_name(parts[4]).filter(|s| *s != Section::Network) {
                Some(section) => {
                    let resource = &region[parts[4]]["resources"][parts[6].parse::<usize>().unwrap()];
                    let arn = resource["arn"].as_str().unwrap().to_string();
                    policy(name, section, BTreeSet::from([arn]))
                }
                None => policy(name, Section::Network, BTreeSet::new()),
            }
        }
        other => panic!("a policy document under {other}: {pointer}"),
    }
}

/// A resource policy's verdicts: the data rules' findings on that resource.
fn is_resource_section(section: Section) -> bool {
    !matches!(
        section,
        Section::Iam | Section::Guardduty | Section::Securityhub | Section::Network | Section::Config
    )
}

fn policy_removals(snapshot: &Value) -> Vec<(Removal, Value)> {
    let mut pointers = Vec::new();
    policy_pointers(snapshot, String::new(), &mut pointers);
    pointers
        .iter()
        .map(|pointer| {
            let mut broken = snapshot.clone();
            corrupt_at(&mut broken, pointer);
            (policy_removal(snapshot, pointer), broken)
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    cases: usize,
    findings_compared: usize,
    fail_to_not_evaluated: usize,
    fail_to_pass: usize,
    pass_to_not_evaluated: usize,
    pass_to_fail: usize,
    vanished_with_section: usize,
    /// pass -> fail with an identity policy unreadable (it may have held the Deny that cut the
    /// grant): allowed by contracts §1, "a fail wins over incomplete data".
    upper_bound_fails: Vec<String>,
}

/// Compares one case with the untouched input; returns what breaks the property.
fn compare(
    removal: &Removal,
    before: &BTreeMap<String, Verdict>,
    after: &BTreeMap<String, Verdict>,
    rules: &RuleSet,
    tally: &mut Tally,
) -> Vec<String> {
    let mut wrong = Vec::new();
    let meta = |id: &str| &rules.find(id).expect("a reported rule exists").meta;
    tally.cases += 1;
    for (id, old) in before {
        tally.findings_compared += 1;
        let Some(new) = after.get(id) else {
            // Gone: only when its rule now says its data is missing for the account.
            let said_missing = match removal {
                Removal::Section { account, region, .. } => [region.as_str(), "global"].iter().any(|r| {
                    let account_level =
                        Fingerprint::of(&old.rule, account, r, &format!("AWS::::Account:{account}")).hex();
                    after
                        .get(&account_level)
                        .is_some_and(|v| v.status == Status::NotEvaluated)
                }),
                Removal::Policy { .. } | Removal::OrgPolicy { .. } | Removal::Organization => false,
            };
            if said_missing {
                tally.vanished_with_section += 1;
            } else {
                wrong.push(format!(
                    "{}: {} {} ({:?}) vanished",
                    removal.describe(),
                    old.rule,
                    old.arn,
                    old.status
                ));
            }
            continue;
        };
        match (old.status, new.status) {
            (Status::Fail, Status::Pass) => {
                tally.fail_to_pass += 1;
                wrong.push(format!(
                    "{}: {} {} went fail -> pass",
                    removal.describe(),
                    old.rule,
                    old.arn
                ));
            }
            (Status::Fail, Status::NotEvaluated) => tally.fail_to_not_evaluated += 1,
            (Status::Pass, Status::NotEvaluated) => tally.pass_to_not_evaluated += 1,
            (Status::Pass, Status::Fail) => {
                tally.pass_to_fail += 1;
                // A boundary can only cut: losing it proves nothing more.
                if let Removal::Policy { bounds, .. } = removal {
                    if bounds.contains(&old.arn) {
                        wrong.push(format!(
                            "{}: {} {} went pass -> fail on an unreadable permissions boundary",
                            removal.describe(),
                            old.rule,
                            old.arn
                        ));
                    } else {
                        tally
                            .upper_bound_fails
                            .push(format!("{}: {} {}", removal.describe(), old.rule, old.arn));
                    }
                }
            }
            _ => {}
        }
        let Removal::Policy {
            account,
            region,
            section,
            holders,
            ..
        } = removal
        else {
            continue;
        };
        if old.status == new.status {
            continue;
        }
        let rule = meta(&old.rule);
        if is_resource_section(*section) {
            if rule.pillar != Pillar::Data || !holders.contains(&old.arn) {
                wrong.push(format!(
                    "{}: {} {} changed {:?} -> {:?}, but does not depend on it",
                    removal.describe(),
                    old.rule,
                    old.arn,
                    old.status,
                    new.status
                ));
            }
            continue;
        }
        let reads_it = rule.requires.contains(section);
        // Paths cross the accounts of the scan: a path rule may depend on another account's data.
        let same_account = old.arn.contains(&format!(":{account}:"))
            || old.arn.ends_with(&format!(":{account}"))
            || (*section == Section::Iam && follows_paths(&rule.categories));
        let same_region = *section == Section::Iam || old.arn.contains(&format!(":{region}:"));
        let direct = *section == Section::Iam && !follows_paths(&rule.categories);
        if !reads_it || !same_account || !same_region || (direct && !holders.contains(&old.arn)) {
            wrong.push(format!(
                "{}: {} {} changed {:?} -> {:?}, but does not depend on it",
                removal.describe(),
                old.rule,
                old.arn,
                old.status,
                new.status
            ));
        }
    }
    wrong
}

fn run(name: &str, original: &Value, cases: Vec<(Removal, Value)>, rules: &RuleSet) -> Tally {
    let started = std::time::Instant::now();
    let before = evaluate(original, rules);
    assert!(
        before.values().any(|v| v.status == Status::Fail),
        "{name}: the untouched input has failing findings to protect"
    );
    let mut tally = Tally::default();
    let mut wrong = Vec::new();
    for (removal, broken) in cases {
        let after = evaluate(&broken, rules);
        wrong.extend(compare(&removal, &before, &after, rules, &mut tally));
    }
    eprintln!(
        "monotonicity {name}: {} cases, {} findings compared, fail->pass {}, fail->not_evaluated {}, pass->not_evaluated {}, pass->fail {}, vanished with their section {} ({:.1} s)",
        tally.cases,
        tally.findings_compared,
        tally.fail_to_pass,
        tally.fail_to_not_evaluated,
        tally.pass_to_not_evaluated,
        tally.pass_to_fail,
        tally.vanished_with_section,
        started.elapsed().as_secs_f64()
    );
    for line in &tally.upper_bound_fails {
        eprintln!("  pass -> fail on an unreadable identity policy (fail wins over incomplete data): {line}");
    }
    assert!(wrong.is_empty(), "{name}:\n{}", wrong.join("\n"));
    tally
}

fn builtin_rules() -> RuleSet {
    RuleSet::load(&[], true, None).unwrap()
}

fn snapshot_cases(relative: &str, rules: &RuleSet) {
    let original = read_json(root().join(relative));
    let mut cases = section_removals(&original);
    cases.extend(policy_removals(&original));
    let tally = run(relative, &original, cases, rules);
    assert!(tally.cases > 0);
}

#[test]
fn demo_snapshot_removals_never_turn_fail_into_pass() {
    snapshot_cases("fixtures/demo/snapshot.json", &builtin_rules());
}

#[test]
fn next_demo_snapshot_removals_never_turn_fail_into_pass() {
    snapshot_cases("fixtures/demo/snapshot-next.json", &builtin_rules());
}

#[test]
fn correlation_snapshot_removals_never_turn_fail_into_pass() {
    // The fixture's own parameters are what make its correlations fail.
    let config = posture::config::Config::load(&root().join("fixtures/correlation/posture.yaml")).unwrap();
    let rules = RuleSet::load(&[], true, Some(&config)).unwrap();
    snapshot_cases("fixtures/correlation/snapshot.json", &rules);
}

/// The IAM corpus is a GAAD dump: each policy is made undecodable in the dump itself (the
/// `"{not json"` of issue 11 item 3), so the GAAD decoder is on the path too.
#[test]
fn iam_corpus_corruptions_never_turn_fail_into_pass() {
    let rules = builtin_rules();
    let path = root().join("fixtures/iam-corpus/gaad.json");
    let dump = read_json(path.clone());
    let as_snapshot = |account| serde_json::to_value(Snapshot::new("gaad", vec![account])).unwrap();
    let original = as_snapshot(posture::import::gaad::load_gaad(&path).unwrap());
    let mut decoded = Vec::new();
    policy_pointers(&original, String::new(), &mut decoded);
    let dir = tempfile::tempdir().unwrap();
    let mut cases = section_removals(&original);
    let mut gaad_pointers = Vec::new();
    for (list, field) in [
        ("UserDetailList", "UserPolicyList"),
        ("GroupDetailList", "GroupPolicyList"),
        ("RoleDetailList", "RolePolicyList"),
    ] {
        for (i, principal) in dump[list].as_array().unwrap().iter().enumerate() {
            for j in 0..principal[field].as_array().map_or(0, Vec::len) {
                gaad_pointers.push(format!("/{list}/{i}/{field}/{j}/PolicyDocument"));
            }
            if list == "RoleDetailList" {
                gaad_pointers.push(format!("/{list}/{i}/AssumeRolePolicyDocument"));
            }
        }
    }
    for (i, policy) in dump["Policies"].as_array().unwrap().iter().enumerate() {
        for (k, version) in policy["PolicyVersionList"].as_array().unwrap().iter().enumerate() {
            if version["IsDefaultVersion"] == json!(true) {
                gaad_pointers.push(format!("/Policies/{i}/PolicyVersionList/{k}/Document"));
            }
        }
    }
    for (n, gaad_pointer) in gaad_pointers.iter().enumerate() {
        let mut broken = dump.clone();
        *broken.pointer_mut(gaad_pointer).unwrap() = json!("{not json");
        let file = dir.path().join(format!("gaad-{n}.json"));
        std::fs::write(&file, serde_json::to_vec(&broken).unwrap()).unwrap();
        let loaded = as_snapshot(posture::import::gaad::load_gaad(&file).unwrap());
        // The one document that no longer decodes, found in the loaded snapshot.
        let mut still = Vec::new();
        policy_pointers(&loaded, String::new(), &mut still);
        let lost: Vec<&String> = decoded.iter().filter(|p| !still.contains(p)).collect();
        assert_eq!(
            lost.len(),
            1,
            "{gaad_pointer}: one document made undecodable, lost {lost:?}"
        );
        let mut removal = policy_removal(&original, lost[0]);
        if let Removal::Policy { at, .. } = &mut removal {
            *at = format!("fixtures/iam-corpus/gaad.json {gaad_pointer}");
        }
        cases.push((removal, loaded));
    }
    let tally = run("fixtures/iam-corpus/gaad.json", &original, cases, &rules);
    assert!(tally.cases >= gaad_pointers.len());
}

#[test]
fn organization_snapshot_removals_never_turn_fail_into_pass() {
    snapshot_cases("fixtures/organization/snapshot.json", &builtin_rules());
}
