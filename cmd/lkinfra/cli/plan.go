package cli

import (
	"errors"
	"flag"
	"fmt"
	"time"

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

// runPlan implements `lkinfra plan --stack NAME [--json] [--dir DIR]`.
func runPlan(args []string, e env) int {
	if wantsDiff(args) {
		return runPlanDiff(args, e) // plandiff.go
	}
	fs := flag.NewFlagSet("lkinfra plan", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	stack := fs.String("stack", "", "stack `name` (required); reads Pulumi.<name>.yaml")
	asJSON := fs.Bool("json", false, "print the plan as JSON instead of a tree")
	dir := fs.String("dir", ".", "project `directory` (holding Pulumi.yaml)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lkinfra plan --stack NAME [--json] [--dir DIR]")
		fmt.Fprintln(fs.Output(), "\nEvaluates the stack's program in-process against mocked providers; secrets are masked.")
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
	if *stack == "" {
		fmt.Fprintln(e.stderr, "lkinfra plan: --stack is required")
		fs.Usage()
		return exitUsage
	}

	sc, err := plan.LoadStackConfig(*dir, *stack)
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
	refs, notes := stackReferences(*dir, sc, e.program)
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "lkinfra plan: %s\n", n)
	}
	p, err := plan.Evaluate(sc, e.program, refs...)
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra plan: stack %q:\n%v\n", sc.Stack, err)
		return exitError
	}
	if *asJSON {
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
