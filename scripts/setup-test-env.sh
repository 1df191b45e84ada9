#!/usr/bin/env bash
# Installs what the tests need beyond Rust: a Python venv (.venv) with the pinned packages of
# scripts/requirements-dev.txt, Debian packages listed in scripts/apt-packages.txt, and the
# official SARIF 2.1.0 JSON Schema (from a pinned npm package, checked by its hash).
# OCSF: py-ocsf-models validates the 1.3 output, pydantic-ocsf (models built from the OCSF
# 1.6.0 schema it ships) the 1.6 output with its IAM Analysis Finding class.
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -s scripts/apt-packages.txt ]; then
  missing=()
  while read -r package binary; do
    [ -n "$package" ] && [ "${package:0:1}" != "#" ] || continue
    command -v "${binary:-$package}" >/dev/null 2>&1 || missing+=("$package")
  done <scripts/apt-packages.txt
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
fi
if [ -s scripts/requirements-dev.txt ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  stamp=.venv/.requirements-installed
  if ! cmp -s scripts/requirements-dev.txt "$stamp"; then
    .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-dev.txt >&2
    cp scripts/requirements-dev.txt "$stamp"
  fi
  # The OCSF 1.6 validator must carry the class the output uses (2008, new in 1.6).
  .venv/bin/python -c 'from ocsf.v1_6_0.events import IamAnalysisFinding' \
    || { echo "pydantic-ocsf lacks OCSF 1.6.0 IAM Analysis Finding" >&2; exit 1; }
fi
# The SARIF 2.1.0 (rtm.5) schema ships in Microsoft's jest-sarif package; PyPI has no package
# that carries it. Pinned by version and by the file's SHA-256.
sarif_schema=.venv/share/sarif/sarif-2.1.0-rtm.5.json
sarif_sha256=2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8
if ! echo "$sarif_sha256  $sarif_schema" | sha256sum -c --status 2>/dev/null; then
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
  tar xzf "$work"/microsoft-jest-sarif-1.0.0-beta.0.tgz -C "$work" package/lib/schemas/sarif-2.1.0-rtm.5.json
  echo "$sarif_sha256  $work/package/lib/schemas/sarif-2.1.0-rtm.5.json" | sha256sum -c --status
  mkdir -p "$(dirname "$sarif_schema")"
  cp "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$sarif_schema"
  rm -rf "$work"
fi
