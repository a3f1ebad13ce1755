package global

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// A Container Instances region's writer (tests/azure, TestACICentralWriter
// checks the real azure-aci plan exports this shape): its managed
// identity's Entra ID token, of the tenant's v2.0 issuer, for the token
// exchange audience; sub its object ID, azp its client ID.
var (
	entraIssuer = "https://login.microsoftonline.com/" + plan.FakeAzureTenant + "/v2.0"
	entraHost   = strings.TrimPrefix(entraIssuer, "https://")
)

const (
	tOIDC        = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	aciPrincipal = "0a1b2c3d-0000-4000-8000-00000000aaaa"
	aciClient    = "0a1b2c3d-0000-4000-8000-00000000cccc"
)

func entraWriter(principal, client string) map[string]any {
	return map[string]any{"issuer": entraIssuer, "subject": principal,
		"audience": components.EntraTokenExchangeAudience, "authorizedParty": client}
}

// entraTrust is a writer role's trust with list-valued conditions.
type entraTrust struct {
	Statement []struct {
		Effect    string
		Principal map[string]any
		Action    any
		Condition map[string]map[string]any
	}
}

// An Entra writer's role trusts the tenant's issuer through one IAM OIDC
// provider of the global account, admitting exactly that managed
// identity (sub: its object ID) presenting a token STS sees as its client
// ID (azp) or the token exchange audience; nothing of other identities.
func TestCentralMetricsEntraWriterTrust(t *testing.T) {
	outs := regionalOutputs(t)
	outs[azureRef]["metricsWriter"] = entraWriter(aciPrincipal, aciClient)
	delete(outs[azureRef], components.OutputOIDCProvider)
	p, err := evalGlobal(t, nil, outs)
	if err != nil {
		t.Fatal(err)
	}
	prov := planq.One(t, p, tOIDC, centralName+"-azure-asia")
	if got := prov.InputString("url"); got != entraIssuer {
		t.Errorf("provider url = %q, want the tenant's issuer %s", got, entraIssuer)
	}
	planq.Inputs{}.Expect(t, prov, "clientIdLists", []any{aciClient, components.EntraTokenExchangeAudience})
	// No thumbprint, as the other providers: IAM trusts the issuer's
	// certificate authority itself.
	if v, ok := prov.Input("thumbprintLists"); ok && v != nil {
		t.Errorf("thumbprintLists = %v", v)
	}

	role, pol := writerRole(t, p, "azure-asia")
	var trust entraTrust
	if err := json.Unmarshal([]byte(role.InputString("assumeRolePolicy")), &trust); err != nil {
		t.Fatal(err)
	}
	if len(trust.Statement) != 1 {
		t.Fatalf("%d statements", len(trust.Statement))
	}
	s := trust.Statement[0]
	want := map[string]any{"Federated": "arn:aws:iam::" + plan.FakeAccountID + ":oidc-provider/" + entraHost}
	if s.Effect != "Allow" || !reflect.DeepEqual(s.Principal, want) || s.Action != "sts:AssumeRoleWithWebIdentity" {
		t.Errorf("trust statement = %+v, want %v with sts:AssumeRoleWithWebIdentity", s, want)
	}
	wantCond := map[string]map[string]any{"StringEquals": {
		entraHost + ":aud": []any{aciClient, components.EntraTokenExchangeAudience},
		entraHost + ":sub": aciPrincipal,
	}}
	if !reflect.DeepEqual(s.Condition, wantCond) {
		t.Errorf("trust condition = %v, want %v", s.Condition, wantCond)
	}
	for _, v := range []string{role.InputString("assumeRolePolicy")} {
		if strings.Contains(v, "*") || strings.Contains(v, "StringLike") {
			t.Errorf("trust has a wildcard: %s", v)
		}
	}
	perm := policyOf(t, pol, "policy")
	if len(perm.Statement) != 1 || !reflect.DeepEqual(actions(perm.Statement[0].Action), []string{"aps:RemoteWrite"}) {
		t.Errorf("writer policy = %+v, want aps:RemoteWrite only", perm)
	}
	// The other issuers keep their providers and STS audience.
	gke := planq.One(t, p, tOIDC, centralName+"-gcp-eu")
	planq.Inputs{}.Expect(t, gke, "clientIdLists", []any{components.MetricsWriterAudience})
}

// Two Container Instances regions of one tenant share its issuer: one
// provider (IAM keeps one per URL), listing both identities' client IDs;
// each role admits only its own identity.
func TestCentralMetricsEntraOneProviderPerTenant(t *testing.T) {
	const otherPrincipal, otherClient = "0a1b2c3d-0000-4000-8000-00000000bbbb", "0a1b2c3d-0000-4000-8000-00000000dddd"
	outs := regionalOutputs(t)
	outs[azureRef]["metricsWriter"] = entraWriter(aciPrincipal, aciClient)
	delete(outs[azureRef], components.OutputOIDCProvider)
	outs[gcpRef]["metricsWriter"] = entraWriter(otherPrincipal, otherClient)
	p, err := evalGlobal(t, nil, outs)
	if err != nil {
		t.Fatal(err)
	}
	provs := p.ByType(tOIDC)
	if len(provs) != 1 {
		t.Fatalf("%d providers, want one for the tenant", len(provs))
	}
	planq.Inputs{}.Expect(t, &provs[0], "clientIdLists", []any{aciClient, components.EntraTokenExchangeAudience, otherClient})
	for region, sub := range map[string]string{"azure-asia": aciPrincipal, "gcp-eu": otherPrincipal} {
		role, _ := writerRole(t, p, region)
		var trust entraTrust
		if err := json.Unmarshal([]byte(role.InputString("assumeRolePolicy")), &trust); err != nil {
			t.Fatal(err)
		}
		if got := trust.Statement[0].Condition["StringEquals"][entraHost+":sub"]; got != sub {
			t.Errorf("%s admits sub %v, want %s", region, got, sub)
		}
	}
}

// An Entra writer that would admit more than its identity, or that is not
// one, fails the global plan naming the region and its stack.
func TestCentralMetricsRejectsBroadEntraWriters(t *testing.T) {
	outs := regionalOutputs(t)
	w := entraWriter("*", aciClient)
	outs[azureRef]["metricsWriter"] = w
	delete(outs[azureRef], components.OutputOIDCProvider)
	common := entraWriter(aciPrincipal, aciClient)
	common["issuer"] = "https://login.microsoftonline.com/common/v2.0"
	outs[gcpRef]["metricsWriter"] = common
	outs[awsRef]["metricsWriter"] = map[string]any{"issuer": entraIssuer, "subject": aciPrincipal, "audience": "api://other"}
	_, err := evalGlobal(t, nil, outs)
	if err == nil {
		t.Fatal("broad Entra writers accepted")
	}
	for _, want := range []string{
		"region azure-asia", azureRef, `subject "*"`,
		"region gcp-eu", gcpRef, "login.microsoftonline.com/common",
		"region aws-prod", awsRef, `audience "api://other"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
}
