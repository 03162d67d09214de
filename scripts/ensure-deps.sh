#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than the lock file, then builds.
set -euo pipefail
cd "$(dirname "$0")/.."
# `npm install` rather than `npm ci`: the registry this project installs from does not carry every
# platform's optional package (turbo's darwin and windows binaries), so npm writes a lock file that
# `npm ci` then calls out of sync. `npm install` follows the same lock file and tolerates that.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm dependencies…"
  npm install --no-audit --no-fund
fi
