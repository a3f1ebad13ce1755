package azure_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/agentcheck"
)

func init() {
	variants["central"] = variant{Set: agentcheck.Keys}
}

// azure-asia's writer to the central metrics view (#18): Azure Monitor's
// managed Prometheus cannot write out, so the region exports its AKS OIDC
// issuer and the metrics agent's service account, and with the central
// keys runs the agent.
func TestCentralMetricsWriter(t *testing.T) {
	base := asia(t)
	// The issuer cert-manager's Route 53 identity already trusts: the AKS
	// cluster's (oidcIssuerProfile.issuerURL).
	issuer := str(t, one(t, base, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "livekit-aks-oidc"), "url")
	if !strings.HasPrefix(issuer, "https://southeastasia.oic.prod-aks.azure.com/") {
		t.Fatalf("AKS issuer %q", issuer)
	}
	agentcheck.Writer(t, base, "azure-asia", issuer)
	agentcheck.NoAgent(t, base)

	p := variantPlan(t, "central")
	agentcheck.Writer(t, p, "azure-asia", issuer)
	agentcheck.Agent(t, p, "azure-asia", acrMirror(t, p))
}
