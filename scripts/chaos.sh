#!/usr/bin/env bash
# The chaos run: N concurrent journeys (default 100) on a platform of its own, on loopback, while
# components are killed with SIGKILL and command answers are lost, all drawn from one printed seed;
# then every journey is checked against billing's, orders' and decisions' records. Exits non-zero on
# any violation. `npm run chaos -- --journeys 20 --seed 42` repeats a run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
bash scripts/ensure-deps.sh
bash scripts/ensure-tools.sh
npx turbo run build --output-logs=errors-only
exec npx tsx scripts/chaos.ts "$@"
