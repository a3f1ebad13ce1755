package policy

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/cost"
)

// readmeCost is one row of README.md's "What it costs" table: a committed
// stack's monthly estimate at minNodes and maxNodes and, for a region, its
// per-participant-hour figure, as `lkinfra cost --stack NAME` prints them.
type readmeCost struct {
	min, max, perHour string
}

var readmeCostRow = regexp.MustCompile("^\\| `([a-z0-9-]+)` \\([^|]*\\) \\| (\\$[0-9,.]+) \\| (\\$[0-9,.]+) \\| (\\$[0-9.]+|—)")

// readmeCosts reads the table's rows by stack.
func readmeCosts(t *testing.T) map[string]readmeCost {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]readmeCost{}
	for _, l := range strings.Split(string(b), "\n") {
		if m := readmeCostRow.FindStringSubmatch(l); m != nil {
			rows[m[1]] = readmeCost{min: m[2], max: m[3], perHour: m[4]}
		}
	}
	if len(rows) < 5 {
		t.Fatalf("README.md's cost table has %d rows: is its format still `| `stack` (...) | $min | $max | $per-hour ... |`?", len(rows))
	}
	return rows
}

// dollars formats an amount as the README writes it: $1,129.71.
func dollars(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	whole, cents, _ := strings.Cut(s, ".")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return "$" + whole + "." + cents
}

// readmeCostChecker compares each committed stack's estimate with its
// README row; done reports rows whose stack was never estimated.
type readmeCostChecker struct {
	mu   sync.Mutex
	rows map[string]readmeCost
	seen map[string]bool
}

func (c *readmeCostChecker) check(t *testing.T, stack string, e *cost.Estimate) {
	t.Helper()
	c.mu.Lock()
	row, ok := c.rows[stack]
	c.seen[stack] = true
	c.mu.Unlock()
	if !ok {
		if stack != "credentials" {
			t.Errorf("README.md's cost table has no row for committed stack %s (`lkinfra cost --stack %s`: %s / %s)", stack, stack, dollars(e.Total.Min), dollars(e.Total.Max))
		}
		return
	}
	want := readmeCost{min: dollars(e.Total.Min), max: dollars(e.Total.Max), perHour: "—"}
	if pp := e.PerParticipantHour; pp != nil {
		want.perHour = fmt.Sprintf("$%.4f", pp.PerHour)
	}
	if row != want {
		t.Errorf("README.md's cost row for %s says %s / %s / %s a participant-hour; `lkinfra cost --stack %s` says %s / %s / %s: update the row (and its date)",
			stack, row.min, row.max, row.perHour, stack, want.min, want.max, want.perHour)
	}
}

func (c *readmeCostChecker) done(t *testing.T) {
	for s := range c.rows {
		if !c.seen[s] {
			t.Errorf("README.md's cost table has a row for %s, which is not a committed stack", s)
		}
	}
}
