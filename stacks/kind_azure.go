// Compiled in by default, or when selected with -tags=lkinfra_azure.
//go:build lkinfra_azure || !(lkinfra_aws || lkinfra_gcp || lkinfra_global)

package stacks

import (
	"github.com/livekit-infra/livekit-infra/stacks/azure"
	"github.com/livekit-infra/livekit-infra/stacks/settings"
)

func init() { compiled[settings.KindAzure] = azure.Stack }
