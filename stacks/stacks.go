// Package stacks composes the components into the four stack kinds (aws, gcp,
// azure, global). main.go, cmd/lkinfra and Automation API inline programs all
// call Program, so every entry point evaluates exactly the same code.
//
// By default every kind is compiled in. Build tags select a subset
// (GOFLAGS=-tags=lkinfra_only,lkinfra_aws compiles only the AWS SDK), which makes a
// one-stack `pulumi up` or CI job link a third of the code; see kind_*.go and
// docs/build-cost.md. Tests of one cloud import that cloud's stack package
// (stacks/aws, ...) instead, to compile only its SDK.
package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/stacks/kinds"
)

// compiled holds the kinds compiled into this binary (registered by kind_*.go).
var compiled = kinds.Set{}

// Program validates the selected stack's config, then runs its kind's stack
// function. It returns the stack outputs instead of exporting them, so that
// callers (tests, plan) can inspect them; Run exports them.
func Program(ctx *pulumi.Context) (pulumi.Map, error) { return compiled.Program(ctx) }

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
