package gcp

import (
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// nodePool are the settings of a workload's node pool (LiveKit's media
// pool, Egress's pool).
type nodePool struct {
	Cluster        pulumi.StringInput
	Region         string
	Scaling        components.Scaling
	MachineType    string
	DiskSizeGB     int
	ServiceAccount pulumi.StringInput
	// Tag is the network tag the firewall rules select; Role the
	// NodeRoleLabel value the workload's nodeSelector matches.
	Tag, Role string
	// Private nodes have no public IP (Egress, out through Cloud NAT);
	// media must reach every LiveKit node at its own public IP.
	Private bool
}

// args are the pool's NodePoolArgs: autoscaled in total across the region's
// zones (one pod per node), auto-repaired and upgraded by surge (a node is
// added before one is drained, so capacity holds), shielded boot, the GKE
// metadata server only. The caller adds what differs (taints, gVNIC) to
// the returned node config.
func (p nodePool) args() (*container.NodePoolArgs, *container.NodePoolNodeConfigArgs) {
	node := &container.NodePoolNodeConfigArgs{
		MachineType:    pulumi.String(p.MachineType),
		DiskSizeGb:     pulumi.Int(p.DiskSizeGB),
		DiskType:       pulumi.String("pd-balanced"),
		ImageType:      pulumi.String("COS_CONTAINERD"),
		ServiceAccount: p.ServiceAccount,
		OauthScopes:    pulumi.ToStringArray(NodeOAuthScopes),
		Tags:           pulumi.ToStringArray([]string{p.Tag}),
		Labels:         pulumi.StringMap{NodeRoleLabel: pulumi.String(p.Role)},
		Metadata:       pulumi.StringMap{"disable-legacy-endpoints": pulumi.String("true")},
		ShieldedInstanceConfig: &container.NodePoolNodeConfigShieldedInstanceConfigArgs{
			EnableSecureBoot: pulumi.Bool(true), EnableIntegrityMonitoring: pulumi.Bool(true),
		},
		WorkloadMetadataConfig: &container.NodePoolNodeConfigWorkloadMetadataConfigArgs{Mode: pulumi.String("GKE_METADATA")},
	}
	return &container.NodePoolArgs{
		Cluster:          p.Cluster,
		Location:         pulumi.String(p.Region),
		InitialNodeCount: pulumi.Int(1), // per zone
		Autoscaling: &container.NodePoolAutoscalingArgs{
			TotalMinNodeCount: pulumi.Int(p.Scaling.Min),
			TotalMaxNodeCount: pulumi.Int(p.Scaling.Max),
			LocationPolicy:    pulumi.String("BALANCED"),
		},
		Management:      &container.NodePoolManagementArgs{AutoRepair: pulumi.Bool(true), AutoUpgrade: pulumi.Bool(true)},
		UpgradeSettings: &container.NodePoolUpgradeSettingsArgs{Strategy: pulumi.String("SURGE"), MaxSurge: pulumi.Int(1), MaxUnavailable: pulumi.Int(0)},
		NetworkConfig:   &container.NodePoolNetworkConfigArgs{EnablePrivateNodes: pulumi.Bool(p.Private)},
		NodeConfig:      node,
	}, node
}
