package deploy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Marker is the hidden first line of every comment: CI finds the previous
// comment by it and updates that one instead of adding another.
const Marker = "<!-- lkinfra-preview -->"

// CommentLimit is GitHub's maximum comment body length, in characters.
const CommentLimit = 65536

const (
	// commentBudget leaves room under CommentLimit for the trim note and
	// the closing tags (lengths are counted in bytes, which is never less
	// than GitHub's character count).
	commentBudget = CommentLimit - 2048
	// maxInline is the longest value shown inside a table cell; longer or
	// multi-line values get a diff block.
	maxInline = 100
	// maxBlock caps one property's diff block.
	maxBlock = 6000
	// maxError caps one stack's error text.
	maxError = 3000
)

// MarkdownOptions tune Markdown.
type MarkdownOptions struct {
	// Limit is the maximum length in bytes (default CommentLimit).
	Limit int
	// Title overrides the heading.
	Title string
	// Footer is appended (e.g. a link to the CI run).
	Footer string
}

// Markdown renders the report as one pull-request comment: the hidden
// marker, a per-stack summary table, the blocking changes, the failures,
// then every changed resource with its changed properties. When the whole
// does not fit the limit, resource details are cut from the end and a note
// says how many were left out.
func (r *Report) Markdown(o MarkdownOptions) string {
	limit := o.Limit
	if limit <= 0 || limit > CommentLimit {
		limit = CommentLimit
	}
	budget := limit - (CommentLimit - commentBudget)
	if budget < limit/2 {
		budget = limit / 2
	}

	var head strings.Builder
	head.WriteString(Marker + "\n")
	head.WriteString(r.heading(o.Title))
	head.WriteString(r.summaryTable())
	head.WriteString(r.blockingSection())
	head.WriteString(r.failureSection())
	head.WriteString(r.centralSection())
	head.WriteString(r.costSection())

	var body strings.Builder
	omitted := 0
	omittedByStack := map[string]int{}
	used := head.Len() + len(o.Footer)
	for _, s := range r.Stacks {
		if len(s.Changes) == 0 && len(s.Outputs) == 0 {
			continue
		}
		counts := describeCounts(s)
		if r.Kind == KindDrift {
			counts = fmt.Sprintf("%d drifted", len(s.Changes))
		}
		open := fmt.Sprintf("\n<details%s><summary><b>%s</b>: %s</summary>\n\n", openAttr(r, s), escapeHTML(s.Label()), escapeHTML(counts))
		closeTag := "\n</details>\n"
		if used+len(open)+len(closeTag) > budget {
			omitted += len(s.Changes)
			omittedByStack[s.Label()] += len(s.Changes)
			continue
		}
		var sec strings.Builder
		sec.WriteString(open)
		secUsed := used + len(open) + len(closeTag)
		for i, c := range s.Changes {
			block := changeBlock(c)
			if secUsed+len(block) > budget {
				n := len(s.Changes) - i
				omitted += n
				omittedByStack[s.Label()] += n
				fmt.Fprintf(&sec, "\n_✂️ %d more resource change(s) in this stack not shown._\n\n", n)
				break
			}
			sec.WriteString(block)
			secUsed += len(block)
		}
		if len(s.Outputs) > 0 {
			if block := "\n" + outputsBlock(s.Outputs); secUsed+len(block) <= budget {
				sec.WriteString(block)
				secUsed += len(block)
			}
		}
		sec.WriteString(closeTag)
		body.WriteString(sec.String())
		used = secUsed
	}

	var out strings.Builder
	out.WriteString(head.String())
	out.WriteString(body.String())
	if omitted > 0 {
		var per []string
		for _, s := range r.Stacks {
			if n := omittedByStack[s.Label()]; n > 0 {
				per = append(per, fmt.Sprintf("%s: %d", s.Label(), n))
			}
		}
		fmt.Fprintf(&out, "\n> ✂️ **Trimmed:** %d resource change(s) not shown (%s) to stay under GitHub's %d-character comment limit. "+
			"The summary and blocking tables above are complete; run `lkinfra %s --json` or see the workflow artifact for every change.\n",
			omitted, strings.Join(per, ", "), CommentLimit, commandFor(r.Kind))
	}
	if o.Footer != "" {
		out.WriteString("\n" + o.Footer + "\n")
	}
	s := out.String()
	if len(s) > limit {
		// Only reachable with absurd summary/blocking tables: hard cut.
		cut := "\n\n> ✂️ **Trimmed** at the comment limit.\n"
		s = truncateUTF8(s, limit-len(cut)) + cut
	}
	return s
}

