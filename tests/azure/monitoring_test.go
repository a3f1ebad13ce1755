package azure_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
	"github.com/livekit-infra/livekit-infra/tests/internal/stackfile"
)

const (
	tMonitoring  = "livekit-infra:index:Monitoring"
	tActionGroup = "azure:monitoring/actionGroup:ActionGroup"
)

func actionGroup(t *testing.T, p *plan.Plan) *plan.Resource {
	t.Helper()
	g := only(t, p, tActionGroup)
	if parent, ok := p.ByURN(g.Parent); !ok || parent.Type != tMonitoring {
		t.Errorf("action group's parent is %q, want the region's Monitoring", g.Parent)
	}
	return g
}

// Every alert of azure-asia goes to one action group: an email receiver per
// alertEmails address (common alert schema), no webhook unless configured.
func TestAlarmActionGroup(t *testing.T) {
	p := asia(t)
	g := actionGroup(t, p)
	if sn := g.InputString("shortName"); sn != azurec.ActionGroupShortName || len(sn) > 12 {
		t.Errorf("shortName %q: Azure caps it at 12 characters", sn)
	}
	if loc := g.InputString("location"); loc != "global" {
		t.Errorf("location %q, want global (action groups are global)", loc)
	}
	emails, _ := g.Input("emailReceivers")
	list, _ := emails.([]any)
	if len(list) != 1 {
		t.Fatalf("email receivers %v, want the one alertEmails address", emails)
	}
	e := list[0].(map[string]any)
	if e["emailAddress"] != "oncall@example.com" || e["useCommonAlertSchema"] != true {
		t.Errorf("email receiver %v", e)
	}
	if hooks, ok := g.Input("webhookReceivers"); ok {
		if l, _ := hooks.([]any); len(l) > 0 {
			t.Errorf("webhook receivers %v without alertWebhookUrl", hooks)
		}
	}
	if rg, _ := g.Input("resourceGroupName"); rg == nil || rg == "" {
		t.Error("action group has no resource group")
	}
}

// alertWebhookUrl is a webhook receiver whose URL stays a secret.
func TestAlarmWebhookStaysSecret(t *testing.T) {
	p := variantPlan(t, "alertWebhook")
	g := actionGroup(t, p)
	if !g.IsSecret("webhookReceivers") && !g.IsSecret("webhookReceivers[0].serviceUri") {
		t.Errorf("the webhook URL is not a secret in the plan (secret paths %v)", g.SecretPaths)
	}
	v, _ := g.RawInput("webhookReceivers[0].serviceUri")
	if v != "https://hooks.example.com/T0123/webhook-token" {
		t.Errorf("webhook receiver uri = %v", v)
	}
	if c, _ := g.RawInput("webhookReceivers[0].useCommonAlertSchema"); c != true {
		t.Errorf("webhook receiver not in the common alert schema: %v", c)
	}
}

const (
	tAMW       = "azure:monitoring/workspace:Workspace"
	tDCE       = "azure:monitoring/dataCollectionEndpoint:DataCollectionEndpoint"
	tDCR       = "azure:monitoring/dataCollectionRule:DataCollectionRule"
	tDCRA      = "azure:monitoring/dataCollectionRuleAssociation:DataCollectionRuleAssociation"
	tRuleGroup = "azure:monitoring/alertPrometheusRuleGroup:AlertPrometheusRuleGroup"
	tConfigMap = "kubernetes:core/v1:ConfigMap"
)

// asiaRules is the rule file rendered from Pulumi.azure-asia.yaml, without
// the GET / probe rules (the add-on cannot probe a URL).
func asiaRules(t *testing.T) (observability.Region, observability.RuleFile) {
	t.Helper()
	return stackfile.ManagedRules(t, "../..", "azure-asia")
}

