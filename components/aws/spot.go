package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// Capacity providers of a Fargate cluster.
const (
	CapacityFargate     = "FARGATE"
	CapacityFargateSpot = "FARGATE_SPOT"
)

// FargateSpot places the LiveKit tasks on Fargate Spot above an on-demand
// base. A Spot task gets a two-minute interruption notice as SIGTERM, which
// LiveKit turns into a drain (stopTimeout, at most 120 s), then its rooms
// end: the base keeps the region's floor off Spot.
type FargateSpot struct {
	// OnDemandBase tasks always run on FARGATE; at least Scaling.Min and
	// below Scaling.Max.
	OnDemandBase int
	// OnDemandWeight and SpotWeight (0-1000, SpotWeight > 0) split the
	// tasks above the base.
	OnDemandWeight, SpotWeight int
}

func (s *FargateSpot) check(e *components.ArgErrors, min, max int) {
	if s == nil {
		return
	}
	if s.SpotWeight < 1 || s.SpotWeight > 1000 || s.OnDemandWeight < 0 || s.OnDemandWeight > 1000 {
		e.Add("Spot weights %d (Spot) and %d (on-demand) must be 0-1000 with a Spot weight of at least 1; leave Spot nil to run on FARGATE only", s.SpotWeight, s.OnDemandWeight)
	}
	if s.OnDemandBase < min || s.OnDemandBase >= max {
		e.Add("Spot OnDemandBase %d must be at least Scaling.Min (%d) and below Scaling.Max (%d)", s.OnDemandBase, min, max)
	}
}

// capacityProviders associates FARGATE and FARGATE_SPOT with the cluster
// (a service's strategy may only name the cluster's providers) and returns
// the service's strategy. The base sits on FARGATE: ECS allows a base on one
// provider of a strategy only.
func capacityProviders(ctx *pulumi.Context, name string, cluster *ecs.Cluster, s *FargateSpot, parent pulumi.ResourceOption) (*ecs.ClusterCapacityProviders, ecs.ServiceCapacityProviderStrategyArray, error) {
	cp, err := ecs.NewClusterCapacityProviders(ctx, name, &ecs.ClusterCapacityProvidersArgs{
		ClusterName:       cluster.Name,
		CapacityProviders: pulumi.StringArray{pulumi.String(CapacityFargate), pulumi.String(CapacityFargateSpot)},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return cp, ecs.ServiceCapacityProviderStrategyArray{
		&ecs.ServiceCapacityProviderStrategyArgs{CapacityProvider: pulumi.String(CapacityFargate), Base: pulumi.Int(s.OnDemandBase), Weight: pulumi.Int(s.OnDemandWeight)},
		&ecs.ServiceCapacityProviderStrategyArgs{CapacityProvider: pulumi.String(CapacityFargateSpot), Weight: pulumi.Int(s.SpotWeight)},
	}, nil
}
