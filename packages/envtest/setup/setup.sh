#!/usr/bin/env bash
# Provides the real peers kubediag's tests run against, built once and cached by version:
#   kube-apiserver, kubectl (from k8s.io/kubernetes through a wrapper module), etcd (the version
#   Kubernetes pins), an OpenTelemetry Collector (collector builder), go tool pprof (ships with Go)
#   Prometheus 2 (Debian package) and Prometheus 3 (its scrape engine and API, from its module).
# Usage: setup.sh [--print-dir] [--no-apt] [--only control-plane|otelcol|parca|prometheus|apt]
#   --print-dir  prints the control-plane directory (the one the harness uses) and does nothing else
# Env:   KUBEDIAG_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubediag)
#        KUBEDIAG_ASSETS  existing kube-apiserver/etcd/kubectl directory: skips their build
#        KUBEBUILDER_ASSETS  the same, as controller-runtime's setup-envtest prints it; used (and the
#                         build skipped) when KUBEDIAG_ASSETS is unset and it holds all three
#        KUBEDIAG_K8S_VERSION, KUBEDIAG_OTELCOL_VERSION, KUBEDIAG_PROMETHEUS_VERSION  override the
#                         pinned versions
# Measured costs (cold/warm time, peak memory) are in ../README.md.
set -euo pipefail

K8S_VERSION="${KUBEDIAG_K8S_VERSION:-v1.35.4}"
# 0.163+ need go.opentelemetry.io/collector/internal/statusutil, which our module proxy mirror does not serve.
OTELCOL_VERSION="${KUBEDIAG_OTELCOL_VERSION:-0.162.0}"
CACHE_ROOT="${KUBEDIAG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubediag}"
ASSETS_DIR="$CACHE_ROOT/k8s-$K8S_VERSION"
OTELCOL_DIR="$CACHE_ROOT/otelcol-$OTELCOL_VERSION"
PARCA_VERSION="${KUBEDIAG_PARCA_VERSION:-0.28.0}"
PARCA_DIR="$CACHE_ROOT/parca-$PARCA_VERSION"
PROMETHEUS_VERSION="${KUBEDIAG_PROMETHEUS_VERSION:-3.16.0}"
PROMETHEUS_DIR="$CACHE_ROOT/prometheus-$PROMETHEUS_VERSION"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The control-plane directory, chosen as the harness's assetsDir() chooses it (src/peers.ts).
holds_control_plane() {
  local b; for b in kube-apiserver etcd kubectl; do [ -f "$1/$b" ] && [ -x "$1/$b" ] || return 1; done
}
if [ -n "${KUBEDIAG_ASSETS:-}" ]; then
  CONTROL_PLANE_DIR="$KUBEDIAG_ASSETS"; CONTROL_PLANE_FROM=KUBEDIAG_ASSETS
elif [ -n "${KUBEBUILDER_ASSETS:-}" ] && holds_control_plane "$KUBEBUILDER_ASSETS"; then
  CONTROL_PLANE_DIR="$KUBEBUILDER_ASSETS"; CONTROL_PLANE_FROM=KUBEBUILDER_ASSETS
else
  CONTROL_PLANE_DIR="$ASSETS_DIR"; CONTROL_PLANE_FROM=cache
fi

print_dir=0; use_apt=1; only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --print-dir) print_dir=1 ;;
    --no-apt) use_apt=0 ;;
    --only) only="$2"; shift ;;
    *) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$print_dir" = 1 ]; then echo "$CONTROL_PLANE_DIR"; exit 0; fi

