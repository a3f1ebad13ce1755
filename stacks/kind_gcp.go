// Compiled in by default, or when selected with -tags=lkinfra_gcp.
//go:build lkinfra_gcp || !(lkinfra_aws || lkinfra_azure || lkinfra_global)

package stacks

import (
	"github.com/livekit-infra/livekit-infra/stacks/gcp"
	"github.com/livekit-infra/livekit-infra/stacks/settings"
)

func init() { compiled[settings.KindGCP] = gcp.Stack }