func commandFor(kind string) string {
	switch kind {
	case KindPlanDiff:
		return "plan --diff"
	case KindDrift:
		return "drift"
	case KindUp:
		return "up"
	}
	return "preview"
}

func openAttr(r *Report, s StackReport) string {
	for _, c := range s.Changes {
		if c.Blocking {
			return " open"
		}
	}
	if len(r.Stacks) == 1 {
		return " open"
	}
	return ""
}

func (r *Report) heading(title string) string {
	if title == "" {
		switch r.Kind {
		case KindPlanDiff:
			title = "Plan diff (offline, against the base branch)"
		case KindDrift:
			title = "Drift check"
		case KindUp:
			title = "Deployment"
		default:
			title = "Pulumi preview"
		}
	}
	var b strings.Builder
	n := 0
	for _, s := range r.Stacks {
		if s.Pass == "" {
			n++
		}
	}
	fmt.Fprintf(&b, "## %s: %d stack(s)\n\n", title, n)
	blocking := r.Blocking()
	failed := r.Failed()
	switch {
	case r.Kind == KindDrift && r.ChangeCount() > 0:
		fmt.Fprintf(&b, "**⚠️ Drift:** %d resource(s) changed outside Pulumi.\n\n", r.ChangeCount())
	case len(blocking) > 0 && !r.AllowDestructive:
		fmt.Fprintf(&b, "**⛔ %d blocking change(s):** stateful resources would be replaced or deleted. "+
			"The command exits non-zero; apply only after review, with `--allow-destructive`.\n\n", len(blocking))
	case len(blocking) > 0:
		fmt.Fprintf(&b, "**⚠️ %d destructive change(s) allowed** (`--allow-destructive`).\n\n", len(blocking))
	case len(failed) == 0 && r.ChangeCount() == 0 && r.Kind != KindUp:
		b.WriteString("✅ No changes.\n\n")
	}
	if len(failed) > 0 {
		fmt.Fprintf(&b, "**❌ %d stack(s) failed:** %s.\n\n", len(failed), stackNames(failed))
	}
	return b.String()
}

func stackNames(ss []StackReport) string {
	var n []string
	for _, s := range ss {
		n = append(n, "`"+s.Label()+"`")
	}
	return strings.Join(n, ", ")
}

var summaryOps = []string{OpCreate, OpUpdate, OpReplace, OpDelete, OpSame}

func (r *Report) summaryTable() string {
	var b strings.Builder
	b.WriteString("| Stack | Create | Update | Replace | Delete | Same | Result |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|---|\n")
	for _, s := range r.Stacks {
		fmt.Fprintf(&b, "| `%s` |", escapeCell(s.Label()))
		for _, op := range summaryOps {
			if s.Summary == nil || (s.Error != "" && s.Summary[op] == 0) {
				b.WriteString(" |")
				continue
			}
			fmt.Fprintf(&b, " %d |", s.Summary[op])
		}
		fmt.Fprintf(&b, " %s |\n", resultCell(r, s))
	}
	b.WriteString("\n")
	return b.String()
}

