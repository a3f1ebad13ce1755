package gcp_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/urns"
)

// TestURNsUnchanged: every resource the committed gcp-eu stack has declared
// keeps its URN (or is aliased by its successor), so a refactor replaces
// nothing in a deployed stack.
func TestURNsUnchanged(t *testing.T) {
	urns.Check(t, stackPlan(t), "testdata/urns-gcp-eu.txt")
}
