package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/livekit-infra/livekit-infra/internal/deploy"
)

func init() {
	register(command{
		name:    "preview",
		summary: "preview stacks with the Pulumi engine; one combined markdown (or JSON) report, non-zero on blocking changes",
		run:     runPreview,
	})
}

// engineFlags are the flags shared by preview, up and drift.
type engineFlags struct {
	fs               *flag.FlagSet
	stacks           *string
	dir              *string
	parallel         *int
	pulumi           *string
	secretsProvider  *string
	asJSON           *bool
	out              *string
	verbose          *bool
	allowDestructive *bool
}

func newEngineFlags(name, usage string, e env) *engineFlags {
	fs := newFlagSet("lkinfra "+name, e)
	f := &engineFlags{fs: fs}
	f.stacks = fs.String("stacks", strings.Join(deploy.DefaultStacks, ","), "comma-separated stack `names`")
	f.dir = fs.String("dir", ".", "project `directory` (Pulumi.yaml and Pulumi.<stack>.yaml)")
	f.parallel = fs.Int("parallel", 2, "stacks run at once")
	f.pulumi = fs.String("pulumi", "", "pulumi CLI `path` (default $PULUMI_BIN, then pulumi on PATH)")
	f.secretsProvider = fs.String("secrets-provider", os.Getenv("LKINFRA_SECRETS_PROVIDER"),
		"secrets provider for stacks created by this run, e.g. awskms://alias/livekit-infra (default $LKINFRA_SECRETS_PROVIDER)")
	f.asJSON = fs.Bool("json", false, "write the report as JSON instead of markdown")
	f.out = fs.String("out", "", "write the report to `file` instead of stdout")
	f.verbose = fs.Bool("verbose", false, "stream the pulumi CLI's own output to stderr, prefixed by stack")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nThe state backend and secrets come from the environment as for the pulumi CLI:\n"+
			"PULUMI_BACKEND_URL (or `pulumi login`), PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE, cloud credentials.")
		fs.PrintDefaults()
	}
	return f
}

// parse returns an exit code >= 0 when the command should stop.
func (f *engineFlags) parse(args []string, e env) int {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if f.fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "%s: unexpected arguments: %v\n", f.fs.Name(), f.fs.Args())
		f.fs.Usage()
		return exitUsage
	}
	if *f.parallel < 1 {
		fmt.Fprintf(e.stderr, "%s: --parallel must be at least 1\n", f.fs.Name())
		return exitUsage
	}
	return -1
}

func (f *engineFlags) options(e env) deploy.Options {
	o := deploy.Options{
		Dir:             *f.dir,
		Stacks:          deploy.ParseStacks(*f.stacks),
		Program:         deploy.Exporting(e.program),
		PulumiBin:       *f.pulumi,
		SecretsProvider: *f.secretsProvider,
		Parallel:        *f.parallel,
		Progress:        e.stderr,
	}
	if f.allowDestructive != nil {
		o.AllowDestructive = *f.allowDestructive
	}
	if *f.verbose {
		o.CLIOutput = e.stderr
	}
	return o
}

// run runs op (deploy.Preview, deploy.Drift, deploy.Up) with o until
// SIGINT/SIGTERM and, with write, writes its report (writeReport); nil
// when either failed, said on stderr.
func (f *engineFlags) run(e env, op func(context.Context, deploy.Options) (*deploy.Report, error), o deploy.Options, write bool) *deploy.Report {
	ctx, cancel := signalContext()
	defer cancel()
	rep, err := op(ctx, o)
	if err == nil && write {
		err = f.writeReport(rep, e)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: %v\n", f.fs.Name(), err)
		return nil
	}
	return rep
}

// writeReport writes the report as JSON or markdown to --out or stdout.
func (f *engineFlags) writeReport(r *deploy.Report, e env) error {
	var body []byte
	if *f.asJSON {
		b, err := r.JSON()
		if err != nil {
			return err
		}
		body = b
	} else {
		footer := ""
		if url := ciRunURL(); url != "" {
			footer = "<sub>From [this workflow run](" + url + ").</sub>"
		}
		body = []byte(r.Markdown(deploy.MarkdownOptions{Footer: footer}))
	}
	return writeOut(*f.out, body, e.stdout)
}

func writeOut(path string, body []byte, stdout io.Writer) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(body)
		return err
	}
	return os.WriteFile(path, body, 0o644)
}

// ciRunURL links the GitHub Actions run, when there is one.
func ciRunURL() string {
	server, repo, id := os.Getenv("GITHUB_SERVER_URL"), os.Getenv("GITHUB_REPOSITORY"), os.Getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + id
}

// signalContext is cancelled on SIGINT/SIGTERM; the pulumi CLI then gets
// SIGINT and saves its state before exiting.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// runPreview implements `lkinfra preview`.
func runPreview(args []string, e env) int {
	f := newEngineFlags("preview", "usage: lkinfra preview [--stacks a,b,...] [--allow-destructive] [--json] [--out FILE] [--dir DIR]\n\n"+
		"Previews every stack with the Pulumi engine (inline program, concurrently) and writes one combined report:\n"+
		"a summary per stack, blocking changes (stateful resources replaced or deleted) first, then every changed\n"+
		"resource with its changed properties; secrets masked; then, for each global stack, the central metrics keys\n"+
		"`lkinfra up` would set in the regions' stack files (judged from its outputs as deployed now).\n"+
		"Exit 0: fine, 1: a stack failed, 3: blocking changes.", e)
	f.allowDestructive = f.fs.Bool("allow-destructive", false, "exit 0 even when stateful resources would be replaced or deleted")
	if code := f.parse(args, e); code >= 0 {
		return code
	}
	rep := f.run(e, deploy.Preview, f.options(e), true)
	if rep == nil {
		return exitError
	}
	return reportExit("preview", rep, e)
}

// reportExit prints why the command exits non-zero and returns the code.
func reportExit(cmd string, rep *deploy.Report, e env) int {
	code := rep.ExitCode()
	for _, s := range rep.Failed() {
		fmt.Fprintf(e.stderr, "lkinfra %s: stack %s failed: %s\n", cmd, s.Label(), s.Error)
	}
	switch {
	case code == deploy.ExitBlocked && rep.Kind == deploy.KindDrift:
		fmt.Fprintf(e.stderr, "lkinfra %s: %d resource(s) drifted\n", cmd, rep.ChangeCount())
	case code == deploy.ExitBlocked:
		fmt.Fprintf(e.stderr, "lkinfra %s: %d blocking change(s) to stateful resources:\n", cmd, len(rep.Blocking()))
		for _, b := range rep.Blocking() {
			fmt.Fprintf(e.stderr, "  %s: %s %s (%s)\n", b.Stack, b.Op, b.URN, b.Stateful)
		}
		fmt.Fprintf(e.stderr, "re-run with --allow-destructive once reviewed\n")
	}
	return code
}
