// Package planq is the plan-query toolkit of the mock tests: a committed
// stack evaluated once per test binary with cached variants, and accessors
// that read a planned resource's inputs and fail the test with the resource
// named when an input is missing or of the wrong kind. tests/aws,
// tests/azure, tests/gcp and tests/global share it.
package planq

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Key is the full config key of a bare livekit-infra key name; a name that
// already has a namespace (gcp:project, livekit-infra:x) is kept.
func Key(name string) string {
	if strings.Contains(name, ":") {
		return name
	}
	return "livekit-infra:" + name
}

// Stack is a committed stack file (Pulumi.<Name>.yaml in Dir) and the
// program that plans it. The base plan and each named variant are evaluated
// once per test binary.
type Stack struct {
	Dir, Name string
	Program   func(*pulumi.Context) (pulumi.Map, error)
	// Variants are the stack's named variants (Named evaluates them).
	Variants map[string]Variant

	once     sync.Once
	config   *plan.StackConfig
	plan     *plan.Plan
	err      error
	mu       sync.Mutex
	variants map[string]*plan.Plan
}

// Load evaluates the stack as committed (once); TestMain calls it to fail
// the binary early on a broken stack file.
func (s *Stack) Load() (*plan.Plan, error) {
	s.once.Do(func() {
		s.config, s.err = plan.LoadStackConfig(s.Dir, s.Name)
		if s.err != nil {
			s.err = fmt.Errorf("loading %s config: %w", s.Name, s.err)
			return
		}
		s.plan, s.err = plan.Evaluate(s.config, s.Program)
		if s.err != nil {
			s.err = fmt.Errorf("evaluating %s: %w", s.Name, s.err)
		}
	})
	return s.plan, s.err
}