// Azure Monitor managed Prometheus: the AKS metrics add-on on, its data
// collection rule sending the Prometheus stream through the region's
// endpoint into the region's workspace, both associated with the cluster.
func TestManagedPrometheusPipeline(t *testing.T) {
	p := asia(t)
	cluster := one(t, p, tCluster, "livekit")
	if on, _ := cluster.Input("azureMonitorProfile.metrics.enabled"); on != true {
		t.Errorf("AKS metrics add-on: azureMonitorProfile.metrics.enabled = %v, want true", on)
	}
	ws, dce, dcr := only(t, p, tAMW), only(t, p, tDCE), only(t, p, tDCR)
	if got := dcr.InputString("dataCollectionEndpointId"); got != dce.ID {
		t.Errorf("rule's endpoint %q, want %q", got, dce.ID)
	}
	if got := strs(list(t, dcr, "dataSources.prometheusForwarders[0].streams")); len(got) != 1 || got[0] != azurec.PrometheusStream {
		t.Errorf("rule's streams %v, want [%s]", got, azurec.PrometheusStream)
	}
	if got := dcr.InputString("destinations.monitorAccounts[0].monitorAccountId"); got != ws.ID {
		t.Errorf("rule sends to %q, want the workspace %q", got, ws.ID)
	}
	dest := dcr.InputString("destinations.monitorAccounts[0].name")
	if got := strs(list(t, dcr, "dataFlows[0].destinations")); len(got) != 1 || got[0] != dest {
		t.Errorf("data flow to %v, want [%s]", got, dest)
	}
	assoc := map[string]string{}
	for _, a := range p.ByType(tDCRA) {
		if a.InputString("targetResourceId") != cluster.ID {
			t.Errorf("association %s targets %q, want the cluster", a.Name, a.InputString("targetResourceId"))
		}
		assoc[a.InputString("dataCollectionRuleId")+a.InputString("dataCollectionEndpointId")] = a.InputString("name")
	}
	if _, ok := assoc[dcr.ID]; !ok {
		t.Errorf("no association of the cluster with the data collection rule (%v)", assoc)
	}
	if n := assoc[dce.ID]; n != "configurationAccessEndpoint" {
		t.Errorf("endpoint association named %q, want configurationAccessEndpoint", n)
	}
}

// The rule group evaluated in the workspace is the rendered rule group:
// every rule's expression, hold time (ISO 8601), labels and annotations,
// each alert to the region's action group.
func TestPrometheusRuleGroupsAreTheRenderedRules(t *testing.T) {
	p := asia(t)
	_, want := asiaRules(t)
	groups := p.ByType(tRuleGroup)
	if len(groups) != len(want.Groups) {
		t.Fatalf("%d rule groups, want %d", len(groups), len(want.Groups))
	}
	ag := actionGroup(t, p)
	ws := p.ByType(tAMW)[0]
	var got []any
	for gi, wg := range want.Groups {
		// One group resource per rendered group (livekit-, egress-).
		g := one(t, p, tRuleGroup, "livekit-monitoring-"+wg.Name)
		if scopes := strs(list(t, g, "scopes")); !slices.Contains(scopes, ws.ID) {
			t.Errorf("rule group scopes %v lack the workspace %s", scopes, ws.ID)
		}
		if iv := g.InputString("interval"); iv != "PT1M" {
			t.Errorf("interval %q, want PT1M (the rendered 30 s, at Azure's 1-minute floor)", iv)
		}
		if g.InputString("clusterName") == "" {
			t.Error("rule group names no cluster")
		}
		deployed := list(t, g, "rules")
		got = append(got, deployed...)
		rules := want.Groups[gi].Rules
		if len(deployed) != len(rules) {
			t.Fatalf("%s: %d rules deployed, %d rendered", wg.Name, len(deployed), len(rules))
		}
		for i, r := range rules {
			at := func(f string) string { return fmt.Sprintf("rules[%d].%s", i, f) }
			forDur, _ := azurec.ISODuration(r.For)
			for path, w := range map[string]any{
				at("alert"): r.Alert, at("expression"): r.Expr, at("for"): forDur,
				at("labels.severity"): r.Labels["severity"], at("annotations.runbook"): r.Annotations["runbook"],
				at("actions[0].actionGroupId"): ag.ID, at("enabled"): true,
			} {
				if v, _ := g.Input(path); v != w {
					t.Errorf("%s %s = %v, want %v", wg.Name, path, v, w)
				}
			}
		}
	}
	for _, r := range got {
		if a := r.(map[string]any)["alert"]; a == observability.AlertNodeLostRedis || a == observability.AlertNoHealthyNode {
			t.Errorf("%s is deployed, but the add-on has no %s probe job", a, observability.JobHealth)
		}
	}
}

// scrapeConfig is the add-on's custom scrape ConfigMap and the Prometheus
// scrape config it carries (parsed, and as written).
func scrapeConfig(t *testing.T, p *plan.Plan) (*plan.Resource, observability.PrometheusConfig, string) {
	t.Helper()
	cm := planq.Where(t, p, tConfigMap, "metadata.name", azurec.ScrapeConfigMap)
	doc := cm.InputString("data." + azurec.ScrapeConfigKey)
	var cfg observability.PrometheusConfig
	if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatalf("scrape config is not YAML: %v\n%s", err, doc)
	}
	return cm, cfg, doc
}

