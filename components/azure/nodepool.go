package azure

import (
	cs "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2/v20240801"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// nodePool are the settings of a workload's node pool (LiveKit's pool,
// Egress's pool), like GCP's nodepool.go.
type nodePool struct {
	ResourceGroupName pulumi.StringInput
	Cluster           pulumi.StringInput
	// Name is the AKS pool name; Role its livekit-infra/role label.
	Name, Role        string
	VMSize            string
	KubernetesVersion string
	Scaling           components.Scaling
	MaxPods           int
	SubnetID          pulumi.StringInput
	Zones             []string
	// ASGID is the application security group the subnet's rules (and
	// Redis's endpoint) admit the pool's nodes by.
	ASGID pulumi.StringInput
	// PublicIP: media must reach every LiveKit node at its own public IP;
	// Egress only connects out, through the cluster's load balancer.
	PublicIP bool
	// HostPorts are the host ports AKS allows on the nodes' public IPs.
	HostPorts cs.PortRangeArrayInput
}

// args are the pool's AgentPoolArgs: a Linux VM scale set in User mode,
// autoscaled (one pod per node), in the node subnet across the zones. The
// caller adds what differs (taints, upgrade settings, tags).
func (p nodePool) args() *cs.AgentPoolArgs {
	return &cs.AgentPoolArgs{
		ResourceGroupName:   p.ResourceGroupName,
		ResourceName:        p.Cluster,
		AgentPoolName:       pulumi.String(p.Name),
		Mode:                pulumi.String("User"),
		Type:                pulumi.String("VirtualMachineScaleSets"),
		OsType:              pulumi.String("Linux"),
		VmSize:              pulumi.String(p.VMSize),
		OrchestratorVersion: pulumi.String(p.KubernetesVersion),
		EnableAutoScaling:   pulumi.Bool(true),
		MinCount:            pulumi.Int(p.Scaling.Min),
		MaxCount:            pulumi.Int(p.Scaling.Max),
		Count:               pulumi.Int(p.Scaling.Min),
		EnableNodePublicIP:  pulumi.Bool(p.PublicIP),
		MaxPods:             pulumi.Int(p.MaxPods),
		VnetSubnetID:        p.SubnetID,
		AvailabilityZones:   zones(p.Zones),
		NodeLabels:          pulumi.StringMap{"livekit-infra/role": pulumi.String(p.Role)},
		NetworkProfile: &cs.AgentPoolNetworkProfileArgs{
			AllowedHostPorts:          p.HostPorts,
			ApplicationSecurityGroups: pulumi.StringArray{p.ASGID},
		},
	}
}
