package azure_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
)

// The shared LiveKit workload runs on the LiveKit pool with host
// networking, pinned chart and image, the drain period as grace period,
// autoscaling bounds from config, and no secret in its chart values.
func TestWorkloadChartValues(t *testing.T) {
	p := asia(t)
	w := only(t, p, tWorkload)
	if _, ok := p.ByURN(w.Parent); !ok || !within(p, w, components.MediaClusterType) {
		t.Error("the LiveKit workload is not part of the MediaCluster")
	}
	ch := one(t, p, tChart, "livekit")
	if !within(p, ch, tWorkload) {
		t.Fatal("the livekit chart is not the workload's")
	}
	for path, want := range map[string]string{
		"chart":                   "livekit-server",
		"version":                 "1.9.0",
		"repositoryOpts.repo":     "https://helm.livekit.io",
		"values.image.repository": acrMirror(t, p) + "/livekit/livekit-server",
		"values.image.tag":        "v1.13.5",
		`values.nodeSelector["kubernetes.azure.com/agentpool"]`: "livekit",
		"values.resources.requests.cpu":                         "3",
		"values.resources.requests.memory":                      "8Gi",
		"values.loadBalancer.type":                              "disable",
	} {
		if got := str(t, ch, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if !boolean(t, ch, "values.podHostNetwork") {
		t.Error("LiveKit pods are not on the host network: media could not reach the node IP")
	}
	for path, want := range map[string]int{
		"values.terminationGracePeriodSeconds":              18000,
		"values.autoscaling.minReplicas":                    3,
		"values.autoscaling.maxReplicas":                    10,
		"values.autoscaling.targetCPUUtilizationPercentage": 70,
		"values.livekit.rtc.port_range_start":               50000,
		"values.livekit.rtc.port_range_end":                 60000,
		"values.livekit.rtc.tcp_port":                       7881,
	} {
		if got := num(t, ch, path); got != want {
			t.Errorf("%s = %d, want %d", path, got, want)
		}
	}
	lk, _ := ch.Input("values.livekit")
	b, _ := json.Marshal(lk)
	for _, bad := range []string{"keys", "redis", "password", "secret"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("chart values.livekit mentions %q: secrets must come from the Secret, not values: %s", bad, b)
		}
	}
	if len(ch.SecretPaths) != 0 {
		t.Errorf("chart inputs hold secrets at %v", ch.SecretPaths)
	}

	svc := one(t, p, tService, "livekit-signal")
	if got := str(t, svc, "spec.type"); got != "ClusterIP" {
		t.Errorf("signaling Service type %s: only the ingress is public", got)
	}

	s := variantPlan(t, "sizing")
	sch := one(t, s, tChart, "livekit")
	if num(t, sch, "values.terminationGracePeriodSeconds") != 3600 || num(t, sch, "values.autoscaling.maxReplicas") != 40 {
		t.Error("sizing variant: drain or max replicas not passed to the chart")
	}
}
