package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/aws/ekscluster"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// managedPrometheus declares the region's AMP workspace with the rendered
// rules (regional.ManagedRules: without the 406 rules, the target group's
// health check and the unhealthy-targets and no-healthy-target alarms see
// a node that lost Redis).
func managedPrometheus(ctx *pulumi.Context, s *stackconfig.Stack, name string) (*awsc.ManagedPrometheus, observability.Region, error) {
	obs, rules, err := regional.ManagedRules(s)
	if err != nil {
		return nil, obs, err
	}
	prom, err := awsc.NewManagedPrometheus(ctx, name+"-prometheus", &awsc.ManagedPrometheusArgs{
		Region:           s.AWS.Region,
		Rules:            rules,
		LogRetentionDays: s.Region.LogRetentionDays,
		Protect:          s.Protect,
	})
	return prom, obs, err
}

// eksPrometheus declares an EKS region's workspace and its AMP managed
// collector: the LiveKit pods of the workload's namespace at their
// host-network pod IP (the node's address) on prometheus.port, reached
// from the scraper's own security group only.
func eksPrometheus(ctx *pulumi.Context, s *stackconfig.Stack, name string, network *awsc.Network, cluster *ekscluster.MediaCluster) (*awsc.ManagedPrometheus, error) {
	obs, rules, err := regional.ManagedRules(s)
	if err != nil {
		return nil, err
	}
	job, err := obs.PodScrapeConfig(lkk8s.DefaultNamespace, lkk8s.SelectorLabels(), livekit.PrometheusPort, "/metrics", observability.CollectorScrapeInterval)
	if err != nil {
		return nil, err
	}
	job.MetricRelabelConfigs = []observability.RelabelConfig{{SourceLabels: []string{"__name__"}, Regex: observability.CollectorKeep, Action: "keep"}}
	// A managed collector writes to one workspace: the central view gets a
	// second one, writing through AMP's cross-account role configuration.
	var central *awsc.CentralScrape
	if c := s.Region.CentralMetrics; c.On() {
		arn, err := awsc.CentralWorkspaceArn(c.RemoteWriteURL, c.WriterRoleARN)
		if err != nil {
			return nil, err
		}
		central = &awsc.CentralScrape{WorkspaceArn: arn, WriterRoleARN: c.WriterRoleARN}
	}
	var egress *awsc.ScrapeTarget
	if s.Region.Egress.Enabled {
		// Egress pods take VPC addresses on nodes in the Network's Egress
		// group, which admits the metrics port from the scraper only.
		eg, err := obs.EgressPodScrapeConfig(lkk8s.EgressNamespace, lkk8s.EgressSelectorLabels(), livekit.EgressPrometheusPort, "/metrics", observability.CollectorScrapeInterval)
		if err != nil {
			return nil, err
		}
		egress = &awsc.ScrapeTarget{Scrape: eg, Namespace: lkk8s.EgressNamespace, SecurityGroupID: network.EgressSecurityGroupID, Port: livekit.EgressPrometheusPort}
	}
	return awsc.NewManagedPrometheus(ctx, name+"-prometheus", &awsc.ManagedPrometheusArgs{
		Region:           s.AWS.Region,
		Rules:            rules,
		LogRetentionDays: s.Region.LogRetentionDays,
		Protect:          s.Protect,
		Scraper: &awsc.ScraperArgs{
			ClusterArn: cluster.ClusterArn, ClusterName: cluster.ClusterName,
			VpcID: network.NetworkID, SubnetIDs: network.PrivateSubnetIDs,
			NodeSecurityGroupID: network.MediaFirewallID, ClusterSecurityGroupID: cluster.ClusterSecurityGroupID,
			MetricsPort: livekit.PrometheusPort, Namespace: lkk8s.DefaultNamespace, Scrape: job, Egress: egress,
			Central: central,
		},
	})
}

// egressCollector is the metrics sidecar of the Egress tasks (nil without
// Egress): the LiveKit tasks' collector image and remote-write targets,
// scraping the worker's prometheus_port on localhost as job
// livekit-egress.
func egressCollector(s *stackconfig.Stack, obs observability.Region, prom *awsc.ManagedPrometheus, image string) (*awsc.Collector, error) {
	if !s.Region.Egress.Enabled {
		return nil, nil
	}
	scrape, err := obs.EgressSidecarScrape(livekit.EgressPrometheusPort)
	if err != nil {
		return nil, err
	}
	return &awsc.Collector{Image: image, Scrape: scrape, RemoteWrite: remoteWrite(s, prom)}, nil
}

// RegionRemoteWrite is the name of the region's own workspace among the
// collector's remote-write targets.
const RegionRemoteWrite = "region"

// CentralRemoteWrite names the global stack's central view among them.
const CentralRemoteWrite = "central"

// remoteWrite is where the region's collector sends LiveKit's series: its
// own workspace and, once the region is pointed at it
// (centralMetricsRemoteWriteUrl), the central view, signed as the region's
// writer role, which the task role assumes.
func remoteWrite(s *stackconfig.Stack, prom *awsc.ManagedPrometheus) []awsc.RemoteWriteTarget {
	targets := []awsc.RemoteWriteTarget{{
		Name: RegionRemoteWrite, URL: prom.RemoteWriteURL, Region: s.AWS.Region, WorkspaceArn: prom.WorkspaceArn,
	}}
	if c := s.Region.CentralMetrics; c.On() {
		targets = append(targets, awsc.RemoteWriteTarget{
			Name: CentralRemoteWrite, URL: pulumi.String(c.RemoteWriteURL),
			Region: observability.AMPRegion(c.RemoteWriteURL), AssumeRoleARN: c.WriterRoleARN,
		})
	}
	return targets
}

// metricsWriter is the region's identity for the global stack's writer
// role: the role its collector writes to the central view as.
func metricsWriter(roleArn pulumi.StringOutput) pulumi.StringMap {
	return pulumi.StringMap{components.MetricsWriterRoleARN: roleArn}
}

// prometheusOutputs are the stack outputs of the region's workspace: where
// to query it (awscurl, Grafana's Amazon Managed Service for Prometheus
// data source) and what may write to it.
func prometheusOutputs(prom *awsc.ManagedPrometheus, out pulumi.Map) pulumi.Map {
	out["prometheusQueryUrl"] = prom.Endpoint
	out["prometheusWorkspaceArn"] = prom.WorkspaceArn
	return out
}
