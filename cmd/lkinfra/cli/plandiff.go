package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/deploy"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// runPlanDiff implements `lkinfra plan --diff BASE` (its flags are parsed
// by runPlan): the offline plans of the current tree compared with plans
// saved from the base branch, rendered like `lkinfra preview` (no
// credentials, no engine; for pull requests from forks).
func runPlanDiff(f planFlags, e env) int {
	bases, names, err := loadBases(*f.diff)
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra plan --diff: %v\n", err)
		return exitError
	}
	if *f.stack != "" {
		names = deploy.ParseStacks(*f.stack)
	}
	rep := &deploy.Report{Kind: deploy.KindPlanDiff, AllowDestructive: *f.allow}
	for _, name := range names {
		rep.Stacks = append(rep.Stacks, planDiffStack(*f.dir, name, bases, f.assume, e))
	}
	var body []byte
	if *f.asJSON {
		if body, err = rep.JSON(); err != nil {
			fmt.Fprintf(e.stderr, "lkinfra plan --diff: %v\n", err)
			return exitError
		}
	} else {
		body = []byte(rep.Markdown(deploy.MarkdownOptions{}))
	}
	if err := writeOut(*f.out, body, e.stdout); err != nil {
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
