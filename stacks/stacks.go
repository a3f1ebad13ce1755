// Package stacks composes the components into the four stack kinds (aws, gcp,
// azure, global). main.go, cmd/lkinfra and Automation API inline programs all
// call Program, so every entry point evaluates exactly the same code.
//
// This package imports every cloud's SDK; tests of one cloud import that
// cloud's stack package (stacks/aws, ...) instead, to compile only its SDK.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/stacks/aws"
	"github.com/livekit-infra/livekit-infra/stacks/azure"
	"github.com/livekit-infra/livekit-infra/stacks/gcp"
	"github.com/livekit-infra/livekit-infra/stacks/global"
	"github.com/livekit-infra/livekit-infra/stacks/settings"
)

// Program validates the selected stack's config, then runs its kind's stack
// function. It returns the stack outputs instead of exporting them, so that
// callers (tests, plan) can inspect them; Run exports them.
func Program(ctx *pulumi.Context) (pulumi.Map, error) {
	s, err := settings.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	switch s.Kind {
	case settings.KindAWS:
		return aws.Region(ctx, s)
	case settings.KindGCP:
		return gcp.Stack(ctx, s)
	case settings.KindAzure:
		return azure.Stack(ctx, s)
	case settings.KindGlobal:
		return global.Stack(ctx, s)
	default:
		return nil, fmt.Errorf("stack %q: unknown kind %q", s.Name, s.Kind)
	}
}

// Run is the pulumi.RunFunc used by main.go and Automation API inline programs.
func Run(ctx *pulumi.Context) error {
	outs, err := Program(ctx)
	if err != nil {
		return err
	}
	for k, v := range outs {
		ctx.Export(k, v)
	}
	return nil
}