func resultCell(r *Report, s StackReport) string {
	nBlocking := 0
	for _, c := range s.Changes {
		if c.Blocking {
			nBlocking++
		}
	}
	switch {
	case s.Error != "":
		return "❌ failed"
	case r.Kind == KindDrift && len(s.Changes) > 0:
		return fmt.Sprintf("⚠️ %d drifted", len(s.Changes))
	case nBlocking > 0 && !r.AllowDestructive && s.Skipped != "":
		return fmt.Sprintf("⛔ %d blocking, not deployed", nBlocking)
	case nBlocking > 0 && !r.AllowDestructive:
		return fmt.Sprintf("⛔ %d blocking", nBlocking)
	case s.Skipped != "":
		return "⏭️ not deployed"
	case nBlocking > 0:
		return fmt.Sprintf("⚠️ %d destructive (allowed)", nBlocking)
	case len(s.Changes) > 0 && r.Kind == KindUp:
		return "✅ deployed"
	case len(s.Changes) > 0:
		n := 0
		for _, op := range []string{OpCreate, OpUpdate, OpReplace, OpDelete} {
			n += s.Summary[op]
		}
		if n == 0 {
			n = len(s.Changes)
		}
		return fmt.Sprintf("%d to change", n)
	default:
		return "✅ no changes"
	}
}

func (r *Report) blockingSection() string {
	bl := r.Blocking()
	if len(bl) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### ⛔ Blocking: stateful resources replaced or deleted\n\n")
	b.WriteString("| Stack | Resource | Type | Holds | Operation | Because of |\n|---|---|---|---|---|---|\n")
	for _, c := range bl {
		reasons := "—"
		if len(c.ReplaceReasons) > 0 {
			var rs []string
			for _, r := range c.ReplaceReasons {
				rs = append(rs, "`"+escapeCell(r)+"`")
			}
			reasons = strings.Join(rs, ", ")
		}
		op := c.Op
		if c.Protected {
			op += " (protected)"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | `%s` | %s | **%s** | %s |\n",
			escapeCell(c.Stack), escapeCell(c.Name), escapeCell(c.Type), escapeCell(c.Stateful), op, reasons)
	}
	b.WriteString("\n")
	for _, c := range bl {
		if c.Protected {
			b.WriteString("_Protected_ resources are refused by the engine even with `--allow-destructive`. After review, " +
				"lift the protection for one deployment (`livekit-infra:protect: false` in the stack file, or " +
				"`pulumi state unprotect <urn>`), deploy, and restore it.\n\n")
			break
		}
	}
	for _, s := range r.Stacks {
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "> `%s`: %s\n\n", escapeCell(s.Label()), n)
		}
	}
	return b.String()
}

func (r *Report) failureSection() string {
	var b strings.Builder
	for _, s := range r.Stacks {
		if s.Error == "" && s.Skipped == "" {
			continue
		}
		if s.Error == "" {
			fmt.Fprintf(&b, "### ⏭️ `%s` not deployed\n\n%s\n\n", s.Label(), strings.TrimPrefix(s.Skipped, "not deployed: "))
			continue
		}
		fmt.Fprintf(&b, "### ❌ `%s` failed\n\n", s.Label())
		text := s.Error
		if len(s.Diagnostics) > 0 {
			text = strings.Join(s.Diagnostics, "\n")
		}
		if len(text) > maxError {
			text = truncateUTF8(text, maxError) + "\n… (truncated)"
		}
		b.WriteString(fence("text", text))
		b.WriteString("\n")
	}
	return b.String()
}

var opSymbol = map[string]string{
	OpCreate: "➕ create", OpUpdate: "✏️ update", OpReplace: "♻️ replace", OpDelete: "➖ delete", OpImport: "📥 import",
}

