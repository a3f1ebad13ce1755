package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
)

// WriteTree prints the resource tree (stack → components → children,
// indented two spaces per level; component lines carry their direct child
// count), a summary line with resource counts by type and the total, and the
// outputs (secrets masked). Output is deterministic.
func (p *Plan) WriteTree(w io.Writer) {
	bw := &errWriter{w: w}
	known := map[string]bool{p.StackURN: true}
	for _, r := range p.Resources {
		known[r.URN] = true
	}
	top := p.Children(p.StackURN)
	// Resources whose parent was never registered still get printed.
	for _, r := range p.Resources {
		if r.Parent != p.StackURN && !known[r.Parent] {
			top = append(top, r)
		}
	}
	bw.printf("pulumi:pulumi:Stack  %s-%s  (%d children)\n", p.Project, p.Stack, len(top))
	for _, r := range top {
		p.writeNode(bw, r, 1)
	}

	counts := map[string]int{}
	for _, r := range p.Resources {
		counts[r.Type]++
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	parts := make([]string, 0, len(types))
	for _, t := range types {
		parts = append(parts, fmt.Sprintf("%d %s", counts[t], t))
	}
	bw.printf("\nResources: %d total", len(p.Resources))
	if len(parts) > 0 {
		bw.printf(" (%s)", strings.Join(parts, ", "))
	}
	bw.printf("\n")

	bw.printf("\nOutputs:")
	if len(p.Outputs) == 0 {
		bw.printf(" none\n")
		return
	}
	bw.printf("\n")
	for _, k := range slices.Sorted(maps.Keys(p.Outputs)) {
		var val string
		if p.OutputIsSecret(k) {
			val = SecretPlaceholder
		} else if b, err := json.Marshal(p.Outputs[k]); err == nil {
			val = string(b)
		} else {
			val = fmt.Sprintf("%v", p.Outputs[k])
		}
		bw.printf("  %s: %s\n", k, val)
	}
}

func (p *Plan) writeNode(w *errWriter, r Resource, depth int) {
	children := p.Children(r.URN)
	var flags []string
	if !r.Custom {
		flags = append(flags, fmt.Sprintf("%d children", len(children)))
	} else if len(children) > 0 {
		flags = append(flags, fmt.Sprintf("%d children", len(children)))
	}
	if r.Read {
		flags = append(flags, "read")
	}
	if r.Protect {
		flags = append(flags, "protect")
	}
	if r.RetainOnDelete {
		flags = append(flags, "retainOnDelete")
	}
	if r.ImportID != "" {
		flags = append(flags, "import "+r.ImportID)
	}
	line := strings.Repeat("  ", depth) + r.Type + "  " + r.Name
	if len(flags) > 0 {
		line += "  (" + strings.Join(flags, ", ") + ")"
	}
	w.printf("%s\n", line)
	for _, c := range children {
		p.writeNode(w, c, depth+1)
	}
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
