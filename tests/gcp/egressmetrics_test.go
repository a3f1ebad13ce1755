package gcp_test

import (
	"reflect"
	"strings"
	"testing"

	gcpc "github.com/livekit-infra/livekit-infra/components/gcp"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// Egress joins the region's scrape and alerts (#22 item 4, #18): GMP's
// PodMonitoring of the Egress pods is named after the job the Egress rules
// select (livekit-egress) and scrapes the port the rendered Egress config
// serves metrics on; the Egress rule group is a Rules object in the Egress
// namespace (GMP evaluates it over that namespace's series), equal to the
// rendered group; and no firewall rule opens the metrics or health port
// (GMP's collector scrapes from the pod's own node, the kubelet probes the
// health port from there).
func TestEgressScrapeAndRules(t *testing.T) {
	p := stackPlan(t)
	_, _, cfg := egressSecret(t, p)
	pm := one(t, p, tPodMonitor, "livekit-egress-metrics")
	expect(t, pm, map[string]any{
		"metadata.name":          observability.JobEgress,
		"metadata.namespace":     egressNS,
		"spec.endpoints[0].port": cfg.PrometheusPort,
	})
	if !descendantOf(p, pm, tEgress) {
		t.Error("the Egress PodMonitoring is not part of the Egress component")
	}

	rules := one(t, p, tRules, "livekit-egress-alert-rules")
	expect(t, rules, map[string]any{"metadata.name": gcpc.EgressRulesName, "metadata.namespace": egressNS})
	got, doc := rulesSpec(t, rules)
	want, _ := gcpEURules(t).Split(observability.EgressGroup("gcp-eu"))
	if len(want.Groups) != 1 || !reflect.DeepEqual(got, want) {
		t.Errorf("Egress Rules spec differs from the rendered Egress group:\n%s", doc)
	}
	for _, r := range got.AllRules() {
		if !strings.Contains(r.Expr, `job="`+observability.JobEgress+`"`) {
			t.Errorf("%s reads %s, not the PodMonitoring's job", r.Alert, r.Expr)
		}
	}

	tcpPortsClosed(t, p, "Egress's port", cfg.PrometheusPort, cfg.HealthPort)
}
