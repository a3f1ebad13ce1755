package aws_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/urns"
)

// TestURNsUnchanged: every resource the committed aws-prod stack has declared
// keeps its URN (or is aliased by its successor), so a refactor replaces
// nothing in a deployed stack.
func TestURNsUnchanged(t *testing.T) {
	urns.Check(t, prod(t), "testdata/urns-aws-prod.txt")
}
