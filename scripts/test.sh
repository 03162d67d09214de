#!/usr/bin/env bash
# The full test suite, from a fresh clone: installs what is missing, then lint, type-check, unit
# tests of every package, and the end-to-end and fault tests against real Temporal, NATS and
# PostgreSQL. `npm test` runs this; so does CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything below runs on the pinned Node LTS (.node-version), installed into .tools when missing.
source scripts/ensure-node.sh
echo "Node $(node --version) at $(command -v node) (pinned in .node-version; ADR 0015)"
bash scripts/ensure-deps.sh
# The cluster topology's tools too: the cluster and deploy tests (tests/src/cluster) need them.
bash scripts/ensure-tools.sh cluster
bash scripts/ensure-chromium.sh
npx turbo run build lint typecheck --output-logs=errors-only
# The layering rules (.dependency-cruiser.cjs): no import cycles, a pure domain, routes → application
# → store and never back, no service reaching into another's files. A violation fails here.
npx depcruise packages services --config .dependency-cruiser.cjs
# The root scripts (start, demo) are type-checked and linted too.
npx tsc -p tsconfig.json
npx eslint scripts
# The lint rules of our own (the route-handler length in eslint.config.js), against their cases.
node --test scripts/lint/*.test.js
# Unit and route tests first; the end-to-end tests each start a whole platform, so they run alone.
npx turbo run test --filter='!@kundval/tests' --concurrency=2 --output-logs=full
npm run test --workspace @kundval/tests
# Each benchmark harness once, short (--quick: a smoke test, not numbers), so a schema change
# cannot break a benchmark silently (bench/README.md).
npm run smoke --workspace @kundval/bench
