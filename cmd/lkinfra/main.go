// Command lkinfra is the operator CLI for livekit-infra: `lkinfra plan`,
// `preview`, `up` and `drift` (see package cli) run against the real program.
// Build it with GOFLAGS=-tags=lkinfra_only,lkinfra_<kind> to include only some stack kinds
// (docs/build-cost.md).
package main

import (
	"os"

	"github.com/livekit-infra/livekit-infra/cmd/lkinfra/cli"
	"github.com/livekit-infra/livekit-infra/stacks"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr, stacks.Program))
}