log() { printf '[kubediag-setup] %s\n' "$*" >&2; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

build_control_plane() {
  if [ "$CONTROL_PLANE_FROM" = KUBEDIAG_ASSETS ]; then
    log "KUBEDIAG_ASSETS=$KUBEDIAG_ASSETS: using existing binaries"; return 0
  fi
  if [ "$CONTROL_PLANE_FROM" = KUBEBUILDER_ASSETS ]; then
    log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS holds kube-apiserver, etcd and kubectl: using them"; return 0
  fi
  if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
    log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks kube-apiserver, etcd or kubectl: using $ASSETS_DIR"
  fi
  if holds_control_plane "$ASSETS_DIR"; then
    log "control plane $K8S_VERSION cached in $ASSETS_DIR"; return 0
  fi
  local minor patch staging_version mod work etcd_version
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"; patch="$(echo "$K8S_VERSION" | cut -d. -f3)"
  staging_version="v0.$minor.$patch"
  work="$CACHE_ROOT/build/k8s-$K8S_VERSION"
  mkdir -p "$work" "$ASSETS_DIR"
  log "building kube-apiserver, kubectl and etcd $K8S_VERSION in $work (cold: tens of minutes)"
  mod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$mod" ] || { log "cannot download k8s.io/kubernetes@$K8S_VERSION from the Go module proxy"; exit 1; }
  etcd_version="$(grep -E '^\s+go.etcd.io/etcd/server/v3 ' "$mod" | awk '{print $2}')"
  {
    echo "module kubediag.local/control-plane"
    echo
    echo "go $(sed -n 's/^go \(.*\)/\1/p' "$mod")"
    echo
    grep '^godebug' "$mod" || true
    echo
    echo "require ("
    echo "	k8s.io/kubernetes $K8S_VERSION"
    echo "	go.etcd.io/etcd/server/v3 $etcd_version"
    echo ")"
    echo
    echo "replace ("
    # Every staging module k8s.io/kubernetes maps to ./staging/src is published as v0.<minor>.<patch>.
    grep -E '=> ./staging/src/' "$mod" | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$work/go.mod"
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  local date ldflags
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ldflags="-s -w -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  ldflags="$ldflags -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitTreeState=clean"
  ldflags="$ldflags -X k8s.io/component-base/version.gitCommit=0000000000000000000000000000000000000000 -X k8s.io/component-base/version.buildDate=$date"
  ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  (
    cd "$work"
    go mod download
    # -p 2: two cores; the linker of kube-apiserver peaks at a few GB.
    go build -p 2 -trimpath -ldflags "$ldflags" -o "$ASSETS_DIR/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
    go build -p 2 -trimpath -ldflags "$ldflags" -o "$ASSETS_DIR/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl
    go build -p 2 -trimpath -ldflags "-s -w" -o "$ASSETS_DIR/etcd.tmp" go.etcd.io/etcd/server/v3
  )
  for b in kube-apiserver kubectl etcd; do mv "$ASSETS_DIR/$b.tmp" "$ASSETS_DIR/$b"; done
  "$ASSETS_DIR/kube-apiserver" --version >&2
}

build_otelcol() {
  if [ -x "$OTELCOL_DIR/otelcol" ]; then log "otelcol $OTELCOL_VERSION cached in $OTELCOL_DIR"; return 0; fi
  local work="$CACHE_ROOT/build/otelcol-$OTELCOL_VERSION"
  mkdir -p "$work" "$OTELCOL_DIR"
  log "building the OpenTelemetry Collector $OTELCOL_VERSION"
  GOBIN="$work/bin" go install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
  sed -e "s/@VERSION@/$OTELCOL_VERSION/g" -e "s#@OUT@#$work/dist#" "$here/otelcol-builder.yaml" > "$work/builder.yaml"
  rm -rf "$work/dist"
  # The builder's `go mod tidy` also resolves the components' test-only dependencies (fileexporter's
  # tests import otlpencodingextension), whose zips the module proxy mirror does not serve. So let the
  # builder write the sources and go.mod, ignore its tidy failure, and build with -mod=mod, which
  # resolves only what the binary imports.
  (cd "$work" && GOFLAGS= "$work/bin/builder" --config "$work/builder.yaml" --skip-compilation) \
    || log "builder: go mod tidy failed (expected for test-only dependencies); building with -mod=mod"
  [ -f "$work/dist/go.mod" ] || { log "builder did not write $work/dist/go.mod"; exit 1; }
  (cd "$work/dist" && go build -p 2 -trimpath -ldflags "-s -w" -o "$OTELCOL_DIR/otelcol.tmp" .)
  mv "$OTELCOL_DIR/otelcol.tmp" "$OTELCOL_DIR/otelcol"
  "$OTELCOL_DIR/otelcol" components >/dev/null && log "otelcol $OTELCOL_VERSION built in $OTELCOL_DIR"
}

install_apt() {
  [ "$use_apt" = 1 ] || return 0
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then return 0; fi
  log "installing Prometheus from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends prometheus >&2
  # The package starts a service on :9090 where an init system exists; tests run their own.
  (service prometheus stop || systemctl stop prometheus || true) >/dev/null 2>&1
}

build_parca() {
  if [ -x "$PARCA_DIR/parca" ]; then log "parca $PARCA_VERSION cached in $PARCA_DIR"; return 0; fi
  # `go install ...@v$PARCA_VERSION` needs the proxy's version list, which our mirror refuses; the
  # module itself downloads fine, so build it from a writable copy of the module.
  local src work="$CACHE_ROOT/build/parca-$PARCA_VERSION"
  log "building Parca $PARCA_VERSION (continuous profiler that scrapes /debug/pprof)"
  src="$(go mod download -json "github.com/parca-dev/parca@v$PARCA_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -d "$src" ] || { log "cannot download github.com/parca-dev/parca@v$PARCA_VERSION"; return 1; }
  rm -rf "$work" && mkdir -p "$work" "$PARCA_DIR" && cp -r "$src/." "$work/" && chmod -R u+w "$work"
  (cd "$work" && go build -p 2 -trimpath -ldflags "-s -w" -o "$PARCA_DIR/parca.tmp" ./cmd/parca)
  mv "$PARCA_DIR/parca.tmp" "$PARCA_DIR/parca"
  rm -rf "$work"
}

build_prometheus() {
  if [ -x "$PROMETHEUS_DIR/prometheus" ]; then log "prometheus $PROMETHEUS_VERSION cached in $PROMETHEUS_DIR"; return 0; fi
  # Prometheus 3.x is published as the Go module version v0.3XX.Y (3.16.0 = v0.316.0). As for Parca,
  # the mirror refuses `go install`'s version list, so build from a writable copy of the module, with
  # its own go.sum. 3.16 has no replace directive left (3.14 still had one for cloud.google.com/go).
  local major minor patch src work="$CACHE_ROOT/build/prometheus-$PROMETHEUS_VERSION"
  IFS=. read -r major minor patch <<<"$PROMETHEUS_VERSION"
  [ "$major" = 3 ] || { log "KUBEDIAG_PROMETHEUS_VERSION: expected 3.x.y, got $PROMETHEUS_VERSION"; return 1; }
  local module_version
  module_version="v0.$(printf '%d%02d' "$major" "$minor").$patch"
  log "building Prometheus $PROMETHEUS_VERSION ($module_version): scrape engine and API, no service discovery but file/http, no web UI"
  src="$(go mod download -json "github.com/prometheus/prometheus@$module_version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -d "$src" ] || { log "cannot download github.com/prometheus/prometheus@$module_version"; return 1; }
  rm -rf "$work" && mkdir -p "$work" "$PROMETHEUS_DIR" && cp -r "$src/." "$work/" && chmod -R u+w "$work"
  # remove_all_sd drops every service-discovery plugin but file and http (the cloud SDKs and client-go
  # are most of the build); without the builtinassets tag the web UI is a placeholder and the API works.
  local pkg=github.com/prometheus/common/version
  local ldflags="-s -w -X $pkg.Version=$PROMETHEUS_VERSION -X $pkg.Branch=HEAD -X $pkg.Revision=$module_version"
  # Its go.work (for its own tools) is not wanted here: build the one module.
  (cd "$work" && GOWORK=off go build -p 2 -trimpath -tags remove_all_sd -ldflags "$ldflags" \
    -o "$PROMETHEUS_DIR/prometheus.tmp" ./cmd/prometheus)
  mv "$PROMETHEUS_DIR/prometheus.tmp" "$PROMETHEUS_DIR/prometheus"
  rm -rf "$work"
  "$PROMETHEUS_DIR/prometheus" --version 2>&1 | head -1 >&2
}

case "$only" in
  control-plane) build_control_plane ;;
  otelcol) build_otelcol ;;
  parca) build_parca ;;
  prometheus) build_prometheus ;;
  apt) install_apt ;;
  "") install_apt; build_control_plane; build_otelcol; build_parca; build_prometheus ;;
  *) echo "setup.sh: --only takes control-plane, otelcol, parca, prometheus or apt" >&2; exit 2 ;;
esac
command -v go >/dev/null && log "go tool pprof: $(go version)"
log "ready: control plane in $CONTROL_PLANE_DIR, otelcol in $OTELCOL_DIR, parca in $PARCA_DIR, prometheus in $PROMETHEUS_DIR"
