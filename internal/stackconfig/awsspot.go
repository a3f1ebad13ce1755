package stackconfig

import (
	"fmt"
	"strconv"
)

// awsSpotKeys are the ECS service's capacity provider strategy: an
// on-demand base that never runs on Fargate Spot, and the share of the
// tasks above it that do. Spot is off while awsFargateSpotWeight is 0.
var awsSpotKeys = []Key{
	{Name: "awsFargateSpotWeight", Type: "integer", Default: 0, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Weight of FARGATE_SPOT among the tasks above awsFargateOnDemandBase, 0-1000; 0 turns Fargate Spot off. A Spot interruption is a two-minute notice plus SIGTERM: the task drains for awsDrainSeconds, then its rooms end."},
	{Name: "awsFargateOnDemandBase", Type: "integer", Default: 0, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Tasks that always run on on-demand FARGATE, never on Spot; required with awsFargateSpotWeight, at least minNodes and below maxNodes."},
	{Name: "awsFargateOnDemandWeight", Type: "integer", Default: 1, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Weight of on-demand FARGATE among the tasks above awsFargateOnDemandBase, 0-1000 (0: every task above the base runs on Spot); only with awsFargateSpotWeight."},
}

func init() { Keys = append(Keys, awsSpotKeys...) }

// FargateSpot is the ECS service's capacity provider strategy; nil on an
// AWS stack without Spot.
type FargateSpot struct {
	// OnDemandBase tasks run on FARGATE before any weight applies.
	OnDemandBase int
	// OnDemandWeight and SpotWeight split the tasks above the base.
	OnDemandWeight, SpotWeight int
}

// ECS accepts capacity provider weights and bases of 0-1000 and 0-100000.
// Docs: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
const (
	maxCapacityProviderWeight = 1000
	maxCapacityProviderBase   = 100000
)

// fargateSpot reads the Spot keys. The base is required with Spot and must
// cover minNodes, so the region's floor never waits on Spot capacity nor
// drains on an interruption; it must leave room below maxNodes, or no task
// would ever run on Spot.
func (p *parser) fargateSpot(r *Region) *FargateSpot {
	spot := p.integer("awsFargateSpotWeight", 0, maxCapacityProviderWeight)
	base := p.integer("awsFargateOnDemandBase", 0, maxCapacityProviderBase)
	weight := p.integer("awsFargateOnDemandWeight", 0, maxCapacityProviderWeight)
	spotKey, baseKey, weightKey := spec("awsFargateSpotWeight").Full(), spec("awsFargateOnDemandBase").Full(), spec("awsFargateOnDemandWeight").Full()
	_, baseSet := p.raw.Values[baseKey]
	if spot == 0 || p.failed("awsFargateSpotWeight") {
		if spot == 0 && baseSet && !isDefault(spec("awsFargateOnDemandBase"), p.raw.Values[baseKey]) {
			p.fail(baseKey, strconv.Itoa(base), "has no effect while "+spotKey+" is 0 (Fargate Spot off): set "+spotKey+" to use Spot, or remove it (`pulumi config rm "+baseKey+"`)")
		}
		if v, set := p.raw.Values[weightKey]; spot == 0 && set && !isDefault(spec("awsFargateOnDemandWeight"), v) {
			p.fail(weightKey, strconv.Itoa(weight), "has no effect while "+spotKey+" is 0 (Fargate Spot off): set "+spotKey+" to use Spot, or remove it (`pulumi config rm "+weightKey+"`)")
		}
		return nil
	}
	if !baseSet {
		p.fail(baseKey, "(not set)", fmt.Sprintf("is required with %s: the on-demand tasks that never run on Spot, at least minNodes (%d)", spotKey, r.Scaling.Min))
		return nil
	}
	if p.failed("awsFargateOnDemandBase") || p.failed("minNodes") || p.failed("maxNodes") {
		return nil
	}
	switch {
	case base < r.Scaling.Min:
		p.fail(baseKey, strconv.Itoa(base), fmt.Sprintf("must be at least minNodes (%d): the region's floor must not run on Spot, where an interruption drains it and capacity may not come back", r.Scaling.Min))
	case base >= r.Scaling.Max:
		p.fail(baseKey, strconv.Itoa(base), fmt.Sprintf("must be below maxNodes (%d), or no task ever runs on Spot: lower it, raise maxNodes, or set %s to 0", r.Scaling.Max, spotKey))
	}
	return &FargateSpot{OnDemandBase: base, OnDemandWeight: weight, SpotWeight: spot}
}
