#!/usr/bin/env bash
# Drives a few complete journeys through the running platform's APIs (start it with npm start).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
exec npx tsx scripts/demo.ts
