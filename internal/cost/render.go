package cost

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Money formats an amount with its currency.
func Money(v float64, currency string) string {
	s := fmt.Sprintf("%.2f", v)
	if currency == "USD" || currency == "" {
		return "$" + s
	}
	return s + " " + currency
}

// Write prints the estimate for a terminal: per component and resource,
// the total at minNodes and maxNodes, the assumptions, what is unpriced and
// the cost per participant-hour.
func (e *Estimate) Write(w io.Writer) {
	cur := e.Currency
	e.writeIncomplete(w)
	fmt.Fprintf(w, "Monthly estimate for stack %s (%s), %s, prices of %s\n", e.Stack, e.regionText(), cur, e.datesText())
	fmt.Fprintf(w, "%-78s %12s %12s\n", "", fmt.Sprintf("minNodes=%d", e.Nodes.Min), fmt.Sprintf("maxNodes=%d", e.Nodes.Max))
	for _, c := range e.Components {
		if c.Monthly.Max == 0 && c.Monthly.Min == 0 {
			continue
		}
		fmt.Fprintf(w, "%-78s %12s %12s\n", c.Component, Money(c.Monthly.Min, cur), Money(c.Monthly.Max, cur))
		for _, r := range c.Resources {
			if len(r.Lines) == 0 {
				continue
			}
			fmt.Fprintf(w, "  %-76s %12s %12s\n", clip(r.Type+" "+r.Name, 76), Money(r.Monthly.Min, cur), Money(r.Monthly.Max, cur))
			for _, l := range r.Lines {
				q := trimNum(l.Quantity.Min)
				if l.Quantity.Min != l.Quantity.Max {
					q += "-" + trimNum(l.Quantity.Max)
				}
				label := fmt.Sprintf("%s: %s %s x %s", l.Item, q, l.Unit, priceText(l.UnitPrice, cur))
				if l.Usage != "" {
					label += " [assumption " + l.Usage + "]"
				}
				fmt.Fprintf(w, "    %-74s %12s %12s\n", clip(label, 74), Money(l.Monthly.Min, cur), Money(l.Monthly.Max, cur))
				if l.Tier != "" {
					fmt.Fprintf(w, "      tier: %s\n", l.Tier)
				}
			}
		}
	}
	total := "Total"
	if len(e.MissingPriceFiles) > 0 {
		total = "Total of the priced resources only (INCOMPLETE, see the top)"
	}
	fmt.Fprintf(w, "%-78s %12s %12s\n", total, Money(e.Total.Min, cur), Money(e.Total.Max, cur))
	free := 0
	for _, c := range e.Components {
		for _, r := range c.Resources {
			if r.Free != "" {
				free++
			}
		}
	}
	fmt.Fprintf(w, "\n%d resources cost nothing by themselves (see --json for each reason).\n", free)
	if len(e.Unpriced) > 0 {
		fmt.Fprintf(w, "\nUnpriced (NOT in the totals): %d resources\n", len(e.Unpriced))
		for _, r := range e.Unpriced {
			fmt.Fprintf(w, "  %s %s: %s\n", r.Type, r.Name, r.Unpriced)
		}
	}
	fmt.Fprintln(w, "\nAssumptions (set with --assume NAME=VALUE):")
	for _, l := range e.Assumptions.Lines() {
		fmt.Fprintln(w, "  "+l)
	}
	if pp := e.PerParticipantHour; pp != nil {
		fmt.Fprintf(w, "\nCost per participant-hour at full autoscaling: %s\n", priceText(pp.PerHour, cur))
		fmt.Fprintf(w, "  %d nodes x %g participants x %d h = %s participant-hours a month for %s\n  (the total at maxNodes with mediaEgressGB and turnDataGB derived from those participant-hours, every other assumption as above)\n",
			pp.Nodes, pp.ParticipantsPerNode, HoursPerMonth, trimNum(pp.ParticipantHours), Money(pp.Monthly, cur))
		fmt.Fprintf(w, "  participants per node: %s\n", pp.Basis)
		fmt.Fprintf(w, "  of which media sent to participants: %s (every per-GB charge on mediaEgressGB)\n", priceText(pp.MediaPerHour, cur))
	}
}

// writeIncomplete says, before anything else, that a region has no price
// file: the estimate then prices only what the global files cover.
func (e *Estimate) writeIncomplete(w io.Writer) {
	if len(e.MissingPriceFiles) == 0 {
		return
	}
	priced := 0
	for _, c := range e.Components {
		for _, r := range c.Resources {
			if r.Free == "" {
				priced++
			}
		}
	}
	for _, m := range e.MissingPriceFiles {
		have := "none yet"
		if len(m.Existing) > 0 {
			have = strings.Join(m.Existing, ", ")
		}
		fmt.Fprintf(w, "INCOMPLETE: no price file for %s region %s: %s/%s does not exist (%s has %s).\n", m.Cloud, m.Region, PricesDir, m.File, m.Cloud, have)
	}
	fmt.Fprintf(w, "  Add one as DEVELOPERS.md, \"Cost\" describes (every price read for this region at its public source).\n"+
		"  Until then the total below covers only the %d resources the global price files price; %d resources are\n"+
		"  unpriced (listed below), and the node counts, read through the missing file's scalers, show 0.\n\n",
		priced, len(e.Unpriced))
}

// Lines lists the assumptions, one "name = value: what" each.
func (a Assumptions) Lines() []string {
	out := []string{
		fmt.Sprintf("participantHours = %s: %s", trimNum(a.ParticipantHours), UsageHelp["participantHours"]),
		fmt.Sprintf("egressGBPerParticipantHour = %s: %s", trimNum(a.EgressGBPerParticipantHour), UsageHelp["egressGBPerParticipantHour"]),
		fmt.Sprintf("turnRelayShare = %s: %s", trimNum(a.TURNRelayShare), UsageHelp["turnRelayShare"]),
		fmt.Sprintf("turnGBPerRelayedParticipantHour = %s: %s", trimNum(a.TURNGBPerRelayedParticipantHour), UsageHelp["turnGBPerRelayedParticipantHour"]),
	}
	if a.ParticipantsPerNode > 0 {
		out = append(out, fmt.Sprintf("participantsPerNode = %s: %s", trimNum(a.ParticipantsPerNode), UsageHelp["participantsPerNode"]))
	}
	for _, k := range slices.Sorted(maps.Keys(a.Usage)) {
		v := trimNum(a.usage(k))
		if a.derived(k) {
			v += " (derived)"
		}
		out = append(out, fmt.Sprintf("%s = %s: %s", k, v, UsageHelp[k]))
	}
	return out
}

func (e *Estimate) regionText() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(e.Regions.By)) {
		parts = append(parts, k+" "+e.Regions.By[k])
	}
	if len(parts) == 0 {
		return e.Regions.Kind
	}
	return strings.Join(parts, ", ")
}

func (e *Estimate) datesText() string {
	seen := map[string]bool{}
	var out []string
	for _, f := range e.PriceFiles {
		if d := e.PriceDates[f]; !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return "(none used)"
	}
	if len(e.MissingPriceFiles) > 0 {
		return strings.Join(out, ", ") + " (" + strings.Join(e.PriceFiles, ", ") + " only)"
	}
	return strings.Join(out, ", ")
}

func priceText(v float64, cur string) string {
	s := trimNum(v)
	if cur == "USD" || cur == "" {
		return "$" + s
	}
	return s + " " + cur
}

func trimNum(v float64) string {
	s := fmt.Sprintf("%.6f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
