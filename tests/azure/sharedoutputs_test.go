package azure_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/regionout"
)

// The outputs every regional stack shares, checked as in every cloud.
func TestSharedOutputs(t *testing.T) {
	regionout.Check(t, asia(t), "azure", asiaHostname)
}
