#!/usr/bin/env bash
# Starts the whole platform locally: Temporal dev server, nats-server, the four services, the
# worker and demo data. Data is kept in .data/local between runs. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything below runs on the pinned Node LTS (.node-version), installed into .tools when missing.
source scripts/ensure-node.sh
echo "Node $(node --version) at $(command -v node) (pinned in .node-version; ADR 0015)"
bash scripts/ensure-deps.sh
bash scripts/ensure-tools.sh
npx turbo run build --output-logs=errors-only
exec npx tsx scripts/start.ts
