package azure

import (
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// egressWorkers declares the region's Egress (egress on; on Azure the
// account then accepts shared keys, unless azureRecordingsSharedKey is
// false, which turns egress auto off): its own node pool and the egress
// chart, uploading with the storage account key. Egress v1.14.1 takes an
// account name and key only (pkg/config/storage.go copies AccountName,
// AccountKey and ContainerName into livekit/storage's AzureConfig, whose
// NewAzure builds a shared-key credential; its go.mod requires no
// azidentity), so no managed identity or SAS can stand in. The key is
// read from ARM as a Pulumi secret and lives only in the config Secret:
// not in Key Vault (a second copy Egress could not read without a CSI
// driver), not in an output. With azureRecordingsPrivateLink the account
// answers only its private endpoint, so a leaked key is useless outside
// the VNet.
func egressWorkers(ctx *pulumi.Context, name string, s *stackconfig.Stack, creds *components.Credentials, cluster *azurec.MediaCluster,
	redis *azurec.RedisCache, network *azurec.Network, recordings *azurec.Recordings, mirror *components.RegistryMirrorOutputs) error {
	r, a := s.Region, s.Azure
	if !r.Egress.Enabled {
		return nil
	}
	config := egressConfig(ctx, name, s, creds, cluster.URL, redis, network, recordings)
	k := r.Egress.K8s
	args := regional.EgressArgs(s, config, k.CPU, k.MemoryGiB)
	var err error
	if args.Image, err = regional.Image(mirror, r.Egress.ImageRef); err != nil {
		return err
	}
	_, err = azurec.NewEgress(ctx, name+"-egress", &azurec.EgressArgs{
		EgressArgs:        args,
		ResourceGroupName: network.ResourceGroupName,
		ClusterName:       cluster.ClusterName,
		Provider:          cluster.Provider,
		NodeSubnetID:      network.NodeSubnetID,
		EgressASGID:       network.EgressASGID,
		Zones:             a.AvailabilityZones,
		KubernetesVersion: a.KubernetesVersion,
		VMSize:            k.NodeSize,
		MaxPods:           a.MaxPods,
		PodCPU:            k.PodCPU,
		PodMemory:         k.PodMemory,
		ChartVersion:      k.ChartVersion,
		RedisSubnet:       a.EndpointSubnet().String(),
		RedisPort:         azurec.RedisTLSPort,
		ClusterCIDRs:      []string{a.PodCIDR.String(), a.NodeSubnet().String()},
		Media:             r.Media,
	})
	return err
}

// egressConfig renders the region's Egress config on either platform: the
// recordings account's key read from ARM as a Pulumi secret (Egress
// v1.14.1 uploads to Blob with an account key only: egressWorkers), the
// region's signaling URL, Azure Cache for Redis over TLS with a public CA
// (no CA file).
func egressConfig(ctx *pulumi.Context, name string, s *stackconfig.Stack, creds *components.Credentials, url pulumi.StringOutput,
	redis *azurec.RedisCache, network *azurec.Network, recordings *azurec.Recordings) pulumi.StringOutput {
	keys := storage.ListStorageAccountKeysOutput(ctx, storage.ListStorageAccountKeysOutputArgs{
		ResourceGroupName: network.ResourceGroupName,
		AccountName:       recordings.Account,
	})
	accountKey := pulumi.ToSecret(keys.Keys().Index(pulumi.Int(0)).Value()).(pulumi.StringOutput)
	// The account name is fixed by the stack (AccountName), the key read
	// from Azure.
	account := azurec.AccountName(ctx.Project(), ctx.Stack(), name+"-recordings")
	return regional.RenderEgressConfig(s, creds, url, redis.Address, redis.Password, livekit.Redis{},
		recordings.Container, accountKey, func(container, key string) livekit.EgressStorage {
			return livekit.EgressStorage{AzureAccount: account, AzureAccountKey: key, AzureContainer: container}
		})
}

// aciEgressWorkers declares the Egress of an azurePlatform aci region
// (egress on): azureAciEgressGroups container groups in the Egress subnet,
// configured and authenticated to Blob exactly as on AKS (the account key,
// shared keys on while Egress runs, the blob private endpoint with
// azureRecordingsPrivateLink), pulled from the ACR mirror by digest, each
// with the LiveKit groups' metrics agent (metrics) scraping Egress.
func aciEgressWorkers(ctx *pulumi.Context, name string, s *stackconfig.Stack, creds *components.Credentials, url pulumi.StringOutput,
	redis *azurec.RedisCache, network *azurec.Network, recordings *azurec.Recordings,
	registry *azurec.RegistryMirror, mirror *components.RegistryMirrorOutputs, metrics *azurec.ACIMetricsArgs) (*azurec.ACIEgress, error) {
	r, a := s.Region, s.Azure
	if !r.Egress.Enabled || r.Egress.ACI == nil {
		return nil, nil
	}
	config := egressConfig(ctx, name, s, creds, url, redis, network, recordings)
	sz := r.Egress.ACI
	args := regional.EgressArgs(s, config, float64(sz.CPU), float64(sz.MemoryGB))
	var err error
	if args.Image, err = regional.Image(mirror, r.Egress.ImageRef); err != nil {
		return nil, err
	}
	return azurec.NewACIEgress(ctx, name+"-egress", &azurec.ACIEgressArgs{
		EgressArgs:        args,
		Location:          a.Location,
		ResourceGroupName: network.ResourceGroupName,
		SubnetID:          network.ACI.EgressSubnetID,
		Zones:             a.AvailabilityZones,
		Registry:          registry,
		Metrics:           metrics,
	})
}
