package azure_test

import (
	"encoding/json"
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
		caches := p.ByType(tRedis)
		if len(caches) != 1 {
			t.Fatalf("%d Redis caches", len(caches))
		}
		alerts := map[string]*plan.Resource{}
		for _, a := range p.ByType(tMetricAlert) {
			alerts[a.InputString("criterias[0].metricName")] = &a
		}
		for _, want := range []struct {
			metric, aggregation, operator string
			threshold                     float64
			scope                         string
		}{
			{observability.AzureRedisMemory, "Maximum", "GreaterThan", memory, caches[0].ID},
			{observability.AzureRedisCPU, "Average", "GreaterThan", cpu, caches[0].ID},
			{observability.AzureRedisErrors, "Total", "GreaterThan", 0, caches[0].ID},
			{observability.AzureLBHealthProbe, "Maximum", "LessThan", 100, "/providers/Microsoft.Network/loadBalancers/kubernetes"},
			{observability.AzureFrontDoorReqs, "Total", "GreaterThan", perMin * 5, "Microsoft.Cdn/profiles"},
		} {
			m, ok := observability.NativeMetricByID(want.metric)
			if !ok || m.Cloud != "azure" || !strings.HasPrefix(m.Doc, "https://") {
				t.Fatalf("%s is not a documented Azure metric", want.metric)
			}
			a, ok := alerts[m.Name]
			if !ok {
				t.Errorf("no metric alert on %s", want.metric)
				continue
			}
			if ns := a.InputString("criterias[0].metricNamespace"); ns != m.Namespace {
				t.Errorf("%s namespace %q, want %q", m.Name, ns, m.Namespace)
			}
			if g := a.InputString("criterias[0].aggregation"); g != want.aggregation {
				t.Errorf("%s aggregation %q, want %q", m.Name, g, want.aggregation)
			}
			if o := a.InputString("criterias[0].operator"); o != want.operator {
				t.Errorf("%s operator %q, want %q", m.Name, o, want.operator)
			}
			if v, _ := a.Input("criterias[0].threshold"); toFloat(v) != want.threshold {
				t.Errorf("%s threshold %v, want %v", m.Name, v, want.threshold)
			}
			scopes := strs(list(t, a, "scopes"))
			if len(scopes) != 1 || !strings.Contains(scopes[0], want.scope) {
				t.Errorf("%s scopes %v, want the region's %s", m.Name, scopes, want.scope)
			}
			if got := a.InputString("actions[0].actionGroupId"); got != group.ID {
				t.Errorf("%s acts through %q, want the region's action group %s", m.Name, got, group.ID)
			}
			if d := a.InputString("description"); !strings.Contains(d, "docs/observability.md, ") {
				t.Errorf("%s description %q does not point at its runbook line", m.Name, d)
			}
		}
		if fd := alerts["RequestCount"]; fd != nil && !strings.Contains(jsonOf(fd.Inputs["criterias"]), `5XX`) {
			t.Errorf("Front Door alert does not select HttpStatusGroup 5XX: %s", jsonOf(fd.Inputs["criterias"]))
		}
		if len(alerts) != 5 {
			t.Errorf("%d metric alerts, want 5", len(alerts))
		}
	}
	asiaStack.AlarmThresholds(t, check)
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case nil:
		return 0
	}
	return -1
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
