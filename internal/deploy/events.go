package deploy

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// collector turns one stack operation's engine events into a StackReport
// and prints progress lines.
type collector struct {
	stack string
	verb  string // preview, up, drift
	// refresh: changes come from the refresh steps' results (drift).
	refresh bool

	progress   io.Writer
	progressMu *sync.Mutex
	every      time.Duration

	mu        sync.Mutex
	start     time.Time
	lastPrint time.Time
	seen      map[string]bool
	finished  map[string]bool
	changes   map[string]*Change
	order     []string
	diags     []string
	// protectURNs are resources the engine refused to replace or delete
	// because they are protected.
	protectURNs map[string]bool
	otherErrs   int
	summary     map[string]int
	failedURN   []string
	done        chan struct{}
	// before and after are every resource's state before and after the
	// operation (from each step's old and new state), for the cost
	// estimate of both sides.
	before, after map[string]plan.Resource
}

func newCollector(stack, verb string, refresh bool, progress io.Writer, progressMu *sync.Mutex) *collector {
	return &collector{
		stack: stack, verb: verb, refresh: refresh,
		progress: progress, progressMu: progressMu, every: 5 * time.Second,
		start: time.Now(), lastPrint: time.Now(),
		seen: map[string]bool{}, finished: map[string]bool{}, changes: map[string]*Change{}, protectURNs: map[string]bool{},
		done:   make(chan struct{}),
		before: map[string]plan.Resource{}, after: map[string]plan.Resource{},
	}
}

// consume reads events until the channel closes.
func (c *collector) consume(ch <-chan events.EngineEvent) {
	defer close(c.done)
	for ev := range ch {
		if ev.Error != nil {
			continue
		}
		c.handle(ev.EngineEvent)
	}
}

// wait waits for the event stream to end; the SDK never closes it when the
// CLI fails before streaming, so the wait is bounded.
func (c *collector) wait(d time.Duration) {
	select {
	case <-c.done:
	case <-time.After(d):
	}
}

func (c *collector) handle(ev apitype.EngineEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ev.ResourcePreEvent != nil:
		md := ev.ResourcePreEvent.Metadata
		c.seen[md.URN] = true
		if !c.refresh {
			c.keepStates(md)
			c.record(md)
		}
	case ev.ResOutputsEvent != nil:
		md := ev.ResOutputsEvent.Metadata
		c.seen[md.URN] = true
		c.finished[md.URN] = true
		if c.refresh {
			c.record(md)
		}
	case ev.ResOpFailedEvent != nil:
		c.failedURN = append(c.failedURN, ev.ResOpFailedEvent.Metadata.URN)
	case ev.DiagnosticEvent != nil:
		d := ev.DiagnosticEvent
		if d.Severity == "error" {
			msg := strings.TrimSpace(colors.Never.Colorize(d.Message))
			switch {
			case strings.Contains(msg, "marked for protection") && d.URN != "":
				c.protectURNs[d.URN] = true
			case msg != "" && !strings.HasPrefix(msg, "preview failed") && !strings.HasPrefix(msg, "update failed"):
				c.otherErrs++
			}
			if msg != "" {
				if d.URN != "" {
					msg = fmt.Sprintf("%s: %s", resource.URN(d.URN).Name(), msg)
				}
				c.diags = append(c.diags, msg)
			}
		}
	case ev.SummaryEvent != nil:
		c.summary = map[string]int{}
		for op, n := range ev.SummaryEvent.ResourceChanges {
			c.summary[string(op)] = n
		}
	}
	c.maybePrint(false)
}

// keepStates keeps the resource's state before and after the step.
func (c *collector) keepStates(md apitype.StepEventMetadata) {
	switch string(md.Op) {
	case "create-replacement", "delete-replaced", "read", "refresh":
		return // the replace step carries both sides; reads create nothing
	}
	state := func(s *apitype.StepEventStateMetadata) plan.Resource {
		typ := s.Type
		if typ == "" {
			typ = md.Type
		}
		return plan.Resource{URN: md.URN, Type: typ, Name: resource.URN(md.URN).Name(), Parent: s.Parent, Custom: s.Custom, Inputs: s.Inputs}
	}
	if md.URN == "" {
		return
	}
	if md.Old != nil && md.Op != "create" {
		c.before[md.URN] = state(md.Old)
	}
	if md.New != nil && md.Op != "delete" && md.Op != "discard" {
		c.after[md.URN] = state(md.New)
	}
}

// plans are the stack's resources before and after the operation (before
// is nil when no resource existed: a new stack).
func (c *collector) plans(stack string) (before, after *plan.Plan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	mk := func(m map[string]plan.Resource) *plan.Plan {
		p := &plan.Plan{Stack: stack}
		for _, u := range slices.Sorted(maps.Keys(m)) {
			p.Resources = append(p.Resources, m[u])
		}
		return p
	}
	after = mk(c.after)
	if len(c.before) > 0 {
		before = mk(c.before)
	}
	return before, after
}

