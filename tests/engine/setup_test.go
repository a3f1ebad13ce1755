// Package engine tests `lkinfra preview | up | drift` (package internal/deploy)
// against the real Pulumi engine, offline: the pulumi CLI v3.274.1 built by
// scripts/install-pulumi.sh ($PULUMI_BIN), a file:// backend in a temp dir,
// a KMS secrets provider (fakeVault, a TEST DOUBLE of Vault's transit
// engine on 127.0.0.1), and tests/engine/testprovider (a TEST
// DOUBLE of the cloud provider plugins) serving every provider name and
// version the stacks use, as project plugins of a temp copy of the project.
//
// Without $PULUMI_BIN the tests skip, except under CI=true, where they fail.
//
// The inline program is this test binary's own stacks.Run: the whole
// program (every cloud) is linked once, into the test binary.
package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/stacks"
)

// Test-only stacks: "broken" runs a program that fails; "refcheck" has kind
// global and reads aws-prod's outputs through a StackReference (it stands in
// for the global stack's ordering and references while that one cannot run).
const (
	brokenStack   = "broken"
	refcheckStack = "refcheck"
	// credentialsStack is the repo's Pulumi.credentials.yaml, deployed first.
	credentialsStack = "credentials"
	brokenMessage    = "deliberately broken program (engine test)"
	project          = "livekit-infra"
	vaultKey         = "lkinfra-engine"
)

// program is the inline program: stacks.Run, except for the test-only stacks.
func program(ctx *pulumi.Context) error {
	switch ctx.Stack() {
	case brokenStack:
		return errors.New(brokenMessage)
	case refcheckStack:
		ref, err := pulumi.NewStackReference(ctx, "organization/"+project+"/aws-prod", nil)
		if err != nil {
			return err
		}
		ctx.Export("awsUrl", ref.GetStringOutput(pulumi.String("url")))
		ctx.Export("awsRedisEndpoint", ref.GetOutput(pulumi.String("redisEndpoint")))
		return nil
	default:
		return stacks.Run(ctx)
	}
}

// env is what every engine test shares: one backend, one PULUMI_HOME, one
// project directory (copies of the repo's Pulumi.yaml and stack files).
type env struct {
	root       string // repo root
	pulumiBin  string
	pulumiHome string
	backend    string
	dir        string // project dir
	driftFile  string
	cliEnv     map[string]string
	vault      *fakeVault // the stacks' secrets provider
	// regional and global are the repo stacks whose programs are
	// implemented (the others return "not implemented" and are left out).
	regional, global []string
	notRunnable      map[string]string
}

var (
	setupOnce sync.Once
	shared    *env
	setupErr  error
	skipMsg   string
)

// setup builds the test provider, serves every provider the runnable
// stacks use with it, starts the KMS double and lays out the project
// directory. It runs once per test binary.
func setup(t *testing.T) *env {
	t.Helper()
	bin := os.Getenv("PULUMI_BIN")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PULUMI_BIN is not set: CI must build the pulumi CLI (scripts/install-test-deps.sh runs scripts/install-pulumi.sh)")
		}
		t.Skip("PULUMI_BIN is not set: run scripts/install-pulumi.sh and source its env file to run the engine tests")
	}
	setupOnce.Do(func() { shared, setupErr = doSetup(bin) })
	if setupErr != nil {
		t.Fatalf("engine test setup: %v", setupErr)
	}
	return shared
}

