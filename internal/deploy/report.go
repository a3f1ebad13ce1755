// Package deploy runs this repo's stacks through the Pulumi Automation API
// (inline programs: the CLI needs no Go language host and the program is
// compiled once, into lkinfra) and turns the engine's events into one report:
// a combined markdown pull-request comment or JSON. It backs
// `lkinfra preview | up | drift`; `lkinfra plan --diff` builds the same
// report offline from two plans (FromPlans).
//
// The report lists, per stack, a summary of operations and every changed
// resource with its changed properties. Secret values never reach it: the
// engine masks them in its events, the report masks anything still
// carrying Pulumi's secret signature, and error text (which nobody masks)
// is redacted with the stack's known secret values (redact.go).
// Replacements and deletions of stateful
// resources (StatefulKind) are blocking changes, listed first.
package deploy

import (
	"encoding/json"
	"sort"
)

// Operations as reported (the engine's step ops, with a replacement's
// create-replacement/delete-replaced steps folded into one replace).
const (
	OpCreate  = "create"
	OpUpdate  = "update"
	OpReplace = "replace"
	OpDelete  = "delete"
	OpSame    = "same"
	OpImport  = "import"
	OpRead    = "read"
)

// Report kinds.
const (
	KindPreview  = "preview"
	KindPlanDiff = "plan-diff"
	KindDrift    = "drift"
	KindUp       = "up"
)

// Report is the combined result for several stacks.
type Report struct {
	Kind   string        `json:"kind"`
	Stacks []StackReport `json:"stacks"`
	// AllowDestructive records whether blocking changes were allowed.
	AllowDestructive bool `json:"allowDestructive,omitempty"`
	// CentralMetrics is the central metrics view's second pass, one per
	// global stack (up: what it set; preview: what up would set).
	CentralMetrics []CentralPass `json:"centralMetrics,omitempty"`
}

// StackReport is one stack's result.
type StackReport struct {
	Stack string `json:"stack"`
	// Error is set when the stack's operation failed (program error,
	// engine error, missing stack); Changes then holds what was seen before.
	Error string `json:"error,omitempty"`
	// Diagnostics are the engine's error messages for the stack.
	Diagnostics []string `json:"diagnostics,omitempty"`
	// Summary counts resources per operation (create, update, replace,
	// delete, same, ...).
	Summary map[string]int `json:"summary"`
	// Changes lists every resource with an operation other than same/read.
	Changes []Change `json:"changes"`
	// Outputs are the stack outputs after `up` (secrets masked).
	Outputs map[string]any `json:"outputs,omitempty"`
	// Notes are remarks on an incomplete result (e.g. a preview stopped
	// at a protected resource).
	Notes []string `json:"notes,omitempty"`
	// Cost is the monthly estimate before and after (plan --diff, preview).
	Cost *CostDiff `json:"cost,omitempty"`
	// Skipped is set when the stack was not run (e.g. global after a
	// regional stack failed).
	Skipped string `json:"skipped,omitempty"`
	// Pass is PassCentralMetrics for a region deployed again by the
	// second pass (the stack has a first-pass report too).
	Pass string `json:"pass,omitempty"`
}

// Label names the stack in messages: with its pass, when it has one.
func (s StackReport) Label() string {
	if s.Pass == PassCentralMetrics {
		return s.Stack + " (central metrics pass)"
	}
	return s.Stack
}

// Change is one resource's change.
type Change struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	Op   string `json:"op"`
	// Blocking is true for a replacement or deletion of a stateful type.
	Blocking bool `json:"blocking,omitempty"`
	// Stateful names what the resource holds when its type is stateful.
	Stateful string `json:"stateful,omitempty"`
	// ReplaceReasons are the properties that force a replacement.
	ReplaceReasons []string `json:"replaceReasons,omitempty"`
	// Protected is true when the engine refused the replacement or
	// deletion because the resource is protected: --allow-destructive does
	// not override that; the protection must be lifted first.
	Protected  bool             `json:"protected,omitempty"`
	Properties []PropertyChange `json:"properties,omitempty"`
}

// PropertyChange is one changed property. Old and New are display values:
// secrets are SecretMask, values only known after apply are UnknownMask, an
// absent side is nil.
type PropertyChange struct {
	Path    string `json:"path"`
	Kind    string `json:"kind"` // add, delete, update
	Replace bool   `json:"replace,omitempty"`
	Old     any    `json:"old,omitempty"`
	New     any    `json:"new,omitempty"`
}

// Masks shown instead of values.
const (
	SecretMask  = "[secret]"
	UnknownMask = "(known after apply)"
)

// Blocking returns the blocking changes of all stacks, with their stack.
func (r *Report) Blocking() []StackChange {
	var out []StackChange
	for _, s := range r.Stacks {
		for _, c := range s.Changes {
			if c.Blocking {
				out = append(out, StackChange{Stack: s.Label(), Change: c})
			}
		}
	}
	return out
}

// StackChange is a change with the stack it belongs to.
type StackChange struct {
	Stack string
	Change
}

// Failed returns the stacks whose operation failed.
func (r *Report) Failed() []StackReport {
	var out []StackReport
	for _, s := range r.Stacks {
		if s.Error != "" {
			out = append(out, s)
		}
	}
	return out
}

// ChangeCount is the number of changed resources over all stacks.
func (r *Report) ChangeCount() int {
	n := 0
	for _, s := range r.Stacks {
		n += len(s.Changes)
	}
	return n
}

// Exit codes shared by the lkinfra commands built on this package.
const (
	ExitOK = 0
	// ExitFailed: a stack's program or operation failed.
	ExitFailed = 1
	// ExitBlocked: preview found blocking changes (without
	// --allow-destructive), or drift found drifted resources.
	ExitBlocked = 3
)

// ExitCode is the command's exit status for the report: failures first,
// then blocking changes (unless allowed) or, for drift, any drift.
func (r *Report) ExitCode() int {
	if len(r.Failed()) > 0 {
		return ExitFailed
	}
	switch r.Kind {
	case KindDrift:
		if r.ChangeCount() > 0 {
			return ExitBlocked
		}
	default:
		for _, b := range r.Blocking() {
			if !r.AllowDestructive || b.Protected {
				return ExitBlocked
			}
		}
	}
	return ExitOK
}

// JSON renders the report as indented JSON with a trailing newline.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// sortChanges orders changes: blocking first, then by operation
// (replace, delete, create, update, others), then by URN.
func sortChanges(cs []Change) {
	rank := map[string]int{OpReplace: 0, OpDelete: 1, OpCreate: 2, OpUpdate: 3, OpImport: 4}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Blocking != cs[j].Blocking {
			return cs[i].Blocking
		}
		ri, ok := rank[cs[i].Op]
		if !ok {
			ri = 9
		}
		rj, ok := rank[cs[j].Op]
		if !ok {
			rj = 9
		}
		if ri != rj {
			return ri < rj
		}
		return cs[i].URN < cs[j].URN
	})
}

// classify sets Stateful and Blocking on a change from its type and op.
func classify(c *Change) {
	if kind, ok := StatefulKind(c.Type); ok {
		c.Stateful = kind
		c.Blocking = isDestructive(c.Op)
	}
}
