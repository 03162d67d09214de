#!/usr/bin/env bash
# Makes sure the real components Kundval runs against are installed:
#   - temporal     (Temporal CLI dev server)  pinned to v1.5.1
#   - nats-server  (with JetStream)            pinned to v2.10.22
#   - PostgreSQL   (initdb/postgres binaries) from Debian's package
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
readonly NATS_VERSION="v2.10.22"

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

# ensure_go_tool <binary name> <module path> <version>
ensure_go_tool() {
  local name="$1" module="$2" version="$3"
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
  # go install refuses to overwrite a file it does not recognise as a Go binary.
  rm -f "$tools_bin/$name"
  GOBIN="$tools_bin" go install "$module@$version"
  has_version "$tools_bin/$name" "$version" || die "$tools_bin/$name does not report $version after installing."
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

ensure_go_tool temporal "$TEMPORAL_MODULE" "$TEMPORAL_VERSION"
ensure_go_tool nats-server "$NATS_MODULE" "$NATS_VERSION"
ensure_postgres
