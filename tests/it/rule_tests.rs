//! `cargo test` runs every built-in Rego test, each rule proving fail, pass and missing data.

use posture::rules::{self, metadata, FileKind};

#[test]
fn every_builtin_rego_test_passes() {
    let sources = rules::builtin_sources().expect("built-in rules load");
    let tests: Vec<&rules::RegoFile> = sources.files.iter().filter(|f| f.kind == FileKind::Test).collect();
    let outcomes = rules::testing::run_tests(&sources.files, &tests, &sources.data_value()).expect("tests compile");
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| format!("{} {}: {}", o.file, o.name, o.detail.clone().unwrap_or_default()))
        .collect();
    assert!(failed.is_empty(), "failing Rego tests:\n{}", failed.join("\n"));
    assert!(outcomes.len() >= 20, "only {} Rego tests ran", outcomes.len());
}

#[test]
fn every_builtin_rule_has_tests_for_fail_pass_and_missing_data() {
    let files = rules::builtin_sources().expect("built-in rules load").files;
    for rule in files.iter().filter(|f| f.kind == FileKind::Rule) {
        let meta = metadata::parse(&rule.text).expect("metadata parses");
        let test_path = rule.relative.replace(".rego", "_test.rego");
        let test = files
            .iter()
            .find(|f| f.relative == test_path)
            .unwrap_or_else(|| panic!("{} has no {test_path}", meta.id));
        let names = rules::testing::test_names(&test.text);
        assert!(
            names.iter().any(|n| n.starts_with("test_deny")),
            "{}: no test_deny_* case",
            meta.id
        );
        assert!(
            names.iter().any(|n| n.starts_with("test_allow")),
            "{}: no test_allow_* case",
            meta.id
        );
        assert!(
            names.iter().any(|n| n.contains("missing")),
            "{}: no missing-data case",
            meta.id
        );
    }
}

#[test]
fn default_parameters_parse() {
    let data = rules::builtin_sources().expect("built-in data loads").data_value();
    let params = &data["params"];
    assert!(data["iam"]["escalation_methods"]
        .as_array()
        .is_some_and(|m| m.len() >= 21));
    assert!(params["admin_ports"]
        .as_array()
        .is_some_and(|ports| ports.iter().any(|p| p == 22)));
}

/// The missing-data case of every rule, through the real evaluator on real data: each fixture
/// with one section removed everywhere gives, for every rule that requires that section, only
/// `not_evaluated` results; the rules that do not require it keep their verdicts.
#[test]
fn every_rule_is_not_evaluated_without_the_data_it_requires() {
    use crate::harness::{json_of, temp_dir, write};
    use serde_json::Value;
    use std::collections::BTreeMap;
    let rules_list = json_of(&["rules", "list", "--format", "json"]);
    let requires: BTreeMap<String, Vec<String>> = rules_list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let sections = r["requires"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string());
            (r["id"].as_str().unwrap().to_string(), sections.collect())
        })
        .collect();
    let dir = temp_dir();
    let mut checked = 0;
    for fixture in ["fixtures/demo/snapshot.json", "fixtures/correlation/snapshot.json"] {
        let full = json_of(&["scan", "--snapshot", fixture, "-f", "json"]);
        for section in ["iam", "guardduty", "securityhub", "network", "config"] {
            let mut snapshot: Value = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
            for account in snapshot["accounts"].as_array_mut().unwrap() {
                account.as_object_mut().unwrap().remove(section);
                for region in account["regions"].as_array_mut().unwrap() {
                    region.as_object_mut().unwrap().remove(section);
                }
            }
            let path = write(dir.path(), &format!("without-{section}.json"), &snapshot.to_string());
            let report = json_of(&["scan", "--snapshot", path.to_str().unwrap(), "-f", "json"]);
            for finding in report["findings"].as_array().unwrap() {
                let rule = finding["rule_id"].as_str().unwrap();
                if requires[rule].iter().any(|s| s == section) {
                    assert_eq!(
                        finding["status"], "not_evaluated",
                        "{fixture} without {section}: {rule} {finding}"
                    );
                    checked += 1;
                }
            }
            // A rule that needs none of the removed data keeps every verdict it had.
            let verdicts = |report: &Value| -> BTreeMap<(String, String), String> {
                report["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| !requires[f["rule_id"].as_str().unwrap()].iter().any(|s| s == section))
                    .map(|f| {
                        let key = (
                            f["rule_id"].as_str().unwrap().to_string(),
                            f["resource"]["arn"].as_str().unwrap().to_string(),
                        );
                        (key, f["status"].as_str().unwrap().to_string())
                    })
                    .collect()
            };
            let (before, after) = (verdicts(&full), verdicts(&report));
            let changed: Vec<String> = before
                .iter()
                .filter(|(key, status)| after.get(*key) != Some(*status))
                .map(|((rule, arn), status)| {
                    format!(
                        "{rule} {arn}: {status} -> {:?}",
                        after.get(&(rule.clone(), arn.clone()))
                    )
                })
                .collect();
            assert!(changed.is_empty(), "{fixture} without {section}: {changed:#?}");
        }
    }
    assert!(checked > 30, "only {checked} results were checked");
}

/// docs/contracts.md §7: every built-in rule's categories are on the list, and the list's
/// "rules" column names exactly the rules that carry each category.
#[test]
fn builtin_categories_match_the_contract_table() {
    use std::collections::{BTreeMap, BTreeSet};
    let contract = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/contracts.md")).unwrap();
    let section = contract
        .split("## 7. Finding categories")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/contracts.md has §7");
    let mut table: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let category = cells[1].trim_matches('`').to_string();
        let rules = cells[3]
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty() && *r != "—")
            .map(str::to_string)
            .collect();
        table.insert(category, rules);
    }
    assert!(table.len() >= 20, "§7 lists {} categories", table.len());
    let mut carried: BTreeMap<String, BTreeSet<String>> = table.keys().map(|c| (c.clone(), BTreeSet::new())).collect();
    for rule in rules::builtin_sources()
        .unwrap()
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Rule)
    {
        let meta = metadata::parse(&rule.text).unwrap();
        for category in &meta.categories {
            carried
                .get_mut(category)
                .unwrap_or_else(|| panic!("{}: category {category} is not in docs/contracts.md §7", meta.id))
                .insert(meta.id.clone());
        }
    }
    for (category, rules) in &carried {
        assert_eq!(
            rules, &table[category],
            "docs/contracts.md §7, `{category}`: rules column"
        );
    }
}
