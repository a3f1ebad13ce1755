package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/containerservice"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// aciRunAs is what a region's container groups (LiveKit's and Egress's)
// run as: their own pull identity, holding AcrPull on the mirror alone,
// and with Metrics the agent's identity, allowed to publish through the
// workspace's data collection rule alone.
type aciRunAs struct {
	pull          *managedidentity.UserAssignedIdentity
	identities    pulumi.StringArray
	agentClientID pulumi.StringOutput
	registryCreds containerservice.GroupImageRegistryCredentialArray
	deps          []pulumi.Resource
}

// newACIRunAs declares name's identities; grant names the AcrPull grant.
func newACIRunAs(ctx *pulumi.Context, name, grant string, group pulumi.StringInput, location string, registry *RegistryMirror, metrics *ACIMetricsArgs, parent pulumi.ResourceOption) (*aciRunAs, error) {
	pull, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-pull", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: group,
		Location:          pulumi.String(location),
	}, parent)
	if err != nil {
		return nil, err
	}
	r := &aciRunAs{pull: pull, identities: pulumi.StringArray{pull.ID().ToStringOutput()}}
	if registry != nil {
		g, err := registry.AllowPull(grant, pull.PrincipalId)
		if err != nil {
			return nil, err
		}
		r.deps = append(r.deps, g)
		r.registryCreds = containerservice.GroupImageRegistryCredentialArray{&containerservice.GroupImageRegistryCredentialArgs{
			Server:                 pulumi.String(registry.LoginServer),
			UserAssignedIdentityId: pull.ID().ToStringOutput(),
		}}
	}
	if metrics != nil {
		id, g, err := aciMetricsIdentity(ctx, name, group, location, metrics, parent)
		if err != nil {
			return nil, err
		}
		r.identities = append(r.identities, id.ID().ToStringOutput())
		r.agentClientID = id.ClientId
		r.deps = append(r.deps, g)
	}
	return r, nil
}

// newGroup declares name's i-th container group: VNet-injected with a
// private IP only (ACI refuses a public IP or DNS label on a group in a
// virtual network), restarted whenever a container exits, in zone i round
// robin (a zone outage takes a share of the groups, not all).
func (r *aciRunAs) newGroup(ctx *pulumi.Context, name string, i int, group pulumi.StringInput, location string, subnetID pulumi.StringInput, zones []string,
	ports containerservice.GroupExposedPortArray, containers containerservice.GroupContainerArray, parent pulumi.ResourceOption) (*containerservice.Group, error) {
	args := &containerservice.GroupArgs{
		ResourceGroupName: group,
		Location:          pulumi.String(location),
		OsType:            pulumi.String("Linux"),
		Sku:               pulumi.String("Standard"),
		IpAddressType:     pulumi.String("Private"),
		SubnetIds:         subnetID.ToStringOutput().ToStringPtrOutput(),
		RestartPolicy:     pulumi.String("Always"),
		Identity: &containerservice.GroupIdentityArgs{
			Type:        pulumi.String("UserAssigned"),
			IdentityIds: r.identities,
		},
		ImageRegistryCredentials: r.registryCreds,
		ExposedPorts:             ports,
		Containers:               containers,
	}
	if len(zones) > 0 {
		args.Zones = pulumi.StringArray{pulumi.String(zones[i%len(zones)])}
	}
	return containerservice.NewGroup(ctx, fmt.Sprintf("%s-%d", name, i), args, parent, pulumi.DependsOn(r.deps),
		pulumi.AdditionalSecretOutputs([]string{"containers"}))
}
