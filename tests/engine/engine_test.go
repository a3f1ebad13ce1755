package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/cost"

	"github.com/livekit-infra/livekit-infra/internal/deploy"
)

const redisType = "aws:elasticache/replicationGroup:ReplicationGroup"

// logs collects everything the tests make lkinfra print (progress, the
// pulumi CLI's own output, reports), to check no secret reaches any of it.
type logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (e *env) options(all *logs, stackNames ...string) deploy.Options {
	return deploy.Options{
		Dir:        e.dir,
		Stacks:     stackNames,
		Program:    program,
		PulumiBin:  e.pulumiBin,
		PulumiHome: e.pulumiHome,
		Env:        e.cliEnv,
		// As CI would with a cloud KMS: stacks a run creates use it.
		SecretsProvider: e.vault.SecretsProvider(),
		Parallel:        4,
		Progress:        all,
		CLIOutput:       all,
	}
}

// record renders a report both ways into the logs and returns the markdown.
func record(t *testing.T, all *logs, rep *deploy.Report) string {
	t.Helper()
	md := rep.Markdown(deploy.MarkdownOptions{})
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back deploy.Report
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("report JSON does not parse: %v", err)
	}
	all.Write([]byte(md))
	all.Write(js)
	return md
}

func noStackErrors(t *testing.T, rep *deploy.Report) {
	t.Helper()
	for _, s := range rep.Stacks {
		if s.Error != "" || s.Skipped != "" {
			t.Fatalf("stack %s: error %q, skipped %q\ndiagnostics: %v", s.Stack, s.Error, s.Skipped, s.Diagnostics)
		}
	}
}

func findChange(rep *deploy.Report, stack, typ string) (deploy.Change, bool) {
	for _, s := range rep.Stacks {
		if s.Stack != stack {
			continue
		}
		for _, c := range s.Changes {
			if c.Type == typ {
				return c, true
			}
		}
	}
	return deploy.Change{}, false
}

func propChange(c deploy.Change, path string) (deploy.PropertyChange, bool) {
	for _, p := range c.Properties {
		if p.Path == path {
			return p, true
		}
	}
	return deploy.PropertyChange{}, false
}

