package azure_test

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The AKS MediaCluster needs a cluster, the LiveKit chart, Traefik and
// cert-manager: its runnable example is the committed stack
// (lkinfra plan --stack azure-asia).

// exampleConfig is the examples' stack config (plan.Example plans them
// offline, under the same mocks as `lkinfra plan`).
var exampleConfig = map[string]string{"azure-native:location": "southeastasia"}

// exampleNetwork is the network the examples build on.
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
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *azure.Network) (pulumi.Map, error) {
		return pulumi.Map{"vnet": network.NetworkID}, nil
	})
	fmt.Println(len(p.ByType("azure-native:network:Subnet")), "subnets,", len(p.ByType("azure-native:network:ApplicationSecurityGroup")), "application security group")
	// Output: 2 subnets, 1 application security group
}

// Azure Cache for Redis behind a private endpoint: TLS only (6380), no
// public network access.
func ExampleNewRedisCache() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *azure.Network) (pulumi.Map, error) {
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

// A private storage account and container for recordings, identities only
// (no shared keys, no anonymous access, TLS 1.2); with CDN, Front Door
// serves SAS-signed URLs under your hostname.
func ExampleNewRecordings() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *azure.Network) (pulumi.Map, error) {
		rec, err := azure.NewRecordings(ctx, "livekit-recordings", &azure.RecordingsArgs{
			RecordingsArgs:    components.RecordingsArgs{TransitionDays: 30, ExpireDays: 365, Protect: true},
			ResourceGroupName: network.ResourceGroupName,
			Location:          "southeastasia",
			SKU:               "Standard_ZRS",
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"account": rec.Bucket}, nil
	})
	for _, r := range p.Resources {
		if r.Custom && strings.Contains(r.Type, "StorageAccount") {
			tls, _ := r.Input("minimumTlsVersion")
			public, _ := r.Input("allowBlobPublicAccess")
			shared, _ := r.Input("allowSharedKeyAccess")
			fmt.Println("TLS:", tls, "public blobs:", public, "shared keys:", shared)
		}
	}
	// Output: TLS: TLS1_2 public blobs: false shared keys: false
}

// An Azure Container Registry with one artifact cache rule per Docker Hub
// repository: AKS pulls LiveKit by digest from the region.
func ExampleNewRegistryMirror() {
	lk := imageref.MustParse(livekit.Image)
	var image string
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *azure.Network) (pulumi.Map, error) {
		mirror, err := azure.NewRegistryMirror(ctx, "livekit-mirror", &azure.RegistryMirrorArgs{
			RegistryMirrorArgs: components.RegistryMirrorArgs{Images: []imageref.Ref{lk}},
			Location:           "southeastasia",
			ResourceGroupName:  network.ResourceGroupName,
			RegistryName:       azure.RegistryName("example", "dev", "southeastasia"),
			Protect:            true,
		})
		if err != nil {
			return nil, err
		}
		image, err = mirror.Image(lk)
		return pulumi.Map{}, err
	})
	for _, r := range p.Resources {
		if strings.HasSuffix(r.Type, ":CacheRule") {
			src, _ := r.Input("sourceRepository")
			dst, _ := r.Input("targetRepository")
			fmt.Println(src, "->", dst)
		}
	}
	fmt.Println(strings.HasSuffix(image, ".azurecr.io/livekit/livekit-server:"+livekit.Version+"@"+livekit.ImageDigest))
	// Output:
	// docker.io/livekit/livekit-server -> livekit/livekit-server
	// true
}

// A consumption budget on the region's resource group from the first of a
// month, one notification of actual cost per threshold.
func ExampleNewBudget() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *azure.Network) (pulumi.Map, error) {
		_, err := azure.NewBudget(ctx, "livekit-budget", &azure.BudgetArgs{
			BudgetArgs: components.BudgetArgs{
				BudgetName: "livekit-dev", Amount: 5500, Currency: "USD",
				Thresholds: []float64{80, 100}, Emails: []string{"finops@example.com"},
			},
			ResourceGroupID: network.ResourceGroupID,
			StartDate:       time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		})
		return pulumi.Map{}, err
	})
	for _, r := range p.Resources {
		if strings.Contains(r.Type, "udget") && r.Custom {
			amount, _ := r.Input("amount")
			notes, _ := r.Input("notifications")
			fmt.Println("amount:", amount, "notifications:", len(notes.([]any)))
		}
	}
	// Output: amount: 5500 notifications: 2
}
