package e2e

// One identity for every region (#15): the committed regional stacks serve
// the credentials stack's key set, prove it with a fingerprint, keep every
// secret out of their outputs, and the global stack refuses regions that
// disagree. Rotation is proven on a real LiveKit node.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/twitchtv/twirp"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	awsstack "github.com/livekit-infra/livekit-infra/stacks/aws"
	"github.com/livekit-infra/livekit-infra/stacks/credentials"
	globalstack "github.com/livekit-infra/livekit-infra/stacks/global"
)

// renderedKeys is the `keys:` map of a rendered config.
func renderedKeys(t testing.TB, rendered string) livekit.KeySet {
	t.Helper()
	keys, _ := parseConfig(t, rendered)["keys"].(map[string]any)
	set := livekit.KeySet{}
	for id, v := range keys {
		s, _ := v.(string)
		set[id] = s
	}
	return set
}

func credentialsPlan(t testing.TB, dir string) *plan.Plan {
	t.Helper()
	sc, err := plan.LoadStackConfig(dir, "credentials")
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Evaluate(sc, credentials.Program)
	if err != nil {
		t.Fatalf("planning the credentials stack: %v", err)
	}
	return p
}

func TestEveryRegionServesTheSharedKeySet(t *testing.T) {
	want := credentialsPlan(t, repoRoot).Outputs[credentials.OutputFingerprint]
	if fp, _ := want.(string); !strings.HasPrefix(fp, "APIlivekit1:") {
		t.Fatalf("credentials stack fingerprint %v, want one for the committed key APIlivekit1", want)
	}
	var first livekit.KeySet
	for _, rs := range regionStacks {
		p := regionPlan(t, rs)
		if got := p.Outputs[components.OutputAPIKeyFingerprint]; got != want || p.OutputIsSecret(components.OutputAPIKeyFingerprint) {
			t.Errorf("%s: %s = %v (secret %v), want the credentials stack's %v in plain text",
				rs.Stack, components.OutputAPIKeyFingerprint, got, p.OutputIsSecret(components.OutputAPIKeyFingerprint), want)
		}
		// Token servers read the cloud's secret store; no output is secret.
		if len(p.SecretOutputs) != 0 {
			t.Errorf("%s: secret outputs %v, want none", rs.Stack, p.SecretOutputs)
		}
		rendered, err := rs.Config.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		keys := renderedKeys(t, rendered)
		if keys.Fingerprint() != want {
			t.Errorf("%s: the rendered keys' fingerprint %s differs from the exported one", rs.Stack, keys.Fingerprint())
		}
		if first == nil {
			first = keys
		} else if keys.Fingerprint() != first.Fingerprint() || keys["APIlivekit1"] != first["APIlivekit1"] {
			t.Errorf("%s serves other keys than %s", rs.Stack, regionStacks[0].Stack)
		}
	}
}

func TestMissingCredentialsStackNamesTheKey(t *testing.T) {
	sc := loadStack(t, "aws-prod")
	sc.Config["livekit-infra:credentialsStack"] = "organization/livekit-infra/no-such-stack"
	_, err := plan.Evaluate(sc, awsstack.Program)
	if err == nil {
		t.Fatal("a region pointing at a missing credentials stack planned")
	}
	for _, w := range []string{"livekit-infra:credentialsStack", "no-such-stack", "deploy the credentials stack before the regions"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q:\n%v", w, err)
		}
	}
}

// The global stack compares the regions' fingerprints offline: equal ones
// plan, and a region with its own key is refused, naming the regions.
func TestGlobalRefusesDifferentKeySets(t *testing.T) {
	refs := map[string]map[string]any{}
	for _, rs := range regionStacks {
		refs["organization/livekit-infra/"+rs.Stack] = regionPlan(t, rs).ReferenceOutputs()
	}
	evalGlobal := func() (*plan.Plan, error) {
		var opts []plan.Option
		for name, outs := range refs {
			opts = append(opts, plan.WithStackReference(name, outs))
		}
		return plan.Evaluate(loadStack(t, "global"), globalstack.Program, opts...)
	}
	p, err := evalGlobal()
	if err != nil {
		t.Fatalf("the committed regions serve one key set, yet global refuses: %v", err)
	}
	if p.Outputs[components.OutputAPIKeyFingerprint] != regionPlan(t, regionStacks[0]).Outputs[components.OutputAPIKeyFingerprint] {
		t.Errorf("global exports %v, want the regions' common fingerprint", p.Outputs[components.OutputAPIKeyFingerprint])
	}

	// azure-asia with its own, generated key.
	sc := loadStack(t, "azure-asia")
	delete(sc.Config, "livekit-infra:credentialsStack")
	var azure regionStack
	for _, rs := range regionStacks {
		if rs.Stack == "azure-asia" {
			azure = rs
		}
	}
	own, err := plan.Evaluate(sc, azure.Program)
	if err != nil {
		t.Fatal(err)
	}
	refs["organization/livekit-infra/azure-asia"] = own.ReferenceOutputs()
	_, err = evalGlobal()
	if err == nil {
		t.Fatal("global planned with a region serving another key set")
	}
	for _, w := range []string{"different API key sets", "aws-prod, gcp-eu serve", "azure-asia serve", "401", "credentialsStack"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q:\n%v", w, err)
		}
	}
}

