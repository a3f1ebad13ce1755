// Always compiled in: every regional kind links it anyway (it reads the
// shared key set), and it needs no cloud SDK.

package stacks

import (
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/credentials"
)

func init() { compiled[stackconfig.KindCredentials] = credentials.Stack }
