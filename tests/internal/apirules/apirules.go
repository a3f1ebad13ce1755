// Package apirules is the test tier for cloud API constraints: rules a
// provider's schema (and so the Pulumi mocks) lets through, but the cloud
// refuses or the deployment breaks on at the first `pulumi up`. Each cloud's
// test package keeps a table of Rules, each with the document that states
// the constraint, and Run tries every rule on the real plan (it must hold)
// and on a deliberately broken input (it must catch it), so no rule is a
// test that cannot fail.
package apirules

import (
	"errors"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// Rule is one cloud API constraint.
type Rule struct {
	Name string
	// Source is the document (URL, title or public issue) stating the rule.
	Source string
	// Check reports a violation in a plan; nil for config-only rules.
	Check func(p *plan.Plan) error
	// Break returns a broken copy of the real plan that Check must reject.
	Break func(p *plan.Plan) *plan.Plan
	// BrokenConfig (bare keys) must make the program fail before any
	// resource is declared, with a settings problem naming WantKey.
	BrokenConfig map[string]string
	WantKey      string
}

// Run tries every rule on the committed stack: on its plan, on the plan's
// broken copy, and on the stack with its broken config.
func Run(t *testing.T, rules []Rule, stack *planq.Stack) {
	real := stack.Plan(t)
	for _, r := range rules {
		t.Run(r.Name, func(t *testing.T) {
			if r.Source == "" {
				t.Fatal("rule without a source")
			}
			if r.Break == nil && r.BrokenConfig == nil {
				t.Fatal("rule never tried on a broken input")
			}
			if r.Check != nil {
				if err := r.Check(real); err != nil {
					t.Errorf("the committed stack breaks %s (%s): %v", r.Name, r.Source, err)
				}
				if r.Break != nil {
					if err := r.Check(r.Break(real)); err == nil {
						t.Errorf("the rule did not catch its broken input (%s)", r.Source)
					} else {
						t.Logf("broken input caught: %v", err)
					}
				}
			}
			if r.BrokenConfig != nil {
				_, err := stack.With(r.BrokenConfig)
				var se *stackconfig.Error
				if !errors.As(err, &se) {
					t.Fatalf("config %v: err %v, want a settings error before any resource", r.BrokenConfig, err)
				}
				found := false
				for _, pr := range se.Problems {
					if pr.Key == stackconfig.Namespace+":"+r.WantKey {
						found = true
						t.Logf("broken config caught: %s", pr)
					}
				}
				if !found {
					t.Errorf("config %v: problems %v do not name %s", r.BrokenConfig, se.Problems, r.WantKey)
				}
			}
		})
	}
}

// Clone deep-copies a plan's resources so a rule can break one.
func Clone(p *plan.Plan) *plan.Plan {
	c := *p
	c.Resources = make([]plan.Resource, len(p.Resources))
	for i, r := range p.Resources {
		r.Inputs = deepCopy(r.Inputs).(map[string]any)
		if r.RawInputs != nil {
			r.RawInputs = deepCopy(r.RawInputs).(map[string]any)
		}
		r.Dependencies = append([]string(nil), r.Dependencies...)
		c.Resources[i] = r
	}
	return &c
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}

// Edit returns a clone of p with fn applied to every resource of type typ.
func Edit(p *plan.Plan, typ string, fn func(r *plan.Resource)) *plan.Plan {
	c := Clone(p)
	for i := range c.Resources {
		if c.Resources[i].Type == typ {
			fn(&c.Resources[i])
		}
	}
	return c
}

// SetInput sets (or, with del, removes) a dotted map path in both the
// masked and the raw inputs.
func SetInput(r *plan.Resource, path string, v any, del bool) {
	for _, m := range []map[string]any{r.Inputs, r.RawInputs} {
		if m == nil {
			continue
		}
		parts := strings.Split(path, ".")
		for _, part := range parts[:len(parts)-1] {
			next, ok := m[part].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[part] = next
			}
			m = next
		}
		if del {
			delete(m, parts[len(parts)-1])
		} else {
			m[parts[len(parts)-1]] = v
		}
	}
}
