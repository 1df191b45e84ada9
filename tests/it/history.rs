//! The history store through the real binary: two runs of a changed demo give the right new,
//! resolved and age; `--baseline last` equals `--baseline FILE`; concurrent writers both land;
//! a killed write leaves the store as it was; retention; and every bad input is exit 2 in one line.

use crate::harness::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

const DEMO: &str = "fixtures/demo/snapshot.json";
const NEXT: &str = "fixtures/demo/snapshot-next.json";

/// A copy of a fixture snapshot collected `days` after 2026-11-21.
fn dated(dir: &Path, fixture: &str, days: u32) -> PathBuf {
    let mut snapshot = read_json(root().join(fixture));
    snapshot["generated_at"] = format!("2026-11-{:02}T02:00:00Z", 21 + days).into();
    let name = format!(
        "{}-{days}.json",
        Path::new(fixture).file_stem().unwrap().to_str().unwrap()
    );
    write(dir, &name, &snapshot.to_string())
}

fn run(args: &[&str]) -> Output {
    let output = posture().args(args).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Scans `snapshot` into the store with `extra` flags; returns the JSON report.
fn scan(store: &Path, snapshot: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "scan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--history",
        store.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.extend(["-f", "json", "--no-ignores"]);
    let output = run(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn history(store: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["history", "--history", store.to_str().unwrap(), "-f", "json"];
    args.extend_from_slice(extra);
    let output = run(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

fn failing(report: &Value) -> impl Iterator<Item = &Value> {
    findings(report).iter().filter(|f| f["status"] == "fail")
}

#[test]
fn two_runs_of_a_changed_demo_give_new_resolved_and_age_and_match_a_file_baseline() {
    let dir = temp_dir();
    let store = dir.path().join("posture.db");
    let first = scan(&store, &dated(dir.path(), DEMO, 0), &[]);
    assert!(failing(&first).all(|f| f["lifecycle"]["age_days"] == 0 && f["lifecycle"]["reopened"] == 0));
    assert!(findings(&first)
        .iter()
        .filter(|f| f["status"] != "fail")
        .all(|f| f.get("lifecycle").is_none()));
    let first_file = write(dir.path(), "first.json", &first.to_string());
    let next = dated(dir.path(), NEXT, 3);
    let second = scan(&store, &next, &["--baseline", "last"]);
    // The store's baseline is the file's: same marks, same counts, same resolved list.
    let output = run(&[
        "scan",
        "--snapshot",
        next.to_str().unwrap(),
        "--baseline",
        first_file.to_str().unwrap(),
        "-f",
        "json",
        "--no-ignores",
    ]);
    let from_file: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(second["baseline"], from_file["baseline"]);
    let marks = |report: &Value| -> Vec<(String, String)> {
        findings(report)
            .iter()
            .map(|f| (f["id"].to_string(), f["baseline"].to_string()))
            .collect()
    };
    assert_eq!(marks(&second), marks(&from_file));
    let resolved = second["baseline"]["resolved"].as_array().unwrap();
    let new_failing: Vec<&Value> = failing(&second).filter(|f| f["baseline"] == "new").collect();
    assert!(
        !resolved.is_empty() && !new_failing.is_empty(),
        "the demo's change fixes some findings and adds one"
    );
    // Ages: three days for what failed in both runs, zero for the new one.
    for finding in failing(&second) {
        let expected = if finding["baseline"] == "new" { 0 } else { 3 };
        assert_eq!(finding["lifecycle"]["age_days"], expected, "{finding}");
    }
    let runs = history(&store, &[]);
    let latest = &runs["runs"][0];
    assert_eq!(runs["runs"].as_array().unwrap().len(), 2);
    assert_eq!(latest["scan_id"], second["scan"]["id"]);
    assert_eq!(
        (latest["new"].as_u64(), latest["resolved"].as_u64()),
        (Some(new_failing.len() as u64), Some(resolved.len() as u64))
    );
    assert_eq!(latest["open"].as_u64(), Some(failing(&second).count() as u64));
    assert_eq!(latest["resolved_mean_days"], 3.0);
    assert_eq!(latest["score"], second["score"]["overall"]);
    // A third run on the first demo: what was fixed comes back, re-opened, with a fresh age.
    let fixed = resolved[0]["id"].as_str().unwrap();
    let third = scan(&store, &dated(dir.path(), DEMO, 5), &["--baseline", "last"]);
    let back = findings(&third).iter().find(|f| f["id"] == fixed).unwrap();
    assert_eq!(back["lifecycle"]["reopened"], 1);
    assert_eq!(back["lifecycle"]["age_days"], 0);
    assert_eq!(back["lifecycle"]["first_seen"], "2026-11-21T02:00:00.000Z");
    assert_eq!(history(&store, &[])["runs"][0]["reopened"], resolved.len());
    let life = history(&store, &["show", fixed]);
    assert_eq!(life["reopened"], 1);
    assert_eq!(life["status"], "fail");
    assert_eq!(life["episodes"][0]["days"], 3, "time to resolve");
    let statuses: Vec<&str> = life["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["fail", "pass", "fail"]);
}

#[test]
fn history_filters_by_account_rule_and_time() {
    let dir = temp_dir();
    let store = dir.path().join("h.db");
    let first = scan(&store, &dated(dir.path(), DEMO, 0), &[]);
    scan(&store, &dated(dir.path(), NEXT, 3), &[]);
    let account = first["scan"]["accounts"][0].as_str().unwrap();
    let by_rule = history(&store, &["--rule", "iam-001"]);
    let runs = by_rule["runs"].as_array().unwrap();
    assert_eq!(
        runs[1]["open"],
        failing(&first).filter(|f| f["rule_id"] == "IAM-001").count()
    );
    assert_eq!(
        (runs[0]["new"].as_i64(), runs[0]["resolved"].as_i64()),
        (Some(0), Some(1))
    );
    let by_account = history(&store, &["--account", account]);
    assert_eq!(by_account["runs"][1]["score"], first["score"]["accounts"][account]);
    assert_eq!(
        history(&store, &["--account", "999999999999"])["runs"],
        Value::Array(vec![])
    );
    assert_eq!(
        history(&store, &["--since", "2026-11-23"])["runs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let table = run(&["history", "--history", store.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("Runs, newest first"));
}

#[test]
fn baseline_by_days_and_by_scan_id_and_retention() {
    let dir = temp_dir();
    let store = dir.path().join("h.db");
    let day0 = scan(&store, &dated(dir.path(), DEMO, 0), &[]);
    let day4 = scan(&store, &dated(dir.path(), DEMO, 4), &[]);
    let day9 = scan(&store, &dated(dir.path(), NEXT, 9), &["--baseline", "7d"]);
    assert_eq!(day9["baseline"]["previous_scan_id"], day0["scan"]["id"]);
    let prefix = &day4["scan"]["id"].as_str().unwrap()[..8];
    let again = scan(
        &store,
        &dated(dir.path(), NEXT, 9),
        &["--baseline", prefix, "--history-keep", "6d"],
    );
    assert_eq!(again["baseline"]["previous_scan_id"], day4["scan"]["id"]);
    let kept: Vec<Value> = history(&store, &["--limit", "0"])["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["scan_id"].clone())
        .collect();
    assert_eq!(
        kept,
        [
            again["scan"]["id"].clone(),
            day9["scan"]["id"].clone(),
            day4["scan"]["id"].clone()
        ]
    );
}

#[test]
fn concurrent_writers_both_land() {
    let dir = temp_dir();
    let store = dir.path().join("h.db");
    let snapshot = dated(dir.path(), DEMO, 0);
    let binary = assert_cmd::cargo::cargo_bin("posture");
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(&binary)
                .current_dir(root())
                .args([
                    "scan",
                    "--snapshot",
                    snapshot.to_str().unwrap(),
                    "--history",
                    store.to_str().unwrap(),
                    "-q",
                    "-f",
                    "json=/dev/null",
                ])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(history(&store, &[])["runs"].as_array().unwrap().len(), 4);
    assert_integrity(&store);
}

/// A run another job wrote to the store after it read it records as if it had run after that
/// job: the findings it read as unchanged are looked up again. Here the other job changes a
/// failing finding's message (a renamed security group) and forgets the first run; the paused
/// run then leaves the store as the same three runs one after the other do.
#[test]
fn a_run_records_as_if_after_a_job_that_wrote_since_it_read_the_store() {
    let dir = temp_dir();
    let day0 = dated(dir.path(), DEMO, 0);
    let day5 = dated(dir.path(), DEMO, 5);
    let mut other = read_json(root().join(DEMO));
    other["generated_at"] = "2026-12-01T02:00:00Z".into();
    rename_bastion(&mut other);
    let other = write(dir.path(), "other.json", &other.to_string());
    let keep = ["--history-keep", "3d"];

    let sequential = dir.path().join("sequential.db");
    scan(&sequential, &day0, &[]);
    scan(&sequential, &other, &keep);
    scan(&sequential, &day5, &[]);

    let interleaved = dir.path().join("interleaved.db");
    scan(&interleaved, &day0, &[]);
    let signal = dir.path().join("paused");
    let paused = std::process::Command::new(assert_cmd::cargo::cargo_bin("posture"))
        .current_dir(root())
        .env("POSTURE_TEST_PAUSE_HISTORY_COMMIT", &signal)
        .env("POSTURE_LOG", "posture=debug")
        .args(["scan", "--snapshot", day5.to_str().unwrap(), "--history"])
        .arg(&interleaved)
        .args(["--no-ignores", "-f", "json=/dev/null"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        wait_for(&signal, Duration::from_secs(120)),
        "the run reached its commit"
    );
    scan(&interleaved, &other, &keep);
    std::fs::remove_file(&signal).unwrap();
    let output = paused.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("the store changed since this run read it"), "{stderr}");
    let rows = store_rows(&interleaved);
    assert_eq!(rows, store_rows(&sequential));
    let bastion: Vec<&String> = rows.iter().filter(|row| row.contains("sg-0bastion (")).collect();
    assert_eq!(bastion.len(), 1, "{rows:#?}");
    assert!(
        bastion[0].contains("sg-0bastion (bastion)"),
        "the paused run's message: {bastion:?}"
    );
}

fn rename_bastion(snapshot: &mut Value) {
    for region in snapshot["accounts"][0]["regions"].as_array_mut().unwrap() {
        for group in region["network"]["security_groups"].as_array_mut().unwrap() {
            if group["id"] == "sg-0bastion" {
                group["name"] = "jump-host".into();
            }
        }
    }
}

fn cell(value: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(number) => number.to_string(),
        ValueRef::Real(number) => number.to_string(),
        ValueRef::Text(text) | ValueRef::Blob(text) => String::from_utf8_lossy(text).into_owned(),
    }
}

/// The store's findings, observations, episodes and passes, by fingerprint and run time (row
/// ids and scan ids differ between stores).
fn store_rows(store: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let queries = [
        "SELECT 'finding', hex(f.fingerprint), r.rule_id, f.account, f.region, f.arn, f.message
         FROM findings f JOIN rules r ON r.id = f.rule",
        "SELECT 'observation', s.observed_at, hex(f.fingerprint), o.status
         FROM observations o JOIN findings f ON f.id = o.finding JOIN scans s ON s.id = o.scan",
        "SELECT 'episode', hex(f.fingerprint), o.observed_at, c.observed_at FROM episodes e
         JOIN findings f ON f.id = e.finding JOIN scans o ON o.id = e.opened_scan
         LEFT JOIN scans c ON c.id = e.closed_scan",
        "SELECT 'passes', s.observed_at, r.rule_id, p.account, p.count
         FROM passes p JOIN rules r ON r.id = p.rule JOIN scans s ON s.id = p.scan",
    ];
    let mut rows = Vec::new();
    for query in queries {
        let mut select = conn.prepare(query).unwrap();
        let columns = select.column_count();
        let found = select
            .query_map([], |row| {
                let values: Vec<String> = (0..columns).map(|i| cell(row.get_ref(i).unwrap())).collect();
                Ok(values.join(" "))
            })
            .unwrap();
        rows.extend(found.map(Result::unwrap));
    }
    rows.sort();
    assert!(rows.len() > 20, "{rows:?}");
    rows
}

fn assert_integrity(store: &Path) {
    let conn = rusqlite::Connection::open(store).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

fn runs_in(store: &Path) -> usize {
    history(store, &["--limit", "0"])["runs"].as_array().unwrap().len()
}

fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_run_killed_while_writing_leaves_the_store_as_it_was() {
    let dir = temp_dir();
    let store = dir.path().join("h.db");
    let synth = dir.path().join("synth.json");
    posture_dev()
        .args([
            "synth",
            "--accounts",
            "4",
            "--seed",
            "42",
            "-o",
            synth.to_str().unwrap(),
        ])
        .assert()
        .success();
    scan(&store, &synth, &[]);
    let before = history(&store, &["--limit", "0"]);
    let signal = dir.path().join("holding");
    let binary = assert_cmd::cargo::cargo_bin("posture");
    let mut child = std::process::Command::new(&binary)
        .current_dir(root())
        .env("POSTURE_TEST_HOLD_HISTORY_COMMIT", &signal)
        .args([
            "scan",
            "--snapshot",
            synth.to_str().unwrap(),
            "--history",
            store.to_str().unwrap(),
            "-q",
            "-f",
            "json=/dev/null",
        ])
        .spawn()
        .unwrap();
    assert!(
        wait_for(&signal, Duration::from_secs(120)),
        "the run reached its commit"
    );
    // Every row of the run is written (and some in the WAL), nothing is committed: SIGKILL.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(history(&store, &["--limit", "0"]), before);
    assert_integrity(&store);
    // Killed at other moments (reading, evaluating, staging): one run more or none, never damage.
    for delay in [50, 300, 900] {
        let runs = runs_in(&store);
        let mut child = std::process::Command::new(&binary)
            .current_dir(root())
            .args([
                "scan",
                "--snapshot",
                synth.to_str().unwrap(),
                "--history",
                store.to_str().unwrap(),
                "-q",
                "-f",
                "json=/dev/null",
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        child.wait().unwrap();
        assert!((runs..=runs + 1).contains(&runs_in(&store)));
        assert_integrity(&store);
    }
    let runs = runs_in(&store);
    scan(&store, &synth, &[]);
    assert_eq!(runs_in(&store), runs + 1, "the store takes the next run");
}

#[test]
fn all_detail_records_passes_and_posture_yaml_names_the_store() {
    let dir = temp_dir();
    let config = write(
        dir.path(),
        "conf/posture.yaml",
        "history:\n  path: nightly.db\n  detail: all\n",
    );
    let snapshot = dated(dir.path(), DEMO, 0);
    let output = run(&[
        "--config",
        config.to_str().unwrap(),
        "scan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "-f",
        "json",
        "--no-ignores",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let store = dir.path().join("conf/nightly.db");
    let passing = findings(&report).iter().find(|f| f["status"] == "pass").unwrap();
    let life = history(&store, &["show", passing["id"].as_str().unwrap()]);
    assert_eq!(life["status"], "pass");
    assert_eq!(life["episodes"], Value::Array(vec![]));
    // --no-history records nothing even so.
    let output = run(&[
        "--config",
        config.to_str().unwrap(),
        "scan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--no-history",
        "-q",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(runs_in(&store), 1);
}

#[test]
fn bad_history_inputs_are_one_line_errors_with_exit_2() {
    let dir = temp_dir();
    let not_sqlite = write(dir.path(), "notes.db", "just some notes, not a database\n");
    let newer = dir.path().join("newer.db");
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.execute_batch(
            "CREATE TABLE scans (id INTEGER); PRAGMA application_id = 1886352244; PRAGMA user_version = 99;",
        )
        .unwrap();
    }
    let store = dir.path().join("h.db");
    let store_text = store.to_str().unwrap();
    let report = dir.path().join("r.json");
    let snapshot = dated(dir.path(), DEMO, 0);
    let snapshot_text = snapshot.to_str().unwrap();
    let missing = dir.path().join("missing.db");
    let output_flag = format!("json={store_text}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["scan", "--snapshot", DEMO, "--history", not_sqlite.to_str().unwrap()],
            "notes.db: at byte 0: not an SQLite database",
        ),
        (
            vec!["scan", "--snapshot", DEMO, "--history", newer.to_str().unwrap()],
            "history schema version 99 is newer than this build reads",
        ),
        (
            vec!["scan", "--snapshot", DEMO, "--history", "/dev/null"],
            "/dev/null: is not a regular file",
        ),
        (
            vec!["scan", "--snapshot", DEMO, "--history", dir.path().to_str().unwrap()],
            "is a folder",
        ),
        (
            vec!["scan", "--snapshot", snapshot_text, "--history", snapshot_text],
            "is also an input of this run",
        ),
        (
            vec!["scan", "--snapshot", DEMO, "--history", store_text, "-f", &output_flag],
            "is also an output of this run",
        ),
        (
            vec!["scan", "--snapshot", DEMO, "--baseline", "last"],
            "reads the history store: give --history PATH",
        ),
        (
            vec![
                "scan",
                "--snapshot",
                DEMO,
                "--history",
                store_text,
                "--baseline",
                "last",
                "--fail-on-new",
            ],
            "no earlier run to compare with",
        ),
        (
            vec![
                "scan",
                "--snapshot",
                DEMO,
                "--history",
                store_text,
                "--history-keep",
                "10x",
            ],
            "is not a number of days",
        ),
        (
            vec!["history", "--history", store_text, "--since", "yesterday"],
            "is not a number of days (7d), a date",
        ),
        (
            vec!["history", "--history", missing.to_str().unwrap()],
            "no such history store",
        ),
        (
            vec!["history", "--history", not_sqlite.to_str().unwrap()],
            "not an SQLite database",
        ),
    ];
    for (args, expected) in cases {
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(&not_sqlite).unwrap(),
        "just some notes, not a database\n"
    );
    scan(&store, &snapshot, &[]);
    for (fingerprint, expected) in [
        ("zz", "is not a finding id"),
        ("00000000000000000000000000000000", "was never recorded"),
    ] {
        let output = run(&["history", "--history", store_text, "show", fingerprint]);
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains(expected));
    }
    let output = run(&[
        "scan",
        "--snapshot",
        DEMO,
        "--history",
        store_text,
        "--baseline",
        "0123abcd",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no run with that scan id"));
    assert!(!report.exists(), "no output was written by a refused run");
}

#[test]
fn the_page_and_the_table_show_the_trend_and_the_oldest_open_findings() {
    let dir = temp_dir();
    let store = dir.path().join("h.db");
    scan(&store, &dated(dir.path(), DEMO, 0), &[]);
    scan(&store, &dated(dir.path(), NEXT, 3), &[]);
    let page = dir.path().join("report.html");
    let page_flag = format!("html={}", page.display());
    let snapshot = dated(dir.path(), NEXT, 6);
    let output = run(&[
        "scan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--history",
        store.to_str().unwrap(),
        "-f",
        &page_flag,
        "-f",
        "table",
        "--no-ignores",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg id=\"trend-chart\""), "a trend chart");
    let overall_points = html.matches("class=\"trend-point\" data-series=\"overall\"").count();
    assert_eq!(overall_points, 3, "one point per run, this one included");
    assert_eq!(
        html.matches("class=\"trend-point\" data-series=\"identity\"").count(),
        3
    );
    for pillar in ["identity", "network", "detection", "data"] {
        assert!(html.contains(&format!("data-legend=\"{pillar}\"")), "{pillar}");
    }
    assert!(html.contains("<table id=\"oldest-open\">"));
    let oldest = html
        .split("<table id=\"oldest-open\">")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    assert!(
        oldest.contains("data-age=\"6\""),
        "what failed since the first run is 6 days old"
    );
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("Oldest open findings:\n      6 day(s)"), "{table}");
    // Without --history the page has neither.
    let plain = dir.path().join("plain.html");
    let plain_flag = format!("html={}", plain.display());
    assert_eq!(
        run(&["scan", "--snapshot", DEMO, "-f", &plain_flag]).status.code(),
        Some(0)
    );
    let plain = std::fs::read_to_string(&plain).unwrap();
    assert!(!plain.contains("trend-chart") && !plain.contains("oldest-open") && !plain.contains("class=\"age\""));
}

/// The fields a history adds (OCSF first/last_seen_time, ASFF First/LastObservedAt, SARIF
/// provenance, JSON lifecycle) pass the same validators as the rest of each format.
#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn formats_with_lifecycles_validate() {
    let dir = temp_dir();
    let store = dir.path().join("h.db");
    scan(&store, &dated(dir.path(), DEMO, 0), &[]);
    let files: Vec<(&str, PathBuf)> = ["ocsf", "asff", "sarif", "json"]
        .into_iter()
        .map(|format| (format, dir.path().join(format!("report.{format}"))))
        .collect();
    let mut args: Vec<String> = vec!["--baseline".into(), "last".into()];
    for (format, path) in &files {
        args.push("-f".into());
        args.push(format!("{format}={}", path.display()));
    }
    let snapshot = dated(dir.path(), NEXT, 3);
    let mut full = vec![
        "scan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--history",
        store.to_str().unwrap(),
    ];
    full.extend(args.iter().map(String::as_str));
    assert_eq!(run(&full).status.code(), Some(0));
    let python = std::env::var("POSTURE_TEST_PYTHON").expect("POSTURE_TEST_PYTHON names the venv python");
    let schema = root().join("docs/report-v1.schema.json");
    for (format, path) in &files {
        let (kind, extra) = match *format {
            "ocsf" => ("ocsf16", vec!["compliance".to_string()]),
            "json" => ("json-schema", vec![schema.display().to_string()]),
            other => (other, vec![]),
        };
        let output = std::process::Command::new(&python)
            .arg(root().join("tests/validators/validate_outputs.py"))
            .arg(kind)
            .arg(path)
            .args(&extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let ocsf = std::fs::read_to_string(&files[0].1).unwrap();
    assert!(ocsf.contains("\"first_seen_time\":1795226400000"), "2026-11-21T02:00Z");
    assert!(std::fs::read_to_string(&files[1].1)
        .unwrap()
        .contains("\"FirstObservedAt\": \"2026-11-21T02:00:00.000Z\""));
    assert!(std::fs::read_to_string(&files[2].1)
        .unwrap()
        .contains("firstDetectionTimeUtc"));
}
