#!/usr/bin/env bash
# Builds the controller-runtime peer of kubediag's benchmarks into the kubediag cache and prints the
# binary's path on stdout. Cached: rebuilt only when a .go file, go.mod or go.sum changes.
# Env: KUBEDIAG_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubediag), as setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${KUBEDIAG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubediag}/bench-peers"
bin="$out_dir/controller-runtime-peer"
stamp="$bin.inputs-sha256"
log() { printf '[bench-peers] %s\n' "$*" >&2; }

inputs="$(cd "$here" && cat *.go go.mod go.sum | sha256sum | cut -d' ' -f1)"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
  echo "$bin"; exit 0
fi
command -v go >/dev/null || { log "go is not installed"; exit 1; }
mkdir -p "$out_dir"
log "building the controller-runtime peer into $bin (a few minutes cold)"
# Like setup.sh: the local toolchain only, modules from the proxy as go.sum pins them, no cgo.
(
  cd "$here"
  GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go build -p 2 -trimpath -ldflags "-s -w" -o "$bin.tmp" .
)
mv "$bin.tmp" "$bin"
echo "$inputs" > "$stamp"
echo "$bin"
