package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

func init() {
	register(command{
		name:    "cost",
		summary: "estimate a stack's monthly cost offline (the plan of `lkinfra plan`, committed price data)",
		run:     runCost,
	})
}

// assumeFlag collects repeated --assume NAME=VALUE.
type assumeFlag struct{ a *cost.Assumptions }

func (f assumeFlag) String() string { return "" }

func (f assumeFlag) Set(s string) error {
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil {
		return fmt.Errorf("%s: %q is not a number", name, val)
	}
	return f.a.Set(strings.TrimSpace(name), v)
}

// runCost implements `lkinfra cost --stack NAME [--json] [--assume N=V]... [--dir DIR]`.
func runCost(args []string, e env) int {
	fs := newFlagSet("lkinfra cost", e)
	stack := fs.String("stack", "", "stack `name` (required); reads Pulumi.<name>.yaml")
	asJSON := fs.Bool("json", false, "print the estimate as JSON")
	dir := fs.String("dir", ".", "project `directory` (holding Pulumi.yaml)")
	a := cost.DefaultAssumptions()
	fs.Var(assumeFlag{&a}, "assume", "set a usage assumption, `NAME=VALUE` (repeatable; the names and defaults are printed with the estimate)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lkinfra cost --stack NAME [--json] [--assume NAME=VALUE]... [--dir DIR]")
		fmt.Fprintln(fs.Output(), "\nPrices the stack's offline plan (as `lkinfra plan`) with the committed price data (internal/cost/prices):\n"+
			"per resource, per component and in total, at minNodes and at maxNodes. Usage-driven parts come from the\n"+
			"assumptions; resources without a price are listed, never counted as zero.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 || *stack == "" {
		fmt.Fprintln(e.stderr, "lkinfra cost: --stack is required and no positional arguments are allowed")
		fs.Usage()
		return exitUsage
	}
	sc, err := plan.LoadStackConfig(*dir, *stack)
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra cost: %v\n", err)
		return exitError
	}
	refs, _ := stackReferences(*dir, sc, e.program)
	p, err := plan.Evaluate(sc, e.program, refs...)
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra cost: stack %q:\n%v\n", sc.Stack, err)
		return exitError
	}
	cat, err := cost.Load()
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra cost: %v\n", err)
		return exitError
	}
	est := cat.Estimate(p, cost.Options{Regions: cost.RegionsFromConfig(sc.Config), Assumptions: a, Config: sc.Config})
	if *asJSON {
		b, err := json.MarshalIndent(est, "", "  ")
		if err != nil {
			fmt.Fprintf(e.stderr, "lkinfra cost: %v\n", err)
			return exitError
		}
		b = append(b, '\n')
		if _, err := e.stdout.Write(b); err != nil {
			return exitError
		}
		return exitOK
	}
	est.Write(e.stdout)
	return exitOK
}
