#!/usr/bin/env bash
# Builds one deployable into a folder that holds only what it runs: the built workspace packages
# it needs (dist/ and package.json) and their production dependencies, plus `entrypoint`.
# The container build (deploy/Dockerfile) runs exactly this script; so does a test in `npm test`
# (tests/src/cluster/container-build.test.ts), outside any container, so a broken step fails CI.
#
#   bash deploy/build-deployable.sh <decisions|orders|billing|workflows|worker> <output folder>
set -euo pipefail

deployable="${1:?usage: build-deployable.sh <deployable> <output folder>}"
out="${2:?usage: build-deployable.sh <deployable> <output folder>}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The deployables: which workspace package each is, and which of its files it runs.
case "$deployable" in
  decisions | orders | billing) package="@kundval/$deployable" entry="services/$deployable/dist/server.js" ;;
  workflows) package="@kundval/workflows" entry="services/workflows/dist/server.js" ;;
  worker) package="@kundval/workflows" entry="services/workflows/dist/worker.js" ;;
  *) echo "build-deployable: unknown deployable '$deployable' (decisions, orders, billing, workflows, worker)" >&2; exit 2 ;;
esac

[[ -e "$out" && -n "$(ls -A "$out" 2>/dev/null)" ]] && { echo "build-deployable: $out is not empty" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kundval-build-$deployable.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. Only the workspaces the package depends on, with a lockfile pruned to them.
cd "$repo_root"
npx turbo prune "$package" --out-dir "$work/pruned" >/dev/null
# The workspaces' TypeScript settings extend the root's, which turbo prune leaves behind.
cp tsconfig.base.json "$work/pruned/"
cd "$work/pruned"
# 2. Exactly the locked dependencies (the npm cache is used when it has them).
npm ci --prefer-offline --no-audit --no-fund --loglevel=error
# 3. Build the package and the workspaces it depends on.
npx turbo run build --filter="$package..." --output-logs=errors-only
# 4. Keep what runs: package manifests, dist/, and production dependencies only.
npm prune --omit=dev --no-audit --no-fund --loglevel=error
cp package.json package-lock.json "$out/"
for dir in packages/* services/*; do
  [[ -f "$dir/package.json" ]] || continue
  mkdir -p "$out/$dir"
  cp "$dir/package.json" "$out/$dir/"
  [[ -d "$dir/dist" ]] && cp -R "$dir/dist" "$out/$dir/dist"
done
cp -R node_modules "$out/node_modules"
# Links to workspaces that were development dependencies (infra) point at nothing now.
find "$out/node_modules" -xtype l -delete
[[ -f "$out/$entry" ]] || { echo "build-deployable: $entry was not built" >&2; exit 1; }
printf '#!/bin/sh\nexec node --enable-source-maps %s "$@"\n' "$entry" > "$out/entrypoint"
chmod +x "$out/entrypoint"
echo "build-deployable: $deployable ($package, $entry) in $out"
