package planq

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// NoPlainSecrets checks that no value of secrets (what it is → the value)
// shows in the plan's plain view: the document `lkinfra plan --json`
// prints, which holds every resource's masked inputs and every output with
// the secret ones masked. A value is looked for as it is and as JSON
// escapes it (a multi-line config body stands in the document with its
// newlines escaped). As a control, every value must be at least 8
// characters (a shorter one could match by accident) and stand in the
// unmasked view (some raw input or output), so the search looks for the
// right strings.
func NoPlainSecrets(t testing.TB, p *plan.Plan, secrets map[string]string) {
	t.Helper()
	if len(secrets) == 0 {
		t.Fatal("no secret values to look for")
	}
	doc, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	// The unmasked view, encoded as the document is.
	var raw strings.Builder
	for _, r := range p.Resources {
		raw.WriteString(jsonText(t, r.RawInputs))
	}
	raw.WriteString(jsonText(t, p.RawOutputs))
	for _, what := range slices.Sorted(maps.Keys(secrets)) {
		v := secrets[what]
		if len(v) < 8 {
			t.Errorf("the %s %q is too short to look for", what, v)
			continue
		}
		escaped := jsonText(t, v)
		forms := []string{v, escaped[1 : len(escaped)-1]}
		if !slices.ContainsFunc(forms, func(f string) bool { return strings.Contains(raw.String(), f) }) {
			t.Errorf("control: the %s is in no raw input or output; the leak check looks for the wrong value", what)
		}
		if slices.ContainsFunc(forms, func(f string) bool { return strings.Contains(string(doc), f) }) {
			t.Errorf("the plan's plain view (masked inputs and outputs) shows the %s", what)
		}
	}
}

// jsonText encodes v as Plan.JSON does (no HTML escaping).
func jsonText(t testing.TB, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
