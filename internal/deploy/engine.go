package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// DefaultStacks are the stacks operated on when none are named.
var DefaultStacks = []string{"credentials", "aws-prod", "gcp-eu", "azure-asia", "global"}

// GlobalKind is the livekit-infra:kind of the stack deployed after the
// regional ones (it reads their outputs through StackReferences), and
// CredentialsKind that of the stack deployed before them (they read its key
// set).
const (
	GlobalKind      = "global"
	CredentialsKind = "credentials"
)

// Options configure Preview, Up and Drift.
type Options struct {
	// Dir is the project directory: Pulumi.yaml and the Pulumi.<stack>.yaml
	// files. The CLI runs there, as `pulumi` would.
	Dir string
	// CostAssumptions price the preview's before and after (default
	// cost.DefaultAssumptions).
	CostAssumptions *cost.Assumptions
	// Stacks to operate on (names as the backend knows them; the last path
	// segment names the config file). Default DefaultStacks.
	Stacks []string
	// Program is the inline program (stacks.Run, or Exporting(stacks.Program)).
	Program pulumi.RunFunc
	// PulumiBin is the pulumi CLI; default $PULUMI_BIN, then `pulumi` on PATH.
	PulumiBin string
	// PulumiHome overrides PULUMI_HOME (plugins, credentials).
	PulumiHome string
	// Env is added to the CLI's environment (PULUMI_BACKEND_URL,
	// PULUMI_CONFIG_PASSPHRASE, ...). The process environment is inherited.
	Env map[string]string
	// SecretsProvider is used when a stack is created (e.g.
	// awskms://alias/livekit-infra, gcpkms://..., azurekeyvault://...,
	// passphrase). Existing stacks keep theirs.
	SecretsProvider string
	// Parallel bounds how many stacks run at once (default 2).
	Parallel int
	// AllowDestructive lets blocking changes through (exit 0 for preview;
	// `up` goes ahead).
	AllowDestructive bool
	// Refresh refreshes state before `up`.
	Refresh bool
	// NoCentralPass: `up` does not write the central metrics keys into the
	// regions' stack files nor deploy them again; the report says what it
	// would set.
	NoCentralPass bool
	// Progress receives per-stack progress lines (nil: none).
	Progress io.Writer
	// CLIOutput receives the pulumi CLI's own output, each line prefixed
	// with the stack (nil: discarded).
	CLIOutput io.Writer
}

// Exporting adapts a program that returns its outputs (stacks.Program) to
// a pulumi.RunFunc that exports them, as stacks.Run does.
func Exporting(program func(*pulumi.Context) (pulumi.Map, error)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		outs, err := program(ctx)
		if err != nil {
			return err
		}
		for k, v := range outs {
			ctx.Export(k, v)
		}
		return nil
	}
}

// ParseStacks splits a comma-separated stack list, dropping blanks and
// duplicates; empty means DefaultStacks.
func ParseStacks(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	if len(out) == 0 {
		return append([]string(nil), DefaultStacks...)
	}
	return out
}

type runner struct {
	o          Options
	cmd        auto.PulumiCommand
	progressMu sync.Mutex
	outputMu   sync.Mutex
	// stacks holds the stacks selected so far: `up` previews, then deploys,
	// the same stack.
	stacks map[string]auto.Stack
}

// wsMu serialises the SDK's stack selection and creation (`pulumi stack
// select` writes one per-project workspace file) and guards runners' stack
// maps.
var wsMu sync.Mutex

