// Package e2e holds end-to-end tests that boot real LiveKit server nodes
// (the pinned release, components/livekit.Version) against a real, TLS-only,
// password-protected redis-server, using the configs the program itself
// renders for each region stack.
//
// For every row of regionStacks (regions_test.go) the tests evaluate the real
// stack program with its committed Pulumi.<stack>.yaml under the offline plan
// harness (internal/plan), take the rendered LiveKit config from the plan (a
// Secrets Manager secret on AWS; a Kubernetes Secret on GKE/AKS/EKS; a
// container group's secret volume on Azure Container Instances), and apply
// only loopback overrides (bind address, node IP, ports, Redis address, CA
// file). A diff of the two documents must touch nothing else. The test Redis
// uses the program's Redis credentials, the SDK clients the program's API
// keys, and every health check the plans declare is sent to the real nodes:
// the region's own (ALB target group and ECS container check on AWS, GKE
// HealthCheckPolicy, pod probes from the LiveKit workload's Deployment
// transform on GKE/AKS) and the global stack's Route 53 check on the region,
// evaluated with the region plan's outputs behind its StackReference.
// Rows: aws-prod, aws-eks, gcp-eu, azure-asia, azure-aci. The azure-aci row
// boots group 0's config in single-port UDP mode (rtc.udp_port, the mux
// bound to 127.0.0.1 only); TestACIGroupConfigsBootLiveKit (aci_test.go)
// boots every container group's config in turn and joins a participant
// whose ICE LiveKit reports connected over UDP on that group's mux port,
// and checks the groups differ only in their ports. ACI regions get no
// token-server secret (there is no cluster to run the token server in) and
// are not in the committed global stack, so the row has neither check.
//
// TestFailover (failover_test.go) boots the three regions side by side and
// walks Europe's failover chain with a real participant (server-sdk-go:
// signaling and ICE on loopback) and one token signed with the key set all
// regions share: the global stack's Route 53 records and health checks,
// from its offline plan with the regions' plans behind its StackReferences,
// are evaluated by the Route 53 model of tests/internal/route53 whose
// health checks are real HTTP probes of the nodes, with Route 53's timing
// divided by failoverScale. The first region dies, the answer moves, the
// client reconnects in the next region; with every region down the answer
// fails open to the first; the first region comes back. It logs the
// measured failover beside worstCaseFailoverSeconds and writes it as JSON
// to $LKINFRA_FAILOVER_REPORT (scripts/bench.sh).
//
// TestCentralPrometheusSeesEveryRegion (observability_test.go) boots one node
// per region stack with a regional Prometheus (the scrape jobs, external
// labels and alert rules components/observability renders for that stack;
// only the targets are loopback addresses), the blackbox exporter probing
// GET /, each remote-writing (the rendered remote_write, its URL on
// loopback) to a central Prometheus receiving remote writes. LiveKit's
// series must arrive centrally labelled by stack, cloud and region, a
// non-LiveKit job must stay regional, and stopping one region's Redis must
// fire its 406 and no-healthy-node alerts only.
//
// TestTURNTLSRelay (turn_test.go) boots a node with aws-prod's rendered
// TURN/TLS config behind stunnel (the NLB's TLS listener) and relays data
// through it with a real TURN client (pion/turn) and the credentials of
// LiveKit's join response. TestTURNRelayOnlyParticipant (relayonly_test.go)
// runs a relay-only publisher and subscriber in a child process without UDP
// (a seccomp filter), their only path the turns: server on stunnel at :443
// (so it needs root or CAP_NET_BIND_SERVICE), and checks the track's RTP
// arrives over relay candidates reached over TLS.
//
// Prerequisites: run scripts/install-test-deps.sh once. It installs
// redis-server and builds livekit-server into
// $HOME/.cache/livekit-infra/bin/livekit-server-<version>/, and writes
// $HOME/.cache/livekit-infra/env with LIVEKIT_SERVER_BIN, REDIS_SERVER_BIN,
// PROMETHEUS_BIN and BLACKBOX_EXPORTER_BIN (Debian's prometheus packages)
// and STUNNEL_BIN (Debian's stunnel4).
// Without the binaries the boot test skips, except when CI=true, where it
// fails. The plan checks (TestRegionPlans, TestShortAPISecretIsAConfigError)
// need no binaries.
//
//	bash scripts/install-test-deps.sh
//	. ~/.cache/livekit-infra/env
//	go test -count=1 -v ./tests/e2e/
//
// All servers listen on 127.0.0.1 (LiveKit's ICE/TCP listener binds every
// interface; LiveKit has no setting for it), on ports chosen at run time, and
// are stopped by PID when the test ends.
package e2e
