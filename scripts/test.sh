#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust tests (unit, CLI through the real binary,
# snapshot outputs, generated-file staleness) and every Rego rule test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-env.sh
export POSTURE_TEST_PYTHON="$PWD/.venv/bin/python"
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
# The Rego tests also run inside `cargo test`; this prints their own summary line.
cargo run --quiet --locked -- rules test
