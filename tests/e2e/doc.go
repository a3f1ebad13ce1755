// Package e2e holds end-to-end tests that boot real LiveKit server nodes
// (the pinned release, components/livekit.Version) against a real, TLS-only,
// password-protected redis-server, using configs rendered by
// components/livekit.Render.
//
// Prerequisites: run scripts/install-test-deps.sh once. It installs
// redis-server and builds livekit-server into
// $HOME/.cache/livekit-infra/bin/livekit-server-<version>/, and writes
// $HOME/.cache/livekit-infra/env with LIVEKIT_SERVER_BIN and REDIS_SERVER_BIN.
// Without the binaries the tests skip, except when CI=true, where they fail.
//
//	bash scripts/install-test-deps.sh
//	. ~/.cache/livekit-infra/env
//	go test -count=1 -v ./tests/e2e/
//
// All servers listen on 127.0.0.1 only, on ports chosen at run time, and are
// stopped by PID when the test ends.
package e2e
