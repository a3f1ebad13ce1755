package stackconfig

import (
	"fmt"
	"strings"
)

// Problem is one invalid config value.
type Problem struct {
	Key     string // full key, e.g. livekit-infra:awsTaskCpu
	Value   string // the value as given ("[secret]" for secrets, "(not set)" when missing)
	Allowed string // what is allowed, and how to fix it
}

func (p Problem) String() string {
	return fmt.Sprintf("%s = %s: %s", p.Key, p.Value, p.Allowed)
}

// Error lists every problem of one stack's config. It is returned before any
// resource is declared.
type Error struct {
	Stack    string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	noun := "problem"
	if len(e.Problems) != 1 {
		noun = "problems"
	}
	fmt.Fprintf(&b, "invalid configuration for stack %q (%d %s):", e.Stack, len(e.Problems), noun)
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}
