package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// regionDashboard declares the region's CloudWatch dashboard from the one
// definition (regional.Dashboard), scoped to its cache, its ALB and its
// platform's nodes (scope carries the ECS service or the EKS node group).
func regionDashboard(ctx *pulumi.Context, s *stackconfig.Stack, name string, redis *awsc.RedisCache, prom *awsc.ManagedPrometheus, scope awsc.DashboardScope) (*awsc.Dashboard, error) {
	board, err := regional.Dashboard(s)
	if err != nil {
		return nil, err
	}
	scope.RedisReplicationGroupID = redis.ReplicationGroupID
	scope.RedisNodes = s.AWS.Redis.Nodes
	scope.PrometheusQueryURL = prom.Endpoint
	return awsc.NewDashboard(ctx, name+"-dashboard", &awsc.DashboardArgs{
		DashboardArgs: components.DashboardArgs{Dashboard: board},
		Name:          awsc.DashboardName(s.Name),
		Region:        s.AWS.Region,
		Scope:         scope,
	})
}
