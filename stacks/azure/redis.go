package azure

import (
	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

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
		VnetID:            network.NetworkID,
		EndpointSubnetID:  network.EndpointSubnetID,
	}
}
