package azure

import (
	cs "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2/v20240801"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// EgressPool is the AKS node pool of the Egress workers (AKS pool names
// are lowercase letters and digits, at most 12).
const EgressPool = "egress"

// EgressArgs adds the AKS specifics to the contract.
type EgressArgs struct {
	components.EgressArgs

	ResourceGroupName pulumi.StringInput
	// ClusterName is the AKS cluster the pool joins; Provider its
	// Kubernetes provider.
	ClusterName pulumi.StringInput
	Provider    pulumi.ProviderResource
	// NodeSubnetID is the node subnet; EgressASGID the application
	// security group Redis's endpoint admits (Network.EgressASGID).
	NodeSubnetID pulumi.StringInput
	EgressASGID  pulumi.StringInput
	Zones        []string
	// KubernetesVersion is the pool's orchestrator version (the cluster's).
	KubernetesVersion string
	// VMSize and MaxPods shape the pool: one Egress pod per node.
	VMSize  string
	MaxPods int
	// PodCPU and PodMemory are the Egress pod's requests (quantities).
	PodCPU, PodMemory string
	ChartVersion      string
	// RedisSubnet is the private endpoint subnet (Redis on RedisPort);
	// ClusterCIDRs are where in-cluster scrapers connect from (the pod
	// CIDR and the node subnet). Media are the LiveKit nodes' ports Egress
	// subscribes on.
	RedisSubnet  string
	RedisPort    int
	ClusterCIDRs []string
	Media        livekit.MediaPorts
}

// Egress is the AKS Egress: its node pool, the egress chart and the
// namespace's network policies.
type Egress struct {
	pulumi.ResourceState
	components.EgressOutputs

	NodePool pulumi.StringOutput
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *EgressArgs) check(e *components.ArgErrors) {
	a.EgressArgs.Check(e)
	e.Require(components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil},
		components.Field{Name: "ClusterName", Missing: a.ClusterName == nil}, components.Field{Name: "Provider", Missing: a.Provider == nil},
		components.Field{Name: "NodeSubnetID", Missing: a.NodeSubnetID == nil}, components.Field{Name: "EgressASGID", Missing: a.EgressASGID == nil},
		components.Field{Name: "VMSize", Missing: a.VMSize == ""}, components.Field{Name: "KubernetesVersion", Missing: a.KubernetesVersion == ""},
		components.Field{Name: "RedisSubnet", Missing: a.RedisSubnet == ""}, components.Field{Name: "RedisPort", Missing: a.RedisPort == 0},
		components.Field{Name: "ClusterCIDRs", Missing: len(a.ClusterCIDRs) == 0})
}

// NewEgress declares the Egress node pool (no public IPs, tainted, in the
// Egress ASG), the egress chart reading its config from a Secret, and the
// NetworkPolicies of its namespace.
func NewEgress(ctx *pulumi.Context, name string, args *EgressArgs, opts ...pulumi.ResourceOption) (*Egress, error) {

	e := &Egress{}
	parent, err := components.Register(ctx, components.EgressType, name, e, args, (*EgressArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	// Its own pool, not the system pool: a room composite takes 4 cores
	// of Chrome and encoding in bursts, more than the system pool's nodes
	// have and enough to starve CoreDNS and the ingress beside it; not the
	// LiveKit pool either (media packet loss). No public IPs: Egress only
	// connects out (through the cluster's load balancer).
	pool := nodePool{
		ResourceGroupName: args.ResourceGroupName, Cluster: args.ClusterName, Name: EgressPool, Role: EgressPool,
		VMSize: args.VMSize, KubernetesVersion: args.KubernetesVersion, Scaling: args.Scaling, MaxPods: args.MaxPods,
		SubnetID: args.NodeSubnetID, Zones: args.Zones, ASGID: args.EgressASGID, PublicIP: false,
	}.args()
	pool.NodeTaints = pulumi.StringArray{pulumi.String(lkk8s.EgressTaintKey + "=true:NoSchedule")}
	pool.UpgradeSettings = &cs.AgentPoolUpgradeSettingsArgs{
		MaxSurge: pulumi.String("1"),
		// A node's recordings finish within the pods' grace period.
		DrainTimeoutInMinutes: pulumi.Int(lkk8s.EgressGraceSeconds/60 + 5),
	}
	// app is the cost-allocation tag every resource carries (livekit).
	pool.Tags = pulumi.StringMap{"app": pulumi.String("livekit"), "component": pulumi.String("egress")}
	agentPool, err := cs.NewAgentPool(ctx, name, pool, parent, pulumi.IgnoreChanges([]string{"count"}))
	if err != nil {
		return nil, err
	}

	workload, err := lkk8s.NewEgressWorkload(ctx, name, lkk8s.EgressWorkloadOf(args.Provider, args.ChartVersion, args.EgressArgs,
		lkk8s.Resources{CPU: args.PodCPU, Memory: args.PodMemory}, map[string]string{PoolLabel: EgressPool}), parent, pulumi.DependsOn([]pulumi.Resource{agentPool}))
	if err != nil {
		return nil, err
	}
	if err := egressPolicies(ctx, name, workload.Namespace, args, parent, pulumi.Provider(args.Provider)); err != nil {
		return nil, err
	}

	e.ConfigSecret = workload.ConfigSecret()
	e.NodePool = agentPool.Name
	if err := ctx.RegisterResourceOutputs(e, e.EgressOutputs.Map(pulumi.Map{"nodePool": e.NodePool})); err != nil {
		return nil, err
	}
	return e, nil
}