// record keeps a changing resource from a step's metadata.
func (c *collector) record(md apitype.StepEventMetadata) {
	op := string(md.Op)
	switch op {
	case "create", "update", "replace", "delete", "import", "discard":
	default:
		// same, read, refresh, and the create-replacement/delete-replaced
		// halves of a replace (the replace step carries its diff).
		return
	}
	if op == "discard" {
		op = OpDelete
	}
	typ := md.Type
	if typ == "" {
		typ = string(resource.URN(md.URN).Type())
	}
	if typ == string(resource.RootStackType) {
		return
	}
	if strings.HasPrefix(typ, "pulumi:providers:") && strings.HasPrefix(resource.URN(md.URN).Name(), "default") {
		// Default providers come and go with the resources using them;
		// the engine's summary does not count them either.
		return
	}
	ch := &Change{
		URN:            md.URN,
		Type:           typ,
		Name:           resource.URN(md.URN).Name(),
		Op:             op,
		ReplaceReasons: append([]string(nil), md.Keys...),
	}
	if op == OpUpdate || op == OpReplace {
		ch.Properties = propertyChanges(md)
	}
	if op != OpReplace {
		ch.ReplaceReasons = nil
	}
	sort.Strings(ch.ReplaceReasons)
	classify(ch)
	if _, dup := c.changes[md.URN]; !dup {
		c.order = append(c.order, md.URN)
	}
	c.changes[md.URN] = ch
}

func (c *collector) maybePrint(final bool) {
	if c.progress == nil {
		return
	}
	now := time.Now()
	if !final && now.Sub(c.lastPrint) < c.every {
		return
	}
	c.lastPrint = now
	elapsed := now.Sub(c.start).Round(time.Second)
	var line string
	nChanges := len(c.changes)
	switch {
	case final:
		line = fmt.Sprintf("[%s] %s finished: %d resources, %d %s (%s)", c.stack, c.verb, len(c.seen), nChanges, changeWord(c.refresh), elapsed)
	case c.verb == "up":
		line = fmt.Sprintf("[%s] %s: %d/%d resources done, %d changing (%s)", c.stack, c.verb, len(c.finished), len(c.seen), nChanges, elapsed)
	default:
		line = fmt.Sprintf("[%s] %s: %d resources so far, %d %s (%s)", c.stack, c.verb, len(c.seen), nChanges, changeWord(c.refresh), elapsed)
	}
	c.progressMu.Lock()
	fmt.Fprintln(c.progress, line)
	c.progressMu.Unlock()
}

func changeWord(refresh bool) string {
	if refresh {
		return "drifted"
	}
	return "to change"
}

// report snapshots the collected state.
func (c *collector) report() StackReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	sr := StackReport{Stack: c.stack, Summary: map[string]int{}, Changes: []Change{}}
	for _, urn := range c.order {
		ch := *c.changes[urn]
		ch.Protected = c.protectURNs[urn]
		sr.Changes = append(sr.Changes, ch)
	}
	sortChanges(sr.Changes)
	if c.summary != nil {
		for k, v := range c.summary {
			sr.Summary[k] = v
		}
	} else {
		for _, ch := range sr.Changes {
			sr.Summary[ch.Op]++
		}
	}
	sr.Diagnostics = append([]string(nil), c.diags...)
	return sr
}

func (c *collector) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maybePrint(true)
}

// prefixWriter prefixes every line written to w with prefix; writes of
// several stacks interleave line by line, not mid-line.
type prefixWriter struct {
	mu     *sync.Mutex // shared by all writers to w
	w      io.Writer
	prefix string

	bufMu sync.Mutex // the CLI's stdout and stderr are copied concurrently
	buf   []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.bufMu.Lock()
	defer p.bufMu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			break
		}
		line := p.buf[:i+1]
		p.mu.Lock()
		_, err := fmt.Fprintf(p.w, "%s%s", p.prefix, line)
		p.mu.Unlock()
		p.buf = p.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}

func (p *prefixWriter) Flush() {
	p.bufMu.Lock()
	defer p.bufMu.Unlock()
	if len(p.buf) > 0 {
		p.mu.Lock()
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.mu.Unlock()
		p.buf = nil
	}
}

// blockedByProtection reports whether the operation's only errors are the
// engine refusing to replace or delete protected resources that the report
// lists as blocking changes: the preview then did its job (the change is
// reported) and is not a failed stack.
func (c *collector) blockedByProtection() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.protectURNs) == 0 || c.otherErrs > 0 {
		return false
	}
	for urn := range c.protectURNs {
		ch, ok := c.changes[urn]
		if !ok || !isDestructive(ch.Op) {
			return false
		}
	}
	return true
}
