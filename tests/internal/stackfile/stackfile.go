// Package stackfile reads a committed stack file (Pulumi.<stack>.yaml) into
// the typed config model and the observability it renders, as the rule,
// scrape and dashboard tests of every cloud start from them. No cloud SDK.
package stackfile

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// Settings are the parsed settings of Pulumi.<stack>.yaml in dir; the test
// fails when the file does not load or parse.
func Settings(t testing.TB, dir, stack string) *stackconfig.Stack {
	t.Helper()
	sc, err := plan.LoadStackConfig(dir, stack)
	if err != nil {
		t.Fatalf("LoadStackConfig(%s): %v", stack, err)
	}
	s, err := stackconfig.Parse(sc.Stack, stackconfig.Raw{Values: sc.Config, Secret: map[string]bool{}})
	if err != nil {
		t.Fatalf("settings of %s: %v", stack, err)
	}
	return s
}

// Observability is what the region of Pulumi.<stack>.yaml watches
// (regional.Observability of its settings).
func Observability(t testing.TB, dir, stack string) observability.Region {
	t.Helper()
	return regional.Observability(Settings(t, dir, stack))
}

// ManagedRules are the region's observability and rule file as its
// stack deploys them (regional.ManagedRules: no GET / probe rules).
func ManagedRules(t testing.TB, dir, stack string) (observability.Region, observability.RuleFile) {
	t.Helper()
	region, rules, err := regional.ManagedRules(Settings(t, dir, stack))
	if err != nil {
		t.Fatal(err)
	}
	return region, rules
}