func doSetup(bin string) (_ *env, err error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp("", "lkinfra-engine-")
	if err != nil {
		return nil, err
	}
	// Not removed on failure so a failed run can be inspected; the OS
	// cleans temp dirs. On success TestMain removes it.
	cleanupDirs = append(cleanupDirs, base)
	e := &env{
		root: root, pulumiBin: bin,
		pulumiHome: filepath.Join(base, "pulumi-home"),
		backend:    filepath.Join(base, "backend"),
		dir:        filepath.Join(base, "project"),
		driftFile:  filepath.Join(base, "drift.json"),
	}
	if e.vault, err = startFakeVault(vaultKey); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			e.vault.Close()
		}
	}()
	for _, d := range []string{e.pulumiHome, e.backend, e.dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}

	// Which repo stacks can run, and which provider plugins they need.
	plugins := map[string]bool{}
	e.notRunnable = map[string]string{}
	var globals []string
	for _, s := range []string{"aws-prod", "gcp-eu", "azure-asia", "global"} {
		sc, err := plan.LoadStackConfig(root, s)
		if err != nil {
			return nil, err
		}
		p, err := plan.Evaluate(sc, stacks.Program)
		if err != nil && strings.Contains(err.Error(), "not implemented") {
			e.notRunnable[s] = firstLine(err.Error())
			continue
		}
		if sc.Config[project+":kind"] == "global" {
			globals = append(globals, s)
		} else {
			if err != nil {
				return nil, fmt.Errorf("stack %s does not plan: %w", s, err)
			}
			e.regional = append(e.regional, s)
		}
		if p != nil {
			for _, r := range p.Resources {
				if pkg, ok := pluginOf(r); ok {
					plugins[pkg+"@"+r.Version] = true
				}
			}
		}
	}
	// The global stack reads every region; it runs only when they all do.
	for _, g := range globals {
		if len(e.regional) == 3 {
			e.global = append(e.global, g)
		} else {
			e.notRunnable[g] = "its regional stacks are not all implemented"
		}
	}
	plugins["random@4.18.2"] = true

	// Project directory: the repo's project and stack files, plus the
	// test-only stacks.
	files := []string{"Pulumi.yaml", "Pulumi." + credentialsStack + ".yaml"}
	for _, s := range append(append([]string{}, e.regional...), e.global...) {
		files = append(files, "Pulumi."+s+".yaml")
	}
	for _, f := range files {
		if err := copyFile(filepath.Join(root, f), filepath.Join(e.dir, f)); err != nil {
			return nil, err
		}
	}
	if err := copyFile(filepath.Join(root, "Pulumi.aws-prod.yaml"), filepath.Join(e.dir, "Pulumi."+brokenStack+".yaml")); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(e.dir, "Pulumi."+refcheckStack+".yaml"),
		[]byte("config:\n  livekit-infra:kind: global\n  livekit-infra:domain: example.com\n  livekit-infra:zoneId: Z0123456789EXAMPLE\n"), 0o644); err != nil {
		return nil, err
	}

	// The test provider, serving each plugin name. Built into the
	// repo's bin/ (not the temp dir): go build skips the link when that
	// binary is up to date, 0.8 s instead of 4 s on every run.
	provBin := filepath.Join(root, "bin", "testprovider")
	build := exec.Command("go", "build", "-o", provBin, "./tests/engine/testprovider")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the test provider: %v\n%s", err, out)
	}
	e.cliEnv = map[string]string{
		"PULUMI_BACKEND_URL": "file://" + e.backend,
		// No PULUMI_CONFIG_PASSPHRASE: a stack that fell back to the
		// passphrase provider fails.
		"VAULT_SERVER_URL":         e.vault.URL(),
		"VAULT_SERVER_TOKEN":       e.vault.Token(),
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_HOME":              e.pulumiHome,
		// A plugin on PATH would serve any provider the project plugins
		// miss, instead of failing the test.
		"PATH":                       cleanPath(os.Getenv("PATH")),
		"LKINFRA_TESTPROVIDER_DRIFT": e.driftFile,
		// The file backend rewrites the whole state after every resource
		// step; the tests do not exercise crash recovery, so write it once
		// per update.
		"PULUMI_SKIP_CHECKPOINTS": "true",
	}
	// Resources registered without a version (e.g. kubernetes custom
	// resources) use a project plugin of their package whatever its
	// version; one versioned resource of the package is enough.
	versioned := map[string]bool{}
	for p := range plugins {
		if name, version, _ := strings.Cut(p, "@"); version != "" {
			versioned[name] = true
		}
	}
	names := make([]string, 0, len(plugins))
	for p := range plugins {
		name, version, _ := strings.Cut(p, "@")
		if version == "" {
			if !versioned[name] {
				return nil, fmt.Errorf("resources of package %s carry no version; no plugin can serve them", name)
			}
			continue
		}
		names = append(names, p)
	}
	sort.Strings(names)
	if err := useTestProvider(e.dir, filepath.Join(base, "plugins"), provBin, names); err != nil {
		return nil, err
	}
	return e, nil
}

