package engine

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/deploy"
)

// baselineRev is the commit whose program deployed the states in
// testdata/baseline (scripts/engine-baseline.sh): the last one before the
// code-health refactor of #16 (signaling files, outputs, renamed keys, the
// registry mirror, one Scaling type, ...).
const baselineRev = "98c7b73"

// baselineDeletes are the resources of the baseline deploy that this
// version removes on purpose, each with the change that removed it.
var baselineDeletes = map[string]string{
	// #22: the S3 write grant moved from the server task role to Egress.
	"aws:iam/rolePolicy:RolePolicy::livekit-task": "the LiveKit server writes no recordings; Egress holds the grant",
	// #21: no NAT gateway by default; the private subnets hold only
	// ElastiCache, which needs no internet (awsNatGateways perAz keeps them).
	"aws:ec2/eip:Eip::livekit-nat-0":               "awsNatGateways defaults to none",
	"aws:ec2/eip:Eip::livekit-nat-1":               "awsNatGateways defaults to none",
	"aws:ec2/eip:Eip::livekit-nat-2":               "awsNatGateways defaults to none",
	"aws:ec2/natGateway:NatGateway::livekit-nat-0": "awsNatGateways defaults to none",
	"aws:ec2/natGateway:NatGateway::livekit-nat-1": "awsNatGateways defaults to none",
	"aws:ec2/natGateway:NatGateway::livekit-nat-2": "awsNatGateways defaults to none",
}

// baselineReplaces are the replacements an upgrade from baselineRev may
// show: resources that are immutable by design, where a new one rolling
// out is how every change is applied.
var baselineReplaces = map[string]string{
	"aws:ecs/taskDefinition:TaskDefinition::livekit": "task definitions are immutable revisions; the service rolls onto the new one, draining each old task",
	// #22: the Egress image moved to the registry mirror, pinned by digest.
	"aws:ecs/taskDefinition:TaskDefinition::livekit-egress": "task definitions are immutable revisions; the Egress service rolls onto the new one, each old task finishing its recordings",
}

// TestNoReplaceSinceBaseline: a region deployed by the program of
// baselineRev previews against this version (with the committed stack file)
// replacing only baselineReplaces and deleting only baselineDeletes. The states
// are the engine test's own deploy at baselineRev, exported with their
// secrets and imported here into a fresh backend and project directory.
func TestNoReplaceSinceBaseline(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	base := t.TempDir()
	dir := filepath.Join(base, "project")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The engine test's project (Pulumi.yaml with the test provider as
	// project plugins) with fresh stack files: each stack init writes its
	// own data key into its file.
	for _, f := range []string{"Pulumi.yaml", "Pulumi." + credentialsStack + ".yaml", "Pulumi.aws-prod.yaml"} {
		from := filepath.Join(e.dir, f)
		if f != "Pulumi.yaml" {
			from = filepath.Join(e.root, f)
		}
		if err := copyFile(from, filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	env := maps.Clone(e.cliEnv)
	env["PULUMI_BACKEND_URL"] = "file://" + filepath.Join(base, "backend")
	if err := os.MkdirAll(filepath.Join(base, "backend"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, stack := range []string{credentialsStack, "aws-prod"} {
		if out, err := e.pulumiIn(dir, env, "stack", "init", stack, "--secrets-provider", e.vault.SecretsProvider()); err != nil {
			t.Fatalf("stack init %s: %v\n%s", stack, err, out)
		}
		state := importable(t, filepath.Join(e.root, "tests/engine/testdata/baseline", stack+".json"),
			filepath.Join(dir, "Pulumi."+stack+".yaml"), e.vault.SecretsProvider(), base)
		if out, err := e.pulumiIn(dir, env, "stack", "import", "--stack", stack, "--file", state); err != nil {
			t.Fatalf("importing the %s baseline state: %v\n%s", stack, err, out)
		}
	}

	all := &logs{}
	o := e.options(all, "aws-prod")
	o.Dir, o.Env = dir, env
	rep, err := deploy.Preview(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	record(t, all, rep)
	noStackErrors(t, rep)
	var creates, updates int
	for _, c := range rep.Stacks[0].Changes {
		key := c.Type + "::" + c.Name
		switch c.Op {
		case deploy.OpReplace:
			if _, ok := baselineReplaces[key]; !ok {
				t.Errorf("%s %s would be replaced (%v) after upgrading from %s", c.Type, c.Name, c.ReplaceReasons, baselineRev)
			}
		case deploy.OpDelete:
			if _, ok := baselineDeletes[key]; !ok {
				t.Errorf("%s %s would be deleted after upgrading from %s, and is not in baselineDeletes", c.Type, c.Name, baselineRev)
			}
		case deploy.OpCreate:
			creates++
		case deploy.OpUpdate:
			updates++
		}
	}
	// Every baseline resource is met again (same, updated, replaced or
	// deleted), not created anew: the preview ran against the import.
	sum := rep.Stacks[0].Summary
	if met, want := sum[deploy.OpSame]+sum[deploy.OpUpdate]+sum[deploy.OpReplace]+sum[deploy.OpDelete], baselineCount(t, e.root, "aws-prod"); met < want {
		t.Errorf("summary %v: %d of the baseline's %d resources met again (was the state imported?)", sum, met, want)
	}
	t.Logf("upgrade from %s: %d creates, %d updates; summary %v", baselineRev, creates, updates, rep.Stacks[0].Summary)
	for key := range baselineDeletes {
		typ, name, _ := strings.Cut(key, "::")
		if !slices.ContainsFunc(rep.Stacks[0].Changes, func(c deploy.Change) bool { return c.Type == typ && c.Name == name && c.Op == deploy.OpDelete }) {
			t.Errorf("baselineDeletes lists %s, which the upgrade does not delete: remove it from the list", key)
		}
	}
}

// baselineCount is the number of resources in a baseline state, less the
// stack itself and the providers (the preview summary leaves them out).
func baselineCount(t *testing.T, root, stack string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "tests/engine/testdata/baseline", stack+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var dep struct {
		Deployment struct {
			Resources []struct{ Type string } `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(b, &dep); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range dep.Deployment.Resources {
		if r.Type != "pulumi:pulumi:Stack" && !strings.HasPrefix(r.Type, "pulumi:providers:") {
			n++
		}
	}
	return n
}

// importable writes the baseline state with the new stack's secrets
// provider (its data key from the stack file stack init wrote), under which
// `pulumi stack import` encrypts the state's plaintext secrets.
func importable(t *testing.T, state, stackFile, provider, tmp string) string {
	t.Helper()
	var doc map[string]any
	b, err := os.ReadFile(stackFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	key, _ := doc["encryptedkey"].(string)
	if key == "" {
		t.Fatalf("%s has no encryptedkey after stack init", stackFile)
	}
	var dep map[string]any
	if b, err = os.ReadFile(state); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dep); err != nil {
		t.Fatal(err)
	}
	dep["deployment"].(map[string]any)["secrets_providers"] = map[string]any{
		"type": "cloud", "state": map[string]any{"url": provider, "encryptedkey": key},
	}
	out := filepath.Join(tmp, filepath.Base(state))
	if b, err = json.Marshal(dep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// pulumiIn runs the pulumi CLI in dir with env.
func (e *env) pulumiIn(dir string, env map[string]string, args ...string) (string, error) {
	c := *e
	c.dir, c.cliEnv = dir, env
	return c.pulumi(args...)
}
