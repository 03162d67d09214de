#!/usr/bin/env bash
# Drives a few complete journeys through the running platform's APIs (start it with npm start or npm run start:cluster;
# with both running, say which: npm run demo -- --local or -- --cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
exec npx tsx scripts/demo.ts "$@"
