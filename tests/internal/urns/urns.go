// Package urns keeps each committed stack's resource URNs in a file and
// checks a plan against it: a URN that disappears is a resource an existing
// stack would delete (or replace, when it comes back under another name),
// unless the resource that took its place lists it as an alias. Refactors
// (moves between files or packages, renames) must leave the list satisfied.
package urns

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

var update = flag.Bool("update-urns", false, "rewrite the committed URN lists (testdata/urns-<stack>.txt) from the plans")

// Check compares p's URNs with the list in file. Missing URNs fail (name
// the alias to add); new ones fail too, so the list grows with the stack:
// review them, then run the test with -update-urns.
func Check(t *testing.T, p *plan.Plan, file string) {
	t.Helper()
	got := List(p)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (create it with -update-urns)", err)
	}
	want := strings.Fields(string(data))
	known := Known(p)
	for _, u := range want {
		if !known[u] {
			t.Errorf("%s is gone from the plan: existing stacks would delete it. Keep its name and parent, or give the resource that replaces it pulumi.Aliases to this URN", u)
		}
	}
	var added []string
	for _, u := range got {
		if !slices.Contains(want, u) {
			added = append(added, u)
		}
	}
	if len(added) > 0 {
		t.Errorf("%d new URNs, not in %s (if intended, rerun with -update-urns):\n  %s", len(added), file, strings.Join(added, "\n  "))
	}
}

// List returns p's resource URNs, sorted.
func List(p *plan.Plan) []string {
	out := make([]string, 0, len(p.Resources))
	for _, r := range p.Resources {
		out = append(out, r.URN)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Known returns p's URNs and the URNs its resources alias.
func Known(p *plan.Plan) map[string]bool {
	known := map[string]bool{}
	for _, r := range p.Resources {
		known[r.URN] = true
		for _, a := range r.Aliases {
			if u := aliasURN(p, r, a); u != "" {
				known[u] = true
			}
		}
	}
	return known
}

// aliasURN resolves an alias spec the way the engine does: unset fields are
// the resource's own, and the type is qualified by the parent's.
func aliasURN(p *plan.Plan, r plan.Resource, a plan.Alias) string {
	if a.URN != "" {
		return a.URN
	}
	stack, project, _, _ := split(r.URN)
	if a.Stack != "" {
		stack = a.Stack
	}
	if a.Project != "" {
		project = a.Project
	}
	name, typ := r.Name, r.Type
	if a.Name != "" {
		name = a.Name
	}
	if a.Type != "" {
		typ = a.Type
	}
	parent := r.Parent
	if a.ParentURN != "" {
		parent = a.ParentURN
	}
	if a.NoParent {
		parent = ""
	}
	if parent != "" && parent != p.StackURN {
		_, _, ptype, _ := split(parent)
		typ = ptype + "$" + typ
	}
	return "urn:pulumi:" + stack + "::" + project + "::" + typ + "::" + name
}

// split takes a URN apart: urn:pulumi:<stack>::<project>::<qualified type>::<name>.
func split(urn string) (stack, project, qualifiedType, name string) {
	parts := strings.SplitN(strings.TrimPrefix(urn, "urn:pulumi:"), "::", 4)
	for len(parts) < 4 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2], parts[3]
}
