package azure_test

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Egress joins the region's scrape (#22 item 4, #18): the metrics add-on
// reads one custom scrape ConfigMap, which carries a livekit-egress job
// beside LiveKit's: the Egress pods of their namespace (chart labels) at
// their pod IP on the port the rendered Egress config serves metrics on,
// with the region's labels. The Egress namespace admits that port from the
// add-on's collector pods only (TestEgressNetworkPolicies), and the Egress
// rule group is deployed beside LiveKit's
// (TestPrometheusRuleGroupsAreTheRenderedRules).
func TestEgressScrapeJob(t *testing.T) {
	p := asia(t)
	var cm *plan.Resource
	for _, r := range p.ByType(tConfigMap) {
		if r.InputString("metadata.name") == azurec.ScrapeConfigMap {
			cm = &r
		}
	}
	if cm == nil {
		t.Fatalf("no ConfigMap %s", azurec.ScrapeConfigMap)
	}
	var cfg observability.PrometheusConfig
	if err := yaml.Unmarshal([]byte(cm.InputString("data."+azurec.ScrapeConfigKey)), &cfg); err != nil {
		t.Fatal(err)
	}
	var job *observability.ScrapeConfig
	for i, j := range cfg.ScrapeConfigs {
		if j.JobName == observability.JobEgress {
			job = &cfg.ScrapeConfigs[i]
		}
	}
	if job == nil {
		t.Fatalf("no %s job among %+v", observability.JobEgress, cfg.ScrapeConfigs)
	}

	// The port the rendered Egress config serves metrics on.
	sec := one(t, p, tSecret, "livekit-egress-config")
	raw, _ := sec.RawInput(`stringData["config.yaml"]`)
	var egressCfg struct {
		PrometheusPort int `yaml:"prometheus_port"`
	}
	if err := yaml.Unmarshal([]byte(raw.(string)), &egressCfg); err != nil || egressCfg.PrometheusPort == 0 {
		t.Fatalf("Egress config prometheus_port: %v", err)
	}

	if len(job.KubernetesSDConfigs) != 1 || job.KubernetesSDConfigs[0].Role != "pod" || job.KubernetesSDConfigs[0].Namespaces == nil ||
		!reflect.DeepEqual(job.KubernetesSDConfigs[0].Namespaces.Names, []string{egressNS}) {
		t.Errorf("discovery %+v, want the pods of namespace %s", job.KubernetesSDConfigs, egressNS)
	}
	keep, addr, labels := map[string]string{}, "", map[string]string{}
	for _, r := range job.RelabelConfigs {
		switch {
		case r.Action == "keep":
			keep[r.SourceLabels[0]] = r.Regex
		case r.TargetLabel == "__address__":
			addr = r.Replacement
		case len(r.SourceLabels) == 0:
			labels[r.TargetLabel] = r.Replacement
		}
	}
	if keep["__meta_kubernetes_pod_label_app_kubernetes_io_name"] != "egress" || keep["__meta_kubernetes_pod_label_app_kubernetes_io_instance"] != "egress" {
		t.Errorf("keep rules %v: want the egress chart's pods only", keep)
	}
	if want := "${1}:" + itoa(egressCfg.PrometheusPort); addr != want {
		t.Errorf("address %q, want the pod IP on the rendered prometheus_port (%s)", addr, want)
	}
	region, _ := asiaRules(t)
	if !reflect.DeepEqual(labels, region.Labels()) {
		t.Errorf("series labels %v, want %v", labels, region.Labels())
	}
	if region.Egress == nil {
		t.Error("azure-asia runs Egress but renders no Egress rules")
	}
	// The add-on is the scraper the policy admits.
	if azurec.AddonCollector.NamespaceLabels["kubernetes.io/metadata.name"] != azurec.AddonNamespace ||
		!strings.HasPrefix(azurec.AddonCollector.PodLabels["rsName"], "ama-metrics") {
		t.Errorf("the policy's scraper %+v is not the add-on's collector", azurec.AddonCollector)
	}
}
