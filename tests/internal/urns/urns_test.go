package urns

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

func TestKnownResolvesAliasSpecs(t *testing.T) {
	const stack = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
	comp := "urn:pulumi:s::p::livekit-infra:index:MediaCluster::lk"
	child := "urn:pulumi:s::p::livekit-infra:index:MediaCluster$aws:lb/loadBalancer:LoadBalancer::"
	p := &plan.Plan{StackURN: stack, Resources: []plan.Resource{
		{URN: comp, Type: "livekit-infra:index:MediaCluster", Name: "lk", Parent: stack},
		{URN: child + "lk-signaling", Type: "aws:lb/loadBalancer:LoadBalancer", Name: "lk-signaling", Parent: comp,
			Aliases: []plan.Alias{{Name: "lk-alb"}, {NoParent: true}, {URN: "urn:pulumi:s::p::aws:lb/loadBalancer:LoadBalancer::old"}}},
	}}
	known := Known(p)
	for _, u := range []string{
		comp,
		child + "lk-signaling",
		child + "lk-alb", // renamed under the same parent
		"urn:pulumi:s::p::aws:lb/loadBalancer:LoadBalancer::lk-signaling", // moved under the component
		"urn:pulumi:s::p::aws:lb/loadBalancer:LoadBalancer::old",          // a URN alias
	} {
		if !known[u] {
			t.Errorf("%s not known", u)
		}
	}
	if known[comp+"$aws:lb/loadBalancer:LoadBalancer::lk-other"] {
		t.Error("an unaliased name is known")
	}
}
