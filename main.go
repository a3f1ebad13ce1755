// Command livekit-infra is the Pulumi program: `pulumi up -s aws-prod`.
// The selected stack's livekit-infra:kind decides what it deploys; see
// package stacks.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/stacks"
)

func main() {
	pulumi.Run(stacks.Run)
}