func newRunner(o Options) (*runner, error) {
	if o.Program == nil {
		return nil, errors.New("deploy: no program")
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	o.Dir = dir
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		return nil, fmt.Errorf("project directory %s: %w", dir, err)
	}
	// An inline program gets no PULUMI_CONFIG: let the config model see
	// every key of the stack's file, so a typo is refused, not ignored.
	program := o.Program
	o.Program = func(ctx *pulumi.Context) error {
		stack := ctx.Stack()
		if sc, err := plan.LoadStackConfig(dir, stack[strings.LastIndex(stack, "/")+1:]); err == nil {
			stackconfig.NoteConfigKeys(sc.Config)
		}
		return program(ctx)
	}
	if len(o.Stacks) == 0 {
		o.Stacks = append([]string(nil), DefaultStacks...)
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	cmd, err := NewCLI(o.PulumiBin)
	if err != nil {
		return nil, err
	}
	return &runner{o: o, cmd: cmd, stacks: map[string]auto.Stack{}}, nil
}

func (r *runner) workspaceOpts() []auto.LocalWorkspaceOption {
	opts := []auto.LocalWorkspaceOption{auto.WorkDir(r.o.Dir), auto.Pulumi(r.cmd)}
	if r.o.PulumiHome != "" {
		opts = append(opts, auto.PulumiHome(r.o.PulumiHome))
	}
	if len(r.o.Env) > 0 {
		opts = append(opts, auto.EnvVars(r.o.Env))
	}
	if r.o.SecretsProvider != "" {
		opts = append(opts, auto.SecretsProvider(r.o.SecretsProvider))
	}
	return opts
}

// stack selects (create=false) or upserts the stack in a workspace over Dir.
func (r *runner) stack(ctx context.Context, name string, create bool) (auto.Stack, error) {
	wsMu.Lock()
	defer wsMu.Unlock()
	if st, ok := r.stacks[name]; ok {
		return st, nil
	}
	// As auto.UpsertStackInlineSource does when Dir has a Pulumi.yaml
	// (newRunner checks), with the workspace wrapped.
	ws, err := auto.NewLocalWorkspace(ctx, append(r.workspaceOpts(), auto.Program(r.o.Program))...)
	if err != nil {
		return auto.Stack{}, err
	}
	w := workspace{Workspace: ws}
	var st auto.Stack
	if create {
		st, err = auto.UpsertStack(ctx, name, w)
	} else {
		st, err = auto.SelectStack(ctx, name, w)
	}
	if err != nil {
		return st, err
	}
	r.stacks[name] = st
	return st, nil
}

// workspace is the local workspace with one change: StackOutputs, which
// the SDK's Stack.Up calls after every update, reads the outputs once,
// without --show-secrets. lkinfra masks secret outputs anyway; the SDK's
// own version runs the CLI a second time for their plaintext, and so holds
// production secrets in this process for nothing.
//
// Stack selection and creation are the SDK's. Overriding them too (no
// `pulumi stack select` for a listed stack, `stack init --no-select`)
// saved 6-9 % of the engine test's CPU (82.5 and 85.1 CPU-s against 87.6
// and 93.8 without them, two alternating runs on one machine), about 5
// CPU-s a CI run: not worth the code, so they were removed.
type workspace struct {
	auto.Workspace
}

// run runs the CLI in the workspace's directory and environment.
func (w workspace) run(ctx context.Context, args ...string) (string, string, int, error) {
	var env []string
	if h := w.PulumiHome(); h != "" {
		env = append(env, "PULUMI_HOME="+h)
	}
	for k, v := range w.GetEnvVars() {
		env = append(env, k+"="+v)
	}
	return w.PulumiCommand().Run(ctx, w.WorkDir(), nil, nil, nil, env, args...)
}

// secretSentinel is how `pulumi stack output --json` shows a secret.
const secretSentinel = "[secret]"

func (w workspace) StackOutputs(ctx context.Context, stack string) (auto.OutputMap, error) {
	stdout, stderr, _, err := w.run(ctx, "stack", "output", "--json", "--stack", stack)
	if err != nil {
		return nil, fmt.Errorf("could not get outputs: %w\nstderr: %s", err, stderr)
	}
	var outs map[string]any
	if err := json.Unmarshal([]byte(stdout), &outs); err != nil {
		return nil, fmt.Errorf("could not read outputs: %w", err)
	}
	res := auto.OutputMap{}
	for k, v := range outs {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		// Like the SDK: a value holding a secret anywhere is secret whole.
		res[k] = auto.OutputValue{Value: v, Secret: strings.Contains(string(raw), secretSentinel)}
	}
	return res, nil
}

func (r *runner) cliOutput(stack string) (io.Writer, func()) {
	if r.o.CLIOutput == nil {
		return nil, func() {}
	}
	pw := &prefixWriter{mu: &r.outputMu, w: r.o.CLIOutput, prefix: "[" + stack + "] "}
	return pw, pw.Flush
}

// forEach runs fn for every stack, at most Parallel at once, keeping order.
func (r *runner) forEach(stacks []string, fn func(stack string) StackReport) []StackReport {
	out := make([]StackReport, len(stacks))
	sem := make(chan struct{}, r.o.Parallel)
	var wg sync.WaitGroup
	for i, s := range stacks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = fn(s)
		}()
	}
	wg.Wait()
	return out
}

