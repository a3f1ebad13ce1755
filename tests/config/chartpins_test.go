package config

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// TestChartPinsAreExact: every Helm chart key takes one exact version (a
// range would let a chart release change a deployed region unreviewed);
// the charts whose tags have no v prefix refuse one.
func TestChartPinsAreExact(t *testing.T) {
	for _, c := range []struct {
		stack, key, value string
		want              []string
	}{
		{"aws-eks", "awsEksLivekitChartVersion", "^1.9", []string{`"^1.9"`, "exact chart version such as 1.9.0", "no v prefix"}},
		{"aws-eks", "awsEksLoadBalancerControllerChartVersion", "1.17", []string{`"1.17"`, "exact chart version"}},
		{"aws-eks", "awsEksClusterAutoscalerChartVersion", "v9.46.6", []string{`"v9.46.6"`, "no v prefix"}},
		{"gcp-eu", "gcpLivekitChartVersion", "~1.9.0", []string{`"~1.9.0"`, "exact chart version"}},
		{"azure-asia", "azureLivekitChartVersion", "v1.9.0", []string{`"v1.9.0"`, "no v prefix"}},
		{"azure-asia", "azureTraefikChartVersion", ">=37", []string{`">=37"`, "exact chart version"}},
		{"azure-asia", "azureCertManagerChartVersion", "1.18", []string{`"1.18"`, "exact chart version"}},
		{"gcp-eu", "egressChartVersion", "1.x", []string{`"1.x"`, "exact chart version"}},
	} {
		t.Run(c.key, func(t *testing.T) {
			sc, raw := lkcheck.StackRaw(t, repoRoot, c.stack)
			if _, err := stackconfig.Parse(sc.Stack, raw); err != nil {
				t.Fatalf("committed stack refused: %v", err)
			}
			raw.Values[ns+c.key] = c.value
			_, err := stackconfig.Parse(sc.Stack, raw)
			wantOneProblem(t, err, ns+c.key, c.want)
		})
	}
}
