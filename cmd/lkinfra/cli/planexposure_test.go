package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// `lkinfra plan` warns, on every run, about a control plane left open to
// any address by its explicit opt-in (#17 items 6 and 7), and says nothing
// when the stack lists its authorized ranges.
func TestPlanWarnsOnPublicControlPlane(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"Pulumi.yaml":        "name: livekit-infra\nruntime: go\n",
		"Pulumi.asia.yaml":   "config:\n  livekit-infra:kind: azure\n  livekit-infra:azureAllowPublicApi: true\n",
		"Pulumi.eu.yaml":     "config:\n  livekit-infra:kind: gcp\n  livekit-infra:gcpAllowPublicApi: \"true\"\n",
		"Pulumi.closed.yaml": "config:\n  livekit-infra:kind: azure\n  livekit-infra:azureApiAuthorizedIpRanges: [\"203.0.113.0/24\"]\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := func(*pulumi.Context) (pulumi.Map, error) { return pulumi.Map{}, nil }
	for stack, want := range map[string]string{
		"asia": "lkinfra plan: warning: livekit-infra:azureAllowPublicApi = true: the AKS API server accepts connections from any address",
		"eu":   "lkinfra plan: warning: livekit-infra:gcpAllowPublicApi = true: the GKE control plane's public endpoint accepts connections from any address",
	} {
		code, _, stderr := runCLI(t, empty, "plan", "--stack", stack, "--dir", dir)
		if code != 0 || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stderr lacks %q:\n%s", stack, code, want, stderr)
		}
	}
	if _, _, stderr := runCLI(t, empty, "plan", "--stack", "closed", "--dir", dir); strings.Contains(stderr, "any address") {
		t.Errorf("a stack with authorized ranges warned:\n%s", stderr)
	}
}
