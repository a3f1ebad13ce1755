package azure_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/agentcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// aciCentral is azure-aci pointed at the central view (the second pass of
// docs/observability.md, "Deploy order").
func aciCentral(t *testing.T) *plan.Plan {
	t.Helper()
	return aciStack.Variant(t, "central", agentcheck.Keys)
}

// aciWriter is the LiveKit groups' writer identity for the central view.
func aciWriter(t *testing.T, p *plan.Plan) *plan.Resource {
	t.Helper()
	return one(t, p, tIdentity, "livekit-central-writer")
}

// noGrants: the writer identity holds no Azure role (its Entra ID token
// for the token exchange audience needs none).
func noGrants(t *testing.T, p *plan.Plan, id *plan.Resource) {
	t.Helper()
	principal := plan.MockPrincipalID(id.Name)
	for _, a := range p.ByType(tAssignment) {
		if a.InputString("principalId") == principal || slices.Contains(a.Dependencies, id.URN) {
			t.Errorf("the central writer identity holds %s on %s (assignment %s): it needs no Azure role", a.InputString("roleDefinitionName"), a.InputString("scope"), a.Name)
		}
	}
}

// azure-aci exports its writer before it writes (the global stack creates
// the writer role from it): its managed identity's Entra ID token, which
// the global stack's parser accepts. Without the central keys nothing else
// changes: the groups keep their identities and two containers, the
// mirror caches no Azure CLI.
func TestACICentralWriterExported(t *testing.T) {
	p := aci(t)
	id := aciWriter(t, p)
	w := agentcheck.WriterOutput(t, p, "azure-aci")
	want := components.MetricsWriter{Region: "azure-aci",
		Issuer:  "https://login.microsoftonline.com/" + plan.FakeAzureTenant + "/v2.0",
		Subject: plan.MockPrincipalID(id.Name), Audience: components.EntraTokenExchangeAudience,
		AuthorizedParty: plan.MockClientID(id.Name)}
	if w != want {
		t.Errorf("metricsWriter = %+v, want %+v", w, want)
	}
	noGrants(t, p, id)
	for i := 0; i < aciGroups; i++ {
		g := aciGroup(t, p, i)
		if ids := strs(list(t, g, "identity.identityIds")); slices.Contains(ids, id.ID) {
			t.Errorf("group %d carries the writer identity without the central keys", i)
		}
		if n := len(list(t, g, "containers")); n != 2 {
			t.Errorf("group %d: %d containers without the central keys, want LiveKit and the agent", i, n)
		}
		cfg, _ := agentConfig(t, g)
		if len(cfg.RemoteWrite) != 1 {
			t.Errorf("group %d agent: %d remote writes without the central keys", i, len(cfg.RemoteWrite))
		}
	}
	for _, r := range p.ByType(tCacheRule) {
		if strings.HasPrefix(r.InputString("sourceRepository"), "mcr.microsoft.com/") {
			t.Errorf("cache rule %s for %s without the central keys", r.Name, r.InputString("sourceRepository"))
		}
	}
}

