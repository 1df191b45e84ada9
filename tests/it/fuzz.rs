//! Bounded fuzzing of every reader of user input (issue 11, "Make it stay fixed"): the snapshot
//! (outline, stream, whole file), the GAAD dump, policy documents, `posture.yaml`, the
//! suppression file and the JSON report. Valid inputs from `fixtures/` are mutated with a fixed
//! seed and a fixed number of cases: byte flips, truncation at every Nth byte, control
//! characters, deleted and duplicated JSON members, type swaps, huge numbers, deep nesting and
//! very long strings. The property: no reader panics, and every error names the file.
//!
//! Hand-rolled on `fastrand` (already a dependency) rather than proptest: no new build cost,
//! and the mutations are the ones issue 11 lists.

use posture::snapshot::policy::{decode_policy_text, decode_policy_value, normalise_document};
use serde_json::{json, Value};
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::harness::{posture, root};

const SEED: u64 = 0x1105_7a7e;
/// Cases per seed input (and per reader); the whole file runs in seconds in a debug build.
const CASES: usize = 120;
const PLACEHOLDER: &str = "\"__posture_fuzz_node__\"";

/// Every JSON pointer of a value, the root included.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers(
                    child,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// The node at `pointer` replaced by raw JSON text (which may be invalid on purpose).
fn splice(value: &Value, pointer: &str, raw: &str) -> Vec<u8> {
    let mut value = value.clone();
    *value.pointer_mut(pointer).unwrap() = json!("__posture_fuzz_node__");
    serde_json::to_string(&value)
        .unwrap()
        .replacen(PLACEHOLDER, raw, 1)
        .into_bytes()
}

/// What a case did to its input, for messages.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    FlipBytes,
    Truncate,
    ControlCharacters,
    DeleteMember,
    DuplicateMember,
    SwapType,
    HugeNumber,
    DeepNesting,
    LongString,
}

const MUTATIONS: [Mutation; 9] = [
    Mutation::FlipBytes,
    Mutation::Truncate,
    Mutation::ControlCharacters,
    Mutation::DeleteMember,
    Mutation::DuplicateMember,
    Mutation::SwapType,
    Mutation::HugeNumber,
    Mutation::DeepNesting,
    Mutation::LongString,
];

/// Mutates JSON text: case `n` applies `MUTATIONS[n % 9]` somewhere chosen by `rng`.
fn mutate(rng: &mut fastrand::Rng, text: &[u8], value: &Value, case: usize) -> (Mutation, Vec<u8>) {
    let mutation = MUTATIONS[case % MUTATIONS.len()];
    let mut nodes = Vec::new();
    pointers(value, String::new(), &mut nodes);
    let node = nodes[rng.usize(..nodes.len())].clone();
    let bytes = match mutation {
        Mutation::FlipBytes => {
            let mut bytes = text.to_vec();
            for _ in 0..rng.usize(1..=4) {
                let at = rng.usize(..bytes.len());
                bytes[at] ^= 1 << rng.u8(..8);
            }
            bytes
        }
        // Every Nth byte over the cases: truncation points spread over the whole file.
        Mutation::Truncate => text[..(case / MUTATIONS.len() * 7919) % text.len()].to_vec(),
        Mutation::ControlCharacters => {
            let mut bytes = text.to_vec();
            let at = rng.usize(..=bytes.len());
            let control: &[u8] = [b"\0".as_slice(), b"\x1b[31m", b"\r", b"\x7f", b"\xff\xfe"][rng.usize(..5)];
            bytes.splice(at..at, control.iter().copied());
            bytes
        }
        Mutation::DeleteMember => {
            let mut value = value.clone();
            if let Some((parent, key)) = node.rsplit_once('/') {
                match value.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        items.remove(key.parse::<usize>().unwrap());
                    }
                    _ => {}
                }
            }
            serde_json::to_vec(&value).unwrap()
        }
        Mutation::DuplicateMember => match value.pointer(&node) {
            Some(Value::Object(map)) if !map.is_empty() => {
                let (key, first) = map.iter().nth(rng.usize(..map.len())).unwrap();
                let entries: Vec<String> = map.iter().map(|(k, v)| format!("{}:{v}", json!(k))).collect();
                let second = if rng.bool() { first.clone() } else { json!(null) };
                let raw = format!("{{{},{}:{second}}}", entries.join(","), json!(key));
                splice(value, &node, &raw)
            }
            Some(Value::Array(items)) if !items.is_empty() => {
                let mut items = items.clone();
                items.push(items[0].clone());
                splice(value, &node, &Value::Array(items).to_string())
            }
            _ => splice(value, &node, "{\"a\":1,\"a\":2}"),
        },
        Mutation::SwapType => {
            let raw = ["\"x\"", "0", "-1.5", "[]", "{}", "null", "true", "[null]", "{\"\":[]}"][rng.usize(..9)];
            splice(value, &node, raw)
        }
        Mutation::HugeNumber => {
            let raw = [
                "1e999",
                "-1e400",
                "18446744073709551616",
                "-9223372036854775809",
                "123456789012345678901234567890",
                "4.9e-325",
                "255",
                "65536",
            ][rng.usize(..8)];
            splice(value, &node, raw)
        }
        Mutation::DeepNesting => {
            let depth = [100, 200, 10_000, 100_000][rng.usize(..4)];
            let (open, close) = if rng.bool() { ("[", "]") } else { ("{\"a\":", "}") };
            splice(value, &node, &format!("{}1{}", open.repeat(depth), close.repeat(depth)))
        }
        Mutation::LongString => {
            let length = if case.is_multiple_of(5) { 1 << 20 } else { 70_000 };
            let unit = ["x", "é", "\\u0000", "\\u001b[2J", "%7B", "*"][rng.usize(..6)];
            let raw = format!("\"{}\"", unit.repeat(length / unit.len()));
            splice(value, &node, &raw)
        }
    };
    (mutation, bytes)
}