// Preview previews every stack (concurrently, bounded) and returns the
// combined report. A stack that fails is reported in it (Error); the error
// return is for problems that stop everything (no CLI, no project).
func Preview(ctx context.Context, o Options) (*Report, error) {
	r, err := newRunner(o)
	if err != nil {
		return nil, err
	}
	rep := &Report{Kind: KindPreview, AllowDestructive: r.o.AllowDestructive}
	rep.Stacks = r.forEach(r.o.Stacks, func(s string) StackReport { return r.previewOne(ctx, s) })
	rep.CentralMetrics = r.previewCentralPass(ctx)
	return rep, nil
}

// centralPrePass sets, before the regional phase, the keys of the regions
// of the run that the global stacks' outputs as deployed already hold
// (none on a first deploy): a checkout without them, such as a CI
// runner's when the stack files were not committed, then deploys no region
// without its writer, and the pass after the global stack finds nothing
// to do. Only passes that set or failed something are returned.
func (r *runner) centralPrePass(ctx context.Context, globals []string, regions bool, claimed map[string]string) ([]CentralPass, []StackReport) {
	if !regions {
		return nil, nil
	}
	var passes []CentralPass
	var failures []StackReport
	for _, g := range globals {
		// Select only: a global stack not created yet has no outputs.
		st, err := r.stack(ctx, g, false)
		if err != nil {
			continue
		}
		outs, err := st.Outputs(ctx)
		if err != nil {
			continue
		}
		if _, ok := outs[centralMetricsOutput]; !ok {
			continue
		}
		cp, _, fails := r.centralPass(ctx, g, StageBeforeRegions, plainOutputs(outs), "", claimed)
		failures = append(failures, fails...)
		for _, cr := range cp.Regions {
			if cr.Action == CentralSet || cr.Action == CentralFailed {
				passes = append(passes, cp)
				break
			}
		}
	}
	return passes, failures
}

func plainOutputs(outs auto.OutputMap) map[string]any {
	plain := map[string]any{}
	for k, v := range outs {
		if v.Secret {
			plain[k] = SecretMask
		} else {
			plain[k] = v.Value
		}
	}
	return plain
}

// previewCentralPass is what `lkinfra up` of these stacks would set in the
// second pass, judged from each global stack's outputs as deployed now (a
// writer role this preview creates is not among them yet).
func (r *runner) previewCentralPass(ctx context.Context) []CentralPass {
	phases, err := r.order()
	if err != nil {
		return nil
	}
	var out []CentralPass
	claimed := map[string]string{}
	for _, g := range phases[2] {
		st, err := r.stack(ctx, g, true)
		var outs auto.OutputMap
		if err == nil {
			outs, err = st.Outputs(ctx)
		}
		if err != nil {
			first, _, _ := strings.Cut(err.Error(), "\n")
			out = append(out, CentralPass{Global: g, Note: "its outputs cannot be read: " + first})
			continue
		}
		if len(outs) == 0 {
			out = append(out, CentralPass{Global: g, Note: "stack " + g + " has no outputs yet (never deployed): `lkinfra up` deploys it, then sets each writing region's keys from its centralMetrics output and deploys that region again"})
			continue
		}
		cp, _, _ := r.centralPass(ctx, g, "", plainOutputs(outs), "preview: `lkinfra up` sets them before the regional phase (changes not in this preview of the region)", claimed)
		out = append(out, cp)
	}
	return out
}

func (r *runner) previewOne(ctx context.Context, name string) StackReport {
	st, err := r.stack(ctx, name, true)
	if err != nil {
		return failed(name, fmt.Errorf("selecting stack: %w", err))
	}
	c := newCollector(name, "preview", false, r.o.Progress, &r.progressMu)
	ch := make(chan events.EngineEvent)
	go c.consume(ch)
	out, flush := r.cliOutput(name)
	opts := []optpreview.Option{optpreview.EventStreams(ch), optpreview.Diff()}
	if out != nil {
		opts = append(opts, optpreview.ProgressStreams(out), optpreview.ErrorProgressStreams(out))
	}
	if r.o.Refresh {
		opts = append(opts, optpreview.Refresh())
	}
	_, err = st.Preview(ctx, opts...)
	flush()
	c.wait(10 * time.Second)
	c.finish()
	sr := c.report()
	sr.Stack = name
	switch {
	case err != nil && c.blockedByProtection():
		// The engine stopped at a protected resource the change would
		// replace or delete; the change is in the report, marked protected.
		sr.Notes = append(sr.Notes, "The engine stopped this preview at a protected resource it would have to replace or delete; changes planned after it are not listed.")
	case err != nil:
		sr.Error = conciseError("preview", err, sr.Diagnostics)
	}
	if err == nil {
		// Only a complete preview has every resource's new state.
		r.previewCost(name, c, &sr)
	}
	r.redact(ctx, name, &sr)
	return sr
}

