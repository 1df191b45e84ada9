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
