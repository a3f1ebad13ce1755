package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/deploy"
)

// TestPlanDiff saves a base plan, changes the bucket name (a bucket is
// stateful and cannot be renamed in place) and diffs.
func TestPlanDiff(t *testing.T) {
	dir := project(t)
	code, basePlan, stderr := runCLI(t, testProgram, "plan", "--stack", "dev", "--json", "--dir", dir)
	if code != 0 {
		t.Fatalf("base plan: exit %d\n%s", code, stderr)
	}
	base := filepath.Join(t.TempDir(), "base.json")
	if err := os.WriteFile(base, []byte(basePlan), 0o644); err != nil {
		t.Fatal(err)
	}

	// Unchanged tree: no changes, exit 0.
	code, out, stderr := runCLI(t, testProgram, "plan", "--stack", "dev", "--diff", base, "--dir", dir)
	if code != 0 || !strings.Contains(out, "✅ No changes.") || !strings.HasPrefix(out, deploy.Marker) {
		t.Fatalf("unchanged: exit %d\n%s\n%s", code, out, stderr)
	}
	// eu-west-1 has no price file: the bucket is unpriced, not zero, and
	// the row says the estimate is incomplete for want of that file.
	if want := "| `dev` | 0-0 | $0.00 / $0.00 | $0.00 / $0.00 (incomplete: no price file aws-eu-west-1.yaml; 1 unpriced) | +$0.00 / +$0.00 |"; !strings.Contains(out, want) {
		t.Errorf("cost row %q missing:\n%s", want, out)
	}

	stackFile := filepath.Join(dir, "Pulumi.dev.yaml")
	orig, _ := os.ReadFile(stackFile)
	if err := os.WriteFile(stackFile, append(orig, []byte("  lk:bucketName: other-bucket\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runCLI(t, testProgram, "plan", "--diff="+base, "--dir", dir)
	if code != deploy.ExitBlocked {
		t.Fatalf("renamed bucket: exit %d, want %d\n%s\n%s", code, deploy.ExitBlocked, out, stderr)
	}
	for _, want := range []string{
		"### ⛔ Blocking",
		"| `dev` | `media` | `aws:s3/bucketV2:BucketV2` | bucket (recordings) | **replace** | `bucket` |",
		"| `bucket` ♻️ forces replacement | `\"media-bucket\"` | `\"other-bucket\"` |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "v1:AAAA") || !strings.Contains(stderr, "--allow-destructive") {
		t.Errorf("secret leaked or no hint:\n%s\n%s", out, stderr)
	}

	code, out, _ = runCLI(t, testProgram, "plan", "--diff", base, "--dir", dir, "--json", "--allow-destructive")
	if code != 0 {
		t.Fatalf("--allow-destructive: exit %d", code)
	}
	var rep deploy.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if rep.Kind != deploy.KindPlanDiff || len(rep.Blocking()) != 1 || rep.Stacks[0].Changes[0].Properties[0].Path != "bucket" {
		t.Errorf("report = %+v", rep)
	}

	// A directory of base plans: a stack without one counts as new.
	empty := t.TempDir()
	code, out, _ = runCLI(t, testProgram, "plan", "--diff", empty, "--stacks", "dev", "--dir", dir)
	if code != 0 || !strings.Contains(out, "| `dev` | 1 | 0 | 0 | 0 | 0 |") {
		t.Errorf("new stack: exit %d\n%s", code, out)
	}
}

func TestEngineCommandsUsage(t *testing.T) {
	dir := project(t)
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"preview", "--parallel", "0"}, "--parallel must be at least 1", exitUsage},
		{[]string{"drift", "extra"}, "unexpected arguments", exitUsage},
		{[]string{"up", "-h"}, "the credentials stack (the API key set every region reads), the regional stacks", exitOK},
		{[]string{"plan", "--diff"}, "flag needs an argument", exitUsage},
		{[]string{"plan", "--diff="}, "--diff needs a base plan", exitUsage},
		{[]string{"plan", "--stack", "dev", "--out", "x.md"}, "--out is only read with --diff", exitUsage},
		{[]string{"plan", "--stack", "dev", "--assume", "participantHours=1"}, "--assume is only read with --diff", exitUsage},
		// No pulumi CLI: a clear error naming the command, not a crash.
		{[]string{"preview", "--pulumi", "/nonexistent/pulumi", "--dir", dir}, "lkinfra preview: running /nonexistent/pulumi", exitError},
		{[]string{"drift", "--pulumi", "/nonexistent/pulumi", "--dir", dir}, "lkinfra drift: running /nonexistent/pulumi", exitError},
		{[]string{"up", "--pulumi", "/nonexistent/pulumi", "--dir", dir}, "lkinfra up: running /nonexistent/pulumi", exitError},
	} {
		code, _, stderr := runCLI(t, testProgram, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d (want %d), stderr lacks %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
}
