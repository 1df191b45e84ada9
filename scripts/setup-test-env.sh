#!/usr/bin/env bash
# Installs what the tests need beyond Rust: a Python venv (.venv) with the pinned packages of
# scripts/requirements-dev.txt, and Debian packages listed in scripts/apt-packages.txt.
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
fi