// previewCost prices the stack's resources before and after the preview
// (each step's old and new inputs) as `lkinfra plan --diff` does.
func (r *runner) previewCost(name string, c *collector, sr *StackReport) {
	sc, err := plan.LoadStackConfig(r.o.Dir, name[strings.LastIndex(name, "/")+1:])
	if err != nil {
		sr.Notes = append(sr.Notes, "no cost estimate: "+err.Error())
		return
	}
	before, after := c.plans(name)
	a := cost.DefaultAssumptions()
	if r.o.CostAssumptions != nil {
		a = *r.o.CostAssumptions
	}
	if sr.Cost, err = EstimateCost(before, after, sc.Config, a); err != nil {
		sr.Notes = append(sr.Notes, "no cost estimate: "+err.Error())
	}
}

// Up deploys in three phases: the credentials stack(s), whose key set the
// regions read; every regional stack (concurrently, bounded); then the
// global stack(s), which read the regional outputs. Unless
// AllowDestructive is set, each phase is previewed first and not deployed
// when a stack's preview fails or finds a blocking change; those stacks
// are reported with the preview's changes and Skipped set. A phase that
// fails or is held back stops the later one. Each deployed stack's outputs
// are in the report, secrets masked.
//
// Then the central metrics view's second pass (centralpass.go): from each
// deployed global stack's centralMetrics output, the regions of the run
// whose two keys differ get them in their stack files and are deployed
// again, gated like a phase; their reports follow the others, with Pass
// set. NoCentralPass reports what it would set and writes nothing.
func Up(ctx context.Context, o Options) (*Report, error) {
	r, err := newRunner(o)
	if err != nil {
		return nil, err
	}
	phases, err := r.order()
	if err != nil {
		return nil, err
	}
	rep := &Report{Kind: KindUp, AllowDestructive: r.o.AllowDestructive}
	results := map[string]StackReport{}
	stop := ""
	claimed := map[string]string{}
	if !r.o.NoCentralPass {
		passes, failures := r.centralPrePass(ctx, phases[2], len(phases[1]) > 0, claimed)
		rep.CentralMetrics = append(rep.CentralMetrics, passes...)
		rep.Stacks = append(rep.Stacks, failures...)
		if len(failures) > 0 {
			stop = "not deployed: setting a region's central metrics keys failed (see its central metrics pass)."
		}
	}
	for _, phase := range phases {
		if len(phase) == 0 {
			continue
		}
		if stop != "" {
			for _, s := range phase {
				results[s] = StackReport{Stack: s, Summary: map[string]int{}, Changes: []Change{}, Skipped: stop}
			}
			continue
		}
		var reps []StackReport
		reps, stop = r.deployPhase(ctx, phase)
		for _, sr := range reps {
			results[sr.Stack] = sr
		}
	}
	first := make([]StackReport, 0, len(r.o.Stacks))
	for _, s := range r.o.Stacks {
		first = append(first, results[s])
	}
	rep.Stacks = append(first, rep.Stacks...)

	hold := ""
	if r.o.NoCentralPass {
		hold = "--no-central-pass: not written (run `lkinfra up` without it, or set them as docs/observability.md says)"
	}
	claimed = map[string]string{}
	var redeploy []string
	for _, g := range phases[2] {
		if sr := results[g]; sr.Error != "" || sr.Skipped != "" {
			continue
		}
		cp, again, failures := r.centralPass(ctx, g, StageAfterGlobal, results[g].Outputs, hold, claimed)
		rep.CentralMetrics = append(rep.CentralMetrics, cp)
		redeploy = append(redeploy, again...)
		rep.Stacks = append(rep.Stacks, failures...)
	}
	if len(redeploy) > 0 {
		reps, _ := r.deployPhase(ctx, redeploy)
		for _, sr := range reps {
			sr.Pass = PassCentralMetrics
			rep.Stacks = append(rep.Stacks, sr)
		}
	}
	return rep, nil
}

