// Compiled in by default, or when selected with -tags=lkinfra_aws.
//go:build lkinfra_aws || !(lkinfra_gcp || lkinfra_azure || lkinfra_global)

package stacks

import (
	"github.com/livekit-infra/livekit-infra/stacks/aws"
	"github.com/livekit-infra/livekit-infra/stacks/settings"
)

func init() { compiled[settings.KindAWS] = aws.Stack }
