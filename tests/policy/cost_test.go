package policy

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks"
)

// TestEveryPlanIsPriced fails when a resource of any committed stack, or of
// a feature variant of it, has no entry in the price data (internal/cost/prices)
// and is not declared free there, or when its entry cannot price it (an
// instance size without a price): `lkinfra cost` would list it as unpriced.
// The failure names the file and the entry to add (DEVELOPERS.md, "Cost").
func TestEveryPlanIsPriced(t *testing.T) {
	cat, err := cost.Load()
	if err != nil {
		t.Fatal(err)
	}
	readme := &readmeCostChecker{rows: readmeCosts(t), seen: map[string]bool{}}
	t.Cleanup(func() { readme.done(t) }) // after the parallel subtests
	sweep(t, func(t *testing.T, j sweepJob, sc *plan.StackConfig, p *plan.Plan) {
		e := cat.Estimate(p, cost.Options{Regions: cost.RegionsFromConfig(sc.Config), Config: sc.Config})
		if j.variant == "" {
			readme.check(t, j.stack, e)
		}
		seen := map[string]bool{}
		for _, r := range e.Unpriced {
			if seen[r.Type+r.Unpriced] {
				continue
			}
			seen[r.Type+r.Unpriced] = true
			t.Errorf("%s %s: %s", r.Type, r.Name, r.Unpriced)
		}
		if kindOf(sc) != "credentials" && e.Total.Min <= 0 {
			t.Errorf("a %s stack priced at %v a month: the price data prices nothing of it", kindOf(sc), e.Total.Min)
		}
		// ACI offers no TURN (turnTls is off there): no relayed media to price.
		aci := sc.Config[stackconfig.Namespace+":azurePlatform"] == stackconfig.AzurePlatformACI
		if k := kindOf(sc); j.variant == "" && (k == "aws" || k == "gcp" || k == "azure") {
			if !aci {
				turnPathPriced(t, e)
			}
			budgetCoversEstimate(t, j.stack, sc, e)
		}
	})
}

// turnPathPriced: TURN/TLS is on in every committed regional stack, and its
// load balancer bills the relayed media (AWS NLB capacity units, GCP proxy
// data processing, the AKS load balancer's data processed). Every cloud
// prices it with the one turnDataGB assumption, never a silent zero.
func turnPathPriced(t *testing.T, e *cost.Estimate) {
	t.Helper()
	var turn float64
	var where []string
	for _, c := range e.Components {
		for _, r := range c.Resources {
			for _, l := range r.Lines {
				if l.Usage == "turnDataGB" {
					turn += l.Monthly.Min
					where = append(where, r.Type+" "+r.Name)
				}
			}
		}
	}
	// 10,000 participant-hours x 0.05 relayed x 1.35 GB = 675 GB by default.
	if len(where) == 0 || turn <= 0 {
		t.Errorf("the TURN/TLS path carries no turnDataGB line: relayed media through its load balancer is unpriced (%s)", cost.PricesDir)
	}
	if len(where) > 1 {
		t.Logf("turnDataGB shared by %v", where)
	}
}

// budgetCoversEstimate: a committed stack's monthly budget is at least its
// estimate at maxNodes, so its 100 % alert means spend beyond full
// autoscaling (gcp-eu's 3000 sat below its $4,170 estimate: a busy month
// would have looked like an overrun).
func budgetCoversEstimate(t *testing.T, stack string, sc *plan.StackConfig, e *cost.Estimate) {
	t.Helper()
	raw := sc.Config["livekit-infra:budgetMonthlyAmount"]
	if raw == "" {
		return
	}
	if cur := sc.Config["livekit-infra:budgetCurrency"]; cur != "" && cur != e.Currency {
		return // another currency: the estimate is in USD
	}
	amount, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("budgetMonthlyAmount %q: %v", raw, err)
	}
	if amount < e.Total.Max {
		t.Errorf("Pulumi.%s.yaml: livekit-infra:budgetMonthlyAmount %v is below the stack's estimate at maxNodes (%.2f %s, lkinfra cost --stack %s): raise it above full autoscaling", stack, amount, e.Total.Max, e.Currency, stack)
	}
}

// TestCostGCPForwardingRuleTier prices gcp-eu's real plan: its three
// global forwarding rules (the TURN/TLS proxy's, the one GKE's Gateway
// creates for signaling, the recordings CDN's) are within Google's first 5,
// which cost $0.025 an hour together, not each
// (https://cloud.google.com/load-balancing/pricing): 730 x $0.025 = $18.25
// a month for the three, not 3 x $18.25 = $54.75.
func TestCostGCPForwardingRuleTier(t *testing.T) {
	cat, err := cost.Load()
	if err != nil {
		t.Fatal(err)
	}
	sc := load(t, "gcp-eu", variant{})
	p, err := plan.Evaluate(sc, stacks.Program)
	if err != nil {
		t.Fatalf("planning: %v", err)
	}
	e := cat.Estimate(p, cost.Options{Regions: cost.RegionsFromConfig(sc.Config), Config: sc.Config})
	var total cost.Pair
	var rules []string
	for _, c := range e.Components {
		for _, r := range c.Resources {
			for _, l := range r.Lines {
				if strings.HasPrefix(l.Tier, "gcp-global-forwarding-rules:") {
					total.Min += l.Monthly.Min
					total.Max += l.Monthly.Max
					rules = append(rules, r.Type+" "+r.Name)
				}
			}
		}
	}
	if len(rules) != 3 {
		t.Errorf("gcp-eu's global forwarding rules priced: %v, want 3 (TURN proxy, Gateway, recordings CDN)", rules)
	}
	if math.Abs(total.Min-18.25) > 0.001 || math.Abs(total.Max-18.25) > 0.001 {
		t.Errorf("gcp-eu's forwarding rules = %+v a month, want $18.25 (730 h x $0.025 for the first 5 together)", total)
	}
}