/// Counts cases and collects what broke the property.
#[derive(Default)]
struct Outcome {
    cases: usize,
    accepted: usize,
    rejected: usize,
    panics: Vec<String>,
    wrong: Vec<String>,
}

impl Outcome {
    /// Runs one reader: a panic is caught and counted; an error must name `path`.
    fn read<T, E: Display>(&mut self, what: &str, path: &Path, read: impl FnOnce() -> Result<T, E>) -> Option<T> {
        match catch_unwind(AssertUnwindSafe(read)) {
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.panics.push(format!("{what}: panicked: {message}"));
                None
            }
            Ok(Ok(value)) => {
                self.accepted += 1;
                Some(value)
            }
            Ok(Err(error)) => {
                self.rejected += 1;
                let message = error.to_string();
                if !message.contains(&path.display().to_string()) {
                    self.wrong
                        .push(format!("{what}: the error does not name the file: {message}"));
                }
                if message.lines().count() > 1 || message.len() > 2_000 {
                    self.wrong.push(format!(
                        "{what}: not a short one-line error ({} bytes): {}",
                        message.len(),
                        message.chars().take(200).collect::<String>()
                    ));
                }
                None
            }
        }
    }

    fn finish(self, name: &str, started: std::time::Instant) {
        eprintln!(
            "fuzz {name}: {} cases, {} reads accepted, {} rejected, {} panics, {} wrong errors ({:.1} s)",
            self.cases,
            self.accepted,
            self.rejected,
            self.panics.len(),
            self.wrong.len(),
            started.elapsed().as_secs_f64()
        );
        let mut broken = self.panics;
        broken.extend(self.wrong);
        assert!(broken.is_empty(), "{name}:\n{}", broken.join("\n"));
    }
}

/// Runs `check` on `CASES` mutations of each seed, each written to its own file.
fn fuzz_files(name: &str, seeds: &[&str], extension: &str, mut check: impl FnMut(&mut Outcome, &Path, &[u8], &str)) {
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut outcome = Outcome::default();
    for seed in seeds {
        let text = std::fs::read(root().join(seed)).unwrap();
        let value: Value = if extension == "json" {
            serde_json::from_slice(&text).unwrap()
        } else {
            yaml_serde::from_slice(&text).unwrap()
        };
        for case in 0..CASES {
            let (mutation, mut bytes) = mutate(&mut rng, &text, &value, case);
            // YAML readers also get the structural mutations written as block YAML.
            if extension == "yaml" && case % 2 == 1 {
                if let Ok(mutated) = serde_json::from_slice::<Value>(&bytes) {
                    bytes = yaml_serde::to_string(&mutated).unwrap().into_bytes();
                }
            }
            let path = dir.path().join(format!("case-{}.{extension}", outcome.cases));
            std::fs::write(&path, &bytes).unwrap();
            outcome.cases += 1;
            check(
                &mut outcome,
                &path,
                &bytes,
                &format!("{seed} case {case} ({mutation:?})"),
            );
            std::fs::remove_file(&path).unwrap();
        }
    }
    outcome.finish(name, started);
}

