package azure

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// The AKS metrics add-on (Azure Monitor managed Prometheus) reads custom
// scrape jobs from this ConfigMap in kube-system; its cluster-wide collector
// (the ama-metrics replica set) runs them.
const (
	ScrapeConfigMap     = "ama-metrics-prometheus-config"
	ScrapeConfigKey     = "prometheus-config"
	AddonNamespace      = "kube-system"
	MetricsPath         = "/metrics"
	AddonScrapeInterval = "30s"
)

// ScrapeConfigYAML is the add-on's custom scrape config for the region:
// LiveKit's pods in its namespace, at their (host-network) pod IP on
// prometheus.port, with the region's labels on every series; in a region
// with Egress (region.Egress), also the Egress pods of their namespace on
// prometheus_port (job livekit-egress; the add-on reads one ConfigMap, so
// both jobs live here).
func ScrapeConfigYAML(region observability.Region) (string, error) {
	job, err := region.PodScrapeConfig(lkk8s.DefaultNamespace, lkk8s.SelectorLabels(), livekit.PrometheusPort, MetricsPath, AddonScrapeInterval)
	if err != nil {
		return "", err
	}
	jobs := []observability.ScrapeConfig{job}
	if region.Egress != nil {
		eg, err := region.EgressPodScrapeConfig(lkk8s.EgressNamespace, lkk8s.EgressSelectorLabels(), livekit.EgressPrometheusPort, MetricsPath, AddonScrapeInterval)
		if err != nil {
			return "", err
		}
		jobs = append(jobs, eg)
	}
	return observability.MarshalYAML(struct {
		Global        map[string]string            `yaml:"global"`
		ScrapeConfigs []observability.ScrapeConfig `yaml:"scrape_configs"`
	}{map[string]string{"scrape_interval": AddonScrapeInterval}, jobs})
}

// managedPrometheusScrape declares the add-on's scrape of LiveKit's metrics
// port. The collector runs inside the cluster and reaches the node over the
// VNet; the media NSG admits nothing on 6789 from the internet.
func managedPrometheusScrape(ctx *pulumi.Context, name string, region observability.Region, opts ...pulumi.ResourceOption) error {
	doc, err := ScrapeConfigYAML(region)
	if err != nil {
		return err
	}
	_, err = objects.NewConfigMap(ctx, name+"-metrics-scrape", ScrapeConfigMap, pulumi.String(AddonNamespace),
		map[string]string{ScrapeConfigKey: doc}, opts...)
	return err
}
