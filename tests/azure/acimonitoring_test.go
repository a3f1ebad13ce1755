package azure_test

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/promtool"
)

// A Container Instances region's metric alerts: Redis's as on AKS, and
// Application Gateway's (no healthy group, an unhealthy group, signaling
// 5xx) instead of the AKS load balancer's, thresholds from the alert keys,
// each through the region's one action group.
func TestACIAlarms(t *testing.T) {
	p := aci(t)
	group := actionGroup(t, p)
	if emails := list(t, group, "emailReceivers"); len(emails) != 1 || emails[0].(map[string]any)["emailAddress"] != "oncall@example.com" {
		t.Errorf("action group emails %v, want alertEmails", emails)
	}
	cache := p.ByType("azure:redis/cache:Cache")[0].ID
	gw := p.ByType(tAppGateway)[0].ID
	cdn := p.ByType(tAFDProfile)[0].ID
	checkMetricAlerts(t, p, group, []metricAlert{
		{metric: observability.AzureRedisMemory, aggregation: "Maximum", operator: "GreaterThan", threshold: 80, scope: cache},
		{metric: observability.AzureRedisCPU, aggregation: "Average", operator: "GreaterThan", threshold: 80, scope: cache},
		{metric: observability.AzureRedisErrors, aggregation: "Total", operator: "GreaterThan", threshold: 0, scope: cache},
		{metric: observability.AzureGatewayHealthy, aggregation: "Average", operator: "LessThan", threshold: 1, scope: gw},
		{metric: observability.AzureGatewayUnhealthy, aggregation: "Average", operator: "GreaterThan", threshold: 0, scope: gw},
		{metric: observability.AzureGatewayResponses, aggregation: "Total", operator: "GreaterThan", threshold: 50, scope: gw, selects: []string{`"HttpStatusGroup"`, `"5xx"`}},
		{metric: observability.AzureFrontDoorReqs, aggregation: "Total", operator: "GreaterThan", threshold: 50, scope: cdn},
	})
	// The AKS load balancer's (DipAvailability) is not among them.
	// The gateway's 5xx threshold follows alertLb5xxPerMinute.
	v := aciStack.Variant(t, "aciLb5xx", map[string]string{"alertLb5xxPerMinute": "3"})
	for _, a := range v.ByType(tMetricAlert) {
		if a.InputString("criterias[0].metricName") == "ResponseStatus" {
			if th, _ := a.Input("criterias[0].threshold"); toFloat(th) != 15 {
				t.Errorf("gateway 5xx threshold %v with alertLb5xxPerMinute 3, want 15 in 5 minutes", th)
			}
		}
	}
}