// With the central keys every LiveKit group runs the token refresher (the
// Azure CLI by digest through the mirror, as the writer identity, into a
// shared emptyDir) and its agent adds the central remote write, signed
// with the web identity the AWS SDK reads from that file; no port, no
// role, no AWS key is added.
func TestACICentralWriter(t *testing.T) {
	base, p := aci(t), aciCentral(t)
	id := aciWriter(t, p)
	noGrants(t, p, id)
	login := acrMirror(t, p)
	digest := observability.ACITokenRefresherImage[strings.Index(observability.ACITokenRefresherImage, "@"):]
	wantImage := login + "/azure-cli:2.80.0" + digest
	for i := 0; i < aciGroups; i++ {
		g, g0 := aciGroup(t, p, i), aciGroup(t, base, i)
		if ids := strs(list(t, g, "identity.identityIds")); !slices.Contains(ids, id.ID) {
			t.Errorf("group %d identities %v lack the writer identity", i, ids)
		}
		// No new inbound port.
		if a, b := list(t, g, "exposedPorts"), list(t, g0, "exposedPorts"); !reflect.DeepEqual(a, b) {
			t.Errorf("group %d exposes %v with the central keys, %v without", i, a, b)
		}
		if n := len(list(t, g, "containers")); n != 3 {
			t.Fatalf("group %d: %d containers, want LiveKit, the agent and the refresher", i, n)
		}
		const r = "containers[2]"
		if got := str(t, g, r+".name"); got != azurec.ACIRefresherContainer {
			t.Errorf("group %d third container %q", i, got)
		}
		if got := str(t, g, r+".image"); got != wantImage {
			t.Errorf("group %d refresher image %q, want %s (the mirror's, by digest)", i, got, wantImage)
		}
		if cmd := strs(list(t, g, r+".commands")); !slices.Equal(cmd, []string{"/bin/sh", "-c", azurec.ACITokenRefresherScript}) {
			t.Errorf("group %d refresher command %q", i, cmd)
		}
		if _, ports := g.Input(r + ".ports"); ports {
			t.Errorf("group %d: the refresher exposes ports", i)
		}
		env := map[string]string{}
		for k, v := range envOf(t, g, r) {
			env[k], _ = v.(string)
		}
		if want := map[string]string{"IDENTITY_CLIENT_ID": plan.MockClientID(id.Name), "TOKEN_AUDIENCE": components.EntraTokenExchangeAudience,
			"TOKEN_FILE": azurec.ACITokenFile, "REFRESH_SECONDS": azurec.ACITokenRefreshSeconds}; !reflect.DeepEqual(env, want) {
			t.Errorf("group %d refresher env %v, want %v", i, env, want)
		}
		if cpu, mem := num2(t, g, r+".cpu"), num2(t, g, r+".memory"); cpu != observability.ACIRefresherCPU || mem != observability.ACIRefresherMemoryGB {
			t.Errorf("group %d refresher %v vCPU / %v GB", i, cpu, mem)
		}
		checkTokenVolume(t, g, r, false)
		checkTokenVolume(t, g, "containers[1]", true)

		// The agent: the writer role, the token file, STS in the
		// workspace's region.
		agentEnv := envOf(t, g, "containers[1]")
		if want := map[string]any{"AWS_ROLE_ARN": agentcheck.CentralWriter, "AWS_WEB_IDENTITY_TOKEN_FILE": azurec.ACITokenFile,
			"AWS_REGION": "us-east-1", "AWS_STS_REGIONAL_ENDPOINTS": "regional"}; !reflect.DeepEqual(agentEnv, want) {
			t.Errorf("group %d agent env %v, want %v", i, agentEnv, want)
		}
		cfg, body := agentConfig(t, g)
		if len(cfg.RemoteWrite) != 2 {
			t.Fatalf("group %d: %d remote writes, want the workspace and the central view", i, len(cfg.RemoteWrite))
		}
		c := cfg.RemoteWrite[1]
		if c.URL != agentcheck.CentralURL || c.Name != observability.CentralRemoteWriteName || c.SigV4 == nil || c.SigV4.Region != "us-east-1" ||
			c.SigV4.RoleARN != "" || c.AzureAD != nil {
			t.Errorf("group %d central remote write %+v, want %s SigV4-signed in us-east-1 as the web identity's role", i, c, agentcheck.CentralURL)
		}
		if len(c.WriteRelabelConfigs) != 1 || c.WriteRelabelConfigs[0].Regex != observability.CentralKeep || c.WriteRelabelConfigs[0].Action != "keep" {
			t.Errorf("group %d central remote write keeps %+v, want LiveKit's series and alerts only", i, c.WriteRelabelConfigs)
		}
		if cfg.RemoteWrite[0].AzureAD == nil {
			t.Errorf("group %d lost its workspace remote write: %+v", i, cfg.RemoteWrite[0])
		}
		if cfg.Global.ExternalLabels["region"] != "southeastasia" || cfg.Global.ExternalLabels["cloud"] != "azure" || cfg.Global.ExternalLabels["stack"] != "azure-aci" {
			t.Errorf("group %d labels %v", i, cfg.Global.ExternalLabels)
		}
		if l := cfg.ScrapeConfigs[0].StaticConfigs[0].Labels["instance"]; l != fmt.Sprintf("group-%d", i) {
			t.Errorf("group %d instance %q", i, l)
		}
		checkAgentConfig(t, body)
		// LiveKit's share: the group less the agent and the refresher.
		if cpu, mem := num2(t, g, "containers[0].cpu"), num2(t, g, "containers[0].memory"); cpu != 4-azurec.ACIAgentCPU-observability.ACIRefresherCPU ||
			mem != 8-azurec.ACIAgentMemoryGB-observability.ACIRefresherMemoryGB {
			t.Errorf("group %d LiveKit %v vCPU / %v GB, want the group less the agent and the refresher", i, cpu, mem)
		}
	}
	// The Azure CLI from MCR through its own cache rule, anonymously (the
	// Docker Hub credential set is not MCR's).
	rule := planq.Where(t, p, tCacheRule, "sourceRepository", "mcr.microsoft.com/azure-cli")
	if rule.InputString("targetRepository") != "azure-cli" || rule.InputString("credentialSetResourceId") != "" {
		t.Errorf("azure-cli cache rule: target %q, credential set %q", rule.InputString("targetRepository"), rule.InputString("credentialSetResourceId"))
	}
	// No static AWS credential anywhere in the groups.
	for _, g := range p.ByType(tACIGroup) {
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "aws_access_key", "secret_key"} {
			if strings.Contains(fmt.Sprint(g.Inputs), k) {
				t.Errorf("%s carries %s", g.Name, k)
			}
		}
	}
	// The writer exported is the identity the groups run the refresher as.
	if w := agentcheck.WriterOutput(t, p, "azure-aci"); w.AuthorizedParty != plan.MockClientID(id.Name) || w.Subject != plan.MockPrincipalID(id.Name) {
		t.Errorf("metricsWriter %+v is not the refresher's identity", w)
	}
}

// envOf is container c's environment variables.
func envOf(t *testing.T, g *plan.Resource, c string) map[string]any {
	t.Helper()
	m, _ := planq.Masked.Get(t, g, c+".environmentVariables").(map[string]any)
	return m
}

// checkTokenVolume: container c mounts the group's shared emptyDir at the
// token directory (the agent read-only).
func checkTokenVolume(t *testing.T, g *plan.Resource, c string, readOnly bool) {
	t.Helper()
	for _, v := range list(t, g, c+".volumes") {
		m := v.(map[string]any)
		if m["mountPath"] != azurec.ACITokenDir {
			continue
		}
		if m["emptyDir"] != true || m["readOnly"] != readOnly || m["name"] != "central-token" {
			t.Errorf("%s %s token volume %v, want the shared emptyDir, read-only %v", g.Name, c, m, readOnly)
		}
		return
	}
	t.Errorf("%s %s mounts no token volume at %s", g.Name, c, azurec.ACITokenDir)
}
