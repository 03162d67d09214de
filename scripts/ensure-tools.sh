#!/usr/bin/env bash
# Makes sure the real components Kundval runs against are installed:
#   - temporal     (Temporal CLI dev server)  pinned to v1.5.1
#   - nats-server  (with JetStream)            pinned to v2.12.15 (priority groups need 2.11+; ADR 0041)
#   - PostgreSQL   (initdb/postgres binaries) from Debian's package
# and, only with the argument `cluster` (npm run start:cluster, the cluster and deploy tests), the
# production topology's tools (ADR 0025), which `npm start` does not need and which take minutes to build:
#   - temporal-server      (Temporal server)                  pinned to v1.29.1
#   - temporal-sql-tool    (its SQL schema tool)              the same module version; the PostgreSQL
#                          schema files are copied beside it, into share/temporal-server-<version>/
#   - temporal-ui-server   (Temporal Web UI)                  pinned to v2.42.1
#   - helm                                                    pinned to v3.19.0
#
# Go binaries come from the Go module proxy and are cached in .tools/bin (git-ignored);
# a binary already on PATH is used as is. Idempotent: when everything is present it prints
# nothing and exits quickly; otherwise it prints one line per thing it installs.
# Set KUNDVAL_TOOLS_DIR to use another cache folder than <repo>/.tools (binaries go in its bin/).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${KUNDVAL_TOOLS_DIR:-$repo_root/.tools}"
tools_bin="$tools_dir/bin"

readonly TEMPORAL_MODULE="github.com/temporalio/cli/cmd/temporal"
readonly TEMPORAL_VERSION="v1.5.1" # later tags no longer build with `go install`
readonly NATS_MODULE="github.com/nats-io/nats-server/v2"
readonly NATS_VERSION="v2.12.15"
readonly TEMPORAL_SERVER_MODULE="go.temporal.io/server"
readonly TEMPORAL_SERVER_VERSION="v1.29.1"
readonly TEMPORAL_UI_MODULE="github.com/temporalio/ui-server/v2"
readonly TEMPORAL_UI_VERSION="v2.42.1"
readonly HELM_MODULE="helm.sh/helm/v3"
readonly HELM_VERSION="v3.19.0"

die() {
  echo "ensure-tools: $*" >&2
  exit 1
}

# True when the binary at $1 was built from module version $2.
# `go install` builds report "0.0.0-DEV" from `temporal --version` (the release version is
# stamped only by the release pipeline), so the module version embedded in the binary is the
# reliable source; `--version` is the fallback for release binaries or when Go is absent.
has_version() {
  local binary="$1" version="$2"
  [[ -x "$binary" ]] || return 1
  if command -v go >/dev/null 2>&1 && go version -m "$binary" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]].*[[:space:]]${version}([[:space:]]|$)"; then
    return 0
  fi
  "$binary" --version 2>/dev/null | grep -Fq "${version#v}"
}

# ensure_go_tool <binary name> <package path> <version> [name go install gives the binary]
# The cluster tools build binaries called `server` or `sql`; they are installed under a name of their own.
ensure_go_tool() {
  local name="$1" package="$2" version="$3" built="${4:-}"
  # Without a name given, go install's: the package path's last element, a major-version suffix (/v2) skipped.
  [[ -n "$built" ]] || built="$(basename "$(sed -E 's#/v[0-9]+$##' <<<"$package")")"
  # .tools/bin wins over PATH (that is also the order the TypeScript launchers use), so a stale
  # cached binary must be replaced even when PATH has one.
  if [[ -e "$tools_bin/$name" ]]; then
    has_version "$tools_bin/$name" "$version" && return 0
    # Without Go the embedded module version cannot be read, nor could we rebuild: keep the cached binary.
    command -v go >/dev/null 2>&1 || return 0
  elif command -v "$name" >/dev/null 2>&1; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "$name is missing and Go is not installed to build it; install Go or put $name $version on PATH."
  echo "ensure-tools: installing $name $version into $tools_bin"
  mkdir -p "$tools_bin"
  # Built into a folder of its own, then moved: go install refuses to overwrite a file it does not
  # recognise as a Go binary, and two tools that both build a `server` must not meet.
  local build_dir
  build_dir="$(mktemp -d "$tools_dir/.build-$name.XXXXXX")"
  GOBIN="$build_dir" go install "$package@$version" || { rm -rf "$build_dir"; die "building $name failed."; }
  mv -f "$build_dir/$built" "$tools_bin/$name" || { rm -rf "$build_dir"; die "go install built no '$built' for $name."; }
  rm -rf "$build_dir"
  has_version "$tools_bin/$name" "$version" || die "$tools_bin/$name does not report $version after installing."
}

# The Temporal server's PostgreSQL schemas (persistence and visibility, with their versioned
# updates) ship in its Go module; the schema tool reads them from a copy beside the binaries, so
# the launcher does not depend on Go's module cache being kept.
ensure_temporal_schema() {
  local target="$tools_dir/share/temporal-server-$TEMPORAL_SERVER_VERSION/schema/postgresql"
  [[ -d "$target/v12/temporal/versioned" && -d "$target/v12/visibility/versioned" ]] && return 0
  command -v go >/dev/null 2>&1 || die "the Temporal schema files are missing and Go is not installed to fetch them."
  echo "ensure-tools: copying Temporal $TEMPORAL_SERVER_VERSION PostgreSQL schemas into $target"
  local module_dir
  module_dir="$(cd "$tools_dir" && go mod download -json "$TEMPORAL_SERVER_MODULE@$TEMPORAL_SERVER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$module_dir/schema/postgresql" ]] || die "no schema/postgresql in $TEMPORAL_SERVER_MODULE@$TEMPORAL_SERVER_VERSION (looked in '$module_dir')."
  mkdir -p "$(dirname "$target")"
  rm -rf "$target"
  cp -R "$module_dir/schema/postgresql" "$target"
  chmod -R u+w "$target"
}

# Debian installs PostgreSQL under /usr/lib/postgresql/<major>/bin, outside PATH.
has_postgres() {
  if command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then
    return 0
  fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/postgres" ]] && return 0
  done
  return 1
}

ensure_postgres() {
  has_postgres && return 0
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "PostgreSQL is missing; install the Debian package 'postgresql' as root."
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is missing and apt-get is not available; install PostgreSQL (initdb, postgres) yourself."
  echo "ensure-tools: installing PostgreSQL (Debian package postgresql)"
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  has_postgres || die "PostgreSQL was installed but initdb/postgres are still not found."
}

want_cluster=false
for arg in "$@"; do
  case "$arg" in
    cluster) want_cluster=true ;;
    *) die "unknown argument '$arg' (the only one is 'cluster')." ;;
  esac
done

mkdir -p "$tools_dir"
ensure_go_tool temporal "$TEMPORAL_MODULE" "$TEMPORAL_VERSION"
ensure_go_tool nats-server "$NATS_MODULE" "$NATS_VERSION"
ensure_postgres
if [[ "$want_cluster" == true ]]; then
  ensure_go_tool temporal-server "$TEMPORAL_SERVER_MODULE/cmd/server" "$TEMPORAL_SERVER_VERSION" server
  ensure_go_tool temporal-sql-tool "$TEMPORAL_SERVER_MODULE/cmd/tools/sql" "$TEMPORAL_SERVER_VERSION" sql
  ensure_temporal_schema
  ensure_go_tool temporal-ui-server "$TEMPORAL_UI_MODULE/cmd/server" "$TEMPORAL_UI_VERSION" server
  ensure_go_tool helm "$HELM_MODULE/cmd/helm" "$HELM_VERSION" helm
fi
