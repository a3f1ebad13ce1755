package deploy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// fakePulumi writes a shell script that prints version and records each
// run in a file; it returns the script and a function counting the runs.
func fakePulumi(t *testing.T, version string) (string, func() int) {
	t.Helper()
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	bin := filepath.Join(dir, "pulumi")
	script := "#!/bin/sh\necho run >> '" + runs + "'\necho " + version + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, func() int {
		b, _ := os.ReadFile(runs)
		return strings.Count(string(b), "run\n")
	}
}

func TestNewCLIReadsEachBinarysVersionOnce(t *testing.T) {
	bin, runs := fakePulumi(t, "v3.274.1")
	a, err := NewCLI(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewCLI(bin)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 1 {
		t.Errorf("`pulumi version` ran %d times for one binary, want 1", n)
	}
	if a != b || a.Version().String() != "3.274.1" {
		t.Errorf("got %v and %v, want the same CLI at 3.274.1", a.Version(), b.Version())
	}

	// Another binary at the same path (an upgrade; a different size, whatever the clock granularity of mtimes) is asked again.
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho run >> '"+filepath.Join(filepath.Dir(bin), "runs")+"'\necho v3.1000.0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := NewCLI(bin)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 2 || c.Version().String() != "3.1000.0" {
		t.Errorf("after replacing the binary: %d runs, version %v; want 2 and 3.1000.0", n, c.Version())
	}
}

func TestNewCLIRejectsOldVersions(t *testing.T) {
	bin, _ := fakePulumi(t, "v3.100.0")
	_, err := NewCLI(bin)
	if err == nil || !strings.Contains(err.Error(), "needs 3.105.0 or later") {
		t.Errorf("err = %v, want the minimum version named", err)
	}
}

func TestMaskedOutputsReadsOutputsOnceWithoutSecrets(t *testing.T) {
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	bin := filepath.Join(dir, "pulumi")
	script := "#!/bin/sh\n" +
		"if [ \"$1\" = version ]; then echo v3.274.1; exit 0; fi\n" +
		"echo \"$* PULUMI_HOME=$PULUMI_HOME X=$X\" >> '" + args + "'\n" +
		`echo '{"url":"wss://x.example.com","apiSecret":"[secret]","nested":{"a":1,"b":"[secret]"}}'` + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: lk\nruntime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, err := NewCLI(bin)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	ws, err := auto.NewLocalWorkspace(context.Background(), auto.WorkDir(dir), auto.Pulumi(cmd),
		auto.PulumiHome(home), auto.EnvVars(map[string]string{"X": "y"}))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := workspace{Workspace: ws}.StackOutputs(context.Background(), "aws-prod")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(args)
	calls := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(calls) != 1 || !strings.Contains(calls[0], "stack output --json --stack aws-prod") ||
		strings.Contains(calls[0], "--show-secrets") || !strings.Contains(calls[0], "PULUMI_HOME="+home+" X=y") {
		t.Errorf("CLI calls %q: want one `stack output --json` without --show-secrets, in the workspace's environment", calls)
	}
	if v := outs["url"]; v.Secret || v.Value != "wss://x.example.com" {
		t.Errorf("url = %+v, want a plain value", v)
	}
	if !outs["apiSecret"].Secret || !outs["nested"].Secret {
		t.Errorf("apiSecret %+v, nested %+v: want both secret (nested holds a secret)", outs["apiSecret"], outs["nested"])
	}
}

// scriptedRunner is a runner over a project directory whose pulumi CLI is a
// script: it answers `version`, records every other call's arguments, and
// answers them from cases (shell case arms on "$*"; anything else fails).
// calls returns the recorded calls.
func scriptedRunner(t *testing.T, secretsProvider string, cases ...string) (r *runner, calls func() []string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	bin := filepath.Join(dir, "pulumi")
	script := "#!/bin/sh\n" +
		"[ \"$1\" = --non-interactive ] && shift\n" +
		"if [ \"$1\" = version ]; then echo v3.274.1; exit 0; fi\n" +
		"echo \"$*\" >> '" + log + "'\n" +
		"case \"$*\" in\n" + strings.Join(cases, "\n") + "\n" +
		"*) echo unexpected >&2; exit 3 ;;\n" +
		"esac\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: livekit-infra\nruntime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := newRunner(Options{Dir: dir, PulumiBin: bin, SecretsProvider: secretsProvider,
		Program: func(*pulumi.Context) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return r, func() []string {
		b, _ := os.ReadFile(log)
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
}

// TestStacksSelectedTheSDKsWay: each stack is selected (and created) as
// the SDK does, once per runner.
func TestStacksSelectedTheSDKsWay(t *testing.T) {
	r, calls := scriptedRunner(t, "",
		`"stack select --stack aws-prod") ;;`,
		`"stack select --stack gcp-eu") echo "error: no stack named 'gcp-eu' found" >&2; exit 255 ;;`,
		`"stack init gcp-eu") ;;`)
	for _, name := range []string{"aws-prod", "gcp-eu", "aws-prod"} {
		if _, err := r.stack(context.Background(), name, true); err != nil {
			t.Errorf("stack(%q): %v", name, err)
		}
	}
	want := "stack select --stack aws-prod\nstack select --stack gcp-eu\nstack init gcp-eu"
	if got := strings.Join(calls(), "\n"); got != want {
		t.Errorf("CLI calls:\n%s\nwant:\n%s", got, want)
	}
}
