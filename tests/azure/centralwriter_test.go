package azure_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
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
	// That provider is exported for the global stack to trust (IAM keeps
	// one per URL in an account): its ARN, for the issuer the writer names,
	// admitting the writer's audience.
	prov := one(t, base, tOIDC, "livekit-aks-oidc")
	arn, _ := base.RawOutputs[components.OutputOIDCProvider].(string)
	if want := "arn:aws:iam::" + plan.FakeAccountID + ":oidc-provider/" + strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/"); arn != want {
		t.Errorf("%s = %q, want the provider of %s: %s", components.OutputOIDCProvider, arn, issuer, want)
	}
	w, err := components.ParseMetricsWriter("azure-asia", base.RawOutputs[components.OutputMetricsWriter])
	if err != nil {
		t.Fatal(err)
	}
	if w, err = w.WithProvider(arn); err != nil {
		t.Errorf("the global stack would refuse the exported provider: %v", err)
	} else if w.ProviderAccount() != plan.FakeAccountID {
		t.Errorf("provider account %q", w.ProviderAccount())
	}
	if got, _ := prov.Input("clientIdLists"); !reflect.DeepEqual(got, []any{components.MetricsWriterAudience}) {
		t.Errorf("provider clientIdLists = %v, want the writer's audience %s", got, components.MetricsWriterAudience)
	}

	p := variantPlan(t, "central")
	agentcheck.Writer(t, p, "azure-asia", issuer)
	agentcheck.Agent(t, p, "azure-asia", acrMirror(t, p))
}
