package policy

import (
	"strconv"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/stacks"
)

// Every committed regional stack declares its monthly budget with the
// stack file's amount, the three thresholds and the alert address.
func TestEveryRegionalPlanHasABudget(t *testing.T) {
	for _, stack := range committedStacks(t) {
		sc := load(t, stack, variant{})
		want := map[string]string{"aws": "aws:budgets/budget:Budget", "gcp": "gcp:billing/budget:Budget", "azure": "azure:consumption/budgetResourceGroup:BudgetResourceGroup"}[kindOf(sc)]
		if want == "" {
			continue
		}
		t.Run(stack, func(t *testing.T) {
			p, err := plan.Evaluate(sc, stacks.Program)
			if err != nil {
				t.Fatal(err)
			}
			var b *plan.Resource
			for i := range p.Resources {
				if p.Resources[i].Type == want {
					if b != nil {
						t.Fatalf("two %s", want)
					}
					b = &p.Resources[i]
				}
			}
			if b == nil {
				t.Fatalf("no %s in the plan", want)
			}
			// Inside the region's Budget component, itself at the top.
			parent := false
			for _, r := range p.Resources {
				if r.URN == b.Parent && r.Type == "livekit-infra:index:Budget" && !r.Custom && r.Parent == p.StackURN {
					parent = true
				}
			}
			if !parent {
				t.Errorf("%s %q has parent %s, want a livekit-infra:index:Budget at the top of the stack", b.Type, b.Name, b.Parent)
			}
			amount := sc.Config["livekit-infra:budgetMonthlyAmount"]
			in := b.Inputs
			switch kindOf(sc) {
			case "aws":
				if in["limitAmount"] != amount || in["limitUnit"] != "USD" || in["timeUnit"] != "MONTHLY" || in["budgetType"] != "COST" {
					t.Errorf("budget inputs %v, want %s USD monthly cost", in, amount)
				}
				ns, _ := in["notifications"].([]any)
				if len(ns) != 3 {
					t.Fatalf("notifications %v, want 3", ns)
				}
				for i, th := range []float64{50, 80, 100} {
					n := ns[i].(map[string]any)
					if toF(n["threshold"]) != th || n["thresholdType"] != "PERCENTAGE" || n["notificationType"] != "ACTUAL" ||
						len(n["subscriberEmailAddresses"].([]any)) != 1 || n["subscriberEmailAddresses"].([]any)[0] != "finops@example.com" {
						t.Errorf("notification %d = %v", i, n)
					}
				}
			case "gcp":
				spec := in["amount"].(map[string]any)["specifiedAmount"].(map[string]any)
				if spec["units"] != amount || spec["currencyCode"] != "USD" || in["billingAccount"] != sc.Config["livekit-infra:gcpBillingAccount"] {
					t.Errorf("budget inputs %v", in)
				}
				rules, _ := in["thresholdRules"].([]any)
				if len(rules) != 3 || toF(rules[1].(map[string]any)["thresholdPercent"]) != 0.8 {
					t.Errorf("threshold rules %v, want 0.5, 0.8, 1", rules)
				}
				projects := in["budgetFilter"].(map[string]any)["projects"].([]any)
				if len(projects) != 1 {
					t.Errorf("budget filter %v, want the stack's project", projects)
				}
				chans := in["allUpdatesRule"].(map[string]any)["monitoringNotificationChannels"].([]any)
				if len(chans) != 1 {
					t.Errorf("notification channels %v, want one per email", chans)
				}
			case "azure":
				if toF(in["amount"]) != toF(amount) || in["timeGrain"] != "Monthly" {
					t.Errorf("budget inputs %v", in)
				}
				rg, _ := in["resourceGroupId"].(string)
				if rg == "" || rg[len(rg)-len("/resourceGroups/livekit"):] != "/resourceGroups/livekit" {
					t.Errorf("scope %q, want the region's resource group", rg)
				}
				ns, _ := in["notifications"].([]any)
				if len(ns) != 3 || toF(ns[2].(map[string]any)["threshold"]) != 100 {
					t.Errorf("notifications %v", ns)
				}
			}
		})
	}
}

func toF(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	case string:
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return -1
		}
		return f
	}
	return -1
}
