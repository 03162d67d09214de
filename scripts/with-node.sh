#!/usr/bin/env bash
# Runs a command on the project's pinned Node.js LTS (installing it when the machine's Node is of
# another major; see scripts/ensure-node.sh). The npm scripts that run code go through this, so
# `npm run build`, `npm run bench:…` and the rest run on the same Node as `npm start` and `npm test`.
#   bash scripts/with-node.sh <command> [args…]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-node.sh"
exec "$@"
