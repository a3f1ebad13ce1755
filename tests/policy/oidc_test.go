package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/stacks"
)

const tOIDCProvider = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"

// TestOneOIDCProviderPerURL: IAM keeps one OIDC provider per URL in an
// account (a second CreateOpenIDConnectProvider fails with
// EntityAlreadyExists), and the stacks deploy to one account. Across the
// plans of every committed stack (the global one with the regions' plans
// behind its references), no two declare a provider for the same URL; a
// central-view writer role of an issuer a region already has a provider
// for trusts exactly that provider, the one the region exports.
func TestOneOIDCProviderPerURL(t *testing.T) {
	plans := map[string]*plan.Plan{}
	for _, stack := range committedStacks(t) {
		sc := load(t, stack, variant{})
		var opts []plan.Option
		if kindOf(sc) == "global" {
			opts = stackRefs(t, sc)
			p, err := plan.Evaluate(sc, stacks.Program, opts...)
			if err != nil {
				t.Fatalf("planning %s: %v", stack, err)
			}
			plans[stack] = p
			continue
		}
		p, err := regionalPlan(t, stack)
		if err != nil {
			t.Fatalf("planning %s: %v", stack, err)
		}
		plans[stack] = p
	}

	byURL := map[string]string{} // url -> stack/name
	urls := 0
	for stack, p := range plans {
		for _, r := range p.ByType(tOIDCProvider) {
			u := strings.TrimSuffix(r.InputString("url"), "/")
			if u == "" {
				t.Errorf("%s: provider %s has no url", stack, r.Name)
				continue
			}
			urls++
			where := stack + "/" + r.Name
			if prev, ok := byURL[u]; ok {
				t.Errorf("IAM OIDC provider %s is declared twice: %s and %s (EntityAlreadyExists on the second)", u, prev, where)
			}
			byURL[u] = where
		}
	}
	// azure-asia's (cert-manager's) and the GKE issuer's (the global
	// stack's): a sweep that found none would prove nothing.
	if urls < 2 {
		t.Fatalf("%d OIDC providers across %d plans, want azure-asia's and the global stack's for gcp-eu", urls, len(plans))
	}

	// Each region's writer role trusts its issuer's one provider: the one
	// the region exports where it has one.
	g := plans["global"]
	exported := 0
	for _, stack := range []string{"azure-asia", "gcp-eu"} {
		rp := plans[stack]
		role, ok := g.Find("aws:iam/role:Role", "livekit-metrics-write-"+stack)
		if !ok {
			t.Fatalf("global: no writer role for %s", stack)
		}
		var trust struct {
			Statement []struct {
				Principal map[string]string
			}
		}
		if err := json.Unmarshal([]byte(role.InputString("assumeRolePolicy")), &trust); err != nil || len(trust.Statement) != 1 {
			t.Fatalf("%s writer trust: %v %+v", stack, err, trust)
		}
		fed := trust.Statement[0].Principal["Federated"]
		w, _ := rp.RawOutputs[components.OutputMetricsWriter].(map[string]any)
		issuer, _ := w["issuer"].(string)
		host := strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
		if !strings.HasSuffix(fed, ":oidc-provider/"+host) {
			t.Errorf("%s writer trusts %q, not a provider of its issuer %s", stack, fed, issuer)
		}
		if _, ok := byURL["https://"+host]; !ok {
			t.Errorf("%s writer trusts %q, but no plan declares a provider for %s", stack, fed, issuer)
		}
		if arn, ok := rp.RawOutputs[components.OutputOIDCProvider].(string); ok {
			exported++
			if fed != arn {
				t.Errorf("%s writer trusts %q, want the region's own provider %s", stack, fed, arn)
			}
		}
	}
	if exported == 0 {
		t.Error("no region exports its OIDC provider: azure-asia should (its cert-manager's)")
	}
}