// useTestProvider serves every plugin (name@version) with the test
// provider, as project plugins (Pulumi.yaml `plugins.providers`, which the
// engine prefers to installed plugins): a directory per plugin named as the
// plugin cache names it, holding a link to provBin under the plugin's file
// name, from which the test provider reads its identity. No `pulumi plugin
// install` (a CLI start and a copy of the binary each).
func useTestProvider(projectDir, pluginsDir, provBin string, plugins []string) error {
	var providers []map[string]string
	for _, p := range plugins {
		name, version, _ := strings.Cut(p, "@")
		dir := filepath.Join(pluginsDir, "resource-"+name+"-v"+version)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.Symlink(provBin, filepath.Join(dir, "pulumi-resource-"+name)); err != nil {
			return err
		}
		providers = append(providers, map[string]string{"name": name, "version": version, "path": dir})
	}
	file := filepath.Join(projectDir, "Pulumi.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var proj map[string]any
	if err := yaml.Unmarshal(b, &proj); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if _, ok := proj["plugins"]; ok {
		return fmt.Errorf("%s already lists plugins; the engine test would shadow them", file)
	}
	proj["plugins"] = map[string]any{"providers": providers}
	if b, err = yaml.Marshal(proj); err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

var cleanupDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil && shared.vault != nil {
		shared.vault.Close()
	}
	if code == 0 {
		for _, d := range cleanupDirs {
			os.RemoveAll(d)
		}
	}
	os.Exit(code)
}

// pluginOf is the provider plugin package a resource needs: its type's
// package for custom and remote resources, the provider type's package for
// explicit providers; none for this project's components and the engine's
// own types.
func pluginOf(r plan.Resource) (string, bool) {
	if strings.HasPrefix(r.Type, "pulumi:providers:") {
		return strings.TrimPrefix(r.Type, "pulumi:providers:"), true
	}
	pkg, _, _ := strings.Cut(r.Type, ":")
	if pkg == "pulumi" || pkg == project || (!r.Custom && !r.Remote) {
		return "", false
	}
	return pkg, true
}

// pulumi runs the CLI with the test environment in the project directory.
func (e *env) pulumi(args ...string) (string, error) {
	cmd := exec.Command(e.pulumiBin, append([]string{"--non-interactive"}, args...)...)
	cmd.Dir = e.dir
	cmd.Env = os.Environ()
	for k, v := range e.cliEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// secretValues returns every secret's plaintext in the stack's state
// (generated API secret, Redis AUTH token, rendered LiveKit config, ...),
// read with `pulumi stack export --show-secrets`.
func (e *env) secretValues(stack string) ([]string, error) {
	out, err := e.pulumi("stack", "export", "--show-secrets", "--stack", stack)
	if err != nil {
		return nil, fmt.Errorf("stack export %s: %v\n%s", stack, err, out)
	}
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return nil, fmt.Errorf("stack export %s: %w", stack, err)
	}
	var vals []string
	var walk func(v any, inSecret bool)
	walk = func(v any, inSecret bool) {
		switch x := v.(type) {
		case map[string]any:
			if x[sig.Key] == sig.Secret {
				if pt, ok := x["plaintext"].(string); ok {
					var inner any
					if json.Unmarshal([]byte(pt), &inner) == nil {
						walk(inner, true)
					}
				}
				return
			}
			for _, c := range x {
				walk(c, inSecret)
			}
		case []any:
			for _, c := range x {
				walk(c, inSecret)
			}
		case string:
			if inSecret && len(x) >= 12 {
				vals = append(vals, x)
			}
		}
	}
	walk(doc, false)
	return vals, nil
}

// setConfig rewrites one key of a stack file in the project directory and
// returns a function restoring the file.
func (e *env) setConfig(t *testing.T, stack, key string, value any) func() {
	t.Helper()
	path := filepath.Join(e.dir, "Pulumi."+stack+".yaml")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(orig, &doc); err != nil {
		t.Fatal(err)
	}
	cfg, _ := doc["config"].(map[string]any)
	if cfg == nil {
		cfg = map[string]any{}
		doc["config"] = cfg
	}
	cfg[key] = value
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		// Keep what the CLI added (encryptionsalt) and restore the key.
		var now map[string]any
		cur, err := os.ReadFile(path)
		if err == nil && yaml.Unmarshal(cur, &now) == nil {
			var was map[string]any
			_ = yaml.Unmarshal(orig, &was)
			if c, ok := now["config"].(map[string]any); ok {
				if wc, ok := was["config"].(map[string]any); ok {
					if v, ok := wc[key]; ok {
						c[key] = v
					} else {
						delete(c, key)
					}
				}
			}
			if b, err := yaml.Marshal(now); err == nil {
				_ = os.WriteFile(path, b, 0o644)
				return
			}
		}
		_ = os.WriteFile(path, orig, 0o644)
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// cleanPath drops PATH entries holding pulumi-resource-* binaries.
func cleanPath(path string) string {
	var keep []string
	for _, d := range filepath.SplitList(path) {
		if m, _ := filepath.Glob(filepath.Join(d, "pulumi-resource-*")); len(m) > 0 {
			continue
		}
		keep = append(keep, d)
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
