package azure_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const tMetricAlert = "azure:monitoring/metricAlert:MetricAlert"

// Azure Cache for Redis's, the AKS load balancer's and the recordings
// Front Door's metric alerts: documented metrics, thresholds from the alert
// keys (defaults 80 %, 80 %, 10 a minute), each scoped to the region's own
// resource and acting through the region's action group.
func TestNativeAlarms(t *testing.T) {
	check := func(t *testing.T, p *plan.Plan, memory, cpu, perMin float64) {
		t.Helper()
		group := actionGroup(t, p)
		cache := only(t, p, tRedis).ID
		checkMetricAlerts(t, p, group, []metricAlert{
			{metric: observability.AzureRedisMemory, aggregation: "Maximum", operator: "GreaterThan", threshold: memory, scope: cache},
			{metric: observability.AzureRedisCPU, aggregation: "Average", operator: "GreaterThan", threshold: cpu, scope: cache},
			{metric: observability.AzureRedisErrors, aggregation: "Total", operator: "GreaterThan", threshold: 0, scope: cache},
			{metric: observability.AzureLBHealthProbe, aggregation: "Maximum", operator: "LessThan", threshold: 100, scopeHas: "/providers/Microsoft.Network/loadBalancers/kubernetes"},
			{metric: observability.AzureFrontDoorReqs, aggregation: "Total", operator: "GreaterThan", threshold: perMin * 5, scopeHas: "Microsoft.Cdn/profiles", selects: []string{"5XX"}},
		})
	}
	asiaStack.AlarmThresholds(t, check)
}

// metricAlert is a metric alert a region must have: its documented metric,
// criterion and threshold, its one scope (exactly scope, or an ID holding
// scopeHas), and what its criteria must select (a dimension's values).
type metricAlert struct {
	metric, aggregation, operator string
	threshold                     float64
	scope, scopeHas               string
	selects                       []string
}

// checkMetricAlerts checks the region's metric alerts are exactly want:
// each on a documented Azure metric, with its criterion, threshold, scope
// and selection, acting through the region's action group and pointing at
// its runbook line.
func checkMetricAlerts(t *testing.T, p *plan.Plan, group *plan.Resource, want []metricAlert) {
	t.Helper()
	alerts := map[string]*plan.Resource{}
	for _, a := range p.ByType(tMetricAlert) {
		alerts[a.InputString("criterias[0].metricName")] = &a
	}
	for _, want := range want {
		m, ok := observability.NativeMetricByID(want.metric)
		if !ok || m.Cloud != "azure" || !strings.HasPrefix(m.Doc, "https://learn.microsoft.com/") {
			t.Fatalf("%s is not a documented Azure metric", want.metric)
		}
		a, ok := alerts[m.Name]
		if !ok {
			t.Errorf("no metric alert on %s", want.metric)
			continue
		}
		for path, w := range map[string]any{
			"criterias[0].metricNamespace": m.Namespace, "criterias[0].aggregation": want.aggregation,
			"criterias[0].operator": want.operator, "actions[0].actionGroupId": group.ID,
		} {
			if got := a.InputString(path); got != w {
				t.Errorf("%s %s = %q, want %q", m.Name, path, got, w)
			}
		}
		if v, _ := a.Input("criterias[0].threshold"); toFloat(v) != want.threshold {
			t.Errorf("%s threshold %v, want %v", m.Name, v, want.threshold)
		}
		scopes := strs(list(t, a, "scopes"))
		if len(scopes) != 1 || (want.scope != "" && scopes[0] != want.scope) || !strings.Contains(scopes[0], want.scopeHas) {
			t.Errorf("%s scopes %v, want the region's %s%s", m.Name, scopes, want.scope, want.scopeHas)
		}
		crit := jsonOf(a.Inputs["criterias"])
		for _, sel := range want.selects {
			if !strings.Contains(crit, sel) {
				t.Errorf("%s does not select %s: %s", m.Name, sel, crit)
			}
		}
		if d := a.InputString("description"); !strings.Contains(d, "docs/observability.md, ") {
			t.Errorf("%s description %q does not point at its runbook line", m.Name, d)
		}
	}
	if n := len(p.ByType(tMetricAlert)); n != len(want) {
		t.Errorf("%d metric alerts (%v), want the %d above", n, slices.Sorted(maps.Keys(alerts)), len(want))
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
