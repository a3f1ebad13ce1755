package deploy

import (
	"fmt"
	"strings"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// CostDiff is a stack's monthly estimate before and after the change, at
// minNodes and at maxNodes, priced with the same data and assumptions
// (internal/cost).
type CostDiff struct {
	Currency string `json:"currency"`
	// Before is nil for a new stack.
	Before *cost.Pair `json:"before,omitempty"`
	After  cost.Pair  `json:"after"`
	// Nodes are the node counts before and after.
	NodesBefore *cost.Nodes `json:"nodesBefore,omitempty"`
	NodesAfter  cost.Nodes  `json:"nodesAfter"`
	// Unpriced counts the resources of the head plan left out of After.
	Unpriced int `json:"unpriced,omitempty"`
	// MissingPriceFiles are the head's region price files that do not
	// exist (cost.Estimate.MissingPriceFiles): After is then incomplete.
	MissingPriceFiles []string `json:"missingPriceFiles,omitempty"`
	// Assumptions are the usage assumptions both sides were priced with.
	Assumptions []string `json:"assumptions"`
	PriceDates  []string `json:"priceDates,omitempty"`
}

// Delta is After minus Before (After when the stack is new).
func (c *CostDiff) Delta() cost.Pair {
	d := c.After
	if c.Before != nil {
		d.Min -= c.Before.Min
		d.Max -= c.Before.Max
	}
	return d
}

// EstimateCost prices base (nil: a new stack) and head with the same
// regions (from the head's stack config) and assumptions.
func EstimateCost(base, head *plan.Plan, cfg map[string]string, a cost.Assumptions) (*CostDiff, error) {
	cat, err := cost.Load()
	if err != nil {
		return nil, err
	}
	o := cost.Options{Regions: cost.RegionsFromConfig(cfg), Assumptions: a}
	after := cat.Estimate(head, o)
	cd := &CostDiff{Currency: after.Currency, After: after.Total, NodesAfter: after.Nodes, Unpriced: len(after.Unpriced),
		Assumptions: after.Assumptions.Lines()}
	for _, m := range after.MissingPriceFiles {
		cd.MissingPriceFiles = append(cd.MissingPriceFiles, m.File)
	}
	for _, f := range after.PriceFiles {
		cd.PriceDates = append(cd.PriceDates, f+" "+after.PriceDates[f])
	}
	if base != nil {
		before := cat.Estimate(base, o)
		cd.Before, cd.NodesBefore = &before.Total, &before.Nodes
	}
	return cd, nil
}

// costSection is the monthly estimate of every stack that has one.
func (r *Report) costSection() string {
	var rows []string
	var assumptions []string
	var dates []string
	for _, s := range r.Stacks {
		c := s.Cost
		if c == nil {
			continue
		}
		before := "new stack"
		if c.Before != nil {
			before = pairText(*c.Before, c.Currency)
		}
		d := c.Delta()
		delta := fmt.Sprintf("%s / %s", signed(d.Min, c.Currency), signed(d.Max, c.Currency))
		if d.Min != 0 || d.Max != 0 {
			delta = "**" + delta + "**"
		}
		nodes := fmt.Sprintf("%d-%d", c.NodesAfter.Min, c.NodesAfter.Max)
		if c.NodesBefore != nil && *c.NodesBefore != c.NodesAfter {
			nodes = fmt.Sprintf("%d-%d → %d-%d", c.NodesBefore.Min, c.NodesBefore.Max, c.NodesAfter.Min, c.NodesAfter.Max)
		}
		unpriced := ""
		if c.Unpriced > 0 {
			unpriced = fmt.Sprintf(" (%d unpriced)", c.Unpriced)
		}
		if len(c.MissingPriceFiles) > 0 {
			unpriced = fmt.Sprintf(" (incomplete: no price file %s; %d unpriced)", strings.Join(c.MissingPriceFiles, ", "), c.Unpriced)
		}
		rows = append(rows, fmt.Sprintf("| `%s` | %s | %s | %s%s | %s |", escapeCell(s.Stack), nodes, before, pairText(c.After, c.Currency), unpriced, delta))
		if assumptions == nil {
			assumptions = c.Assumptions
		}
		dates = append(dates, c.PriceDates...)
	}
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### 💰 Monthly estimate (at minNodes / at maxNodes)\n\n")
	b.WriteString("| Stack | Nodes | Before | After | Difference |\n|---|---|---|---|---|\n")
	b.WriteString(strings.Join(rows, "\n") + "\n\n")
	fmt.Fprintf(&b, "<details><summary>Assumptions and price data (`lkinfra cost --stack NAME` itemises)</summary>\n\n%s\n\nPrices: %s\n</details>\n\n",
		"- "+strings.Join(assumptions, "\n- "), strings.Join(uniq(dates), ", "))
	return b.String()
}

func pairText(p cost.Pair, cur string) string {
	return cost.Money(p.Min, cur) + " / " + cost.Money(p.Max, cur)
}

func signed(v float64, cur string) string {
	if v < 0 {
		return "−" + cost.Money(-v, cur)
	}
	return "+" + cost.Money(v, cur)
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
