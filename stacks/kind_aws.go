// Compiled in by default; with -tags=lkinfra_only only the kinds named by
// their own tag are (-tags=lkinfra_only,lkinfra_aws), so a new kind is one file.
//go:build !lkinfra_only || lkinfra_aws

package stacks

import (
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/aws"
)

func init() { compiled[stackconfig.KindAWS] = aws.Stack }
