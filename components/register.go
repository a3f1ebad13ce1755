package components

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Register is every cloud constructor's first step, in this order: args go
// through check (the contract's Check, then the cloud's; Validate) before
// anything is declared, then c is registered under its contract's type
// token. It returns the option that parents c's children.
func Register[T any](ctx *pulumi.Context, typ, name string, c pulumi.ComponentResource, args *T, check func(*T, *ArgErrors), opts ...pulumi.ResourceOption) (pulumi.ResourceOrInvokeOption, error) {
	return RegisterOn(ctx, typ, name, c, args, check, nil, opts...)
}

// RegisterOn is Register for a component whose children all live on the
// one provider its args name (a Kubernetes workload on its cluster's
// provider): provider reads it only once args passed check, and c carries
// it (pulumi.Providers) for its children. A nil provider is Register.
func RegisterOn[T any](ctx *pulumi.Context, typ, name string, c pulumi.ComponentResource, args *T, check func(*T, *ArgErrors), provider func(*T) pulumi.ProviderResource, opts ...pulumi.ResourceOption) (pulumi.ResourceOrInvokeOption, error) {
	// The component's name in errors is the token's last part
	// (livekit-infra:index:Egress is "Egress").
	if err := Validate(typ[strings.LastIndex(typ, ":")+1:], name, args, check); err != nil {
		return nil, err
	}
	if provider != nil {
		opts = append(opts, pulumi.Providers(provider(args)))
	}
	if err := ctx.RegisterComponentResource(typ, name, c, opts...); err != nil {
		return nil, err
	}
	return pulumi.Parent(c), nil
}
