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
  command -v python3 >/dev/null 2>&1 || { echo "ensure-schemathesis: python3 is missing (Debian: apt-get install python3-venv)" >&2; exit 1; }
  echo "ensure-schemathesis: installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
  # A half-made venv (an interrupted install) is made again from scratch.
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2 || { rm -rf "$venv"; exit 1; }
fi
echo "$venv/bin/st"
