package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// `lkinfra plan` names every pinned version past its end of support or
// within 90 days of it, with the key and the date, from the committed table
// (offline).
func TestPlanWarnsOnPinnedVersions(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"Pulumi.yaml": "name: livekit-infra\nruntime: go\n",
		"Pulumi.asia.yaml": "config:\n  livekit-infra:kind: azure\n" +
			"  livekit-infra:azureKubernetesVersion: \"1.35\"\n  livekit-infra:azureCertManagerChartVersion: v1.21.2\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := func(*pulumi.Context) (pulumi.Map, error) { return pulumi.Map{}, nil }
	defer func(f func() time.Time) { planNow = f }(planNow)

	planNow = func() time.Time { return time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC) }
	code, _, stderr := runCLI(t, empty, "plan", "--stack", "asia", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		"lkinfra plan: warning: livekit-infra:azureKubernetesVersion = 1.35: AKS Kubernetes 1.35 ends on 2027-03-31, in 75 days",
		"livekit-infra:azureRedisSku = Standard:",
		"livekit-infra:azureCertManagerChartVersion = v1.21.2: cert-manager 1.21 ends on 2027-03-31 (estimated), in 75 days",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	planNow = func() time.Time { return time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC) }
	if _, _, stderr = runCLI(t, empty, "plan", "--stack", "asia", "--dir", dir); strings.Contains(stderr, "azureKubernetesVersion") {
		t.Errorf("1.35 warned 115 days before its end:\n%s", stderr)
	}
}