#[test]
fn snapshot_readers_never_panic_and_name_the_file() {
    let seeds = [
        "fixtures/demo/snapshot.json",
        "fixtures/demo/snapshot-next.json",
        "fixtures/correlation/snapshot.json",
    ];
    let mut disagreements = Vec::new();
    fuzz_files("snapshot", &seeds, "json", |outcome, path, bytes, what| {
        let outline = outcome.read(&format!("{what}: outline"), path, || {
            posture::import::snapshot::outline(path)
        });
        let streamed = outcome.read(&format!("{what}: stream_accounts"), path, || {
            posture::import::snapshot::stream_accounts(path, &mut |_| true)
        });
        let whole = outcome.read(&format!("{what}: Snapshot::from_slice"), path, || {
            posture::snapshot::Snapshot::from_slice(bytes, path)
        });
        // The streamed scan and a whole-file read accept the same files.
        if whole.is_some() != (outline.is_some() && streamed.is_some()) {
            disagreements.push(format!(
                "{what}: from_slice {} but outline {} and stream_accounts {}",
                whole.is_some(),
                outline.is_some(),
                streamed.is_some()
            ));
        }
    });
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn gaad_reader_never_panics_and_names_the_file() {
    let seeds = ["fixtures/iam-corpus/gaad.json", "fixtures/gaad/mixed-encodings.json"];
    fuzz_files("gaad", &seeds, "json", |outcome, path, bytes, what| {
        outcome.read(&format!("{what}: load_gaad"), path, || {
            posture::import::gaad::load_gaad(path)
        });
        // The live collector's entry (no file: its error is a JSON path, not a file name).
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            let decoded = catch_unwind(AssertUnwindSafe(|| posture::import::gaad::iam_from_value(value)));
            if decoded.is_err() {
                outcome.panics.push(format!("{what}: iam_from_value panicked"));
            }
        }
    });
}

/// Every policy document of the GAAD fixtures, as they are written there (objects, JSON
/// strings, percent-encoded strings).
fn policy_seeds() -> Vec<Value> {
    let mut seeds = Vec::new();
    for file in ["fixtures/iam-corpus/gaad.json", "fixtures/gaad/mixed-encodings.json"] {
        let dump: Value = serde_json::from_slice(&std::fs::read(root().join(file)).unwrap()).unwrap();
        let mut all = Vec::new();
        pointers(&dump, String::new(), &mut all);
        for pointer in all {
            if pointer.ends_with("PolicyDocument") || pointer.ends_with("/Document") {
                seeds.push(dump.pointer(&pointer).unwrap().clone());
            }
        }
    }
    seeds
}

#[test]
fn policy_decoder_never_panics_and_normalises_once() {
    let started = std::time::Instant::now();
    let seeds = policy_seeds();
    assert!(seeds.len() >= 20, "{} seeds", seeds.len());
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut outcome = Outcome::default();
    let mut not_idempotent = Vec::new();
    for case in 0..CASES * 4 {
        let seed = &seeds[case % seeds.len()];
        let document = match seed {
            Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| seed.clone()),
            other => other.clone(),
        };
        let text = serde_json::to_vec(&document).unwrap();
        let (mutation, bytes) = mutate(&mut rng, &text, &document, case);
        let what = format!("policy case {case} ({mutation:?})");
        outcome.cases += 1;
        let as_text = String::from_utf8_lossy(&bytes).into_owned();
        let mut decoded = Vec::new();
        for raw in [
            serde_json::from_slice::<Value>(&bytes).ok(),
            Some(Value::String(as_text.clone())),
            Some(Value::String(
                percent_encoding::utf8_percent_encode(&as_text, percent_encoding::NON_ALPHANUMERIC).to_string(),
            )),
        ]
        .into_iter()
        .flatten()
        {
            match catch_unwind(AssertUnwindSafe(|| decode_policy_value(&raw))) {
                Err(_) => outcome.panics.push(format!("{what}: decode_policy_value panicked")),
                Ok(Ok(document)) => decoded.push(document),
                Ok(Err(_)) => outcome.rejected += 1,
            }
        }
        if catch_unwind(AssertUnwindSafe(|| decode_policy_text(&as_text))).is_err() {
            outcome.panics.push(format!("{what}: decode_policy_text panicked"));
        }
        outcome.accepted += decoded.len();
        // A normalised document normalises to itself.
        for document in decoded {
            let again = normalise_document(&serde_json::to_value(&document).unwrap());
            if again.as_ref() != Ok(&document) {
                not_idempotent.push(format!("{what}: {document:?} then {again:?}"));
            }
        }
    }
    assert!(not_idempotent.is_empty(), "{}", not_idempotent.join("\n"));
    outcome.finish("policy documents", started);
}

