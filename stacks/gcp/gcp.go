// Package gcp is the gcp stack kind.
package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/stacks/settings"
)

// Program reads and validates the stack config, then declares the stack.
func Program(ctx *pulumi.Context) (pulumi.Map, error) {
	s, err := settings.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	return Stack(ctx, s)
}

// Stack declares the gcp stack from validated settings.
func Stack(ctx *pulumi.Context, s *settings.Stack) (pulumi.Map, error) {
	return nil, fmt.Errorf("stack %q: kind gcp is not implemented yet", s.Name)
}
