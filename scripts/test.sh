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
"$POSTURE_TEST_PYTHON" scripts/gen_service_regions.py --check
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
# The core (snapshot, facts, rules, outputs) must build without the AWS SDK.
cargo check --locked --no-default-features --lib --bins
# With the environment up, the external tests run too; none may be ignored, and each of them
# must be seen passing (a test that silently did not run fails the suite).
log="${TMPDIR:-/tmp}/posture-cargo-test-$$.log"
cargo test --locked --features external-tests 2>&1 | tee "$log"
if grep -E "^test result: .* [1-9][0-9]* ignored" "$log"; then
  echo "some tests were ignored: every test must run in the full suite" >&2
  exit 1
fi
# The first `fn` after each gate (rustfmt may spread the attribute over several lines).
expected=$(awk '/feature = "external-tests"/ { gated = 1 }
  gated && /^[[:space:]]*(async[[:space:]]+)?fn [a-z0-9_]+/ {
    match($0, /fn [a-z0-9_]+/); print substr($0, RSTART + 3, RLENGTH - 3); gated = 0 }' tests/it/*.rs | sort -u)
if [ -z "$expected" ]; then
  echo "no external tests found in tests/it: the gate's pattern no longer matches" >&2
  exit 1
fi
missing=0
for name in $expected; do
  grep -qE "^test [a-z_]+::$name \.\.\. ok$" "$log" || { echo "external test $name did not pass" >&2; missing=1; }
done
[ "$missing" -eq 0 ] || exit 1
echo "external tests: $(echo "$expected" | wc -w) passed"
rm -f "$log"
# The Rego tests also run inside `cargo test`; this prints their own summary line. The binary
# `cargo test` built is used: `cargo run` has other features (no dev-dependencies) and would
# compile the AWS SDK a second time.
"${CARGO_TARGET_DIR:-target}/debug/posture" rules test
