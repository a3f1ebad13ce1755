package deploy

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
)

// The engine masks secrets in the values it reports, but not in error text:
// a provider or the program can put a secret into an error message
// ("AUTH failed for <password>"), and reports go verbatim into pull-request
// comments and drift issues. So a stack report with free text is redacted
// with every secret value the backend holds for the stack.

// minSecretLen: shorter values are not redacted. A secret that short is no
// secret worth the name, and redacting "true" or a port number everywhere
// would garble the report.
const minSecretLen = 8

// redactor replaces known secret values, and their JSON-escaped forms
// (diagnostics often quote values), with SecretMask.
type redactor struct {
	values []string // longest first, so a secret containing another goes whole
}

func newRedactor(secrets []string) *redactor {
	seen := map[string]bool{}
	r := &redactor{}
	add := func(v string) {
		if len(v) >= minSecretLen && !seen[v] {
			seen[v] = true
			r.values = append(r.values, v)
		}
	}
	for _, s := range secrets {
		add(s)
		q := strconv.Quote(s)
		add(q[1 : len(q)-1])
		if b, err := json.Marshal(s); err == nil {
			add(string(b[1 : len(b)-1]))
		}
	}
	sort.SliceStable(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
	return r
}

func (r *redactor) text(s string) string {
	for _, v := range r.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, SecretMask)
		}
	}
	return s
}

func (r *redactor) value(v any) any {
	switch t := v.(type) {
	case string:
		return r.text(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = r.value(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = r.value(e)
		}
		return out
	default:
		return v
	}
}

// stack redacts a stack report's free text (error, diagnostics, notes) and,
// while at it, its displayed values.
func (r *redactor) stack(sr *StackReport) {
	if len(r.values) == 0 {
		return
	}
	sr.Error = r.text(sr.Error)
	sr.Skipped = r.text(sr.Skipped)
	for i := range sr.Diagnostics {
		sr.Diagnostics[i] = r.text(sr.Diagnostics[i])
	}
	for i := range sr.Notes {
		sr.Notes[i] = r.text(sr.Notes[i])
	}
	for i := range sr.Changes {
		for j := range sr.Changes[i].Properties {
			p := &sr.Changes[i].Properties[j]
			p.Old, p.New = r.value(p.Old), r.value(p.New)
		}
	}
	for k, v := range sr.Outputs {
		sr.Outputs[k] = r.value(v)
	}
}

func hasFreeText(sr StackReport) bool {
	return sr.Error != "" || len(sr.Diagnostics) > 0 || len(sr.Notes) > 0
}

// redact masks, in a stack report that has free text, every secret value
// known for the stack: its secret config values and every secret in its
// state (secret outputs of the stack and of its resources). Reading them
// costs two CLI processes, so only reports with free text pay it. When
// they cannot be read (the key is not available), neither could the
// operation that wrote the text have decrypted them.
func (r *runner) redact(ctx context.Context, name string, sr *StackReport) {
	if !hasFreeText(*sr) {
		return
	}
	// Even when the command is being cancelled: the report is still written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	newRedactor(r.knownSecrets(ctx, name)).stack(sr)
}

func (r *runner) knownSecrets(ctx context.Context, name string) []string {
	wsMu.Lock()
	st, ok := r.stacks[name]
	wsMu.Unlock()
	if !ok {
		return nil
	}
	w, ok := st.Workspace().(workspace)
	if !ok {
		return nil
	}
	var out []string
	if stdout, _, _, err := w.run(ctx, "config", "--show-secrets", "--json", "--stack", name); err == nil {
		var cfg map[string]struct {
			Value       any  `json:"value"`
			ObjectValue any  `json:"objectValue"`
			Secret      bool `json:"secret"`
		}
		if json.Unmarshal([]byte(stdout), &cfg) == nil {
			for _, v := range cfg {
				if v.Secret {
					out = appendStrings(out, v.Value)
					out = appendStrings(out, v.ObjectValue)
				}
			}
		}
	}
	if stdout, _, _, err := w.run(ctx, "stack", "export", "--show-secrets", "--stack", name); err == nil {
		var dep any
		if json.Unmarshal([]byte(stdout), &dep) == nil {
			out = stateSecrets(out, dep)
		}
	}
	return out
}

// stateSecrets collects the plaintext of every secret in an exported
// deployment: {sig: secret, plaintext: <JSON of the value>}.
func stateSecrets(out []string, v any) []string {
	switch t := v.(type) {
	case map[string]any:
		if t[sig.Key] == sig.Secret {
			if p, ok := t["plaintext"].(string); ok {
				var val any
				if json.Unmarshal([]byte(p), &val) == nil {
					return appendStrings(out, val)
				}
				return append(out, p)
			}
		}
		for _, e := range t {
			out = stateSecrets(out, e)
		}
	case []any:
		for _, e := range t {
			out = stateSecrets(out, e)
		}
	}
	return out
}

// appendStrings appends every string in v (at any depth). A secret string
// holding a document (a rendered config) counts whole: its parts are mostly
// not secret, and its secret parts are secrets of their own in the state.
func appendStrings(out []string, v any) []string {
	switch t := v.(type) {
	case string:
		out = append(out, t)
	case map[string]any:
		for _, e := range t {
			out = appendStrings(out, e)
		}
	case []any:
		for _, e := range t {
			out = appendStrings(out, e)
		}
	}
	return out
}
