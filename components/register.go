package components

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// typePrefix is every type token's package and module.
const typePrefix = "livekit-infra:index:"

// Register is every cloud constructor's first step, in this order: args go
// through check (the contract's Check, then the cloud's; Validate) before
// anything is declared, then c is registered under its contract's type
// token. It returns the option that parents c's children.
func Register[T any](ctx *pulumi.Context, typ, name string, c pulumi.ComponentResource, args *T, check func(*T, *ArgErrors), opts ...pulumi.ResourceOption) (pulumi.ResourceOrInvokeOption, error) {
	if err := Validate(strings.TrimPrefix(typ, typePrefix), name, args, check); err != nil {
		return nil, err
	}
	if err := ctx.RegisterComponentResource(typ, name, c, opts...); err != nil {
		return nil, err
	}
	return pulumi.Parent(c), nil
}
