package azure_test

import (
	"testing"

	azurestack "github.com/livekit-infra/livekit-infra/stacks/azure"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// The LiveKit config this stack renders (as committed, and with the options
// a stack file may change) is the one recorded in
// tests/config/testdata/rendered, which tests/config checks with LiveKit's
// own strict parser (v1.13.5): ports, region, keys, Redis TLS and limits.
func TestLiveKitConfigGolden(t *testing.T) {
	lkcheck.CheckGolden(t, "../..", "azure-asia", azurestack.Program, lkcheck.KubernetesSecretField("livekit-config", "config.yaml"))
}