// checkPodJob checks a scrape job of the add-on: the pods of namespace ns
// (discovered, then kept by their app.kubernetes.io labels, keep), at
// their pod IP on port, with the region's labels.
func checkPodJob(t *testing.T, job observability.ScrapeConfig, ns string, keep map[string]string, port int) {
	t.Helper()
	if len(job.KubernetesSDConfigs) != 1 || job.KubernetesSDConfigs[0].Role != "pod" ||
		job.KubernetesSDConfigs[0].Namespaces == nil || !reflect.DeepEqual(job.KubernetesSDConfigs[0].Namespaces.Names, []string{ns}) {
		t.Errorf("%s discovery %+v, want the pods of namespace %s", job.JobName, job.KubernetesSDConfigs, ns)
	}
	kept, addr, labels := map[string]string{}, "", map[string]string{}
	for _, r := range job.RelabelConfigs {
		switch {
		case r.Action == "keep":
			kept[r.SourceLabels[0]] = r.Regex
		case r.TargetLabel == "__address__":
			addr = r.Replacement
		case len(r.SourceLabels) == 0:
			labels[r.TargetLabel] = r.Replacement
		}
	}
	for label, value := range keep {
		if kept["__meta_kubernetes_pod_label_app_kubernetes_io_"+label] != value {
			t.Errorf("%s keep rules %v: want the pods of app.kubernetes.io/%s %s only", job.JobName, kept, label, value)
		}
	}
	if want := "${1}:" + strconv.Itoa(port); addr != want {
		t.Errorf("%s address %q, want the pod IP on %d", job.JobName, addr, port)
	}
	if region, _ := asiaRules(t); !reflect.DeepEqual(labels, region.Labels()) {
		t.Errorf("%s series labels %v, want %v", job.JobName, labels, region.Labels())
	}
}

// The add-on's scrape of LiveKit: the documented ConfigMap in kube-system,
// a job selecting the LiveKit pods of their namespace at pod IP:6789 with
// the region's labels, which the real promtool accepts.
func TestManagedPrometheusScrapeConfig(t *testing.T) {
	p := asia(t)
	cm, cfg, doc := scrapeConfig(t, p)
	if ns := cm.InputString("metadata.namespace"); ns != "kube-system" {
		t.Errorf("ConfigMap in %q: the add-on reads kube-system only", ns)
	}
	if len(cfg.ScrapeConfigs) != 2 || cfg.ScrapeConfigs[1].JobName != observability.JobEgress {
		t.Fatalf("scrape jobs %+v, want LiveKit's and Egress's (egressmetrics_test.go)", cfg.ScrapeConfigs)
	}
	job := cfg.ScrapeConfigs[0]
	if job.JobName != observability.JobLiveKit || job.MetricsPath != "/metrics" {
		t.Errorf("job %q path %q", job.JobName, job.MetricsPath)
	}
	checkPodJob(t, job, "livekit", map[string]string{"name": "livekit-server"}, 6789)

	promtool := os.Getenv("PROMTOOL_BIN")
	if promtool == "" {
		promtool, _ = exec.LookPath("promtool")
	}
	if promtool == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and promtool is missing")
		}
		t.Skip("promtool not found")
	}
	// Debian's Prometheus is built without Kubernetes discovery: promtool
	// checks everything else of the job (relabelling, labels, paths) with
	// the discovery swapped for a static target carrying its meta labels.
	var generic map[string]any
	if err := yaml.Unmarshal([]byte(doc), &generic); err != nil {
		t.Fatal(err)
	}
	for i, pod := range []string{"livekit-0", "egress-0"} {
		jobMap := generic["scrape_configs"].([]any)[i].(map[string]any)
		delete(jobMap, "kubernetes_sd_configs")
		jobMap["static_configs"] = []any{map[string]any{
			"targets": []string{"placeholder:1"},
			"labels": map[string]string{
				"__meta_kubernetes_pod_ip": "10.20.0.4", "__meta_kubernetes_pod_name": pod,
				"__meta_kubernetes_pod_node_name":                    "aks-livekit-0",
				"__meta_kubernetes_pod_label_app_kubernetes_io_name": "livekit-server",
			},
		}}
	}
	checked, err := yaml.Marshal(generic)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(f, checked, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", f).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s\n%s", err, out, doc)
	}
}

// Port 6789 is admitted by no NSG rule from outside the VNet: the add-on's
// collector runs in the cluster.
func TestMetricsPortNotOpen(t *testing.T) {
	p := asia(t)
	for _, nsg := range p.ByType(tNSG) {
		for _, r := range rules(t, p, &nsg) {
			if r.access != "Allow" || (r.protocol != "Tcp" && r.protocol != "*") || strings.HasPrefix(r.source, "asg:") || r.source == "VirtualNetwork" {
				continue
			}
			if portIn(r.ports, 6789) {
				t.Errorf("%s: %s admits the metrics port", nsg.Name, r)
			}
		}
	}
}

func portIn(span string, port int) bool {
	if span == "*" {
		return true
	}
	lo, hi, _ := strings.Cut(span, "-")
	l, _ := strconv.Atoi(lo)
	h := l
	if hi != "" {
		h, _ = strconv.Atoi(hi)
	}
	return l <= port && port <= h
}
