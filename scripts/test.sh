#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust tests (unit, CLI through the real binary,
# snapshot outputs, generated-file staleness) and every Rego rule test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-env.sh
export POSTURE_TEST_PYTHON="$PWD/.venv/bin/python"

# A real AWS-compatible server for the live-collection tests: moto on a free loopback port,
# stopped by its PID when this script ends, however it ends.
port=$("$POSTURE_TEST_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >"${TMPDIR:-/tmp}/posture-moto-$port.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  "$POSTURE_TEST_PYTHON" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null && break
  sleep 0.1
done
export POSTURE_MOTO_ENDPOINT="http://127.0.0.1:$port"

# Generated files must match their generators.
"$POSTURE_TEST_PYTHON" scripts/gen_iam_catalog.py --check
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
# The core (snapshot, facts, rules, outputs) must build without the AWS SDK.
cargo check --locked --no-default-features --lib --bins
cargo test --locked
# The Rego tests also run inside `cargo test`; this prints their own summary line.
cargo run --quiet --locked -- rules test
