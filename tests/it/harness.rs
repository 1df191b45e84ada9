//! The harness every test module uses: the binaries, run from the repository root with a clean
//! environment, and small helpers for temporary files and JSON output.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `posture` binary, in the repository root, with no colour or log settings inherited.
pub fn posture() -> Command {
    let mut command = Command::cargo_bin("posture").expect("binary builds");
    command
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("POSTURE_LOG");
    command
}

/// The developer tools binary (`posture-dev synth`).
pub fn posture_dev() -> Command {
    let mut command = Command::cargo_bin("posture-dev").expect("posture-dev builds");
    command.current_dir(root());
    command
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, text).expect("write");
    path
}

/// Runs posture and parses its stdout as JSON.
pub fn json_of(args: &[&str]) -> Value {
    let output = posture().args(args).output().expect("runs");
    assert!(output.status.code().is_some(), "killed by a signal");
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// Runs a command that must succeed (exit 0); its stderr is the failure message otherwise.
pub fn succeeds(command: &mut Command) -> std::process::Output {
    let output = command.output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn read_json(path: PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