// projectWithCredentials is a copy of the project (Pulumi.yaml and the
// region's stack file) whose credentials stack lists keyIDs.
func projectWithCredentials(t *testing.T, region string, keyIDs ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi." + region + ".yaml"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	body := "config:\n  livekit-infra:kind: credentials\n  livekit-infra:domain: example.com\n  livekit-infra:zoneId: Z0123456789EXAMPLE\n" +
		"  livekit-infra:apiKeys: [" + strings.Join(keyIDs, ", ") + "]\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.credentials.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// renderedWith plans aws-prod against a credentials stack listing keyIDs
// and returns its rendered config.
func renderedWith(t *testing.T, keyIDs ...string) string {
	t.Helper()
	dir := projectWithCredentials(t, "aws-prod", keyIDs...)
	sc, err := plan.LoadStackConfig(dir, "aws-prod")
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Evaluate(sc, awsstack.Program)
	if err != nil {
		t.Fatalf("planning aws-prod with keys %v: %v", keyIDs, err)
	}
	body, err := regionStacks[0].Config.Find(p)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// accepted reports whether a real node accepts a token signed with key:
// a RoomService call with it succeeds, or fails with 401.
func accepted(t *testing.T, n *liveKitNode, key, secret string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := lksdk.NewRoomServiceClient(n.URL, key, secret).ListRooms(ctx, nil)
	if err == nil {
		return true
	}
	var te twirp.Error
	if errors.As(err, &te) && te.Code() == twirp.Unauthenticated {
		return false
	}
	t.Fatalf("ListRooms with key %s: %v (want success or 401)", key, err)
	return false
}

// Rotation through config alone, on a real node with each rendered config:
// during the overlap tokens of both keys are accepted; once the old key is
// removed its tokens are refused and the new key's still work. A key keeps
// its secret when another is added or removed.
func TestKeyRotationOnRealNodes(t *testing.T) {
	before := renderedKeys(t, renderedWith(t, "APIlivekit1"))
	overlapBody := renderedWith(t, "APIlivekit1", "APIlivekit2")
	overlap := renderedKeys(t, overlapBody)
	afterBody := renderedWith(t, "APIlivekit2")
	after := renderedKeys(t, afterBody)
	if len(overlap) != 2 || overlap["APIlivekit1"] != before["APIlivekit1"] || after["APIlivekit2"] != overlap["APIlivekit2"] || len(after) != 1 {
		t.Fatalf("keys: before %v, overlap %v, after %v: want the old key kept through the overlap and the new one kept after it",
			before.IDs(), overlap.IDs(), after.IDs())
	}

	certs := newTestTLS(t)
	doc := parseConfig(t, overlapBody)
	rds := startRedis(t, certs, redisOptions{Password: configString(doc, "redis.password")})
	target := rds.target(certs)

	step(t, "overlap: tokens of both keys are accepted", func(t *testing.T) {
		cfg, _ := loopbackConfig(t, overlapBody, target)
		n := startLiveKit(t, cfg)
		waitHealth(t, n, 200)
		for _, id := range []string{"APIlivekit1", "APIlivekit2"} {
			if !accepted(t, n, id, overlap[id]) {
				t.Errorf("a token signed with %s was refused during the overlap", id)
			}
		}
		n.Stop()
	})
	step(t, "after removing the old key: its tokens are refused, the new key's accepted", func(t *testing.T) {
		cfg, _ := loopbackConfig(t, afterBody, target)
		n := startLiveKit(t, cfg)
		waitHealth(t, n, 200)
		if accepted(t, n, "APIlivekit1", overlap["APIlivekit1"]) {
			t.Error("a token signed with the removed key APIlivekit1 was accepted")
		}
		if !accepted(t, n, "APIlivekit2", after["APIlivekit2"]) {
			t.Error("a token signed with APIlivekit2 was refused")
		}
		n.Stop()
	})
}
