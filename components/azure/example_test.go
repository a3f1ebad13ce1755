package azure_test

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The AKS MediaCluster needs a cluster, the LiveKit chart, Traefik and
// cert-manager: its runnable example is the committed stack
// (lkinfra plan --stack azure-asia).

// planExample plans a program offline under the same mocks as `lkinfra plan`.
func planExample(program func(ctx *pulumi.Context) (pulumi.Map, error)) *plan.Plan {
	p, err := plan.Evaluate(&plan.StackConfig{
		Project: "example", Stack: "dev",
		Config: map[string]string{"azure-native:location": "southeastasia"},
	}, program)
	if err != nil {
		panic(err)
	}
	return p
}

func exampleNetwork(ctx *pulumi.Context) (*azure.Network, error) {
	return azure.NewNetwork(ctx, "livekit", &azure.NetworkArgs{
		NetworkArgs: components.NetworkArgs{
			CIDR:        netip.MustParsePrefix("10.20.0.0/16"),
			NATGateways: "none",
			Media:       livekit.MediaPorts{Start: 50000, End: 60000},
		},
		Location:       "southeastasia",
		NodeSubnet:     netip.MustParsePrefix("10.20.0.0/22"),
		EndpointSubnet: netip.MustParsePrefix("10.20.4.0/24"),
		Protect:        true,
		MaxMediaNodes:  11,
	})
}

// A resource group and VNet with a node subnet (media open to the LiveKit
// nodes' application security group only) and a private-endpoint subnet.
func ExampleNewNetwork() {
	p := planExample(func(ctx *pulumi.Context) (pulumi.Map, error) {
		network, err := exampleNetwork(ctx)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"vnet": network.NetworkID}, nil
	})
	fmt.Println(len(p.ByType("azure-native:network:Subnet")), "subnets,", len(p.ByType("azure-native:network:ApplicationSecurityGroup")), "application security group")
	// Output: 2 subnets, 1 application security group
}

// Azure Cache for Redis behind a private endpoint: TLS only (6380), no
// public network access.
func ExampleNewRedisCache() {
	p := planExample(func(ctx *pulumi.Context) (pulumi.Map, error) {
		network, err := exampleNetwork(ctx)
		if err != nil {
			return nil, err
		}
		redis, err := azure.NewRedisCache(ctx, "livekit-redis", &azure.RedisCacheArgs{
			RedisCacheArgs:    components.RedisCacheArgs{EngineVersion: "6", Protect: true},
			ResourceGroupName: network.ResourceGroupName,
			Location:          "southeastasia",
			SKU:               "Standard",
			Family:            "C",
			Capacity:          1,
			VnetID:            network.NetworkID,
			EndpointSubnetID:  network.EndpointSubnetID,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"redis": redis.Address}, nil
	})
	cache := p.ByType("azure:redis/cache:Cache")[0]
	nonTLS, _ := cache.Input("nonSslPortEnabled")
	public, _ := cache.Input("publicNetworkAccessEnabled")
	fmt.Println("plain port:", nonTLS, "public access:", public)
	// Output: plain port: false public access: false
}
