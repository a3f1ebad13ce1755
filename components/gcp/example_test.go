package gcp_test

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/gcp"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The GKE MediaCluster needs a cluster, the LiveKit chart and a Gateway:
// its runnable example is the committed stack (lkinfra plan --stack gcp-eu).

// planExample plans a program offline under the same mocks as `lkinfra plan`.
func planExample(program func(ctx *pulumi.Context) (pulumi.Map, error)) *plan.Plan {
	p, err := plan.Evaluate(&plan.StackConfig{
		Project: "example", Stack: "dev",
		Config: map[string]string{"gcp:project": "example-project", "gcp:region": "europe-west1"},
	}, program)
	if err != nil {
		panic(err)
	}
	return p
}

func exampleNetwork(ctx *pulumi.Context) (*gcp.Network, error) {
	return gcp.NewNetwork(ctx, "livekit", &gcp.NetworkArgs{
		NetworkArgs: components.NetworkArgs{
			CIDR:        netip.MustParsePrefix("10.10.0.0/20"),
			NATGateways: "single",
			Media:       livekit.MediaPorts{Start: 50000, End: 60000},
		},
		Region:             "europe-west1",
		PodsCIDR:           netip.MustParsePrefix("10.20.0.0/16"),
		ServicesCIDR:       netip.MustParsePrefix("10.24.0.0/20"),
		PrivateServiceCIDR: netip.MustParsePrefix("10.30.0.0/20"),
		FlowLogs:           true,
	})
}

// A custom-mode VPC with one regional subnet (secondary ranges for GKE),
// Cloud NAT, and firewall rules that open media to the LiveKit nodes only.
func ExampleNewNetwork() {
	p := planExample(func(ctx *pulumi.Context) (pulumi.Map, error) {
		network, err := exampleNetwork(ctx)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"network": network.NetworkID}, nil
	})
	fmt.Println(len(p.ByType("gcp:compute/subnetwork:Subnetwork")), "subnet,", len(p.ByType("gcp:compute/routerNat:RouterNat")), "Cloud NAT")
	// Output: 1 subnet, 1 Cloud NAT
}

// Memorystore for Redis, Standard tier: a replica in another zone, AUTH and
// TLS, reachable over private service access only.
func ExampleNewRedisCache() {
	p := planExample(func(ctx *pulumi.Context) (pulumi.Map, error) {
		network, err := exampleNetwork(ctx)
		if err != nil {
			return nil, err
		}
		redis, err := gcp.NewRedisCache(ctx, "livekit-redis", &gcp.RedisCacheArgs{
			RedisCacheArgs:           components.RedisCacheArgs{EngineVersion: "REDIS_7_2", Protect: true},
			Region:                   "europe-west1",
			NetworkID:                network.NetworkID,
			PrivateServiceRange:      network.PrivateServiceRange,
			PrivateServiceConnection: network.PrivateServiceConnection,
			MemoryGB:                 1,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"redis": redis.Address}, nil
	})
	inst := p.ByType("gcp:redis/instance:Instance")[0]
	tier, _ := inst.Input("tier")
	auth, _ := inst.Input("authEnabled")
	tls, _ := inst.Input("transitEncryptionMode")
	fmt.Println(tier, "AUTH:", auth, "TLS:", tls)
	// Output: STANDARD_HA AUTH: true TLS: SERVER_AUTHENTICATION
}
