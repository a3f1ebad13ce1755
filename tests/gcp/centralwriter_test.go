package gcp_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/agentcheck"
)

// gcp-eu's writer to the central metrics view (#18): GMP cannot write out,
// so the region exports its cluster's OIDC issuer and the metrics agent's
// service account, and with the central keys runs the agent.
func TestCentralMetricsWriter(t *testing.T) {
	base := stackPlan(t)
	cluster := only(t, base, "gcp:container/cluster:Cluster")
	// GKE serves the cluster's OIDC discovery document under this prefix
	// (REST reference: projects.locations.clusters.well-known), so it is the
	// issuer of its service account tokens.
	issuer := "https://container.googleapis.com/v1/projects/my-livekit-project/locations/europe-west1/clusters/" + cluster.Name
	agentcheck.Writer(t, base, "gcp-eu", issuer)
	agentcheck.NoAgent(t, base)

	p := euStack.Variant(t, "central", agentcheck.Keys)
	agentcheck.Writer(t, p, "gcp-eu", issuer)
	agentcheck.Agent(t, p, "gcp-eu", gcpMirror)
}