// deployPhase deploys the stacks of one phase concurrently, each previewed
// first unless AllowDestructive. stop, when set, is why the phases after
// this one are not deployed.
func (r *runner) deployPhase(ctx context.Context, phase []string) (reps []StackReport, stop string) {
	if !r.o.AllowDestructive {
		pre := r.forEach(phase, func(s string) StackReport { return r.previewOne(ctx, s) })
		var bad []string
		for _, sr := range pre {
			if sr.Error != "" || hasBlocking(sr) {
				bad = append(bad, sr.Stack)
			}
		}
		if len(bad) > 0 {
			why := fmt.Sprintf("not deployed: the preview of %s failed or found blocking changes (review, then re-run with --allow-destructive).", strings.Join(bad, ", "))
			for i := range pre {
				if pre[i].Error == "" {
					pre[i].Skipped = why
				}
			}
			return pre, "not deployed: " + why[len("not deployed: "):]
		}
	}
	var failedNames []string
	reps = r.forEach(phase, func(s string) StackReport { return r.upOne(ctx, s) })
	for _, sr := range reps {
		if sr.Error != "" {
			failedNames = append(failedNames, sr.Stack)
		}
	}
	if len(failedNames) > 0 {
		stop = fmt.Sprintf("not deployed: it runs after %s, which failed.", strings.Join(failedNames, ", "))
	}
	return reps, stop
}

func hasBlocking(sr StackReport) bool {
	for _, c := range sr.Changes {
		if c.Blocking {
			return true
		}
	}
	return false
}

// order splits the stacks into deploy phases by their config's
// livekit-infra:kind: credentials, then regional, then global.
func (r *runner) order() ([][]string, error) {
	var credentials, regional, global []string
	for _, s := range r.o.Stacks {
		sc, err := plan.LoadStackConfig(r.o.Dir, s)
		if err != nil {
			return nil, err
		}
		switch sc.Config[sc.Project+":kind"] {
		case GlobalKind:
			global = append(global, s)
		case CredentialsKind:
			credentials = append(credentials, s)
		default:
			regional = append(regional, s)
		}
	}
	return [][]string{credentials, regional, global}, nil
}

func (r *runner) upOne(ctx context.Context, name string) StackReport {
	st, err := r.stack(ctx, name, true)
	if err != nil {
		return failed(name, fmt.Errorf("selecting stack: %w", err))
	}
	c := newCollector(name, "up", false, r.o.Progress, &r.progressMu)
	ch := make(chan events.EngineEvent)
	go c.consume(ch)
	out, flush := r.cliOutput(name)
	// ShowSecrets(false): the SDK's Up reads the update's history entry
	// afterwards, by default with --show-secrets (plaintext config secrets,
	// and a key derivation of the passphrase provider); lkinfra uses
	// neither.
	opts := []optup.Option{optup.EventStreams(ch), optup.ShowSecrets(false)}
	if out != nil {
		opts = append(opts, optup.ProgressStreams(out), optup.ErrorProgressStreams(out))
	}
	if r.o.Refresh {
		opts = append(opts, optup.Refresh())
	}
	res, err := st.Up(ctx, opts...)
	flush()
	c.wait(10 * time.Second)
	c.finish()
	sr := c.report()
	sr.Stack = name
	if err != nil {
		sr.Error = conciseError("up", err, sr.Diagnostics)
		r.redact(ctx, name, &sr)
		return sr
	}
	sr.Outputs = map[string]any{}
	for k, v := range res.Outputs {
		if v.Secret {
			sr.Outputs[k] = SecretMask
		} else {
			sr.Outputs[k] = Mask(v.Value)
		}
	}
	r.redact(ctx, name, &sr)
	return sr
}

// Drift refreshes every stack in preview-only mode (nothing is written) and
// reports the resources whose real state differs from the recorded state.
func Drift(ctx context.Context, o Options) (*Report, error) {
	r, err := newRunner(o)
	if err != nil {
		return nil, err
	}
	rep := &Report{Kind: KindDrift}
	rep.Stacks = r.forEach(r.o.Stacks, func(s string) StackReport { return r.driftOne(ctx, s) })
	return rep, nil
}

func (r *runner) driftOne(ctx context.Context, name string) StackReport {
	st, err := r.stack(ctx, name, false)
	if err != nil {
		return failed(name, fmt.Errorf("selecting stack (drift checks existing stacks only): %w", err))
	}
	c := newCollector(name, "drift", true, r.o.Progress, &r.progressMu)
	ch := make(chan events.EngineEvent)
	go c.consume(ch)
	out, flush := r.cliOutput(name)
	opts := []optrefresh.Option{optrefresh.EventStreams(ch)}
	if out != nil {
		opts = append(opts, optrefresh.ProgressStreams(out), optrefresh.ErrorProgressStreams(out))
	}
	_, err = st.PreviewRefresh(ctx, opts...)
	flush()
	c.wait(10 * time.Second)
	c.finish()
	sr := c.report()
	sr.Stack = name
	for i := range sr.Changes {
		// A drifted stateful resource is worth attention, but the refresh
		// itself destroys nothing: drift is never "blocking".
		sr.Changes[i].Blocking = false
	}
	if err != nil {
		sr.Error = conciseError("drift check", err, sr.Diagnostics)
	}
	r.redact(ctx, name, &sr)
	return sr
}

