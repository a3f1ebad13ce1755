package gcp_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/gcp"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The region's audit logs: a log bucket in the region kept 90 days and the
// sink routing the subnet's flow logs and GKE's control-plane logs into it.
func ExampleNewAuditLogs() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *gcp.Network) (pulumi.Map, error) {
		logs, err := gcp.NewAuditLogs(ctx, "livekit-logs", &gcp.AuditLogsArgs{
			Project: "example-project", Region: "europe-west1", RetentionDays: 90,
			Flow: true, SubnetName: network.SubnetName,
			ControlPlane: true, ClusterName: pulumi.String("livekit"),
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"bucket": logs.Bucket}, nil
	})
	bucket := p.ByType("gcp:logging/projectBucketConfig:ProjectBucketConfig")[0]
	location, _ := bucket.Input("location")
	days, _ := bucket.Input("retentionDays")
	sink := p.ByType("gcp:logging/projectSink:ProjectSink")[0]
	filter, _ := sink.Input("filter")
	fmt.Println("bucket in", location, "kept", days, "days; sinks:", len(p.ByType("gcp:logging/projectSink:ProjectSink")))
	fmt.Println(filter)
	// Output:
	// bucket in europe-west1 kept 90 days; sinks: 1
	// (log_id("compute.googleapis.com/vpc_flows") AND resource.type="gce_subnetwork" AND resource.labels.subnetwork_name="livekit") OR (resource.type="k8s_control_plane_component" AND resource.labels.cluster_name="livekit" AND resource.labels.location="europe-west1")
}

// The region's Cloud Monitoring dashboard: the one definition of
// components/observability (LiveKit's series through Managed Prometheus)
// with Memorystore's and GKE's own metrics beside them.
func ExampleNewDashboard() {
	region := observability.Region{Stack: "dev", Cloud: "gcp", Region: "europe-west1",
		MaxNodes: 10, CPUTargetPercent: 70, SysloadLimitPercent: 90, NodeVCPUs: 3, NoHealthProbe: true}
	board, err := region.Dashboard(observability.NativePanelsOn("gcp", ""))
	if err != nil {
		panic(err)
	}
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		dash, err := gcp.NewDashboard(ctx, "livekit-dashboard", &gcp.DashboardArgs{
			DashboardArgs: components.DashboardArgs{Dashboard: board},
			Project:       "example-project",
			Scope: gcp.NativeScope{
				RedisInstanceID: pulumi.String("projects/example-project/locations/europe-west1/instances/livekit-redis"),
				ClusterName:     pulumi.String("livekit"), Region: "europe-west1",
			},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"dashboard": dash.DashboardID}, nil
	})
	body, _ := p.ByType("gcp:monitoring/dashboard:Dashboard")[0].Input("dashboardJson")
	var d struct {
		DisplayName  string
		MosaicLayout struct {
			Tiles []struct{ Widget map[string]json.RawMessage }
		}
	}
	if err := json.Unmarshal([]byte(body.(string)), &d); err != nil {
		panic(err)
	}
	rows, charts := 0, 0
	for _, t := range d.MosaicLayout.Tiles {
		if _, ok := t.Widget["collapsibleGroup"]; ok {
			rows++
		} else {
			charts++
		}
	}
	fmt.Println(d.DisplayName, "rows:", rows, "charts:", charts)
	fmt.Println("PromQL queries:", strings.Count(body.(string), `"prometheusQuery"`),
		"Memorystore charts:", strings.Count(body.(string), `instances/livekit-redis\"`))
	// Output:
	// LiveKit dev (gcp europe-west1) rows: 6 charts: 19
	// PromQL queries: 12 Memorystore charts: 4
}
