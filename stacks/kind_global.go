// Compiled in by default; with -tags=lkinfra_only only the kinds named by
// their own tag are (-tags=lkinfra_only,lkinfra_global), so a new kind is one file.
//go:build !lkinfra_only || lkinfra_global

package stacks

import (
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/global"
)

func init() { compiled[stackconfig.KindGlobal] = global.Stack }
