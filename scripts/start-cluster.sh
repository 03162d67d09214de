#!/usr/bin/env bash
# Starts the production topology on this machine (ADR 0025): PostgreSQL, the Temporal server and
# its Web UI, a three-node NATS JetStream cluster, two replicas of every service and two workers,
# with demo data. Data is kept in .data/cluster between runs. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
echo "Node $(node --version) at $(command -v node) (pinned in .node-version; ADR 0015)"
bash scripts/ensure-deps.sh
# The cluster's tools (Temporal server, schema tool, Web UI) are built on first use only.
bash scripts/ensure-tools.sh cluster
npx turbo run build --output-logs=errors-only
exec npx tsx scripts/start-cluster.ts