/// Hostile YAML beyond mutations: deep flow and block nesting, an alias bomb, a huge scalar.
fn hostile_yaml(key: &str) -> Vec<String> {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..12 {
        let previous = format!("*a{}", level - 1);
        bomb.push_str(&format!("a{level}: &a{level} [{}]\n", vec![previous; 10].join(", ")));
    }
    vec![
        format!("{key}:\n  k: {}1{}\n", "[".repeat(60_000), "]".repeat(60_000)),
        format!(
            "{key}:\n{}",
            (0..200)
                .map(|d| format!("{}k{d}:\n", "  ".repeat(d + 1)))
                .collect::<String>()
        ),
        format!("{key}: {}", "- ".repeat(5_000)),
        bomb,
        format!("{key}:\n  k: \"{}\"\n", "y".repeat(200_000)),
        format!("{key}: !!binary AAAA\n"),
        "\u{feff}\0\u{1b}[31m: [\n".to_string(),
    ]
}

/// The parameter defaults a `posture.yaml` overrides.
fn params_defaults() -> serde_json::Map<String, Value> {
    match serde_json::from_slice(&std::fs::read(root().join("rules/data/params.json")).unwrap()).unwrap() {
        Value::Object(map) => map,
        other => panic!("params.json is {other}"),
    }
}

#[test]
fn config_reader_never_panics_and_names_the_file() {
    let defaults = params_defaults();
    // A seed that sets every parameter, so that mutations reach each type check.
    let dir = tempfile::tempdir().unwrap();
    let every = dir.path().join("every-param.yaml");
    std::fs::write(&every, yaml_serde::to_string(&json!({ "params": defaults })).unwrap()).unwrap();
    let every = every.to_str().unwrap().to_string();
    let check = |outcome: &mut Outcome, path: &Path, _bytes: &[u8], what: &str| {
        let config = outcome.read(&format!("{what}: Config::load"), path, || {
            posture::config::Config::load(path)
        });
        if let Some(config) = config {
            let mut params = defaults.clone();
            outcome.read(&format!("{what}: Config::apply"), path, || config.apply(&mut params));
        }
    };
    fuzz_files(
        "posture.yaml",
        &["fixtures/correlation/posture.yaml", &every],
        "yaml",
        check,
    );
    let mut outcome = Outcome::default();
    let started = std::time::Instant::now();
    for (n, text) in hostile_yaml("params").iter().enumerate() {
        let path = dir.path().join(format!("hostile-{n}.yaml"));
        std::fs::write(&path, text).unwrap();
        outcome.cases += 1;
        let read_started = std::time::Instant::now();
        outcome.read(&format!("hostile {n}"), &path, || posture::config::Config::load(&path));
        assert!(
            read_started.elapsed().as_secs() < 5,
            "hostile {n} took {:?}",
            read_started.elapsed()
        );
    }
    outcome.finish("posture.yaml hostile", started);
}

#[test]
fn suppression_reader_never_panics_and_names_the_file() {
    let check = |outcome: &mut Outcome, path: &Path, bytes: &[u8], what: &str| {
        outcome.read(&format!("{what}: SuppressionFile::load"), path, || {
            posture::suppress::SuppressionFile::load(path)
        });
        if let Ok(text) = std::str::from_utf8(bytes) {
            if text.len() < 100_000 {
                outcome.read(&format!("{what}: SuppressionFile::parse"), path, || {
                    posture::suppress::SuppressionFile::parse(path, text)
                });
            }
        }
    };
    fuzz_files(".posture-ignore.yaml", &["fixtures/golden/ignore.yaml"], "yaml", check);
    let dir = tempfile::tempdir().unwrap();
    let mut outcome = Outcome::default();
    let started = std::time::Instant::now();
    for (n, text) in hostile_yaml("suppressions").iter().enumerate() {
        let path = dir.path().join(format!("hostile-{n}.yaml"));
        std::fs::write(&path, text).unwrap();
        outcome.cases += 1;
        outcome.read(&format!("hostile {n}"), &path, || {
            posture::suppress::SuppressionFile::load(&path)
        });
    }
    outcome.finish(".posture-ignore.yaml hostile", started);
}

#[test]
fn report_reader_never_panics_and_names_the_file() {
    // A real report of the demo snapshot, from the binary, is the seed.
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    posture()
        .args([
            "scan",
            "--snapshot",
            "fixtures/demo/snapshot.json",
            "--no-ignores",
            "-f",
        ])
        .arg(format!("json={}", report.display()))
        .assert()
        .success();
    let seed = dir.path().join("seed");
    std::fs::create_dir(&seed).unwrap();
    std::fs::copy(&report, seed.join("report.json")).unwrap();
    let seed = seed.join("report.json");
    let check = |outcome: &mut Outcome, path: &Path, _bytes: &[u8], what: &str| {
        outcome.read(&format!("{what}: RecordedReport::load"), path, || {
            posture::report::v1::RecordedReport::load(path)
        });
    };
    fuzz_files("report", &[seed.to_str().unwrap()], "json", check);
}
