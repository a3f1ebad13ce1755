package azure

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// aciAgentImage is every container group's metrics agent
// (observability.AgentImage), mirrored with LiveKit's image.
var aciAgentImage, _ = imageref.Parse(observability.AgentImage)

// aciRefresherImage is the LiveKit groups' token refresher for the central
// view (observability.ACITokenRefresherImage, from MCR), mirrored once the
// region writes there.
var aciRefresherImage, _ = imageref.ParseMCR(observability.ACITokenRefresherImage)

// aciMirrorImages are the images a Container Instances region pulls
// besides LiveKit's (and Egress's).
func aciMirrorImages(s *stackconfig.Stack) []imageref.Ref {
	images := []imageref.Ref{aciAgentImage}
	if s.Region.CentralMetrics.On() {
		images = append(images, aciRefresherImage)
	}
	return images
}

// aciMonitoring declares a Container Instances region's action group and
// Azure Monitor workspace (its rule groups scoped to the workspace alone:
// there is no cluster), and returns the container groups' metrics agent
// args: the sidecar that remote-writes LiveKit's (and Egress's) series
// there.
func aciMonitoring(ctx *pulumi.Context, name string, s *stackconfig.Stack, group pulumi.StringInput, mirror *components.RegistryMirrorOutputs) (*azurec.Monitoring, *azurec.ACIMetricsArgs, error) {
	a := s.Azure
	// The agent scrapes: Application Gateway's probe and the
	// NoHealthyBackend alarm see a 406 group.
	obs, rules, err := regional.ManagedRules(s)
	if err != nil {
		return nil, nil, err
	}
	m, err := azurec.NewMonitoring(ctx, name+"-monitoring", &azurec.MonitoringArgs{
		MonitoringArgs:    regional.MonitoringArgs(s),
		ResourceGroupName: group,
		Prometheus:        &azurec.PrometheusArgs{Location: a.Location, Rules: rules},
	})
	if err != nil {
		return nil, nil, err
	}
	image, err := regional.Image(mirror, aciAgentImage)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics agent image: %w", err)
	}
	args := &azurec.ACIMetricsArgs{Image: image, RemoteWriteURL: m.RemoteWriteURL, RuleID: m.RuleID, Region: obs}
	if c := s.Region.CentralMetrics; c.On() {
		refresher, err := regional.Image(mirror, aciRefresherImage)
		if err != nil {
			return nil, nil, fmt.Errorf("token refresher image: %w", err)
		}
		args.Central = &azurec.ACICentralArgs{
			Central:        observability.Central{URL: c.RemoteWriteURL, RoleARN: c.WriterRoleARN},
			RefresherImage: refresher,
		}
	}
	return m, args, nil
}

// aciWatch adds what watches the region once its front doors exist: the
// metric alerts (Redis, Application Gateway, the recordings' Front Door)
// and the audit logs (VNet flow logs; the gateway's access and WAF logs
// and the firewall's DNAT and network rule logs in a Log Analytics
// workspace kept logRetentionDays). The container groups' own logs are
// left out: ACI's log diagnostics take the workspace's shared key, a
// static credential (docs/azure.md, "Container Instances").
func aciWatch(ctx *pulumi.Context, name string, s *stackconfig.Stack, m *azurec.Monitoring, cluster *azurec.ACICluster,
	redis *azurec.RedisCache, recordings *azurec.Recordings, network *azurec.Network) (*azurec.AuditLogs, error) {
	r := s.Region
	var frontDoor pulumi.StringInput
	if r.Recordings.CDN {
		frontDoor = recordings.CDNProfileID
	}
	if err := m.AddNativeAlarms(ctx, name+"-monitoring", &azurec.NativeAlarms{
		AlarmThresholds: regional.AlarmThresholds(s), RedisCacheID: redis.CacheID, GatewayID: cluster.GatewayID, FrontDoorProfileID: frontDoor,
	}); err != nil {
		return nil, err
	}
	return azurec.NewAuditLogs(ctx, name+"-logs", &azurec.AuditLogsArgs{
		ResourceGroupName: network.ResourceGroupName,
		Location:          s.Azure.Location,
		RetentionDays:     r.LogRetentionDays,
		Workspace:         true,
		Flow:              r.Logs.Flow,
		VNetID:            network.NetworkID,
		CDN:               r.Logs.CDN && r.Recordings.CDN,
		CDNProfileID:      recordings.CDNProfileID,
		Gateway:           true,
		GatewayID:         cluster.GatewayID,
		Firewall:          true,
		FirewallID:        cluster.FirewallID,
		Protect:           s.Protect,
	})
}

// aciDashboard is the region's Azure Monitor workbook from the one
// dashboard definition: LiveKit's series from the workspace the agents
// write to, and where an AKS region charts its nodes and load balancer,
// each container group and Application Gateway.
func aciDashboard(ctx *pulumi.Context, name string, s *stackconfig.Stack, m *azurec.Monitoring, cluster *azurec.ACICluster,
	redis *azurec.RedisCache, recordings *azurec.Recordings, network *azurec.Network) (*azurec.Dashboard, error) {
	board, err := regional.Dashboard(s)
	if err != nil {
		return nil, err
	}
	var frontDoor pulumi.StringInput
	if s.Region.Recordings.CDN {
		frontDoor = recordings.CDNProfileID
	}
	return azurec.NewDashboard(ctx, name+"-dashboard", &azurec.DashboardArgs{
		DashboardArgs: components.DashboardArgs{Dashboard: board},
		Stack:         s.Name, Location: s.Azure.Location, ResourceGroupName: network.ResourceGroupName,
		Scope: azurec.WorkbookScope{
			WorkspaceID: m.WorkspaceID, RedisCacheID: redis.CacheID, GatewayID: cluster.GatewayID,
			ContainerGroupIDs: cluster.GroupIDs, FrontDoorProfileID: frontDoor,
		},
	})
}
