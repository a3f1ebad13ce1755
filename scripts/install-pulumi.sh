#!/usr/bin/env bash
# Build the Pulumi CLI (the engine the tests/engine tests drive through the
# Automation API) from the Go module proxy, and cache it. Idempotent: skips
# the build when the binary is already there.
#
# Why a wrapper module: `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v`
# refuses modules with replace directives, and pkg/v3 has two: sdk/v3 => ../sdk
# (satisfied here by requiring sdk/v3 at the same version) and the clipboard
# fork, which the wrapper repeats. Cost: about 7 CPU-minutes, 2.2 GB peak,
# a 171 MB binary (see shared reference, "Go build cost").
#
# Output:
#   ${LIVEKIT_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra}/bin/pulumi-<version>/pulumi
#   and the line `export PULUMI_BIN=<that path>` in the same env file that
#   scripts/install-test-deps.sh writes (any older PULUMI_BIN line replaced).
#
# Overrides: PULUMI_VERSION (default v3.274.1, the sdk/v3 version in go.mod),
#            LIVEKIT_INFRA_CACHE (cache root).
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
CLIPBOARD_REPLACE="github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e"
CACHE_ROOT="${LIVEKIT_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra}"
BIN_DIR="$CACHE_ROOT/bin/pulumi-$PULUMI_VERSION"
ENV_FILE="$CACHE_ROOT/env"

log() { printf '[install-pulumi] %s\n' "$*" >&2; }

if [ -x "$BIN_DIR/pulumi" ]; then
  log "pulumi $PULUMI_VERSION already built in $BIN_DIR"
else
  command -v go >/dev/null 2>&1 || { log "go not found on PATH"; exit 1; }
  log "building pulumi $PULUMI_VERSION into $BIN_DIR (about 7 CPU-minutes, 2.2 GB peak)"
  work="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-cli-build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  (
    cd "$work"
    export GOWORK=off GOFLAGS=-buildvcs=false
    go mod init lkinfra.local/pulumi-cli >/dev/null 2>&1
    go mod edit \
      -require="github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
      -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
      -replace="github.com/atotto/clipboard=$CLIPBOARD_REPLACE"
    # A blank import makes `go mod tidy` resolve cmd/pulumi's whole graph
    # (and write go.sum) in this throwaway module.
    cat >tools.go <<'EOF'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF
    go mod tidy -e >/dev/null
    mkdir -p "$BIN_DIR.tmp"
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$BIN_DIR.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
  rm -rf "$BIN_DIR"
  mv "$BIN_DIR.tmp" "$BIN_DIR"
fi

PULUMI_BIN="$BIN_DIR/pulumi"
got="$("$PULUMI_BIN" version 2>/dev/null | head -n1 || true)"
if [ "$got" != "$PULUMI_VERSION" ]; then
  log "unexpected version from $PULUMI_BIN: got '$got', want $PULUMI_VERSION"
  exit 1
fi
log "pulumi: $PULUMI_BIN ($got)"

# Append to the env file install-test-deps.sh writes, replacing an older line.
mkdir -p "$CACHE_ROOT"
tmp_env="$(mktemp "$CACHE_ROOT/env.XXXXXX")"
if [ -f "$ENV_FILE" ]; then
  grep -v '^export PULUMI_BIN=' "$ENV_FILE" >"$tmp_env" || true
fi
printf 'export PULUMI_BIN=%q\n' "$PULUMI_BIN" >>"$tmp_env"
mv "$tmp_env" "$ENV_FILE"
log "wrote PULUMI_BIN to $ENV_FILE"
printf 'export PULUMI_BIN=%q\n' "$PULUMI_BIN"
