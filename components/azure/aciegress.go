package azure

import (
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/containerservice"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// ACIEgressConfigEnv is the variable Egress reads its whole config from
// (cmd/server/main.go at v1.14.1: EGRESS_CONFIG_BODY, as on AKS); on ACI it
// is a secure environment variable, which the API never returns.
const ACIEgressConfigEnv = "EGRESS_CONFIG_BODY"

// ACIEgressArgs adds the Container Instances placement to the contract.
// Scaling.Min and Max are the fixed group count (ACI does not autoscale).
type ACIEgressArgs struct {
	components.EgressArgs

	Location          string
	ResourceGroupName pulumi.StringInput
	// SubnetID is the Egress subnet (delegated to container groups, behind
	// its NAT gateway, no inbound but health and metrics from the VNet).
	SubnetID pulumi.StringInput
	Zones    []string
	// Registry is the region's ACR mirror (nil: Docker Hub, anonymously).
	Registry *RegistryMirror
	// Metrics, when set, runs the LiveKit groups' Prometheus agent
	// (acimetrics.go) beside Egress in every group, scraping its
	// prometheus_port on localhost, as an identity of its own.
	Metrics *ACIMetricsArgs
}

// ACIEgress is Egress on Azure Container Instances: a fixed number of
// VNet-injected container groups, one worker each.
type ACIEgress struct {
	pulumi.ResourceState
	components.EgressOutputs

	// GroupIPs are the workers' private addresses (health and metrics).
	GroupIPs pulumi.StringArrayOutput
}

// check runs the contract's checks, then Container Instances'.
func (a *ACIEgressArgs) check(e *components.ArgErrors) {
	a.EgressArgs.Check(e)
	if a.Scaling.Min != a.Scaling.Max {
		e.Add("Scaling %d-%d must be one fixed count: ACI does not autoscale (azureAciEgressGroups)", a.Scaling.Min, a.Scaling.Max)
	}
	if a.CPU > ACIMaxCPU {
		e.Add("CPU %v is above %d, ACI's limit for a Linux group in a VNet", a.CPU, ACIMaxCPU)
	}
	if a.MemoryGiB > ACIMaxMemoryGB {
		e.Add("MemoryGiB %v is above %d, ACI's limit for a Linux group in a VNet", a.MemoryGiB, ACIMaxMemoryGB)
	}
	e.Require(
		components.Field{Name: "Location", Missing: a.Location == ""},
		components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil},
		components.Field{Name: "SubnetID", Missing: a.SubnetID == nil},
	)
	if a.Metrics != nil {
		a.Metrics.check(e)
		if a.Metrics.Central != nil {
			e.Add("Metrics.Central is set: the central view takes the LiveKit groups' series (as on GKE and AKS); give Egress its metrics args without Central")
		}
		// The agent's memory comes out of the group (its CPU too, but
		// Egress may burst to the whole group: NewACIEgress).
		if left := a.MemoryGiB - ACIAgentMemoryGB; left < components.MinEgressMemoryGiB {
			e.Add("MemoryGiB %v leaves Egress %v GB beside the metrics agent's %v: give at least %v", a.MemoryGiB, left, ACIAgentMemoryGB, components.MinEgressMemoryGiB+ACIAgentMemoryGB)
		}
	}
}

// NewACIEgress declares the Egress container groups: private IPs in the
// Egress subnet, no public IP or DNS label, the image pulled from the
// mirror as the workers' own identity, the config a secure environment
// variable.
func NewACIEgress(ctx *pulumi.Context, name string, args *ACIEgressArgs, opts ...pulumi.ResourceOption) (*ACIEgress, error) {
	e := &ACIEgress{}
	parent, err := components.Register(ctx, components.EgressType, name, e, args, (*ACIEgressArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	// Its own identities: nothing the LiveKit groups hold.
	runAs, err := newACIRunAs(ctx, name, "aci-egress", args.ResourceGroupName, args.Location, args.Registry, args.Metrics, parent)
	if err != nil {
		return nil, err
	}

	config := pulumi.ToSecret(args.Config.ToStringOutput()).(pulumi.StringOutput)
	// Health is the one port: the metrics agent (Metrics) scrapes the
	// metrics port over the group's loopback, so nothing outside the
	// group reaches it.
	ports := []int{livekit.EgressHealthPort}
	var groupPorts containerservice.GroupExposedPortArray
	var containerPorts containerservice.GroupContainerPortArray
	for _, p := range ports {
		groupPorts = append(groupPorts, &containerservice.GroupExposedPortArgs{Port: pulumi.Int(p), Protocol: pulumi.String("TCP")})
		containerPorts = append(containerPorts, &containerservice.GroupContainerPortArgs{Port: pulumi.Int(p), Protocol: pulumi.String("TCP")})
	}
	ips := make(pulumi.StringArray, args.Scaling.Min)
	for i := range ips {
		egress := &containerservice.GroupContainerArgs{
			Name:   pulumi.String("egress"),
			Image:  pulumi.String(args.Image),
			Cpu:    pulumi.Float64(args.CPU),
			Memory: pulumi.Float64(args.MemoryGiB),
			Ports:  containerPorts,
			// The image's own entrypoint (PulseAudio, then egress)
			// reads the config from this variable.
			SecureEnvironmentVariables: pulumi.StringMap{ACIEgressConfigEnv: config},
			// No probe: ACI refuses liveness probes on a group in a
			// virtual network (container-instances-liveness-probe);
			// RestartPolicy Always restarts an Egress that exits.
		}
		containers := containerservice.GroupContainerArray{egress}
		if args.Metrics != nil {
			// The agent's share comes out of Egress's request; its
			// limit stays the whole group (ACI lets a container's limit
			// reach the group's total request,
			// learn.microsoft.com/azure/container-instances/container-instances-container-groups#resource-allocation),
			// so Egress can still use the 4 cores LiveKit recommends.
			egress.Cpu = pulumi.Float64(args.CPU - ACIAgentCPU)
			egress.CpuLimit = pulumi.Float64(args.CPU)
			egress.Memory = pulumi.Float64(args.MemoryGiB - ACIAgentMemoryGB)
			containers = append(containers, aciAgentContainer(args.Metrics, runAs.agentClientID, aciEgressAgentListen,
				func(url, clientID string) (observability.PrometheusConfig, error) {
					return ACIEgressAgentConfig(args.Metrics.Region, i, url, clientID)
				}))
		}
		// Health is the only port, and the subnet's NSG admits it from the
		// VNet alone; Egress itself only connects out. A config change
		// replaces the groups (ACI updates almost no field in place),
		// ending their recordings: ACI has no stop grace to configure
		// (docs/azure.md, "Egress").
		grp, err := runAs.newGroup(ctx, name, i, args.ResourceGroupName, args.Location, args.SubnetID, args.Zones, groupPorts, containers, parent)
		if err != nil {
			return nil, err
		}
		ips[i] = grp.IpAddress
	}
	e.GroupIPs = ips.ToStringArrayOutput()
	e.ConfigSecret = pulumi.Sprintf("%s (secure environment variable %s)", name, ACIEgressConfigEnv)
	if err := ctx.RegisterResourceOutputs(e, e.EgressOutputs.Map(pulumi.Map{"groupIps": e.GroupIPs})); err != nil {
		return nil, err
	}
	return e, nil
}
