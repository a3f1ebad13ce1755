package azure

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// stores declares the region's Redis and recordings, the same on either
// platform.
func stores(ctx *pulumi.Context, name string, s *stackconfig.Stack, network *azurec.Network, dns *aws.Provider) (*azurec.RedisCache, *azurec.Recordings, error) {
	redis, err := azurec.NewRedisCache(ctx, name+"-redis", redisArgs(s, network))
	if err != nil {
		return nil, nil, err
	}
	recordings, err := azurec.NewRecordings(ctx, name+"-recordings", recordingsArgs(s, network, dns))
	return redis, recordings, err
}

// redisArgs is the region's Azure Cache for Redis on either platform (AKS
// or Container Instances): one cache per region behind a private endpoint
// in the network's endpoint subnet, sized by the azureRedis* keys.
func redisArgs(s *stackconfig.Stack, network *azurec.Network) *azurec.RedisCacheArgs {
	a := s.Azure
	return &azurec.RedisCacheArgs{
		RedisCacheArgs:    components.RedisCacheArgs{EngineVersion: stackconfig.AzureRedisVersion, Protect: s.Protect},
		ResourceGroupName: network.ResourceGroupName,
		Location:          a.Location,
		SKU:               a.Redis.SKU,
		Family:            a.Redis.Family,
		Capacity:          a.Redis.Capacity,
		AccessKey:         a.Redis.AccessKey,
		VnetID:            network.NetworkID,
		EndpointSubnetID:  network.EndpointSubnetID,
	}
}

// recordingsArgs is the region's recordings storage account on either
// platform, in the network's resource group, its CDN records written
// through dns. Shared keys only for Egress (it uploads with the account
// key): the documented exception to identity-only access.
func recordingsArgs(s *stackconfig.Stack, network *azurec.Network, dns *aws.Provider) *azurec.RecordingsArgs {
	a := s.Azure
	return &azurec.RecordingsArgs{
		RecordingsArgs:    regional.RecordingsArgs(s),
		ResourceGroupName: network.ResourceGroupName,
		Location:          a.Location,
		SKU:               a.StorageSKU,
		DNSProvider:       dns,
		SharedKeyAccess:   a.SharedKeyAccess(s.Region.Egress),
		PrivateLink:       a.RecordingsPrivateLink,
		VnetID:            network.NetworkID,
		EndpointSubnetID:  network.EndpointSubnetID,
	}
}
