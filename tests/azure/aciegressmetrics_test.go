package azure_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
	"github.com/livekit-infra/livekit-infra/tests/internal/egresskeys"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// Egress joins an ACI region's scrape (#22 item 4): every Egress group
// runs the LiveKit groups' Prometheus agent (the same image from the
// mirror, in agent mode), scraping the port the rendered Egress config
// serves metrics on over the group's loopback as job livekit-egress (the
// Egress rules' selector), with the region's labels, and remote-writing
// into the same workspace as an identity of its own; the real promtool
// accepts the file. The group's 4 vCPU / 8 GB hold both containers.
func TestACIEgressMetricsAgent(t *testing.T) {
	p := aci(t)
	login := acrMirror(t, p)
	metrics := one(t, p, tIdentity, "livekit-egress-metrics")
	lkCfg, _ := agentConfig(t, aciGroup(t, p, 0))
	groups := aciEgressGroups(t, p)
	if len(groups) != 1 {
		t.Fatalf("%d Egress groups, want 1", len(groups))
	}
	for i := range groups {
		g := &groups[i]
		egressCfg := egresskeys.Read(t, lkcheck.SecretInput(t, g, aciEgressConfig))
		if egressCfg.PrometheusPort == 0 {
			t.Fatal("the Egress config sets no prometheus_port")
		}
		what := fmt.Sprintf("Egress group %d", i)
		cfg, cmd := checkGroupAgent(t, g, what, metrics.ID, login)
		// The group's containers share one network namespace: the agent's
		// own listener must not take Egress's metrics port.
		if listen := fmt.Sprintf("--web.listen-address=127.0.0.1:%d", egressCfg.PrometheusPort); slices.Contains(cmd, listen) {
			t.Errorf("%s agent command %v: its listener takes Egress's metrics port %d", what, cmd, egressCfg.PrometheusPort)
		}
		cpu := num2(t, g, "containers[0].cpu") + num2(t, g, "containers[1].cpu")
		mem := num2(t, g, "containers[0].memory") + num2(t, g, "containers[1].memory")
		if cpu != 4 || mem != 8 || num2(t, g, "containers[0].cpuLimit") != 4 {
			t.Errorf("%s holds %v vCPU / %v GB (Egress limited to %v vCPU), want azureAciEgressCpu 4 / azureAciEgressMemoryGb 8 with Egress free to use all 4",
				what, cpu, mem, num2(t, g, "containers[0].cpuLimit"))
		}
		job := cfg.ScrapeConfigs[0]
		if want := fmt.Sprintf("localhost:%d", egressCfg.PrometheusPort); job.JobName != observability.JobEgress || !slices.Equal(job.StaticConfigs[0].Targets, []string{want}) {
			t.Errorf("%s scrapes %s %v, want %s %s", what, job.JobName, job.StaticConfigs[0].Targets, observability.JobEgress, want)
		}
		if l := job.StaticConfigs[0].Labels; l["instance"] != fmt.Sprintf("egress-%d", i) || l["stack"] != "azure-aci" || l["region"] != "southeastasia" || l["cloud"] != "azure" {
			t.Errorf("%s labels %v", what, l)
		}
		rw := cfg.RemoteWrite[0]
		if rw.URL != lkCfg.RemoteWrite[0].URL {
			t.Errorf("%s writes to %q, want the LiveKit agents' workspace %q", what, rw.URL, lkCfg.RemoteWrite[0].URL)
		}
		if rw.AzureAD.ManagedIdentity.ClientID == lkCfg.RemoteWrite[0].AzureAD.ManagedIdentity.ClientID {
			t.Errorf("%s remote write %+v: want the Egress metrics identity (not the LiveKit agents')", what, rw.AzureAD)
		}
	}
	// Its identity may publish metrics through the workspace's data
	// collection rule and nothing else (TestACIAcrPullScope lists every
	// role assignment of the region).
	grant := one(t, p, tAssignment, "livekit-egress-metrics-publisher")
	if grant.InputString("scope") != p.ByType(tDCR)[0].ID || grant.InputString("roleDefinitionName") != azurec.MetricsPublisher ||
		!slices.Contains(grant.Dependencies, metrics.URN) {
		t.Errorf("Egress metrics grant %s on %s (depends on %v), want %s on the data collection rule only for livekit-egress-metrics",
			grant.InputString("roleDefinitionName"), grant.InputString("scope"), grant.Dependencies, azurec.MetricsPublisher)
	}
}

