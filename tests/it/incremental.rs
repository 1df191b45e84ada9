//! `scan --incremental` through the real binary: every output format of an incremental re-scan
//! equals a full scan's byte for byte (apart from the scan id and times), with nothing changed
//! and with some accounts changed, suppressions and `--baseline last` applied fresh; stored
//! results that cannot be decoded are evaluated again, and said so; misuse is exit 2 in one line.

use crate::harness::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FORMATS: [&str; 9] = [
    "table", "json", "ndjson", "ocsf", "asff", "sarif", "junit", "csv", "html",
];
const ACCOUNTS: usize = 4;

fn synth(dir: &Path, name: &str, changed: usize) -> PathBuf {
    let path = dir.join(name);
    posture_dev()
        .args(["synth", "--accounts", &ACCOUNTS.to_string(), "--seed", "42"])
        .args(["--changed", &changed.to_string(), "-o", path.to_str().unwrap()])
        .assert()
        .success();
    path
}

/// A copy of a history store (the WAL is folded in when the last connection closes).
fn copy_store(from: &Path, to: &Path) -> PathBuf {
    std::fs::copy(from, to).unwrap();
    to.to_path_buf()
}

struct Run {
    /// Each format's bytes, with the scan id and times replaced.
    outputs: Vec<(String, String)>,
    stderr: String,
    report: Value,
}

