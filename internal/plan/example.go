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