// Nothing outside an Egress group reaches its metrics port: no NSG rule
// admits it, the group exposes health alone on its private IP, and it has
// no public IP or DNS name.
func TestACIEgressMetricsPortNotOpen(t *testing.T) {
	p := aci(t)
	aciNSGsClose(t, p, "Egress's metrics port", 9090)
	for _, g := range aciEgressGroups(t, p) {
		if s := jsonOf(g.Inputs["exposedPorts"]); strings.Contains(s, `"port":9090`) || strings.Contains(s, `"port":9091`) {
			t.Errorf("%s exposes a metrics port: %s", g.Name, s)
		}
		if g.InputString("ipAddressType") != "Private" {
			t.Errorf("%s ipAddressType %q, want Private", g.Name, g.InputString("ipAddressType"))
		}
		if _, ok := g.Input("dnsNameLabel"); ok {
			t.Errorf("%s has a DNS name", g.Name)
		}
	}
}

// The Egress rules run on an ACI region too: the egress-azure-aci group
// rendered by components/observability (as on every cloud) is deployed on
// the workspace, rule for rule, and LiveKit's group carries the servers'
// side (LiveKitEgressStartFailing).
func TestACIEgressRules(t *testing.T) {
	p := aci(t)
	sc := aciStack.Config(nil)
	s, err := stackconfig.Parse(sc.Stack, stackconfig.Raw{Values: sc.Config, Secret: map[string]bool{}})
	if err != nil {
		t.Fatal(err)
	}
	region := regional.Observability(s)
	region.NoHealthProbe = true
	if region.Egress == nil || region.Egress.MaxWorkers != 1 {
		t.Fatalf("azure-aci renders Egress workers %+v, want azureAciEgressGroups (1)", region.Egress)
	}
	rendered, err := region.Rules()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := rendered.Split(observability.EgressGroup("azure-aci"))
	if len(want.Groups) != 1 {
		t.Fatalf("no %s group rendered", observability.EgressGroup("azure-aci"))
	}
	g := one(t, p, tRuleGroup, "livekit-monitoring-"+observability.EgressGroup("azure-aci"))
	if scopes := strs(list(t, g, "scopes")); !slices.Equal(scopes, []string{p.ByType(tAMW)[0].ID}) {
		t.Errorf("Egress rule group scopes %v, want the workspace only", scopes)
	}
	deployed := list(t, g, "rules")
	rules := want.Groups[0].Rules
	if len(deployed) != len(rules) || len(rules) != 5 {
		t.Fatalf("%d Egress rules deployed, %d rendered, want the 5 Egress alerts", len(deployed), len(rules))
	}
	ag := actionGroup(t, p)
	for i, r := range rules {
		at := func(f string) string { return fmt.Sprintf("rules[%d].%s", i, f) }
		for path, w := range map[string]any{
			at("alert"): r.Alert, at("expression"): r.Expr, at("labels.severity"): r.Labels["severity"],
			at("actions[0].actionGroupId"): ag.ID, at("enabled"): true,
		} {
			if v, _ := g.Input(path); v != w {
				t.Errorf("%s = %v, want %v", path, v, w)
			}
		}
		if !strings.Contains(r.Expr, fmt.Sprintf(`job=%q`, observability.JobEgress)) {
			t.Errorf("%s reads %s, not the agents' job %s", r.Alert, r.Expr, observability.JobEgress)
		}
	}
	var lk []string
	for _, r := range list(t, one(t, p, tRuleGroup, "livekit-monitoring-"+observability.LiveKitGroup("azure-aci")), "rules") {
		lk = append(lk, fmt.Sprint(r.(map[string]any)["alert"]))
	}
	if !slices.Contains(lk, observability.AlertEgressStartFailing) {
		t.Errorf("LiveKit's rules %v lack %s", lk, observability.AlertEgressStartFailing)
	}
}