/// Scans into `store` writing every format under `dir/name.*`; the texts come back normalised.
fn scan_all(dir: &Path, name: &str, snapshot: &Path, store: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = ["scan", "--snapshot", snapshot.to_str().unwrap()]
        .map(String::from)
        .to_vec();
    args.extend(["--history".into(), store.to_str().unwrap().into(), "--timings".into()]);
    for format in FORMATS {
        args.push("-f".into());
        args.push(format!("{format}={}", dir.join(format!("{name}.{format}")).display()));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = posture().args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report = read_json(dir.join(format!("{name}.json")));
    let outputs = FORMATS
        .iter()
        .map(|format| {
            let text = std::fs::read_to_string(dir.join(format!("{name}.{format}"))).unwrap();
            (format.to_string(), normalised(&text, &report))
        })
        .collect();
    Run {
        outputs,
        stderr,
        report,
    }
}

/// The scan id and its times, as text and (OCSF) as epoch milliseconds, are what differ.
fn normalised(text: &str, report: &Value) -> String {
    let scan = &report["scan"];
    let mut text = text.replace(scan["id"].as_str().unwrap(), "SCAN_ID");
    for key in ["started_at", "finished_at"] {
        let time = scan[key].as_str().unwrap();
        let epoch = chrono::DateTime::parse_from_rfc3339(time).unwrap().timestamp_millis();
        text = text.replace(time, "TIME").replace(&epoch.to_string(), "EPOCH");
    }
    text
}

fn reused(run: &Run) -> usize {
    timing(run, "reused_accounts=")
}

/// Accounts whose cross-account first-pass entry was reused.
fn reused_first_pass(run: &Run) -> usize {
    timing(run, "reused_first_pass=")
}

fn timing(run: &Run, key: &str) -> usize {
    let at = run.stderr.find(key).expect("the timings line");
    let digits: String = run.stderr[at + key.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

fn assert_same_outputs(full: &Run, incremental: &Run) {
    for ((format, a), (_, b)) in full.outputs.iter().zip(&incremental.outputs) {
        assert!(a == b, "{format} differs between the full and the incremental scan");
    }
}

fn stored_rows(store: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut select = conn
        .prepare("SELECT account, scan FROM account_results ORDER BY account")
        .unwrap();
    let rows = select.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

fn stored_entries(store: &Path) -> usize {
    let conn = rusqlite::Connection::open(store).unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM account_cross", [], |row| row.get(0))
        .unwrap();
    count as usize
}

fn count_status(report: &Value, status: &str) -> usize {
    let findings = report["findings"].as_array().unwrap();
    findings.iter().filter(|f| f["status"] == status).count()
}

#[test]
fn an_incremental_rescan_writes_every_format_exactly_as_a_full_scan() {
    let dir = temp_dir();
    let night1 = synth(dir.path(), "night1.json", 0);
    let night2 = synth(dir.path(), "night2.json", 1);
    let seeded = dir.path().join("seed.db");
    let first = scan_all(dir.path(), "first", &night1, &seeded, &[]);
    assert_eq!(reused(&first), 0, "a full scan reuses nothing");
    assert_eq!(reused_first_pass(&first), 0);
    assert_eq!(stored_rows(&seeded).len(), ACCOUNTS, "every account's results are kept");
    assert_eq!(
        stored_entries(&seeded),
        ACCOUNTS,
        "and every account's first-pass entry"
    );
    let stores: Vec<PathBuf> = ["f1", "i1", "f2", "i2"]
        .iter()
        .map(|name| copy_store(&seeded, &dir.path().join(format!("{name}.db"))))
        .collect();

    // Nothing changed: every account reuses its results; every byte is the same.
    let full = scan_all(dir.path(), "full1", &night1, &stores[0], &[]);
    let incremental = scan_all(dir.path(), "inc1", &night1, &stores[1], &["--incremental"]);
    assert_eq!(reused(&incremental), ACCOUNTS);
    assert_eq!(reused_first_pass(&incremental), ACCOUNTS);
    let wal = dir.path().join("i1.db-wal");
    assert!(!wal.exists(), "the run folded its WAL into the store file");
    assert_eq!(reused_first_pass(&full), 0, "a full scan computes the first pass");
    assert_same_outputs(&full, &incremental);
    assert!(count_status(&full.report, "fail") > 0 && count_status(&full.report, "pass") > 0);

    // One account changed, a suppression and `--baseline last` applied fresh to what is reused.
    let ignore = write(
        dir.path(),
        "ignore.yaml",
        "suppressions:\n  - rule: IAM-001\n    reason: reviewed\n    expires: 2099-12-31\n",
    );
    let extra = ["--baseline", "last", "--ignore-file", ignore.to_str().unwrap()];
    let full = scan_all(dir.path(), "full2", &night2, &stores[2], &extra);
    let with_incremental: Vec<&str> = extra.iter().copied().chain(["--incremental"]).collect();
    let incremental = scan_all(dir.path(), "inc2", &night2, &stores[3], &with_incremental);
    let reused_now = reused(&incremental);
    assert!(
        (1..ACCOUNTS).contains(&reused_now),
        "the changed account is evaluated, the others reused: {reused_now}"
    );
    assert_eq!(
        reused_first_pass(&incremental),
        ACCOUNTS - 1,
        "the changed account's IAM data is analysed again"
    );
    assert_same_outputs(&full, &incremental);
    assert!(
        count_status(&incremental.report, "muted") > 0,
        "the suppression applies to reused results"
    );
    let findings = incremental.report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["baseline"] == "new"),
        "the change is new against last night"
    );
    assert!(findings.iter().any(|f| f["baseline"] == "unchanged"));
    // What the incremental run evaluated or reused is now the latest run's, for every account.
    let rows = stored_rows(&stores[3]);
    assert_eq!(rows.len(), ACCOUNTS);
    assert!(rows.windows(2).all(|pair| pair[0].1 == pair[1].1), "{rows:?}");
    let again = scan_all(dir.path(), "inc3", &night2, &stores[3], &with_incremental);
    assert_eq!(reused(&again), ACCOUNTS, "the results it evaluated were kept");
    assert!(statuses(&again.report) == statuses(&incremental.report));
}

/// Each finding's id and status, in report order.
fn statuses(report: &Value) -> Vec<(String, String)> {
    let findings = report["findings"].as_array().unwrap();
    let text = |value: &Value| value.as_str().unwrap().to_string();
    findings.iter().map(|f| (text(&f["id"]), text(&f["status"]))).collect()
}

#[test]
fn stored_results_that_cannot_be_decoded_are_evaluated_again_and_said_so() {
    let dir = temp_dir();
    let night = synth(dir.path(), "night.json", 0);
    let store = dir.path().join("h.db");
    let full = scan_all(dir.path(), "full", &night, &store, &[]);
    let mut rows = stored_rows(&store);
    let (damaged, _) = rows.remove(1);
    let (damaged_entry, _) = rows.remove(1);
    let conn = rusqlite::Connection::open(&store).unwrap();
    conn.execute(
        "UPDATE account_results SET results = x'0000ff7f0102' WHERE account = ?1",
        [&damaged],
    )
    .unwrap();
    conn.execute(
        "UPDATE account_cross SET entry = x'0a000000ff' WHERE account = ?1",
        [&damaged_entry],
    )
    .unwrap();
    drop(conn);
    let incremental = scan_all(dir.path(), "inc", &night, &store, &["--incremental"]);
    assert_eq!(reused(&incremental), ACCOUNTS - 1);
    assert_eq!(reused_first_pass(&incremental), ACCOUNTS - 1);
    let said = format!("account {damaged_entry}'s stored first-pass entry cannot be read");
    assert!(incremental.stderr.contains(&said), "{}", incremental.stderr);
    assert!(
        incremental
            .stderr
            .contains(&format!("the stored results of account {damaged} cannot be decoded")),
        "{}",
        incremental.stderr
    );
    assert!(
        incremental.report["findings"] == full.report["findings"],
        "the same findings"
    );
    assert_eq!(incremental.report["score"], full.report["score"]);
    // Evaluated again, its results are stored again, whole.
    let again = scan_all(dir.path(), "again", &night, &store, &["--incremental"]);
    assert_eq!(reused(&again), ACCOUNTS);
    assert_eq!(reused_first_pass(&again), ACCOUNTS);
}

#[test]
fn incremental_needs_a_store_and_a_deployed_state() {
    let dir = temp_dir();
    let store = dir.path().join("h.db");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["scan", "--snapshot", "fixtures/demo/snapshot.json", "--incremental"],
            "--incremental reuses the results a history store keeps",
        ),
        (
            vec![
                "scan",
                "--snapshot",
                "fixtures/demo/snapshot.json",
                "--incremental",
                "--no-history",
            ],
            "--incremental reuses the results a history store keeps",
        ),
        (
            vec![
                "scan",
                "--snapshot",
                "fixtures/demo/snapshot.json",
                "--plan",
                "fixtures/plan/benign.tfplan.json",
                "--incremental",
                "--history",
                store.to_str().unwrap(),
            ],
            "a scan of --plan or --cloudformation evaluates everything",
        ),
    ];
    for (args, expected) in cases {
        let output = posture().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
    assert!(!store.exists(), "a refused plan scan opens no store");
}

#[test]
fn a_later_snapshot_with_the_same_facts_is_reused_through_the_facts() {
    let dir = temp_dir();
    let night1 = synth(dir.path(), "night1.json", 0);
    // Collected a day later: the time ages count to differs, so the snapshot no longer vouches
    // for the facts; where the facts come out the same, they do.
    let text = std::fs::read_to_string(&night1).unwrap();
    let stamp = "\"generated_at\":\"2026-01-01T00:00:00Z\"";
    assert!(text.contains(stamp));
    let later = write(
        dir.path(),
        "later.json",
        &text.replacen(stamp, "\"generated_at\":\"2026-01-02T00:00:00Z\"", 1),
    );
    let seeded = dir.path().join("seed.db");
    scan_all(dir.path(), "first", &night1, &seeded, &[]);
    let full_store = copy_store(&seeded, &dir.path().join("f.db"));
    let incremental_store = copy_store(&seeded, &dir.path().join("i.db"));
    let full = scan_all(dir.path(), "full", &later, &full_store, &[]);
    let incremental = scan_all(dir.path(), "inc", &later, &incremental_store, &["--incremental"]);
    assert!(reused(&incremental) > 0, "{}", incremental.stderr);
    assert_same_outputs(&full, &incremental);
}

/// The organisation fixture with the cross-account hop's grant limited by a date, and
/// collected at `generated_at`.
fn dated_organization(dir: &Path, name: &str, generated_at: &str) -> PathBuf {
    let mut snapshot = read_json(PathBuf::from("fixtures/organization/snapshot.json"));
    snapshot["generated_at"] = Value::from(generated_at);
    let hop = snapshot["accounts"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|account| account["account_id"] == "444444444444")
        .unwrap();
    let statement = &mut hop["iam"]["roles"][0]["inline_policies"][0]["document"]["Statement"][0];
    statement["Condition"] = serde_json::json!({"DateLessThan": {"aws:CurrentTime": ["2026-12-01T00:00:00Z"]}});
    write(dir, name, &snapshot.to_string())
}

#[test]
fn a_first_pass_entry_that_turned_on_the_date_is_computed_again_at_another_date() {
    let dir = temp_dir();
    let before = dated_organization(dir.path(), "before.json", "2026-11-30T02:00:00Z");
    let after = dated_organization(dir.path(), "after.json", "2026-12-02T02:00:00Z");
    let seeded = dir.path().join("seed.db");
    scan_all(dir.path(), "first", &before, &seeded, &[]);
    let same_night = copy_store(&seeded, &dir.path().join("same.db"));
    let again = scan_all(dir.path(), "again", &before, &same_night, &["--incremental"]);
    assert_eq!(reused_first_pass(&again), 4, "the same date: every entry holds");
    let full_store = copy_store(&seeded, &dir.path().join("f.db"));
    let incremental_store = copy_store(&seeded, &dir.path().join("i.db"));
    let full = scan_all(dir.path(), "full", &after, &full_store, &[]);
    let incremental = scan_all(dir.path(), "inc", &after, &incremental_store, &["--incremental"]);
    assert_eq!(
        reused_first_pass(&incremental),
        3,
        "the account whose grant turned on the date is analysed again; {}",
        incremental.stderr
    );
    assert_same_outputs(&full, &incremental);
    let paths = |run: &Run| -> usize {
        let findings = run.report["findings"].as_array().unwrap();
        let hop = "arn:aws:iam::444444444444:role/hop";
        findings
            .iter()
            .filter(|f| f["status"] == "fail" && f["evidence"].to_string().contains(hop))
            .count()
    };
    let (before, after) = (paths(&again), paths(&full));
    assert!(
        before > after,
        "the expired grant closes the path through the hop: {before} -> {after}"
    );
}
