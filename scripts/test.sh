#!/usr/bin/env bash
# The full test suite, exactly as CI runs it (.ci/run calls this script).
# Installs what the tests need (redis-server from apt, livekit-server and the
# pulumi CLI built once and cached under ~/.cache/livekit-infra), then runs
# every Go test (scripts/gotest.sh): config model, mock-based stack tests,
# the real-LiveKit end-to-end tests and the real-Pulumi-engine tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-test-deps.sh

# install-test-deps.sh writes LIVEKIT_SERVER_BIN, REDIS_SERVER_BIN, PROMETHEUS_BIN,
# PROMTOOL_BIN, BLACKBOX_EXPORTER_BIN and STUNNEL_BIN here.
# shellcheck source=/dev/null
. "${LIVEKIT_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra}/env"
export LIVEKIT_SERVER_BIN REDIS_SERVER_BIN PROMETHEUS_BIN PROMTOOL_BIN BLACKBOX_EXPORTER_BIN STUNNEL_BIN

# shellcheck source=scripts/goenv.sh
. scripts/goenv.sh

# Compile the SDKs (and every other dependency) first, one package at a time
# on machines with less than 12 GiB (see LKINFRA_BUILD_P in goenv.sh); on a
# warm cache this is a no-op. Then every test: scripts/gotest.sh is go test
# (-count=1) without relinking the test binaries that have not changed; it
# links with the same -p, since two all-cloud links at once peak at 8 GB.
compile_deps ./...
bash scripts/gotest.sh ./...