// TestEngine is one scenario on one backend, in order: preview of a new
// project, a failing stack, up (regional, then global), a no-op preview, a
// config change, a blocked Redis replacement, drift, and last: no secret in
// anything printed.
func TestEngine(t *testing.T) {
	e := setup(t)
	for s, why := range e.notRunnable {
		t.Logf("stack %s left out: %s", s, why)
	}
	if len(e.regional) == 0 {
		t.Fatal("no runnable regional stack")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	all := &logs{}
	t.Cleanup(func() {
		if t.Failed() {
			path := e.dir + "/../lkinfra-output.log"
			_ = os.WriteFile(path, []byte(all.String()), 0o600)
			t.Logf("everything lkinfra printed: %s", path)
		}
	})
	regional := e.regional
	everything := append(append(append([]string{credentialsStack}, regional...), e.global...), refcheckStack)

	// The regions read their API key set from the credentials stack, so
	// it is deployed first, as README "Deploying" says.
	t.Run("up: the credentials stack first", func(t *testing.T) {
		rep, err := deploy.Up(ctx, e.options(all, credentialsStack))
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, rep)
		noStackErrors(t, rep)
		outs := rep.Stacks[0].Outputs
		if fp, _ := outs["apiKeyFingerprint"].(string); !strings.HasPrefix(fp, "APIlivekit1:") {
			t.Errorf("apiKeyFingerprint = %v, want the committed key's fingerprint", outs["apiKeyFingerprint"])
		}
		if outs["apiKeys"] != "[secret]" {
			t.Errorf("apiKeys output = %v, want it masked as a secret", outs["apiKeys"])
		}
	})

	t.Run("preview of new stacks: one combined comment, a failing stack reported beside the others", func(t *testing.T) {
		rep, err := deploy.Preview(ctx, e.options(all, append(append([]string{}, regional...), brokenStack)...))
		if err != nil {
			t.Fatal(err)
		}
		md := record(t, all, rep)
		if !strings.HasPrefix(md, deploy.Marker+"\n") {
			t.Errorf("comment does not start with the hidden marker")
		}
		if strings.Count(md, deploy.Marker) != 1 {
			t.Errorf("want exactly one marker (one comment for all stacks)")
		}
		for _, s := range regional {
			sr := rep.Stacks[indexOf(rep, s)]
			if sr.Error != "" || sr.Skipped != "" {
				t.Errorf("%s: error %q, skipped %q (a failing stack must not stop the others)", s, sr.Error, sr.Skipped)
			}
			if sr.Summary[deploy.OpCreate] < 20 {
				t.Errorf("%s: summary %v, want the stack's resources created", s, sr.Summary)
			}
			if !strings.Contains(md, "| `"+s+"` | ") || !strings.Contains(md, "<b>"+s+"</b>") {
				t.Errorf("comment lacks %s's summary row or details", s)
			}
		}
		if c, ok := findChange(rep, "aws-prod", redisType); !ok || c.Op != deploy.OpCreate || c.Blocking {
			t.Errorf("aws-prod Redis change = %+v, %v; want a non-blocking create", c, ok)
		}
		if !strings.Contains(all.String(), "[aws-prod] preview finished: ") {
			t.Errorf("no progress line for aws-prod")
		}
		broken := rep.Stacks[indexOf(rep, brokenStack)]
		if !strings.Contains(broken.Error, brokenMessage) {
			t.Errorf("broken stack error = %q, want the program's error", broken.Error)
		}
		if !strings.Contains(md, "### ❌ `broken` failed") || !strings.Contains(md, brokenMessage) {
			t.Errorf("comment does not report the failure clearly:\n%s", md)
		}
		if rep.ExitCode() != deploy.ExitFailed {
			t.Errorf("exit %d, want %d", rep.ExitCode(), deploy.ExitFailed)
		}
		creates := *rep
		creates.Stacks = rep.Stacks[:len(regional)]
		if creates.ExitCode() != deploy.ExitOK {
			t.Errorf("exit %d without the failing stack, want 0 for creates only", creates.ExitCode())
		}
		// The stacks were created with the run's secrets provider: the
		// KMS-encrypted data key in the stack file, no passphrase salt.
		for _, s := range append(append([]string{}, regional...), brokenStack) {
			b, err := os.ReadFile(filepath.Join(e.dir, "Pulumi."+s+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := yaml.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if doc["secretsprovider"] != e.vault.SecretsProvider() || doc["encryptedkey"] == nil || doc["encryptionsalt"] != nil {
				t.Errorf("Pulumi.%s.yaml: secretsprovider %v, encryptedkey set %v, encryptionsalt %v; want %s, set, none",
					s, doc["secretsprovider"], doc["encryptedkey"] != nil, doc["encryptionsalt"], e.vault.SecretsProvider())
			}
		}
		if e.vault.Decrypts() == 0 {
			t.Error("no stack asked the KMS for its data key")
		}
	})

	t.Run("a failed regional stack stops the global one", func(t *testing.T) {
		o := e.options(all, brokenStack, refcheckStack)
		o.AllowDestructive = true // straight to up
		rep, err := deploy.Up(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, rep)
		if s := rep.Stacks[indexOf(rep, brokenStack)]; !strings.Contains(s.Error, brokenMessage) {
			t.Errorf("broken: %+v", s)
		}
		if s := rep.Stacks[indexOf(rep, refcheckStack)]; !strings.Contains(s.Skipped, brokenStack) || s.Error != "" {
			t.Errorf("refcheck not skipped because of broken: %+v", s)
		}
		if rep.ExitCode() != deploy.ExitFailed {
			t.Errorf("exit %d, want %d", rep.ExitCode(), deploy.ExitFailed)
		}
	})

	t.Run("up: regional first, then global reading their outputs", func(t *testing.T) {
		// Straight to up (no preview gate: every stack was just previewed);
		// the gate is exercised below, refusing Redis and passing a change.
		o := e.options(all, everything...)
		o.AllowDestructive = true
		rep, err := deploy.Up(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, rep)
		noStackErrors(t, rep)
		aws := rep.Stacks[indexOf(rep, "aws-prod")]
		url, _ := aws.Outputs["url"].(string)
		if !strings.Contains(url, "aws-prod.example.com") {
			t.Fatalf("aws-prod url output = %v", aws.Outputs["url"])
		}
		ref := rep.Stacks[indexOf(rep, refcheckStack)]
		if ref.Outputs["awsUrl"] != url {
			t.Errorf("refcheck read awsUrl %v through its StackReference, want aws-prod's url %q", ref.Outputs["awsUrl"], url)
		}
		for _, g := range e.global {
			if gs := rep.Stacks[indexOf(rep, g)]; len(gs.Outputs) == 0 {
				t.Errorf("global stack %s has no outputs", g)
			}
		}
		if rep.ExitCode() != deploy.ExitOK {
			t.Errorf("exit %d", rep.ExitCode())
		}
		if !strings.Contains(all.String(), "[aws-prod] up finished: ") {
			t.Error("no up progress line for aws-prod")
		}
		// The central metrics view's second pass, by default.
		for _, g := range e.global {
			checkCentralPass(t, e, rep, g)
			if !strings.Contains(all.String(), "[gcp-eu] central metrics: set "+keyRemoteWriteURL+" and "+keyWriterRoleARN+" in Pulumi.gcp-eu.yaml") {
				t.Error("no progress line for gcp-eu's central metrics keys")
			}
		}
	})

	t.Run("a second up changes nothing, the central metrics pass included", func(t *testing.T) {
		if len(e.global) == 0 {
			t.Skip("no runnable global stack")
		}
		before := e.stackFiles(t)
		// As an operator runs it: previewed first, no --allow-destructive.
		rep, err := deploy.Up(ctx, e.options(all, append(append([]string{credentialsStack}, regional...), e.global...)...))
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, rep)
		noStackErrors(t, rep)
		if len(rep.CentralMetrics) != len(e.global) {
			t.Fatalf("central metrics passes: %+v", rep.CentralMetrics)
		}
		checkSecondUpNoOp(t, e, rep, before)
	})

	t.Run("a checkout without the keys: up sets them before the regional phase and changes nothing", func(t *testing.T) {
		if len(e.global) == 0 {
			t.Skip("no runnable global stack")
		}
		g := e.global[0]
		wantURL, wantRole, _ := e.stackFileKeys(t, "gcp-eu")
		e.dropKeys(t, "gcp-eu", keyRemoteWriteURL, keyWriterRoleARN)
		o := e.options(all, "gcp-eu", g)
		o.AllowDestructive = true // straight to up: the no-op is in the summaries
		rep, err := deploy.Up(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, rep)
		noStackErrors(t, rep)
		if url, role, _ := e.stackFileKeys(t, "gcp-eu"); url != wantURL || role != wantRole {
			t.Errorf("gcp-eu's keys after up: %q %q, want %q %q", url, role, wantURL, wantRole)
		}
		if len(rep.CentralMetrics) != 2 || rep.CentralMetrics[0].Stage != deploy.StageBeforeRegions || rep.CentralMetrics[1].Stage != deploy.StageAfterGlobal {
			t.Fatalf("central metrics passes %+v, want one before the regions, one after global", rep.CentralMetrics)
		}
		for _, cr := range rep.CentralMetrics[0].Regions {
			if want := map[bool]string{true: deploy.CentralSet, false: deploy.CentralUnchanged}[cr.Region == "gcp-eu"]; cr.Action != want && cr.Action != deploy.CentralPending {
				t.Errorf("before the regions: %s %+v, want %s", cr.Region, cr, want)
			}
		}
		// gcp-eu was deployed once, with its keys: nothing changed.
		checkSecondUpNoOp(t, e, &deploy.Report{Stacks: rep.Stacks, CentralMetrics: rep.CentralMetrics[1:]}, nil)
	})

	t.Run("second preview shows no changes", func(t *testing.T) {
		rep, err := deploy.Preview(ctx, e.options(all, everything...))
		if err != nil {
			t.Fatal(err)
		}
		md := record(t, all, rep)
		noStackErrors(t, rep)
		for _, s := range rep.Stacks {
			if len(s.Changes) != 0 {
				t.Errorf("%s: %d changes after up: %+v", s.Stack, len(s.Changes), s.Changes)
			}
			if s.Summary[deploy.OpSame] == 0 {
				t.Errorf("%s: summary %v, want resources unchanged", s.Stack, s.Summary)
			}
		}
		if !strings.Contains(md, "✅ No changes.") {
			t.Errorf("comment does not say there are no changes:\n%s", md)
		}
		// The preview judges the second pass from the global stack's
		// outputs: nothing left to set.
		for _, cp := range rep.CentralMetrics {
			if cp.Global == refcheckStack {
				continue
			}
			if len(cp.Regions) < len(regional) {
				t.Errorf("preview's central metrics pass of %s: %+v", cp.Global, cp)
			}
			for _, cr := range cp.Regions {
				if cr.Action != deploy.CentralUnchanged {
					t.Errorf("preview: %s's region %s: %+v, want unchanged", cp.Global, cr.Region, cr)
				}
			}
		}
		if len(e.global) > 0 && !strings.Contains(md, "### 📈 Central metrics view: second pass") {
			t.Errorf("comment lacks the central metrics pass:\n%s", md)
		}
	})

	t.Run("a config change shows the expected update lines", func(t *testing.T) {
		restore := e.setConfig(t, "aws-prod", "livekit-infra:minNodes", 4)
		defer restore()
		rep, err := deploy.Preview(ctx, e.options(all, "aws-prod"))
		if err != nil {
			t.Fatal(err)
		}
		md := record(t, all, rep)
		noStackErrors(t, rep)
		target, ok := findChange(rep, "aws-prod", "aws:appautoscaling/target:Target")
		if !ok || target.Op != deploy.OpUpdate {
			t.Fatalf("autoscaling target change = %+v, %v; want an update", target, ok)
		}
		if p, ok := propChange(target, "minCapacity"); !ok || p.Old != 3.0 || p.New != 4.0 || p.Replace {
			t.Errorf("minCapacity change = %+v, %v; want 3 -> 4 in place", p, ok)
		}
		if !strings.Contains(md, "| `minCapacity` | `3` | `4` |") {
			t.Errorf("comment lacks the minCapacity line:\n%s", md)
		}
		if rep.ExitCode() != deploy.ExitOK || len(rep.Blocking()) != 0 {
			t.Errorf("exit %d, blocking %v: a scaling change must not block", rep.ExitCode(), rep.Blocking())
		}
		// One more Fargate task at minNodes: 730 h x (2 vCPU x $0.04048 +
		// 4 GB x $0.004445) + its public IPv4 730 h x $0.005, each line
		// rounded to the cent: 59.10 + 12.98 + 3.65 = $75.73; plus its
		// metrics in the region's AMP workspace, 730 h x 36,000 samples x
		// $0.90 per 10M: 9.46 at 4 nodes - 7.10 at 3 = 2.36; $78.09 in all.
		// maxNodes unchanged.
		c := rep.Stacks[0].Cost
		if c == nil || c.Before == nil {
			t.Fatalf("no cost before/after in the preview report: %+v", c)
		}
		if *c.NodesBefore != (cost.Nodes{Min: 3, Max: 10}) || c.NodesAfter != (cost.Nodes{Min: 4, Max: 10}) {
			t.Errorf("nodes %+v -> %+v, want 3-10 -> 4-10", *c.NodesBefore, c.NodesAfter)
		}
		if d := c.Delta(); math.Abs(d.Min-78.09) > 0.005 || d.Max != 0 {
			t.Errorf("cost difference %+v, want +78.09 at minNodes and 0 at maxNodes", d)
		}
		if !strings.Contains(md, "### 💰 Monthly estimate") || !strings.Contains(md, "| **+$78.09 / +$0.00** |") {
			t.Errorf("comment lacks the cost difference:\n%s", md)
		}
	})

	t.Run("a typo'd key is refused with the right spelling before anything deploys", func(t *testing.T) {
		// Pulumi config keys are case-sensitive and the engine accepts any
		// key of the project's namespace: a near-miss or a key of another
		// kind would silently fall back to a default. The inline program
		// reads the stack file's keys (internal/deploy) and refuses them.
		before := e.resources(t, "aws-prod")
		restoreTypo := e.setConfig(t, "aws-prod", "livekit-infra:minnodes", 5)
		defer restoreTypo()
		restoreKind := e.setConfig(t, "aws-prod", "livekit-infra:gcpMachineType", "n2-standard-16")
		defer restoreKind()
		wants := []string{
			`livekit-infra:minnodes = "5": is not a known key; did you mean livekit-infra:minNodes?`,
			`livekit-infra:gcpMachineType = "n2-standard-16": is a key of gcp stacks, not of this aws stack`,
		}
		rep, err := deploy.Preview(ctx, e.options(all, "aws-prod"))
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, rep)
		for _, w := range wants {
			if !strings.Contains(rep.Stacks[0].Error, w) {
				t.Errorf("preview error lacks %q:\n%s", w, rep.Stacks[0].Error)
			}
		}
		if rep.ExitCode() != deploy.ExitFailed {
			t.Errorf("preview exit %d, want %d", rep.ExitCode(), deploy.ExitFailed)
		}
		// Straight to up (no preview gate): the program itself refuses.
		o := e.options(all, "aws-prod")
		o.AllowDestructive = true
		up, err := deploy.Up(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, up)
		for _, w := range wants {
			if !strings.Contains(up.Stacks[0].Error, w) {
				t.Errorf("up error lacks %q:\n%s", w, up.Stacks[0].Error)
			}
		}
		if up.ExitCode() != deploy.ExitFailed || len(up.Stacks[0].Outputs) != 0 {
			t.Errorf("up exit %d, outputs %v; want %d and none", up.ExitCode(), up.Stacks[0].Outputs, deploy.ExitFailed)
		}
		if after := e.resources(t, "aws-prod"); after != before {
			t.Error("aws-prod's resources in state changed although its config was refused")
		}
	})

	t.Run("replacing Redis is blocking", func(t *testing.T) {
		// ElastiCache cannot downgrade an engine in place: the provider
		// replaces the replication group. Redis is protected (protect
		// defaults to true), so the engine itself refuses.
		restore := e.setConfig(t, "aws-prod", "livekit-infra:awsRedisEngineVersion", "6.2")
		rep, err := deploy.Preview(ctx, e.options(all, "aws-prod"))
		if err != nil {
			t.Fatal(err)
		}
		md := record(t, all, rep)
		bl := rep.Blocking()
		if len(bl) != 1 {
			t.Fatalf("%d blocking changes, want 1; report:\n%s", len(bl), md)
		}
		c := bl[0]
		if c.Type != redisType || c.Op != deploy.OpReplace || !contains(c.ReplaceReasons, "engineVersion") || !c.Protected {
			t.Errorf("blocking change = %+v, want protected Redis replaced because of engineVersion", c.Change)
		}
		if aws := rep.Stacks[0]; aws.Error != "" || len(aws.Notes) == 0 {
			t.Errorf("a preview stopped by protection is not a failed stack: error %q, notes %v", aws.Error, aws.Notes)
		}
		if !strings.Contains(md, "### ⛔ Blocking") || strings.Index(md, "### ⛔ Blocking") > strings.Index(md, "<details") ||
			!strings.Contains(md, "**replace (protected)** | `engineVersion`") {
			t.Errorf("blocking change not listed first:\n%s", md)
		}
		if rep.ExitCode() != deploy.ExitBlocked {
			t.Errorf("exit %d, want %d", rep.ExitCode(), deploy.ExitBlocked)
		}
		// --allow-destructive changes only the verdict on the same preview
		// (deploy.Preview records it in the report), so no second preview.
		rep.AllowDestructive = true
		record(t, all, rep)
		if rep.ExitCode() != deploy.ExitBlocked {
			t.Errorf("protected, --allow-destructive: exit %d, want %d (protection is not overridden)", rep.ExitCode(), deploy.ExitBlocked)
		}

		// up refuses and deploys nothing, nor the global phase after it.
		up, err := deploy.Up(ctx, e.options(all, "aws-prod", refcheckStack))
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, up)
		if up.ExitCode() != deploy.ExitBlocked {
			t.Errorf("up exit %d, want %d", up.ExitCode(), deploy.ExitBlocked)
		}
		if aws := up.Stacks[indexOf(up, "aws-prod")]; aws.Skipped == "" || len(aws.Outputs) != 0 {
			t.Errorf("aws-prod was deployed despite a blocking change: %+v", aws)
		}
		if s := up.Stacks[indexOf(up, refcheckStack)]; s.Skipped == "" {
			t.Errorf("refcheck deployed after a held-back regional phase: %+v", s)
		}
		if out := e.export(t, "aws-prod"); !strings.Contains(out, `"engineVersion": "7.1"`) || strings.Contains(out, `"engineVersion": "6.2"`) {
			t.Error("the Redis engine version in state changed although up refused")
		}
		restore()

		// Unprotected: still blocking, and --allow-destructive lets it pass.
		unprotect := e.setConfig(t, "aws-prod", "livekit-infra:protect", false)
		if up, err = deploy.Up(ctx, e.options(all, "aws-prod")); err != nil || up.ExitCode() != deploy.ExitOK {
			t.Fatalf("unprotecting: %v, exit %d: %+v", err, up.ExitCode(), up.Stacks)
		}
		restore = e.setConfig(t, "aws-prod", "livekit-infra:awsRedisEngineVersion", "6.2")
		if rep, err = deploy.Preview(ctx, e.options(all, "aws-prod")); err != nil {
			t.Fatal(err)
		}
		md = record(t, all, rep)
		if bl := rep.Blocking(); len(bl) != 1 || bl[0].Type != redisType || bl[0].Protected || rep.ExitCode() != deploy.ExitBlocked {
			t.Errorf("unprotected Redis replacement: exit %d, blocking %+v\n%s", rep.ExitCode(), bl, md)
		}
		rep.AllowDestructive = true
		record(t, all, rep)
		if len(rep.Blocking()) != 1 || rep.ExitCode() != deploy.ExitOK {
			t.Errorf("with --allow-destructive: exit %d, blocking %d; want 0 and still listed", rep.ExitCode(), len(rep.Blocking()))
		}
		// The state stays unprotected: the steps after this one only read it.
		restore()
		unprotect()
	})

	t.Run("drift: a resource changed behind the program's back", func(t *testing.T) {
		rep, err := deploy.Drift(ctx, e.options(all, everything...))
		if err != nil {
			t.Fatal(err)
		}
		record(t, all, rep)
		noStackErrors(t, rep)
		if rep.ChangeCount() != 0 || rep.ExitCode() != deploy.ExitOK {
			t.Fatalf("drift before any change: %d drifted, exit %d: %+v", rep.ChangeCount(), rep.ExitCode(), rep.Stacks)
		}

		before := e.export(t, "aws-prod")
		redisURN := urnOf(t, before, redisType)
		drift := map[string]any{redisURN: map[string]any{"snapshotRetentionLimit": 0}}
		b, _ := json.Marshal(drift)
		if err := os.WriteFile(e.driftFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(e.driftFile)
		rep, err = deploy.Drift(ctx, e.options(all, "aws-prod"))
		if err != nil {
			t.Fatal(err)
		}
		md := record(t, all, rep)
		if rep.ExitCode() != deploy.ExitBlocked {
			t.Fatalf("exit %d, want %d; report:\n%s", rep.ExitCode(), deploy.ExitBlocked, md)
		}
		c, ok := findChange(rep, "aws-prod", redisType)
		if !ok || c.URN != redisURN {
			t.Fatalf("drifted Redis not listed: %+v", rep.Stacks)
		}
		if rep.ChangeCount() != 1 {
			t.Errorf("%d drifted resources, want only Redis", rep.ChangeCount())
		}
		if _, ok := propChange(c, "snapshotRetentionLimit"); !ok {
			t.Errorf("drifted property not named: %+v", c.Properties)
		}
		if !strings.Contains(md, "Drift") || !strings.Contains(md, "snapshotRetentionLimit") {
			t.Errorf("drift report:\n%s", md)
		}
		// A drift check must not write the refreshed state (the next check
		// would see no drift, and up would not restore the property).
		if after := e.export(t, "aws-prod"); after != before {
			t.Error("the drift check changed aws-prod's state")
		}
	})

	t.Run("no secret value in any comment, report or log", func(t *testing.T) {
		text := all.String()
		if len(text) < 1000 {
			t.Fatalf("only %d bytes of output collected", len(text))
		}
		// One `stack export` per stack, concurrently (each is a CLI start).
		stackNames := append(append([]string{}, regional...), e.global...)
		found := make([][]string, len(stackNames))
		errs := make([]error, len(stackNames))
		var wg sync.WaitGroup
		for i, s := range stackNames {
			wg.Add(1)
			go func() { defer wg.Done(); found[i], errs[i] = e.secretValues(s) }()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		var secrets []string
		for _, f := range found {
			secrets = append(secrets, f...)
		}
		if len(secrets) < 3 {
			t.Fatalf("found %d secret values in state, want at least the API secret, Redis password and config", len(secrets))
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret value (%d chars) appears in the output", len(s))
			}
		}
		if !strings.Contains(text, deploy.SecretMask) {
			t.Error("no masked secret shown at all; the check above may be vacuous")
		}
	})
}

