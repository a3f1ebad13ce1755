package aws_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// A Fargate region's CloudWatch dashboard: the one definition of
// components/observability with ElastiCache's, the signaling ALB's and the
// ECS service's own metrics charted, and LiveKit's series as the PromQL to
// run on the region's Managed Prometheus workspace (CloudWatch cannot
// chart them).
func ExampleNewDashboard() {
	region := observability.Region{Stack: "dev", Cloud: "aws", Region: "us-west-2",
		MaxNodes: 10, CPUTargetPercent: 70, SysloadLimitPercent: 90, NodeVCPUs: 2, NoHealthProbe: true}
	board, err := region.Dashboard(observability.NativePanelsOn("aws", ""))
	if err != nil {
		panic(err)
	}
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		dash, err := aws.NewDashboard(ctx, "livekit-dashboard", &aws.DashboardArgs{
			DashboardArgs: components.DashboardArgs{Dashboard: board},
			Name:          aws.DashboardName("dev"),
			Region:        "us-west-2",
			Scope: aws.DashboardScope{
				RedisReplicationGroupID: pulumi.String("livekit-redis"),
				RedisNodes:              2,
				LoadBalancerArnSuffix:   pulumi.String("app/livekit/0123456789abcdef"),
				TargetGroupArnSuffix:    pulumi.String("targetgroup/livekit/0123456789abcdef"),
				ECSClusterName:          pulumi.String("livekit"),
				ECSServiceName:          pulumi.String("livekit"),
				ContainerInsights:       true,
				PrometheusQueryURL:      pulumi.String("https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-example/"),
			},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"dashboard": dash.DashboardID}, nil
	})
	dash := p.ByType("aws:cloudwatch/dashboard:Dashboard")[0]
	name, _ := dash.Input("dashboardName")
	body, _ := dash.Input("dashboardBody")
	var d struct{ Widgets []struct{ Type string } }
	if err := json.Unmarshal([]byte(body.(string)), &d); err != nil {
		panic(err)
	}
	kinds := map[string]int{}
	for _, w := range d.Widgets {
		kinds[w.Type]++
	}
	fmt.Println("dashboard:", name, "metric charts:", kinds["metric"], "text widgets:", kinds["text"])
	fmt.Println("both Redis nodes charted:", strings.Contains(body.(string), `"livekit-redis-001"`) && strings.Contains(body.(string), `"livekit-redis-002"`))
	// Output:
	// dashboard: dev-livekit metric charts: 13 text widgets: 19
	// both Redis nodes charted: true
}
