package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// Managed Service for Prometheus objects of the LiveKit namespace.
const (
	// PodMonitoringName is also the job label GMP gives the series, which
	// the rules select on.
	PodMonitoringName = observability.JobLiveKit
	// MetricsPath is LiveKit's Prometheus handler on prometheus.port.
	MetricsPath = "/metrics"
	// ScrapeInterval: GMP bills per sample; LiveKit's gauges and the rules'
	// 5-minute rates need no more.
	ScrapeInterval = "30s"
	// RulesName names the GMP Rules object.
	RulesName = "livekit-alerts"
)

// managedPrometheus declares GMP's scrape of the metrics port and the
// region's alert rules. GMP's collector runs on each node and scrapes the
// host-network pod from there, so port 6789 needs no firewall rule (the
// network opens none). A namespaced Rules object is evaluated by GMP's rule
// evaluator over this namespace's series only.
func managedPrometheus(ctx *pulumi.Context, name string, rules *observability.RuleFile, w *lkk8s.LiveKitWorkload, opts ...pulumi.ResourceOption) error {
	if _, err := objects.NewObject(ctx, name+"-metrics", &objects.ObjectArgs{
		APIVersion: "monitoring.googleapis.com/v1", Kind: "PodMonitoring", Name: PodMonitoringName, Namespace: w.Namespace,
		Spec: pulumi.Map{
			"selector": pulumi.Map{"matchLabels": pulumi.ToStringMap(lkk8s.SelectorLabels())},
			"endpoints": pulumi.Array{pulumi.Map{
				"port": pulumi.Int(livekit.PrometheusPort), "path": pulumi.String(MetricsPath), "interval": pulumi.String(ScrapeInterval),
			}},
		},
	}, opts...); err != nil {
		return err
	}
	if rules == nil {
		return nil
	}
	spec, err := RulesSpec(*rules)
	if err != nil {
		return err
	}
	_, err = objects.NewObject(ctx, name+"-alert-rules", &objects.ObjectArgs{
		APIVersion: "monitoring.googleapis.com/v1", Kind: "Rules", Name: RulesName, Namespace: w.Namespace,
		Spec: pulumi.ToMap(spec),
	}, opts...)
	return err
}

// RulesSpec is a GMP Rules spec: the rule file's groups, as rendered.
func RulesSpec(rules observability.RuleFile) (map[string]any, error) {
	doc, err := rules.YAML()
	if err != nil {
		return nil, err
	}
	var spec map[string]any
	if err := yaml.Unmarshal([]byte(doc), &spec); err != nil {
		return nil, fmt.Errorf("gcp: rules spec: %w", err)
	}
	return spec, nil
}