func describeCounts(s StackReport) string {
	if s.Error != "" && len(s.Changes) == 0 {
		return "failed"
	}
	counts := map[string]int{}
	for _, c := range s.Changes {
		counts[c.Op]++
	}
	var parts []string
	for _, op := range []string{OpCreate, OpUpdate, OpReplace, OpDelete, OpImport} {
		if counts[op] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", counts[op], op))
		}
	}
	if len(parts) == 0 {
		if len(s.Outputs) > 0 {
			return "outputs"
		}
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

// changeBlock renders one resource: a heading line and a property table,
// plus diff blocks for long values.
func changeBlock(c Change) string {
	var b strings.Builder
	sym := opSymbol[c.Op]
	if sym == "" {
		sym = c.Op
	}
	if len(c.Properties) == 0 {
		// Creates and deletes: one list line each.
		b.WriteString("- ")
	} else {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "**%s** `%s` **%s**", sym, escapeCell(c.Type), escapeHTML(c.Name))
	if c.Blocking {
		b.WriteString(" ⛔ blocking")
	}
	if c.Stateful != "" {
		fmt.Fprintf(&b, " _(%s)_", escapeHTML(c.Stateful))
	}
	b.WriteString("\n")
	if len(c.Properties) == 0 {
		return b.String()
	}
	b.WriteString("\n| Property | Before | After |\n|---|---|---|\n")
	var blocks strings.Builder
	for _, p := range c.Properties {
		name := "`" + escapeCell(p.Path) + "`"
		if p.Replace {
			name += " ♻️ forces replacement"
		}
		oldS, newS := display(p.Old), display(p.New)
		if len(oldS) > maxInline || len(newS) > maxInline || strings.Contains(oldS, `\n`) || strings.Contains(newS, `\n`) {
			fmt.Fprintf(&b, "| %s | _see diff below_ | |\n", name)
			blocks.WriteString(textDiff(p))
			continue
		}
		fmt.Fprintf(&b, "| %s | `%s` | `%s` |\n", name, escapeCell(oldS), escapeCell(newS))
	}
	b.WriteString("\n")
	b.WriteString(blocks.String())
	return b.String()
}

// textDiff renders a long property change as a unified line diff with a
// few lines of context.
func textDiff(p PropertyChange) string {
	oldT, newT := multiline(p.Old), multiline(p.New)
	dmp := diffmatchpatch.New()
	a, bb, lines := dmp.DiffLinesToChars(oldT, newT)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, bb, false), lines)
	type line struct {
		sign byte
		text string
	}
	var ls []line
	for _, d := range diffs {
		sign := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			sign = '-'
		case diffmatchpatch.DiffInsert:
			sign = '+'
		}
		for _, t := range strings.SplitAfter(d.Text, "\n") {
			if t == "" {
				continue
			}
			ls = append(ls, line{sign, strings.TrimSuffix(t, "\n")})
		}
	}
	const ctx = 3
	keep := make([]bool, len(ls))
	for i, l := range ls {
		if l.sign != ' ' {
			for j := max(0, i-ctx); j <= min(len(ls)-1, i+ctx); j++ {
				keep[j] = true
			}
		}
	}
	var b strings.Builder
	skipped := false
	for i, l := range ls {
		if !keep[i] {
			skipped = true
			continue
		}
		if skipped {
			b.WriteString("  …\n")
			skipped = false
		}
		b.WriteByte(l.sign)
		b.WriteByte(' ')
		b.WriteString(l.text)
		b.WriteByte('\n')
		if b.Len() > maxBlock {
			b.WriteString("  … (diff truncated)\n")
			break
		}
	}
	body := strings.TrimRight(b.String(), "\n")
	if body == "" {
		body = "  (no line-level difference)"
	}
	return fmt.Sprintf("<sub>`%s`</sub>\n\n%s\n", escapeCell(p.Path), fence("diff", body))
}

func outputsBlock(outs map[string]any) string {
	keys := slices.Sorted(maps.Keys(outs))
	var b strings.Builder
	b.WriteString("**Outputs**\n\n| Output | Value |\n|---|---|\n")
	for _, k := range keys {
		v := display(Mask(outs[k]))
		if len(v) > 200 {
			v = truncateUTF8(v, 200) + "…"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` |\n", escapeCell(k), escapeCell(v))
	}
	b.WriteString("\n")
	return b.String()
}

// fence wraps text in a code fence longer than any backtick run inside it.
func fence(lang, text string) string {
	n := 3
	for run, i := 0, 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			if run >= n {
				n = run + 1
			}
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", n)
	return f + lang + "\n" + text + "\n" + f + "\n"
}

// escapeCell makes text safe inside a table cell and inline code.
func escapeCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "`", "'")
	return s
}

func escapeHTML(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`)
	return r.Replace(s)
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}
