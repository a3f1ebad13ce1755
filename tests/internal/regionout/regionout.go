// Package regionout checks the outputs every regional stack shares
// (stacks/regional.Outputs) on a plan, the same way for each cloud.
package regionout

import (
	"fmt"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// Check asserts that p, the plan of a regional stack of cloud serving
// hostname, exports every shared output, none of them secret, with the
// values the global stack and token servers rely on.
func Check(t *testing.T, p *plan.Plan, cloud, hostname string) {
	t.Helper()
	for _, k := range regional.SharedOutputKeys() {
		if _, ok := p.Outputs[k]; !ok {
			t.Errorf("output %s missing: every regional stack exports it (stacks/regional.Outputs)", k)
		}
		if p.OutputIsSecret(k) {
			t.Errorf("output %s is a secret; other stacks read it and it holds nothing secret", k)
		}
	}
	exact := map[string]any{
		components.OutputCloud:           cloud,
		components.OutputHostname:        hostname,
		components.OutputURL:             "wss://" + hostname,
		components.OutputHealthURL:       "https://" + hostname + livekit.HealthPath,
		components.OutputHealthCheckPath: livekit.HealthPath,
		components.OutputLiveKitVersion:  livekit.Version,
	}
	for k, want := range exact {
		if got := p.Outputs[k]; got != want {
			t.Errorf("output %s = %v, want %v", k, got, want)
		}
	}
	lo, hi := fmt.Sprint(p.Outputs[components.OutputMinNodes]), fmt.Sprint(p.Outputs[components.OutputMaxNodes])
	var min, max int
	if _, err := fmt.Sscan(lo, &min); err != nil || min < 1 {
		t.Errorf("output %s = %s, want a node count of at least 1", components.OutputMinNodes, lo)
	}
	if _, err := fmt.Sscan(hi, &max); err != nil || max < min {
		t.Errorf("output %s = %s, want at least %s = %d", components.OutputMaxNodes, hi, components.OutputMinNodes, min)
	}
}
