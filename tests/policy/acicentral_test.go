package policy

import (
	"math"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/stacks"
)

// aciCentralKeys point azure-aci at a central view (the global stack's
// outputs, as docs/observability.md's second pass sets them).
var aciCentralKeys = map[string]string{
	"centralMetricsRemoteWriteUrl": "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f-6789-abcd-ef0123456789/api/v1/remote_write",
	"centralMetricsWriterRoleArn":  "arn:aws:iam::210987654321:role/livekit-metrics-write-azure-aci",
}

// TestCostACICentralRefresher: lkinfra cost prices the central view's
// token refresher of each LiveKit container group (0.1 vCPU and 0.5 GB at
// the group's rates, each line in cents: 3 groups x $2.96 (730 h x 0.1 x
// $0.0405) + 3 x $1.62 (730 h x 0.5 x $0.00445)), and the groups cost what they did
// without it: the refresher's share comes out of LiveKit's.
func TestCostACICentralRefresher(t *testing.T) {
	cat, err := cost.Load()
	if err != nil {
		t.Fatal(err)
	}
	price := func(v variant) (refresher map[string]float64, groups float64) {
		sc := load(t, "azure-aci", v)
		p, err := plan.Evaluate(sc, stacks.Program)
		if err != nil {
			t.Fatalf("planning: %v", err)
		}
		e := cat.Estimate(p, cost.Options{Regions: cost.RegionsFromConfig(sc.Config), Config: sc.Config})
		refresher = map[string]float64{}
		for _, c := range e.Components {
			for _, r := range c.Resources {
				if r.Type != "azure:containerservice/group:Group" || !strings.HasPrefix(r.Name, "livekit-") || strings.HasPrefix(r.Name, "livekit-egress") {
					continue
				}
				groups += r.Monthly.Min
				for _, l := range r.Lines {
					if strings.Contains(l.Item, "central token refresher") {
						refresher[l.Unit] += l.Monthly.Min
					}
				}
			}
		}
		return refresher, groups
	}
	none, plain := price(variant{})
	if len(none) != 0 {
		t.Errorf("refresher priced without the central keys: %v", none)
	}
	got, central := price(variant{set: aciCentralKeys})
	for unit, want := range map[string]float64{"vCPU-hour": 3 * 2.96, "GB-hour": 3 * 1.62} {
		if math.Abs(got[unit]-want) > 0.001 {
			t.Errorf("refresher %s = $%.4f a month, want $%.4f", unit, got[unit], want)
		}
	}
	if math.Abs(central-plain) > 0.001 || plain <= 0 {
		t.Errorf("LiveKit groups cost $%.2f with the refresher, $%.2f without: want the same (its share is LiveKit's)", central, plain)
	}
}
