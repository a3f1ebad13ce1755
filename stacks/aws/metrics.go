package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// managedPrometheus declares the region's AMP workspace with the rendered
// rules. A collector scrapes LiveKit (the Fargate sidecar, the EKS managed
// scraper); neither can probe GET /, so the 406 rules are left out and the
// target group's health check (the unhealthy-targets and
// no-healthy-target alarms) sees a node that lost Redis.
func managedPrometheus(ctx *pulumi.Context, s *stackconfig.Stack, name string) (*awsc.ManagedPrometheus, observability.Region, error) {
	obs := regional.Observability(s)
	obs.NoHealthProbe = true
	rules, err := obs.Rules()
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

// RegionRemoteWrite is the name of the region's own workspace among the
// collector's remote-write targets.
const RegionRemoteWrite = "region"

// remoteWrite is where the region's collector sends LiveKit's series: its
// own workspace. The global stack's central view is appended here.
func remoteWrite(s *stackconfig.Stack, prom *awsc.ManagedPrometheus) []awsc.RemoteWriteTarget {
	return []awsc.RemoteWriteTarget{{
		Name: RegionRemoteWrite, URL: prom.RemoteWriteURL, Region: s.AWS.Region, WorkspaceArn: prom.WorkspaceArn,
	}}
}

// prometheusOutputs are the stack outputs of the region's workspace: where
// to query it (awscurl, Grafana's Amazon Managed Service for Prometheus
// data source) and what may write to it.
func prometheusOutputs(prom *awsc.ManagedPrometheus, out pulumi.Map) pulumi.Map {
	out["prometheusQueryUrl"] = prom.Endpoint
	out["prometheusWorkspaceArn"] = prom.WorkspaceArn
	return out
}
