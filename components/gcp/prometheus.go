package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
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

// gmpTarget is what GMP watches in one namespace: the pods selector
// picks, scraped on port, and the rules evaluated over their series.
type gmpTarget struct {
	Namespace pulumi.StringInput
	Selector  map[string]string
	Port      int
	// PodMonitoring and Rules name the objects (the PodMonitoring's name
	// is the series' job label).
	PodMonitoring, Rules string
}

// managedPrometheus declares GMP's scrape of t's metrics port and, with
// rules, the alert rules. GMP's collector runs on each node and scrapes
// the pod from there, so the port needs no firewall rule (the network
// opens none). A namespaced Rules object is evaluated by GMP's rule
// evaluator over this namespace's series only.
func managedPrometheus(ctx *pulumi.Context, name string, t gmpTarget, rules *observability.RuleFile, opts ...pulumi.ResourceOption) error {
	if _, err := objects.NewObject(ctx, name+"-metrics", &objects.ObjectArgs{
		APIVersion: "monitoring.googleapis.com/v1", Kind: "PodMonitoring", Name: t.PodMonitoring, Namespace: t.Namespace,
		Spec: pulumi.Map{
			"selector": pulumi.Map{"matchLabels": pulumi.ToStringMap(t.Selector)},
			"endpoints": pulumi.Array{pulumi.Map{
				"port": pulumi.Int(t.Port), "path": pulumi.String(MetricsPath), "interval": pulumi.String(ScrapeInterval),
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
		APIVersion: "monitoring.googleapis.com/v1", Kind: "Rules", Name: t.Rules, Namespace: t.Namespace,
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
