#!/usr/bin/env bash
# Every benchmark harness once with --quick (short runs, not for numbers), so that a schema or API
# change that breaks a harness fails `npm test` instead of being found at the next measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
for bench in billing events http journeys; do
  echo "bench smoke: $bench --quick"
  npm run "bench:$bench" -- --quick
done
