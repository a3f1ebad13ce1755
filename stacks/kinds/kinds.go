// Package kinds dispatches a stack to the function of its kind. Package
// stacks fills a Set with the kinds compiled into the binary (all four by
// default; a subset when built with -tags=lkinfra_only,lkinfra_<kind>, see
// docs/build-cost.md). It imports no cloud SDK, so its tests build in seconds.
package kinds

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Func deploys one stack kind from validated settings and returns the stack
// outputs.
type Func func(ctx *pulumi.Context, s *stackconfig.Stack) (pulumi.Map, error)

// Set maps each compiled-in kind to its Func.
type Set map[stackconfig.Kind]Func

// Names lists the kinds in the set, sorted.
func (set Set) Names() []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// Program validates the selected stack's config, then runs its kind's Func.
func (set Set) Program(ctx *pulumi.Context) (pulumi.Map, error) {
	s, err := stackconfig.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	run, ok := set[s.Kind]
	if !ok {
		return nil, fmt.Errorf("stack %q has kind %q, but this build of the program includes only %s "+
			"(it was built with GOFLAGS=-tags=lkinfra_only,lkinfra_<kind>): rebuild without those tags, or add the tag lkinfra_%s",
			s.Name, s.Kind, strings.Join(set.Names(), ", "), s.Kind)
	}
	return run(ctx, s)
}

// Program is the program of one kind (stacks/<kind>.Program): it validates
// the selected stack's config and runs f, refusing a stack of another kind.
func Program(kind stackconfig.Kind, f Func) func(*pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		s, err := stackconfig.FromContext(ctx)
		if err != nil {
			return nil, err
		}
		if s.Kind != kind {
			return nil, fmt.Errorf("stack %q has kind %q; the %s program needs kind %s", s.Name, s.Kind, kind, kind)
		}
		return f(ctx, s)
	}
}
