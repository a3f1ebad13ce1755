package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/deploy"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// wantsDiff reports whether `lkinfra plan` was given --diff; plan.go hands
// such invocations to runPlanDiff.
func wantsDiff(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		for _, p := range []string{"-diff", "--diff"} {
			if a == p || strings.HasPrefix(a, p+"=") {
				return true
			}
		}
	}
	return false
}

// runPlanDiff implements `lkinfra plan --diff BASE`: the offline plans of
// the current tree compared with plans saved from the base branch, rendered
// like `lkinfra preview` (no credentials, no engine; for pull requests from
// forks).
func runPlanDiff(args []string, e env) int {
	fs := flag.NewFlagSet("lkinfra plan --diff", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	base := fs.String("diff", "", "base plan: a `file` from `lkinfra plan --json`, or a directory of <stack>.json files")
	stackList := fs.String("stack", "", "comma-separated stack `names` (default: the base file's stack, or "+strings.Join(deploy.DefaultStacks, ",")+" for a directory)")
	fs.StringVar(stackList, "stacks", "", "alias of --stack")
	dir := fs.String("dir", ".", "project `directory` (holding Pulumi.yaml)")
	asJSON := fs.Bool("json", false, "write the report as JSON instead of markdown")
	out := fs.String("out", "", "write the report to `file` instead of stdout")
	allow := fs.Bool("allow-destructive", false, "exit 0 even when stateful resources would be replaced or deleted")
	assume := cost.DefaultAssumptions()
	fs.Var(assumeFlag{&assume}, "assume", "a cost usage assumption `NAME=VALUE` for both sides' monthly estimate (see lkinfra cost)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lkinfra plan --diff BASE [--stack a,b,...] [--json] [--out FILE] [--dir DIR]")
		fmt.Fprintln(fs.Output(), "\nCompares the offline plan (mocked providers) of each stack with a plan saved from the base branch and\n"+
			"writes the same report as `lkinfra preview`. Replacements are estimated (no providers are asked).\n"+
			"A stack missing from BASE counts as new. Exit 0: fine, 1: a stack failed, 3: blocking changes.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 || *base == "" {
		fmt.Fprintln(e.stderr, "lkinfra plan --diff: a base plan is required and no positional arguments are allowed")
		fs.Usage()
		return exitUsage
	}

	bases, names, err := loadBases(*base)
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra plan --diff: %v\n", err)
		return exitError
	}
	if *stackList != "" {
		names = deploy.ParseStacks(*stackList)
	}
	rep := &deploy.Report{Kind: deploy.KindPlanDiff, AllowDestructive: *allow}
	for _, name := range names {
		rep.Stacks = append(rep.Stacks, planDiffStack(*dir, name, bases, assume, e))
	}
	var body []byte
	if *asJSON {
		if body, err = rep.JSON(); err != nil {
			fmt.Fprintf(e.stderr, "lkinfra plan --diff: %v\n", err)
			return exitError
		}
	} else {
		body = []byte(rep.Markdown(deploy.MarkdownOptions{}))
	}
	if err := writeOut(*out, body, e.stdout); err != nil {
		fmt.Fprintf(e.stderr, "lkinfra plan --diff: %v\n", err)
		return exitError
	}
	return reportExit("plan --diff", rep, e)
}

func planDiffStack(dir, name string, bases map[string]*plan.Plan, assume cost.Assumptions, e env) deploy.StackReport {
	fail := func(err error) deploy.StackReport {
		return deploy.StackReport{Stack: name, Error: err.Error(), Summary: map[string]int{}, Changes: []deploy.Change{}}
	}
	sc, err := plan.LoadStackConfig(dir, name)
	if err != nil {
		return fail(err)
	}
	// A global stack's StackReferences are answered as `lkinfra plan` does.
	refs, _ := stackReferences(dir, sc, e.program)
	head, err := plan.Evaluate(sc, e.program, refs...)
	if err != nil {
		return fail(fmt.Errorf("plan failed: %w", err))
	}
	sr, err := deploy.PlanDiff(bases[sc.Stack], head)
	if err != nil {
		return fail(err)
	}
	sr.Stack = name
	// Both sides priced with the head's regions and the same assumptions.
	if sr.Cost, err = deploy.EstimateCost(bases[sc.Stack], head, sc.Config, assume); err != nil {
		sr.Notes = append(sr.Notes, "no cost estimate: "+err.Error())
	}
	return sr
}

// loadBases reads one plan file, or every *.json plan in a directory (an
// empty file, e.g. from a base branch where the stack failed to plan, counts
// as no base). It returns the plans by stack and the default stack list.
func loadBases(path string) (map[string]*plan.Plan, []string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	bases := map[string]*plan.Plan{}
	if !st.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		p, err := deploy.ReadPlan(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		bases[p.Stack] = p
		return bases, []string{p.Stack}, nil
	}
	files, err := filepath.Glob(filepath.Join(path, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			continue
		}
		p, err := deploy.ReadPlan(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f, err)
		}
		bases[p.Stack] = p
	}
	return bases, append([]string(nil), deploy.DefaultStacks...), nil
}
