#!/usr/bin/env bash
# Install what the end-to-end tests (tests/e2e) need on a fresh Debian machine
# that already has Go (see go.mod for the version). Idempotent: safe to re-run.
#
#   - redis-server (+ openssl) from apt, only if redis-server is missing.
#     Debian's package auto-starts a system redis on 127.0.0.1:6379; the tests
#     start their own TLS-only redis on random ports, so the system service is
#     stopped and disabled here.
#   - livekit-server, built with `go install` into a cache directory keyed by
#     version:  ${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra/bin/livekit-server-<version>/
#     (go install names the binary `server`; a `livekit-server` symlink is added).
#   - actionlint (tests/ci lints .github/workflows with it), built the same
#     way:  .../bin/actionlint-<version>/actionlint
#   - node (tests/ci runs the workflows' github-script code against a fake
#     API), from apt, only if node is missing.
#   - prometheus + promtool (Debian's prometheus package) and the blackbox
#     exporter (prometheus-blackbox-exporter), from apt, only if missing:
#     tests/observability runs promtool on the rendered rules and tests/e2e
#     runs real Prometheus servers against real LiveKit nodes. Like redis,
#     the packages' system services are stopped and disabled here.
#   - stunnel4, from apt, only if missing: tests/e2e's TURN tests put it in
#     front of LiveKit's TURN port as the NLB's TLS listener. The package
#     starts no tunnel until a config is placed in /etc/stunnel.
#
# Output contract (chosen: an env file, not stdout parsing):
#   The script writes  ${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra/env  containing
#     export LIVEKIT_SERVER_BIN=/abs/path/livekit-server
#     export REDIS_SERVER_BIN=/abs/path/redis-server
#     export ACTIONLINT_BIN=/abs/path/actionlint
#     export PROMETHEUS_BIN=/abs/path/prometheus
#     export PROMTOOL_BIN=/abs/path/promtool
#     export BLACKBOX_EXPORTER_BIN=/abs/path/prometheus-blackbox-exporter
#     export STUNNEL_BIN=/abs/path/stunnel4
#   .ci/run sources that file. The same lines are also printed at the end, so
#   `eval "$(bash scripts/install-test-deps.sh | grep '^export ')"` works too.
#
# Overrides: LIVEKIT_VERSION (default: components/livekit.Version),
#            ACTIONLINT_VERSION (default: the version tests/ci expects),
#            LIVEKIT_INFRA_CACHE (cache root).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The pinned release is components/livekit.Version (the tests check the binary
# reports it); v1.13.5 is the fallback if that file cannot be read.
pinned="$(sed -n 's/^const Version = "\(v[0-9][^"]*\)"$/\1/p' \
  "$REPO_ROOT/components/livekit/config.go" 2>/dev/null | head -n1 || true)"
LIVEKIT_VERSION="${LIVEKIT_VERSION:-${pinned:-v1.13.5}}"
CACHE_ROOT="${LIVEKIT_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra}"
BIN_DIR="$CACHE_ROOT/bin/livekit-server-$LIVEKIT_VERSION"
# tests/ci checks that the binary reports this version.
ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
ACTIONLINT_DIR="$CACHE_ROOT/bin/actionlint-$ACTIONLINT_VERSION"
ENV_FILE="$CACHE_ROOT/env"

log() { printf '[install-test-deps] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

# --- redis-server, openssl, node (apt) --------------------------------------
apt_pkgs=()
command -v redis-server >/dev/null 2>&1 || apt_pkgs+=(redis-server)
command -v openssl >/dev/null 2>&1 || apt_pkgs+=(openssl)
command -v node >/dev/null 2>&1 || apt_pkgs+=(nodejs)
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || apt_pkgs+=(prometheus)
command -v prometheus-blackbox-exporter >/dev/null 2>&1 || apt_pkgs+=(prometheus-blackbox-exporter)
command -v stunnel4 >/dev/null 2>&1 || apt_pkgs+=(stunnel4)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  log "installing ${apt_pkgs[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${apt_pkgs[@]}"
else
  log "redis-server, openssl, node, prometheus, the blackbox exporter and stunnel4 already installed"
fi

# The Debian packages start system services (redis on :6379, prometheus on
# :9090, the blackbox exporter on :9115); the tests start their own on
# loopback ports, so the system ones are stopped and disabled.
stop_system_service() {
  local svc="$1" pidfile="$2"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
  if command -v service >/dev/null 2>&1; then
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  fi
  if command -v update-rc.d >/dev/null 2>&1; then
    $SUDO update-rc.d "$svc" disable >/dev/null 2>&1 || true
  fi
  # Last resort for containers without an init system: stop whatever the
  # package started from its pid file (never a broad name match).
  if [ -n "$pidfile" ] && [ -f "$pidfile" ]; then
    local pid
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      $SUDO kill "$pid" 2>/dev/null || true
    fi
  fi
}
stop_system_service redis-server /run/redis/redis-server.pid
stop_system_service prometheus /run/prometheus/prometheus.pid
stop_system_service prometheus-blackbox-exporter /run/prometheus/prometheus-blackbox-exporter.pid

REDIS_SERVER_BIN="$(command -v redis-server)"
log "redis-server: $REDIS_SERVER_BIN ($("$REDIS_SERVER_BIN" --version | head -n1))"
PROMETHEUS_BIN="$(command -v prometheus)"
PROMTOOL_BIN="$(command -v promtool)"
BLACKBOX_EXPORTER_BIN="$(command -v prometheus-blackbox-exporter)"
log "prometheus: $PROMETHEUS_BIN ($("$PROMETHEUS_BIN" --version 2>&1 | head -n1))"
log "blackbox exporter: $BLACKBOX_EXPORTER_BIN ($("$BLACKBOX_EXPORTER_BIN" --version 2>&1 | head -n1))"
STUNNEL_BIN="$(command -v stunnel4)"
log "stunnel: $STUNNEL_BIN"

# go_install_cached NAME DIR PACKAGE@VERSION BINARY: `go install` into DIR
# (a directory keyed by version) unless DIR/BINARY is already there. Built
# outside any module so the repo's go.mod doesn't matter; -s -w keeps link
# memory down; DIR appears only once the build succeeded.
go_install_cached() {
  local name="$1" dir="$2" pkg="$3" bin="$4"
  if [ -x "$dir/$bin" ]; then
    log "$name already built in $dir"
    return
  fi
  command -v go >/dev/null 2>&1 || { log "go not found on PATH"; exit 1; }
  log "building $name into $dir"
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  (
    cd "$dir.tmp"
    GOBIN="$dir.tmp" GOFLAGS=-buildvcs=false GOWORK=off go install -trimpath -ldflags='-s -w' "$pkg"
  )
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
}

# --- livekit-server (takes a few CPU-minutes) --------------------------------
go_install_cached "livekit-server $LIVEKIT_VERSION" "$BIN_DIR" \
  "github.com/livekit/livekit-server/cmd/server@$LIVEKIT_VERSION" server
ln -sfn server "$BIN_DIR/livekit-server"
LIVEKIT_SERVER_BIN="$BIN_DIR/livekit-server"
log "livekit-server: $LIVEKIT_SERVER_BIN ($("$LIVEKIT_SERVER_BIN" --version 2>&1 | head -n1))"

# --- actionlint --------------------------------------------------------------
go_install_cached "actionlint $ACTIONLINT_VERSION" "$ACTIONLINT_DIR" \
  "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" actionlint
ACTIONLINT_BIN="$ACTIONLINT_DIR/actionlint"
log "actionlint: $ACTIONLINT_BIN ($("$ACTIONLINT_BIN" -version | head -n1))"

# --- env file ----------------------------------------------------------------
mkdir -p "$CACHE_ROOT"
tmp_env="$(mktemp "$CACHE_ROOT/env.XXXXXX")"
{
  echo "# written by scripts/install-test-deps.sh"
  printf 'export LIVEKIT_SERVER_BIN=%q\n' "$LIVEKIT_SERVER_BIN"
  printf 'export REDIS_SERVER_BIN=%q\n' "$REDIS_SERVER_BIN"
  printf 'export ACTIONLINT_BIN=%q\n' "$ACTIONLINT_BIN"
  printf 'export PROMETHEUS_BIN=%q\n' "$PROMETHEUS_BIN"
  printf 'export PROMTOOL_BIN=%q\n' "$PROMTOOL_BIN"
  printf 'export BLACKBOX_EXPORTER_BIN=%q\n' "$BLACKBOX_EXPORTER_BIN"
  printf 'export STUNNEL_BIN=%q\n' "$STUNNEL_BIN"
} >"$tmp_env"
mv "$tmp_env" "$ENV_FILE"
log "wrote $ENV_FILE"
bash "$REPO_ROOT/scripts/install-pulumi.sh" >/dev/null # builds the Pulumi CLI once; appends PULUMI_BIN to $ENV_FILE
grep '^export ' "$ENV_FILE"
