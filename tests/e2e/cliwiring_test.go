package e2e

import (
	"bytes"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/cmd/lkinfra/cli"
	"github.com/livekit-infra/livekit-infra/stacks"
)

// TestCLIRunsRealProgram is `lkinfra plan` as built by cmd/lkinfra: the CLI
// with the real stacks.Program (every kind compiled in), on committed stacks
// of every cloud and platform (azure-aci: Container Instances, offline).
func TestCLIRunsRealProgram(t *testing.T) {
	for stack, want := range map[string]string{
		"aws-prod":   "aws:ecs/service:Service",
		"aws-eks":    "aws:eks/cluster:Cluster",
		"gcp-eu":     "gcp:container/cluster:Cluster",
		"azure-asia": "azure-native:containerservice/v20240801:ManagedCluster",
		"azure-aci":  "azure:containerservice/group:Group",
	} {
		var out, errb bytes.Buffer
		code := cli.Main([]string{"plan", "--stack", stack, "--dir", "../.."}, &out, &errb, stacks.Program)
		if code != 0 {
			t.Errorf("lkinfra plan --stack %s: exit %d, stderr:\n%s", stack, code, errb.String())
			continue
		}
		for _, s := range []string{"pulumi:pulumi:Stack", want} {
			if !strings.Contains(out.String(), s) {
				t.Errorf("lkinfra plan --stack %s: tree lacks %q", stack, s)
			}
		}
	}
}

// `lkinfra plan --stack global` works offline with the real programs: the
// regional stacks it references are planned to answer its StackReferences.
func TestCLIPlanGlobal(t *testing.T) {
	var outb, errb bytes.Buffer
	code := cli.Main([]string{"plan", "--stack", "global", "--dir", "../.."}, &outb, &errb, stacks.Program)
	out, stderr := outb.String(), errb.String()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		"livekit-infra:index:GlobalTraffic  livekit-global",
		"aws:route53/healthCheck:HealthCheck",
		`url: "wss://livekit.example.com"`,
		"worstCaseFailoverSeconds: 66",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "organization/livekit-infra/aws-prod: answered with the outputs of a plan of stack aws-prod") {
		t.Errorf("stderr: %s", stderr)
	}
}
