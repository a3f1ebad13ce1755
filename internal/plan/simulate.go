package plan

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SimulateCreate answers a provider's Create for one custom resource exactly
// as the mocks do: the inputs echoed, plus the per-type computed outputs
// (dnsName, arn, endpoints, random results, ...). The id is defaultID unless
// the type's computed outputs derive one (an S3 bucket's id is its name).
// region is the AWS region the provider is configured for ("" for the
// default). The engine test provider (tests/engine/testprovider) uses it so
// that a program sees the same outputs under the real engine as in a plan.
func SimulateCreate(typ, name, region, defaultID string, inputs resource.PropertyMap) (id string, outputs resource.PropertyMap) {
	m := simulator(region)
	id, outputs, _ = m.NewResource(pulumi.MockResourceArgs{TypeToken: typ, Name: name, ID: defaultID, Inputs: inputs, Custom: true})
	return id, outputs
}

// SimulateInvoke answers an invoke (data source) as the mocks do; unknown
// tokens return an empty map.
func SimulateInvoke(token, region string, args resource.PropertyMap) resource.PropertyMap {
	out, _ := simulator(region).Call(pulumi.MockCallArgs{Token: token, Args: args})
	return out
}

func simulator(region string) *mocks {
	sc := &StackConfig{Project: "simulate", Stack: "simulate", Config: map[string]string{}}
	if region != "" {
		sc.Config["aws:region"] = region
	}
	return newMocks(sc, &options{})
}
