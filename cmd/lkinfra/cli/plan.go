package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/deploy"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// planNow is the day pinned versions are checked against (tests move it).
var planNow = time.Now

func init() {
	register(command{
		name:    "plan",
		summary: "evaluate a stack offline (mocked providers) and print its resource tree or JSON",
		run:     runPlan,
	})
}

// planFlags are `lkinfra plan`'s flags, of both modes: one flag set, so
// that `lkinfra plan -h` names them all.
type planFlags struct {
	stack, dir, diff, out *string
	asJSON, allow         *bool
	assume                cost.Assumptions
}

// diffOnly are the flags that only `lkinfra plan --diff` reads.
var diffOnly = []string{"stacks", "out", "allow-destructive", "assume"}

// runPlan implements `lkinfra plan --stack NAME [--json] [--dir DIR]` and,
// with --diff, `lkinfra plan --diff BASE` (plandiff.go).
func runPlan(args []string, e env) int {
	fs := newFlagSet("lkinfra plan", e)
	f := planFlags{assume: cost.DefaultAssumptions()}
	f.stack = fs.String("stack", "", "stack `name` (required without --diff); reads Pulumi.<name>.yaml. With --diff: comma-separated\n"+
		"stack names (default: the base file's stack, or "+strings.Join(deploy.DefaultStacks, ",")+" for a directory)")
	fs.StringVar(f.stack, "stacks", "", "alias of --stack: comma-separated stack `names` (with --diff)")
	f.asJSON = fs.Bool("json", false, "print the plan (with --diff: the report) as JSON instead of a tree (markdown)")
	f.dir = fs.String("dir", ".", "project `directory` (holding Pulumi.yaml)")
	f.diff = fs.String("diff", "", "compare with a base plan: a `file` from `lkinfra plan --json`, or a directory of <stack>.json files")
	f.out = fs.String("out", "", "with --diff: write the report to `file` instead of stdout")
	f.allow = fs.Bool("allow-destructive", false, "with --diff: exit 0 even when stateful resources would be replaced or deleted")
	fs.Var(assumeFlag{&f.assume}, "assume", "with --diff: a cost usage assumption `NAME=VALUE` for both sides' monthly estimate (see lkinfra cost)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lkinfra plan --stack NAME [--json] [--dir DIR]\n"+
			"       lkinfra plan --diff BASE [--stack a,b,...] [--json] [--out FILE] [--allow-destructive] [--assume NAME=VALUE]... [--dir DIR]")
		fmt.Fprintln(fs.Output(), "\nEvaluates the stack's program in-process against mocked providers; secrets are masked.\n"+
			"With --diff, compares the offline plan of each stack with a plan saved from the base branch and writes the\n"+
			"same report as `lkinfra preview`. Replacements are estimated (no providers are asked). A stack missing\n"+
			"from BASE counts as new. Exit 0: fine, 1: a stack failed, 3: blocking changes.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "lkinfra plan: unexpected arguments: %v\n", fs.Args())
		fs.Usage()
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["diff"] {
		if *f.diff == "" {
			fmt.Fprintln(e.stderr, "lkinfra plan: --diff needs a base plan (a file or a directory)")
			fs.Usage()
			return exitUsage
		}
		return runPlanDiff(f, e) // plandiff.go
	}
	for _, name := range diffOnly {
		if set[name] {
			fmt.Fprintf(e.stderr, "lkinfra plan: --%s is only read with --diff\n", name)
			fs.Usage()
			return exitUsage
		}
	}
	if *f.stack == "" {
		fmt.Fprintln(e.stderr, "lkinfra plan: --stack is required")
		fs.Usage()
		return exitUsage
	}

	sc, err := plan.LoadStackConfig(*f.dir, *f.stack)
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra plan: %v\n", err)
		return exitError
	}
	// Pinned platform versions expire silently: name every one that is past
	// its end of support or within stackconfig.WarnDays of it (offline, from
	// internal/stackconfig/support.go); and every control plane left open to
	// any address by an explicit opt-in (internal/stackconfig/exposure.go).
	for _, w := range stackconfig.Warnings(sc.Config, planNow()) {
		fmt.Fprintf(e.stderr, "lkinfra plan: warning: %s\n", w)
	}
	// A global stack reads its regions through StackReferences: answer
	// them with plans of the regional stacks (stackrefs.go).
	refs, notes := stackReferences(*f.dir, sc, e.program)
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "lkinfra plan: %s\n", n)
	}
	p, err := plan.Evaluate(sc, e.program, refs...)
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra plan: stack %q:\n%v\n", sc.Stack, err)
		return exitError
	}
	if *f.asJSON {
		b, err := p.JSON()
		if err != nil {
			fmt.Fprintf(e.stderr, "lkinfra plan: %v\n", err)
			return exitError
		}
		if _, err := e.stdout.Write(b); err != nil {
			return exitError
		}
		return exitOK
	}
	p.WriteTree(e.stdout)
	return exitOK
}