func failed(stack string, err error) StackReport {
	return StackReport{Stack: stack, Error: err.Error(), Summary: map[string]int{}, Changes: []Change{}}
}

// conciseError is a stack's failure in a few lines: the engine's error
// diagnostics when there are any, otherwise the CLI's stderr.
func conciseError(op string, err error, diags []string) string {
	if len(diags) > 0 {
		return op + " failed: " + strings.Join(diags, "; ")
	}
	msg := err.Error()
	if i := strings.Index(msg, "\nstderr:"); i >= 0 {
		stderr := strings.TrimSpace(msg[i+len("\nstderr:"):])
		if stderr != "" {
			msg = stderr
		}
	}
	if len(msg) > maxError {
		msg = truncateUTF8(msg, maxError) + "…"
	}
	return op + " failed: " + msg
}

// SortedStacks returns the report's stack names, sorted (for messages).
func (r *Report) SortedStacks() []string {
	var n []string
	for _, s := range r.Stacks {
		n = append(n, s.Stack)
	}
	sort.Strings(n)
	return n
}

// cli is an auto.PulumiCommand for a pulumi binary at any path (the SDK's
// own expects <root>/bin/pulumi).
type cli struct {
	path    string
	version semver.Version
}

// cliKey identifies a CLI binary whose version has been read: the same
// path, size and modification time are the same binary.
type cliKey struct {
	path  string
	size  int64
	mtime time.Time
}

var (
	clisMu sync.Mutex
	clis   = map[cliKey]*cli{}
)

// NewCLI locates the pulumi CLI (bin, else $PULUMI_BIN, else `pulumi` on
// PATH) and reads its version, once per binary in this process: every
// `pulumi version` is a CLI start (~0.4 CPU-s).
func NewCLI(bin string) (auto.PulumiCommand, error) {
	if bin == "" {
		bin = os.Getenv("PULUMI_BIN")
	}
	if bin == "" {
		p, err := exec.LookPath("pulumi")
		if err != nil {
			return nil, errors.New("pulumi CLI not found: set PULUMI_BIN or put pulumi on PATH (scripts/install-pulumi.sh builds v3.274.1)")
		}
		bin = p
	}
	var key cliKey
	if abs, err := filepath.Abs(bin); err == nil {
		if fi, err := os.Stat(abs); err == nil {
			key = cliKey{abs, fi.Size(), fi.ModTime()}
		}
	}
	clisMu.Lock()
	defer clisMu.Unlock()
	if c, ok := clis[key]; ok && key.path != "" {
		return c, nil
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "PULUMI_SKIP_UPDATE_CHECK=true")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("running %s version: %w", bin, err)
	}
	v, err := semver.ParseTolerant(strings.TrimSpace(string(out)))
	if err != nil {
		return nil, fmt.Errorf("%s version %q: %w", bin, strings.TrimSpace(string(out)), err)
	}
	if v.LT(semver.MustParse("3.105.0")) {
		return nil, fmt.Errorf("%s is pulumi %s; lkinfra needs 3.105.0 or later (refresh previews)", bin, v)
	}
	c := &cli{path: bin, version: v}
	if key.path != "" {
		clis[key] = c
	}
	return c, nil
}

func (c *cli) Version() semver.Version { return c.version }

func (c *cli) Run(ctx context.Context, workdir string, stdin io.Reader, additionalOutput, additionalErrorOutput []io.Writer,
	additionalEnv []string, args ...string,
) (string, string, int, error) {
	args = append([]string{"--non-interactive"}, args...)
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Dir = workdir
	cmd.Env = append(os.Environ(), additionalEnv...)
	cmd.Env = append(cmd.Env, "PULUMI_AUTOMATION_API=true", "PULUMI_SKIP_UPDATE_CHECK=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(additionalOutput, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(additionalErrorOutput, &stderr)...)
	cmd.Stdin = stdin
	// On cancellation the CLI gets SIGINT first so it can save state.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
	err := cmd.Run()
	code := -2
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	}
	return stdout.String(), stderr.String(), code, err
}
