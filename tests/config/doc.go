// Package config tests the configuration model and the LiveKit config it
// renders:
//
//   - internal/stackconfig: every kind of bad value is reported with its full key,
//     the value and what is allowed, all problems together; the committed
//     stack files parse with the documented defaults; secure: values stay
//     secret (settings_test.go, fuzz_test.go).
//   - Pulumi.yaml's config block agrees with stackconfig.Keys; regenerate it after
//     adding keys with `go test ./tests/config -run TestPulumiYAML -update`
//     (pulumiyaml_test.go).
//   - components/livekit.Render output, including the real config of every
//     regional stack, is accepted by LiveKit's own strict parser
//     (github.com/livekit/livekit-server/pkg/config at livekit.Version)
//     (livekit_test.go).
//
// The fuzz targets (FuzzParse, FuzzMediaPorts) run their seed corpus in
// a plain `go test`; to fuzz:
//
//	go test ./tests/config -run '^$' -fuzz FuzzParse -fuzztime 60s
//
// The first -fuzz build instruments every dependency of this package
// (including the AWS SDK and livekit-server), which takes a while.
//
// The tests are offline: no credentials, no network (LiveKit's parser is run
// with use_external_ip off, which would otherwise do a STUN lookup).
package config