// Main is a test binary's TestMain: it evaluates each stack as committed
// first, so a broken stack file fails the binary once, not every test.
func Main(m *testing.M, stacks ...*Stack) {
	for _, s := range stacks {
		if _, err := s.Load(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// Plan is the plan of the stack as committed.
func (s *Stack) Plan(t testing.TB) *plan.Plan {
	t.Helper()
	p, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Config is a copy of the committed config with the bare keys in set
// changed ("" is kept as an empty value) and the bare keys in secret marked
// as config secrets (`pulumi config set --secret`). A stack file that does
// not load yields an empty config, which fails to evaluate.
func (s *Stack) Config(set map[string]string, secret ...string) *plan.StackConfig {
	if _, err := s.Load(); err != nil {
		return &plan.StackConfig{Stack: s.Name}
	}
	return s.withKeys(set, secret)
}

func (s *Stack) withKeys(set map[string]string, secret []string) *plan.StackConfig {
	sc := &plan.StackConfig{
		Project:    s.config.Project,
		Dir:        s.config.Dir,
		Stack:      s.config.Stack,
		Config:     maps.Clone(s.config.Config),
		SecretKeys: slices.Clone(s.config.SecretKeys),
	}
	for k, v := range set {
		sc.Config[Key(k)] = v
	}
	for _, k := range secret {
		sc.SecretKeys = append(sc.SecretKeys, Key(k))
	}
	return sc
}

// With evaluates the stack with set (and secret) applied, uncached.
func (s *Stack) With(set map[string]string, secret ...string) (*plan.Plan, error) {
	if _, err := s.Load(); err != nil {
		return nil, err
	}
	return plan.Evaluate(s.withKeys(set, secret), s.Program)
}

// Variant evaluates the stack with set (and secret) applied once per binary
// under name, and fails the test if the variant does not plan.
func (s *Stack) Variant(t testing.TB, name string, set map[string]string, secret ...string) *plan.Plan {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.variants[name]; ok {
		return p
	}
	p, err := s.With(set, secret...)
	if err != nil {
		t.Fatalf("evaluating %s variant %q (%v): %v", s.Name, name, set, err)
	}
	if s.variants == nil {
		s.variants = map[string]*plan.Plan{}
	}
	s.variants[name] = p
	return p
}

// Variant is a stack with some bare livekit-infra keys changed (Set; "" is
// kept as an empty value); Secret lists those of them set as config secrets
// (as `pulumi config set --secret` makes them).
type Variant struct {
	Set    map[string]string
	Secret []string
}

// Named evaluates (once per binary) the variant of s.Variants called name.
func (s *Stack) Named(t testing.TB, name string) *plan.Plan {
	t.Helper()
	v, ok := s.Variants[name]
	if !ok {
		t.Fatalf("%s has no variant %q", s.Name, name)
	}
	return s.Variant(t, name, v.Set, v.Secret...)
}

// ConfigOf is the committed config with v applied.
func (s *Stack) ConfigOf(v Variant) *plan.StackConfig { return s.Config(v.Set, v.Secret...) }

// --- finding resources ------------------------------------------------------

// One returns the single resource of type typ named name.
func One(t testing.TB, p *plan.Plan, typ, name string) *plan.Resource {
	t.Helper()
	var found []*plan.Resource
	for i := range p.Resources {
		if r := &p.Resources[i]; r.Type == typ && r.Name == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s %q, got %d; all %s: %v", typ, name, len(found), typ, Names(p.ByType(typ)))
	}
	return found[0]
}

// Only returns the single resource (or component) of type typ.
func Only(t testing.TB, p *plan.Plan, typ string) *plan.Resource {
	t.Helper()
	r, err := p.Only(typ)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Where returns the single resource of type typ whose string input at path
// is value.
func Where(t testing.TB, p *plan.Plan, typ, path, value string) *plan.Resource {
	t.Helper()
	var found []*plan.Resource
	for i := range p.Resources {
		if r := &p.Resources[i]; r.Type == typ && r.InputString(path) == value {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s with %s = %q, got %d", typ, path, value, len(found))
	}
	return found[0]
}

// Names are the sorted names of rs.
func Names(rs []plan.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	sort.Strings(out)
	return out
}

// ByID returns the resource whose synthesized id is id.
func ByID(p *plan.Plan, id string) (*plan.Resource, bool) {
	for i := range p.Resources {
		if p.Resources[i].ID == id && id != "" {
			return &p.Resources[i], true
		}
	}
	return nil, false
}

// Within reports whether r sits (at any depth) below a resource of type typ.
func Within(p *plan.Plan, r *plan.Resource, typ string) bool {
	for parent := r.Parent; parent != ""; {
		pr, ok := p.ByURN(parent)
		if !ok {
			return false
		}
		if pr.Type == typ {
			return true
		}
		parent = pr.Parent
	}
	return false
}

// --- reading inputs -----------------------------------------------------------

// Inputs reads a resource's inputs: Masked (a secret reads as
// plan.SecretPlaceholder) or Raw (secrets unmasked, for leak checks).
type Inputs struct{ raw bool }

var (
	Masked = Inputs{}
	Raw    = Inputs{raw: true}
)

func (in Inputs) lookup(r *plan.Resource, path string) (any, bool) {
	if in.raw {
		return r.RawInput(path)
	}
	return r.Input(path)
}

// Get is the input at path, failing the test when it is not set.
func (in Inputs) Get(t testing.TB, r *plan.Resource, path string) any {
	t.Helper()
	v, ok := in.lookup(r, path)
	if !ok {
		t.Fatalf("%s %q: input %s is not set", r.Type, r.Name, path)
	}
	return v
}

func get[T any](t testing.TB, in Inputs, r *plan.Resource, path, kind string) T {
	t.Helper()
	v := in.Get(t, r, path)
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%s %q: input %s = %#v, want %s", r.Type, r.Name, path, v, kind)
	}
	return x
}

// Str is the string input at path.
func (in Inputs) Str(t testing.TB, r *plan.Resource, path string) string {
	t.Helper()
	return get[string](t, in, r, path, "a string")
}

// Num is the integer input at path.
func (in Inputs) Num(t testing.TB, r *plan.Resource, path string) int {
	t.Helper()
	return get[int](t, in, r, path, "an integer")
}

// Bool is the boolean input at path.
func (in Inputs) Bool(t testing.TB, r *plan.Resource, path string) bool {
	t.Helper()
	return get[bool](t, in, r, path, "a bool")
}

// List is the list input at path.
func (in Inputs) List(t testing.TB, r *plan.Resource, path string) []any {
	t.Helper()
	return get[[]any](t, in, r, path, "a list")
}

// Strings is the string-list input at path; nil when unset or null.
func (in Inputs) Strings(t testing.TB, r *plan.Resource, path string) []string {
	t.Helper()
	v, ok := in.lookup(r, path)
	if !ok || v == nil {
		return nil
	}
	return AsStrings(t, fmt.Sprintf("%s %q input %s", r.Type, r.Name, path), v)
}

// Expect checks the input at path equals want (ints, bools, strings, or
// []any / map[string]any for structures).
func (in Inputs) Expect(t testing.TB, r *plan.Resource, path string, want any) {
	t.Helper()
	got, ok := in.lookup(r, path)
	if !ok {
		t.Errorf("%s %q: input %s is not set, want %#v", r.Type, r.Name, path, want)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s %q: input %s = %#v, want %#v", r.Type, r.Name, path, got, want)
	}
}

// JSON parses the JSON string input at path into out.
func (in Inputs) JSON(t testing.TB, r *plan.Resource, path string, out any) {
	t.Helper()
	s := in.Str(t, r, path)
	if err := json.Unmarshal([]byte(s), out); err != nil {
		t.Fatalf("%s %q: input %s is not valid JSON: %v\n%s", r.Type, r.Name, path, err, s)
	}
}

// AsStrings turns a string or a list of strings (IAM's "Action": "x" or
// ["x","y"]) into a list; what names the value in a failure.
func AsStrings(t testing.TB, what string, v any) []string {
	t.Helper()
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				t.Fatalf("%s[%d] = %#v, want a string", what, i, e)
			}
			out[i] = s
		}
		return out
	case nil:
		return nil
	}
	t.Fatalf("%s = %#v, want a string or a list of strings", what, v)
	return nil
}

// Number is a numeric input as a float64 (0 when unset, -1 when not a
// number), for thresholds the mocks hand back as int or float64.
func Number(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case nil:
		return 0
	}
	return -1
}

// JSONOf marshals v, failing the test on error.
func JSONOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// RecordNamed is the plan's Route 53 record for a DNS name, or nil.
func RecordNamed(p *plan.Plan, name string) *plan.Resource {
	for _, r := range p.ByType("aws:route53/record:Record") {
		if r.InputString("name") == name {
			return &r
		}
	}
	return nil
}

// Record is the plan's Route 53 record for a DNS name; the test fails
// without one.
func Record(t testing.TB, p *plan.Plan, name string) *plan.Resource {
	t.Helper()
	r := RecordNamed(p, name)
	if r == nil {
		t.Fatalf("no Route 53 record for %s", name)
	}
	return r
}
