package aws_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/urns"
)

// TestURNsUnchanged: every resource a committed AWS stack has declared keeps
// its URN (or is aliased by its successor), so a refactor replaces nothing
// in a deployed stack.
func TestURNsUnchanged(t *testing.T) {
	urns.Check(t, prod(t), "testdata/urns-aws-prod.txt")
}

// TestURNsUnchangedEKS: the same for the committed aws-eks stack.
func TestURNsUnchangedEKS(t *testing.T) {
	urns.Check(t, eksStack(t), "testdata/urns-aws-eks.txt")
}
