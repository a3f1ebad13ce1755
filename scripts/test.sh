#!/usr/bin/env bash
# The full test suite, exactly as CI runs it (.ci/run calls this script).
# Installs what the tests need (redis-server from apt, livekit-server built
# once and cached under ~/.cache/livekit-infra), then runs every Go test:
# config model, mock-based stack tests, and the real-LiveKit end-to-end test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-test-deps.sh

# install-test-deps.sh writes LIVEKIT_SERVER_BIN and REDIS_SERVER_BIN here.
# shellcheck source=/dev/null
. "${LIVEKIT_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra}/env"
export LIVEKIT_SERVER_BIN REDIS_SERVER_BIN

# Stripping DWARF from test binaries cuts link time and memory (Pulumi SDK
# binaries are large); tests need no debugger.
go test -count=1 -ldflags='-s -w' ./...
