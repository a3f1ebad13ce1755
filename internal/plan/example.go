package plan

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Example plans program as stack "dev" of project "example" with config
// (the cloud's region keys), under the same mocks as `lkinfra plan`: the
// components' runnable examples (components/<cloud>/example_test.go). An
// Example has no *testing.T, so an error panics.
func Example(config map[string]string, program func(*pulumi.Context) (pulumi.Map, error)) *Plan {
	p, err := Evaluate(&StackConfig{Project: "example", Stack: "dev", Config: config}, program)
	if err != nil {
		panic(err)
	}
	return p
}

// ExampleOn is Example for a program built on what base declares first (a
// cloud's example network).
func ExampleOn[B any](config map[string]string, base func(*pulumi.Context) (B, error), program func(*pulumi.Context, B) (pulumi.Map, error)) *Plan {
	return Example(config, func(ctx *pulumi.Context) (pulumi.Map, error) {
		b, err := base(ctx)
		if err != nil {
			return nil, err
		}
		return program(ctx, b)
	})
}
