// Compiled in by default, or when selected with -tags=lkinfra_global.
//go:build lkinfra_global || !(lkinfra_aws || lkinfra_gcp || lkinfra_azure)

package stacks

import (
	"github.com/livekit-infra/livekit-infra/stacks/global"
	"github.com/livekit-infra/livekit-infra/stacks/settings"
)

func init() { compiled[settings.KindGlobal] = global.Stack }