func indexOf(rep *deploy.Report, stack string) int {
	for i, s := range rep.Stacks {
		if s.Stack == stack {
			return i
		}
	}
	panic("stack " + stack + " not in report")
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// export returns the stack's state (`pulumi stack export`, secrets
// encrypted).
func (e *env) export(t *testing.T, stack string) string {
	t.Helper()
	out, err := e.pulumi("stack", "export", "--stack", stack)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// urnOf finds the URN of the only resource of type typ in an exported state.
func urnOf(t *testing.T, export, typ string) string {
	t.Helper()
	var dep struct {
		Deployment struct {
			Resources []struct {
				URN  string `json:"urn"`
				Type string `json:"type"`
			} `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(export), &dep); err != nil {
		t.Fatal(err)
	}
	for _, r := range dep.Deployment.Resources {
		if r.Type == typ {
			return r.URN
		}
	}
	t.Fatalf("no %s in the state", typ)
	return ""
}

// resources is the resources of the stack's state, secrets decrypted
// (`pulumi stack export --show-secrets`: every update re-encrypts them with
// fresh nonces, and rewrites the manifest's time).
func (e *env) resources(t *testing.T, stack string) string {
	t.Helper()
	out, err := e.pulumi("stack", "export", "--show-secrets", "--stack", stack)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var doc struct {
		Deployment struct {
			Resources json.RawMessage `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Deployment.Resources) < 100 {
		t.Fatalf("stack export %s: %v (%d bytes of resources)", stack, err, len(doc.Deployment.Resources))
	}
	return string(doc.Deployment.Resources)
}
