package azure_test

import (
	"testing"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/observability"
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
	_, cfg, _ := scrapeConfig(t, p)
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
	_, _, egressCfg := egressSecret(t, p)
	if egressCfg.PrometheusPort == 0 {
		t.Fatal("the Egress config sets no prometheus_port")
	}

	// The pod IP on the rendered prometheus_port.
	checkPodJob(t, *job, egressNS, map[string]string{"name": "egress", "instance": "egress"}, egressCfg.PrometheusPort)
	region, _ := asiaRules(t)
	if region.Egress == nil {
		t.Error("azure-asia runs Egress but renders no Egress rules")
	}
	// The add-on is the scraper the policy admits: its replica set's pods
	// are labelled rsName: ama-metrics (Azure/prometheus-collector's
	// addon chart, ama-metrics-deployment.yaml); rsName
	// ama-metrics-operator-targets is the target allocator, which scrapes
	// nothing.
	if azurec.AddonCollector.NamespaceLabels["kubernetes.io/metadata.name"] != azurec.AddonNamespace ||
		azurec.AddonCollector.PodLabels["rsName"] != "ama-metrics" || len(azurec.AddonCollector.PodLabels) != 1 {
		t.Errorf("the policy's scraper %+v is not the add-on's collector", azurec.AddonCollector)
	}
}
