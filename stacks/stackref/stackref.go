// Package stackref reads another stack's outputs through a
// pulumi.StackReference.
//
// It is a package of its own for build cost (docs/build-cost.md): naming
// pulumi.StackReference or pulumi.AnyOutput makes the Go compiler
// instantiate Pulumi's generic output type for every built-in type, about
// 8,000 functions and 10 CPU-s, in the package that does. Here that happens
// once, and since this package imports nothing else of this module, editing
// the stacks never recompiles it. Its API hands out untyped pulumi.Output
// values, so its callers stay cheap.
package stackref

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Ref is a reference to another stack.
type Ref struct {
	// get hides the StackReference's type from callers (see the package
	// comment).
	get func(key string) pulumi.Output
	// details reads an output now (see Value).
	details func(key string) (any, bool, error)
}

// New reads the stack `stack` ("org/project/stack", or a name in the same
// project). The resource's name is the stack name.
func New(ctx *pulumi.Context, stack string, opts ...pulumi.ResourceOption) (*Ref, error) {
	ref, err := pulumi.NewStackReference(ctx, stack, nil, opts...)
	if err != nil {
		return nil, err
	}
	return &Ref{
		get: func(key string) pulumi.Output { return ref.GetOutput(pulumi.String(key)) },
		details: func(key string) (any, bool, error) {
			d, err := ref.GetOutputDetails(key)
			if err != nil || d == nil {
				return nil, false, err
			}
			if d.SecretValue != nil {
				return d.SecretValue, true, nil
			}
			return d.Value, false, nil
		},
	}, nil
}

// Output is the stack output `key`: nil when the stack does not export it,
// and secret when the stack exported it as a secret.
func (r *Ref) Output(key string) pulumi.Output { return r.get(key) }

// Value waits for the output `key` and returns its value (nil when the stack
// does not export it) and whether it is secret: for decisions about which
// resources to declare, which an Output cannot drive.
func (r *Ref) Value(key string) (v any, secret bool, err error) { return r.details(key) }
