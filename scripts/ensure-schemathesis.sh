#!/usr/bin/env bash
# Installs schemathesis (PyPI, pinned) into a virtual environment under the tools folder and prints
# the path of its `st` command. The API fuzzing test (tests/src/security/schemathesis.test.ts) runs it
# against every service's OpenAPI document. Idempotent: an installed venv of the pinned version is reused.
# Set KUNDVAL_TOOLS_DIR to use another cache folder than <repo>/.tools.
set -euo pipefail

readonly SCHEMATHESIS_VERSION="4.32.5"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${KUNDVAL_TOOLS_DIR:-$repo_root/.tools}"
venv="$tools_dir/schemathesis-$SCHEMATHESIS_VERSION"

if [[ ! -x "$venv/bin/st" ]]; then
  # Debian's python3 makes no venv without python3-venv: install it as the other system packages are.
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "ensure-schemathesis: installing python3-venv (Debian)" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2 || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2; }
    else
      echo "ensure-schemathesis: python3 with venv is missing (Debian: apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
  echo "ensure-schemathesis: installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
  # A half-made venv (an interrupted install) is made again from scratch.
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2 || { rm -rf "$venv"; exit 1; }
fi
echo "$venv/bin/st"
