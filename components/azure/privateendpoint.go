package azure

import (
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// privateLink is one private endpoint of a service (its GroupID
// sub-resource) in the VNet's endpoint subnet, and the private DNS zone
// that resolves the service's public name to it inside the VNet: the
// Redis cache and the recordings' blob service.
type privateLink struct {
	ResourceGroupName         pulumi.StringInput
	Location                  string
	SubnetID, VnetID          pulumi.StringInput
	TargetID                  pulumi.IDOutput
	GroupID, Zone, ZoneConfig string
}

// newPrivateLink declares the endpoint, the zone, the zone's VNet link and
// the endpoint's zone group (which writes the endpoint's A record), each
// named name.
func newPrivateLink(ctx *pulumi.Context, name string, l privateLink, parent pulumi.ResourceOption) error {
	endpoint, err := network.NewPrivateEndpoint(ctx, name, &network.PrivateEndpointArgs{
		ResourceGroupName: l.ResourceGroupName,
		Location:          pulumi.String(l.Location),
		Subnet:            &network.SubnetTypeArgs{Id: l.SubnetID},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{&network.PrivateLinkServiceConnectionArgs{
			Name:                 pulumi.String(name),
			PrivateLinkServiceId: l.TargetID,
			GroupIds:             pulumi.StringArray{pulumi.String(l.GroupID)},
		}},
	}, parent)
	if err != nil {
		return err
	}
	zone, err := network.NewPrivateZone(ctx, name, &network.PrivateZoneArgs{
		ResourceGroupName: l.ResourceGroupName,
		PrivateZoneName:   pulumi.String(l.Zone),
		Location:          pulumi.String("global"),
	}, parent)
	if err != nil {
		return err
	}
	if _, err := network.NewVirtualNetworkLink(ctx, name, &network.VirtualNetworkLinkArgs{
		ResourceGroupName:   l.ResourceGroupName,
		PrivateZoneName:     zone.Name,
		Location:            pulumi.String("global"),
		VirtualNetwork:      &network.SubResourceArgs{Id: l.VnetID},
		RegistrationEnabled: pulumi.Bool(false),
	}, parent); err != nil {
		return err
	}
	_, err = network.NewPrivateDnsZoneGroup(ctx, name, &network.PrivateDnsZoneGroupArgs{
		ResourceGroupName:   l.ResourceGroupName,
		PrivateEndpointName: endpoint.Name,
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{&network.PrivateDnsZoneConfigArgs{
			Name: pulumi.String(l.ZoneConfig), PrivateDnsZoneId: zone.ID(),
		}},
	}, parent)
	return err
}
