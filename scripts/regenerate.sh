#!/usr/bin/env bash
# Regenerates the checked-in generated files; CI fails when they are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet -- schema -o docs/snapshot.schema.json
echo "regenerated docs/snapshot.schema.json"
cargo run --quiet -- schema --kind report -o docs/report-v1.schema.json
echo "regenerated docs/report-v1.schema.json"
cargo run --quiet -- schema --kind facts -o docs/facts.schema.json
echo "regenerated docs/facts.schema.json"
cargo run --quiet -- rules docs -o docs/rules.md
echo "regenerated docs/rules.md"