// agentConfig decodes group i's metrics agent configuration.
func agentConfig(t *testing.T, g *plan.Resource) (observability.PrometheusConfig, string) {
	t.Helper()
	if name := str(t, g, "containers[1].name"); name != "metrics-agent" {
		t.Fatalf("%s: second container %q, want metrics-agent", g.Name, name)
	}
	raw, ok := g.RawInput(`containers[1].volumes[0].secret["prometheus.yml"]`)
	enc, _ := raw.(string)
	if !ok || enc == "" {
		t.Fatalf("%s: no agent config", g.Name)
	}
	body, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	var cfg observability.PrometheusConfig
	if err := yaml.Unmarshal(body, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg, string(body)
}

// The scrape path: a Prometheus agent beside LiveKit in every group, the
// mirrored image by digest, scraping localhost:6789 (the group's own
// LiveKit) and remote-writing to the region's workspace through its
// endpoint and rule, authenticated as the metrics identity (no secret in
// the file); the real promtool accepts the file.
func TestACIMetricsAgent(t *testing.T) {
	p := aci(t)
	metrics := one(t, p, tIdentity, "livekit-metrics")
	url := regexp.MustCompile(`^https://livekit-monitoring-prometheus-[0-9a-f]+\.southeastasia-1\.metrics\.ingest\.monitor\.azure\.com/dataCollectionRules/dcr-[0-9a-f]{32}/streams/Microsoft-PrometheusMetrics/api/v1/write\?api-version=2023-04-24$`)
	login := acrMirror(t, p)
	var clients []string
	for i := 0; i < aciGroups; i++ {
		g := aciGroup(t, p, i)
		cfg, cmd := checkGroupAgent(t, g, fmt.Sprintf("group %d", i), metrics.ID, login)
		if !slices.Contains(cmd, "--web.listen-address=127.0.0.1:9090") {
			t.Errorf("group %d agent command %v: not listening on loopback 9090", i, cmd)
		}
		// LiveKit's share: the group's 4 vCPU / 8 GB less the agent's.
		if cpu, mem := num2(t, g, "containers[0].cpu"), num2(t, g, "containers[0].memory"); cpu != 4-azurec.ACIAgentCPU || mem != 8-azurec.ACIAgentMemoryGB {
			t.Errorf("group %d LiveKit %v vCPU / %v GB, want the group less the agent", i, cpu, mem)
		}
		job := cfg.ScrapeConfigs[0]
		if job.JobName != observability.JobLiveKit || !slices.Equal(job.StaticConfigs[0].Targets, []string{"localhost:6789"}) {
			t.Errorf("group %d scrapes %s %v, want livekit localhost:6789", i, job.JobName, job.StaticConfigs[0].Targets)
		}
		if l := job.StaticConfigs[0].Labels; l["instance"] != fmt.Sprintf("group-%d", i) || l["region"] != "southeastasia" || l["cloud"] != "azure" {
			t.Errorf("group %d labels %v", i, l)
		}
		rw := cfg.RemoteWrite[0]
		if !url.MatchString(rw.URL) {
			t.Errorf("group %d writes to %q, want the workspace's ingestion URL", i, rw.URL)
		}
		clients = append(clients, rw.AzureAD.ManagedIdentity.ClientID)
	}
	if clients[0] == "" || slices.ContainsFunc(clients, func(c string) bool { return c != clients[0] }) {
		t.Errorf("agent client IDs %v, want the metrics identity's in every group", clients)
	}
	grant := one(t, p, tAssignment, "livekit-metrics-publisher")
	dcr := only(t, p, tDCR)
	if grant.InputString("scope") != dcr.ID || grant.InputString("roleDefinitionName") != azurec.MetricsPublisher {
		t.Errorf("metrics grant %s on %s, want %s on the data collection rule %s only", grant.InputString("roleDefinitionName"), grant.InputString("scope"), azurec.MetricsPublisher, dcr.ID)
	}
	if !slices.Contains(grant.Dependencies, metrics.URN) {
		t.Errorf("the publisher grant is not the metrics identity's (depends on %v)", grant.Dependencies)
	}
}

// checkGroupAgent checks the Prometheus agent beside a container group's
// main container (what names the group): it runs as the identity
// identityID (one of the group's), is the agent image by digest from the
// mirror login, in agent mode with its listener on loopback, exposes no
// port, scrapes one job and remote-writes once, authenticated by Entra ID
// as a managed identity (no credential in the file), and the real
// promtool accepts its file. It returns the configuration and the agent's
// command.
func checkGroupAgent(t *testing.T, g *plan.Resource, what, identityID, login string) (observability.PrometheusConfig, []string) {
	t.Helper()
	if ids := strs(list(t, g, "identity.identityIds")); !slices.Contains(ids, identityID) {
		t.Errorf("%s identities %v lack its metrics identity %s", what, ids, identityID)
	}
	img := str(t, g, "containers[1].image")
	if !strings.HasPrefix(img, login+"/") || !strings.HasSuffix(img, observability.AgentImage[strings.Index(observability.AgentImage, "@"):]) {
		t.Errorf("%s agent image %q, want %s by digest from the mirror %s", what, img, observability.AgentImage, login)
	}
	cmd := strs(list(t, g, "containers[1].commands"))
	if !slices.Contains(cmd, "--agent") || !slices.ContainsFunc(cmd, func(a string) bool { return strings.HasPrefix(a, "--web.listen-address=127.0.0.1:") }) {
		t.Errorf("%s agent command %v: want agent mode listening on loopback", what, cmd)
	}
	if _, ports := g.Input("containers[1].ports"); ports {
		t.Errorf("%s: the agent exposes ports", what)
	}
	cfg, body := agentConfig(t, g)
	if len(cfg.ScrapeConfigs) != 1 || len(cfg.RemoteWrite) != 1 {
		t.Fatalf("%s: %d jobs, %d remote writes", what, len(cfg.ScrapeConfigs), len(cfg.RemoteWrite))
	}
	if rw := cfg.RemoteWrite[0]; rw.AzureAD == nil || rw.AzureAD.Cloud != "AzurePublic" || rw.AzureAD.ManagedIdentity.ClientID == "" || rw.SigV4 != nil {
		t.Fatalf("%s remote write not authenticated by Entra ID as a managed identity: %+v", what, rw)
	}
	for _, leak := range []string{"password", "client_secret", "bearer_token", "basic_auth", "credentials"} {
		if strings.Contains(body, leak) {
			t.Errorf("%s agent config holds %s", what, leak)
		}
	}
	checkAgentConfig(t, body)
	return cfg, cmd
}

// checkAgentConfig runs promtool check config --agent on the file. Debian's
// promtool (2.42) predates the azuread remote-write block (Prometheus
// 2.45+; the agent image is 3.x), so that block alone is removed first.
func checkAgentConfig(t *testing.T, body string) {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, rw := range doc["remote_write"].([]any) {
		delete(rw.(map[string]any), "azuread")
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if msg, err := promtool.CheckArgs(t, []string{"config", "--agent"}, "prometheus.yml", string(out)); err != nil {
		t.Errorf("promtool check config --agent: %v\n%s", err, msg)
	}
}

func num2(t *testing.T, r *plan.Resource, path string) float64 {
	t.Helper()
	v, ok := r.Input(path)
	if !ok {
		t.Fatalf("%s: no %s", r.Name, path)
	}
	return toFloat(v)
}

// The rules run in the workspace alone (no cluster), the same rendered
// groups as AKS less the GET / probe rules.
func TestACIPrometheusRules(t *testing.T) {
	p := aci(t)
	ws := p.ByType(tAMW)
	if len(ws) != 1 || len(p.ByType(tDCE)) != 1 || len(p.ByType(tDCRA)) != 0 {
		t.Fatalf("%d workspaces, %d endpoints, %d associations: want one workspace and endpoint, no cluster association", len(ws), len(p.ByType(tDCE)), len(p.ByType(tDCRA)))
	}
	groups := p.ByType(tRuleGroup)
	if len(groups) == 0 {
		t.Fatal("no rule groups")
	}
	ag := actionGroup(t, p)
	for _, g := range groups {
		if scopes := strs(list(t, &g, "scopes")); !slices.Equal(scopes, []string{ws[0].ID}) {
			t.Errorf("%s scopes %v, want the workspace only", g.Name, scopes)
		}
		if _, set := g.Input("clusterName"); set {
			t.Errorf("%s names a cluster", g.Name)
		}
		for i, r := range list(t, &g, "rules") {
			m := r.(map[string]any)
			if a := m["alert"]; a == observability.AlertNodeLostRedis || a == observability.AlertNoHealthyNode {
				t.Errorf("%s is deployed, but no agent probes GET /", a)
			}
			if got, _ := g.Input(fmt.Sprintf("rules[%d].actions[0].actionGroupId", i)); got != ag.ID {
				t.Errorf("%s acts through %v", m["alert"], got)
			}
		}
	}
}

// 6789 stays inside each group: no NSG rule, firewall DNAT rule or exposed
// port admits it.
func TestACIMetricsPortNotOpen(t *testing.T) {
	p := aci(t)
	aciNSGsClose(t, p, "the metrics port", 6789)
	for _, rcg := range p.ByType(tFWRules) {
		if s := jsonOf(rcg.Inputs); strings.Contains(s, `"6789"`) || strings.Contains(s, `:6789`) {
			t.Errorf("firewall rules %s mention 6789: %s", rcg.Name, s)
		}
	}
	for i := 0; i < aciGroups; i++ {
		g := aciGroup(t, p, i)
		if s := jsonOf(g.Inputs["exposedPorts"]) + jsonOf(g.Inputs["containers"]); strings.Contains(s, `"port":6789`) {
			t.Errorf("group %d exposes 6789: %s", i, s)
		}
	}
}

// aciNSGsClose checks that no NSG rule of an ACI region admits TCP port
// (what it is) from anywhere. AzureLoadBalancer (Azure's probe source) on
// the gateway's subnet, which holds no group, is Application Gateway v2's
// required rule.
func aciNSGsClose(t *testing.T, p *plan.Plan, what string, port int) {
	t.Helper()
	for _, nsg := range p.ByType(tNSG) {
		for _, r := range rules(t, p, &nsg) {
			if r.access == "Allow" && r.source != "AzureLoadBalancer" && (r.protocol == "Tcp" || r.protocol == "*") && portIn(r.ports, port) {
				t.Errorf("%s: %s admits %s", nsg.Name, r, what)
			}
		}
	}
}

// Audit logs: VNet flow logs, the gateway's access and WAF logs and the
// firewall's DNAT and network rule logs into a workspace kept
// logRetentionDays.
func TestACIAuditLogs(t *testing.T) {
	p := aci(t)
	ws := one(t, p, tWorkspace, "livekit-logs")
	if d := num(t, ws, "retentionInDays"); d != 30 {
		t.Errorf("workspace keeps %d days, want logRetentionDays (30)", d)
	}
	for _, c := range []struct {
		name, target string
		categories   []string
	}{
		{"livekit-logs-gateway", p.ByType(tAppGateway)[0].ID, []string{azurec.GatewayAccessCategory, azurec.GatewayFirewallCategory}},
		{"livekit-logs-firewall", p.ByType(tFirewall)[0].ID, []string{"AZFWNatRule", "AZFWNetworkRule"}},
	} {
		d := one(t, p, tDiag, c.name)
		if str(t, d, "targetResourceId") != c.target || str(t, d, "logAnalyticsWorkspaceId") != ws.ID || str(t, d, "logAnalyticsDestinationType") != "Dedicated" {
			t.Errorf("%s: %s -> %s (%s)", c.name, str(t, d, "targetResourceId"), str(t, d, "logAnalyticsWorkspaceId"), str(t, d, "logAnalyticsDestinationType"))
		}
		var cats []string
		for _, l := range list(t, d, "enabledLogs") {
			cats = append(cats, l.(map[string]any)["category"].(string))
		}
		if !slices.Equal(cats, c.categories) {
			t.Errorf("%s categories %v, want %v", c.name, cats, c.categories)
		}
	}
	if fl := p.ByType(tFlowLog); len(fl) != 1 || num(t, &fl[0], "retentionPolicy.days") != 30 {
		t.Errorf("flow logs %d, want one kept 30 days", len(fl))
	}
	v := aciStack.Variant(t, "aciLogs90", map[string]string{"logRetentionDays": "90"})
	if d := num(t, one(t, v, tWorkspace, "livekit-logs"), "retentionInDays"); d != 90 {
		t.Errorf("logRetentionDays 90: workspace keeps %d", d)
	}
}
