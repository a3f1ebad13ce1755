package azure_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/urns"
)

// TestURNsUnchanged: every resource the committed azure-asia stack has declared
// keeps its URN (or is aliased by its successor), so a refactor replaces
// nothing in a deployed stack.
func TestURNsUnchanged(t *testing.T) {
	urns.Check(t, asia(t), "testdata/urns-azure-asia.txt")
}

// TestURNsUnchangedACI is the same promise for the committed azure-aci
// stack (azurePlatform aci).
func TestURNsUnchangedACI(t *testing.T) {
	urns.Check(t, aci(t), "testdata/urns-azure-aci.txt")
}
