package azure

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// ACIDelegation is the service a subnet is delegated to so that container
// groups can join it
// (learn.microsoft.com/azure/container-instances/container-instances-virtual-network-concepts).
const ACIDelegation = "Microsoft.ContainerInstance/containerGroups"

// FirewallSubnetName is the name Azure Firewall requires of its subnet.
const FirewallSubnetName = "AzureFirewallSubnet"

// Application Gateway v2's control plane reaches its instances on these
// ports from the GatewayManager service tag; the gateway refuses a subnet
// whose NSG blocks them
// (learn.microsoft.com/azure/application-gateway/configuration-infrastructure#network-security-groups).
const gatewayManagerPorts = "65200-65535"

// ACIGroupPorts are one container group's directly reached ports.
type ACIGroupPorts struct {
	// UDP is the group's muxed media port (rtc.udp_port), TCP its ICE/TCP
	// port (rtc.tcp_port); the firewall forwards both 1:1.
	UDP, TCP int
}

// ACINetworkArgs lays the network out for Container Instances.
type ACINetworkArgs struct {
	// GatewaySubnet holds Application Gateway (signaling TLS);
	// FirewallSubnet Azure Firewall (media DNAT). Both inside the VNet.
	GatewaySubnet, FirewallSubnet netip.Prefix
	// Groups are the container groups' ports, group i at index i.
	Groups []ACIGroupPorts
	// EgressSubnet, when valid, holds the Egress container groups: their
	// own delegated subnet, out through the same NAT gateway as the
	// LiveKit groups (aciNATGateway), admitted to Redis and the blob
	// endpoint.
	EgressSubnet netip.Prefix
}

// ACINetwork is what Container Instances add to the network.
type ACINetwork struct {
	GatewaySubnetID  pulumi.StringOutput
	FirewallSubnetID pulumi.StringOutput
	// MediaIP is the firewall's public IP: every group's rtc.node_ip.
	MediaIPID      pulumi.StringOutput
	MediaIPAddress pulumi.StringOutput
	// EgressSubnetID is the Egress subnet (EgressSubnet set).
	EgressSubnetID pulumi.StringOutput
}

// check adds the ACI layout's problems to the Network's.
func (a *ACINetworkArgs) check(e *components.ArgErrors, args *NetworkArgs) {
	if a == nil {
		return
	}
	if len(a.Groups) == 0 {
		e.Add("ACI.Groups is empty: at least one container group")
	}
	subnets := []netip.Prefix{a.GatewaySubnet, a.FirewallSubnet}
	if a.EgressSubnet.IsValid() {
		subnets = append(subnets, a.EgressSubnet)
		if a.EgressSubnet.Overlaps(a.GatewaySubnet) || a.EgressSubnet.Overlaps(a.FirewallSubnet) {
			e.Add("ACI.EgressSubnet %s overlaps the gateway or firewall subnet", a.EgressSubnet)
		}
	}
	for _, s := range subnets {
		if !s.IsValid() || !args.CIDR.Contains(s.Addr()) || s.Bits() < args.CIDR.Bits() {
			e.Add("ACI subnet %s must lie inside %s", s, args.CIDR)
			continue
		}
		for _, o := range []netip.Prefix{args.NodeSubnet, args.EndpointSubnet} {
			if s.Overlaps(o) {
				e.Add("ACI subnet %s overlaps %s", s, o)
			}
		}
	}
	// Azure Firewall needs a /26 or larger subnet
	// (learn.microsoft.com/azure/firewall/firewall-faq, "Why does Azure
	// Firewall need a /26 subnet size?").
	if a.FirewallSubnet.IsValid() && a.FirewallSubnet.Bits() > 26 {
		e.Add("ACI.FirewallSubnet %s must be /26 or larger", a.FirewallSubnet)
	}
}

// aciSubnet delegates a subnet to container groups, out through nat.
func aciSubnet(s *network.SubnetArgs, nat *network.NatGateway) {
	s.ServiceEndpoints = nil
	s.Delegations = network.DelegationArray{&network.DelegationArgs{
		Name: pulumi.String("aci"), ServiceName: pulumi.String(ACIDelegation),
	}}
	s.NatGateway = &network.SubResourceArgs{Id: nat.ID()}
}

// aciNATGateway is the way out of both container group subnets (LiveKit's
// and Egress's): a VNet container group must use a NAT gateway for
// outbound connectivity, the only configuration Microsoft supports
// (learn.microsoft.com/azure/container-instances/container-instances-virtual-network-concepts),
// so nothing rests on Azure's retiring default outbound access
// (learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access).
// One gateway serves several subnets of a VNet
// (learn.microsoft.com/azure/nat-gateway/nat-overview). It carries only
// internet-bound flows: the metrics agent's HTTPS (Azure Monitor, AWS),
// Egress joining rooms, and LiveKit's own ICE checks towards
// clients' addresses. Replies to the firewall's DNAT'd media and to
// Application Gateway go to those subnets' private addresses inside the
// VNet, which the gateway never sees, so media stays at the firewall's
// address; the gateway's address is in no config (rtc.node_ip is the
// firewall's, use_external_ip off). It once served Egress alone: the
// aliases keep the deployed gateway and address.
func aciNATGateway(ctx *pulumi.Context, name string, args *NetworkArgs, rg *resources.ResourceGroup, parent pulumi.ResourceOption) (*network.NatGateway, error) {
	loc := pulumi.String(args.Location)
	// Regional (no zone): a NAT gateway is zonal or placed by Azure; its
	// address is no allow-list entry of anything the groups reach.
	ip, err := network.NewPublicIPAddress(ctx, name+"-nat", &network.PublicIPAddressArgs{
		ResourceGroupName:        rg.Name,
		Location:                 loc,
		Sku:                      &network.PublicIPAddressSkuArgs{Name: pulumi.String("Standard"), Tier: pulumi.String("Regional")},
		PublicIPAllocationMethod: pulumi.String("Static"),
		PublicIPAddressVersion:   pulumi.String("IPv4"),
	}, parent, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-egress-nat")}}))
	if err != nil {
		return nil, err
	}
	return network.NewNatGateway(ctx, name+"-nat", &network.NatGatewayArgs{
		ResourceGroupName:    rg.Name,
		Location:             loc,
		Sku:                  &network.NatGatewaySkuArgs{Name: pulumi.String("Standard")},
		PublicIpAddresses:    network.SubResourceArray{&network.SubResourceArgs{Id: ip.ID()}},
		IdleTimeoutInMinutes: pulumi.Int(4),
	}, parent, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-egress")}}))
}

// span is the NSG spelling of consecutive ports.
func span(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

// aciGroupRules is the container groups' subnet policy. Nothing reaches it
// from the internet: Azure Firewall's DNAT rules forward each group's UDP
// mux and ICE/TCP ports and translate the source to an address of the
// firewall's subnet (Azure Firewall NAT behaviors, techcommunity.microsoft.com/
// blog/azurenetworksecurityblog/azure-firewall-nat-behaviors/3825834), so
// those ports admit that subnet only;
// signaling (7880) admits Application Gateway's subnet only.
func aciGroupRules(args *NetworkArgs) network.SecurityRuleTypeArray {
	g := args.ACI.Groups
	to := func(r *network.SecurityRuleTypeArgs) *network.SecurityRuleTypeArgs {
		r.DestinationAddressPrefix = pulumi.String(args.NodeSubnet.String())
		return r
	}
	fw, gw := args.ACI.FirewallSubnet.String(), args.ACI.GatewaySubnet.String()
	rules := network.SecurityRuleTypeArray{
		to(rule("allow-media-udp-from-firewall", priorityMediaUDP, "Allow", "Udp", fw, span(g[0].UDP, g[len(g)-1].UDP),
			"WebRTC media (each group's UDP mux port), DNAT'd by Azure Firewall")),
		to(rule("allow-ice-tcp-from-firewall", priorityICETCP, "Allow", "Tcp", fw, span(g[0].TCP, g[len(g)-1].TCP),
			"ICE over TCP (each group's port), DNAT'd by Azure Firewall")),
		to(rule("allow-signaling-from-gateway", prioritySignaling, "Allow", "Tcp", gw, strconv.Itoa(livekit.SignalPort),
			"Signaling and health probes (GET /) from Application Gateway only")),
	}
	return append(rules, denyVNet("Nothing else from the VNet reaches the container groups"),
		denyInternet("Nothing from the internet reaches the container groups directly"))
}

// gatewayRules is Application Gateway's subnet policy: 443 from the
// internet, its control plane's ports from GatewayManager, and Azure's load
// balancer probes (all three required by the gateway).
func gatewayRules(args *NetworkArgs) network.SecurityRuleTypeArray {
	gw := args.ACI.GatewaySubnet.String()
	https := rule("allow-signaling-https", prioritySignaling, "Allow", "Tcp", "Internet", strconv.Itoa(HTTPSPort),
		"Signaling over TLS (1.2+) to Application Gateway")
	https.DestinationAddressPrefix = pulumi.String(gw)
	mgr := toAnyAddress(rule("allow-gateway-manager", priorityMediaUDP, "Allow", "Tcp", "GatewayManager", gatewayManagerPorts,
		"Application Gateway v2 control plane (required)"))
	lb := toAnyAddress(rule("allow-azure-load-balancer", priorityICETCP, "Allow", "*", "AzureLoadBalancer", "*",
		"Azure's load balancer probes of the gateway instances (required)"))
	return network.SecurityRuleTypeArray{mgr, lb, https, denyInternet("Nothing else from the internet")}
}

// newACINetwork adds the gateway and firewall subnets, the media IP and the
// Egress subnet (out through nat).
func newACINetwork(ctx *pulumi.Context, name string, args *NetworkArgs, rg *resources.ResourceGroup, vnet *network.VirtualNetwork, nat *network.NatGateway, after pulumi.Resource, parent pulumi.ResourceOption) (*ACINetwork, error) {
	loc := pulumi.String(args.Location)
	gwNSG, err := network.NewNetworkSecurityGroup(ctx, name+"-gateway", &network.NetworkSecurityGroupArgs{
		ResourceGroupName: rg.Name,
		Location:          loc,
		SecurityRules:     gatewayRules(args),
	}, parent)
	if err != nil {
		return nil, err
	}
	// Azure refuses concurrent subnet changes on one VNet: one at a time.
	gw, err := network.NewSubnet(ctx, name+"-gateway", &network.SubnetArgs{
		ResourceGroupName:    rg.Name,
		VirtualNetworkName:   vnet.Name,
		AddressPrefix:        pulumi.String(args.ACI.GatewaySubnet.String()),
		NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: gwNSG.ID()},
	}, parent, pulumi.DependsOn([]pulumi.Resource{after}))
	if err != nil {
		return nil, err
	}
	// No NSG: Azure Firewall's subnet takes none; the firewall policy is
	// its rule set.
	fw, err := network.NewSubnet(ctx, name+"-firewall", &network.SubnetArgs{
		ResourceGroupName:  rg.Name,
		VirtualNetworkName: vnet.Name,
		SubnetName:         pulumi.String(FirewallSubnetName),
		AddressPrefix:      pulumi.String(args.ACI.FirewallSubnet.String()),
	}, parent, pulumi.DependsOn([]pulumi.Resource{gw}))
	if err != nil {
		return nil, err
	}
	// Clients send media here: it is in every group's rendered config
	// (rtc.node_ip), so it outlives the groups and the firewall.
	ip, err := network.NewPublicIPAddress(ctx, name+"-media", staticIPArgs(rg.Name, args.Location, args.Zones), parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	n := &ACINetwork{
		GatewaySubnetID:  gw.ID().ToStringOutput(),
		FirewallSubnetID: fw.ID().ToStringOutput(),
		MediaIPID:        ip.ID().ToStringOutput(),
		MediaIPAddress:   ip.IpAddress.Elem(),
	}
	if args.ACI.EgressSubnet.IsValid() {
		eg, err := aciEgressSubnet(ctx, name, args, rg, vnet, nat, fw, parent)
		if err != nil {
			return nil, err
		}
		n.EgressSubnetID = eg.ID().ToStringOutput()
	}
	return n, nil
}

// aciEgressRules is the Egress subnet's policy: Egress only connects out,
// so nothing reaches it but its health port, from inside the VNet, never
// from the internet (its metrics agent scrapes it over the group's
// loopback: aciegress.go).
func aciEgressRules(args *NetworkArgs) network.SecurityRuleTypeArray {
	health := rule("allow-egress-health-from-vnet", priorityMediaUDP, "Allow", "Tcp", args.CIDR.String(), strconv.Itoa(livekit.EgressHealthPort),
		"Egress health (GET /), from inside the VNet only")
	health.DestinationAddressPrefix = pulumi.String(args.ACI.EgressSubnet.String())
	denyVNet := rule("deny-vnet-inbound", priorityDenyVNet, "Deny", "*", "VirtualNetwork", "*",
		"Nothing else from the VNet reaches the Egress groups")
	denyVNet.DestinationAddressPrefix = pulumi.String("*")
	deny := rule("deny-internet-inbound", priorityDenyPublic, "Deny", "*", "Internet", "*",
		"Nothing from the internet reaches the Egress groups")
	deny.DestinationAddressPrefix = pulumi.String("*")
	return network.SecurityRuleTypeArray{health, denyVNet, deny}
}

// aciEgressSubnet is the Egress groups' subnet: delegated to container
// groups, its NSG (aciEgressRules), out through the region's NAT gateway
// (signaling and media of the rooms Egress joins, at the region's public
// addresses).
func aciEgressSubnet(ctx *pulumi.Context, name string, args *NetworkArgs, rg *resources.ResourceGroup, vnet *network.VirtualNetwork, nat *network.NatGateway, after pulumi.Resource, parent pulumi.ResourceOption) (*network.Subnet, error) {
	nsg, err := network.NewNetworkSecurityGroup(ctx, name+"-egress", &network.NetworkSecurityGroupArgs{
		ResourceGroupName: rg.Name,
		Location:          pulumi.String(args.Location),
		SecurityRules:     aciEgressRules(args),
	}, parent)
	if err != nil {
		return nil, err
	}
	sub := &network.SubnetArgs{
		ResourceGroupName:    rg.Name,
		VirtualNetworkName:   vnet.Name,
		AddressPrefix:        pulumi.String(args.ACI.EgressSubnet.String()),
		NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: nsg.ID()},
	}
	aciSubnet(sub, nat)
	// Azure refuses concurrent subnet changes on one VNet: after the others.
	return network.NewSubnet(ctx, name+"-egress", sub, parent, pulumi.DependsOn([]pulumi.Resource{after}))
}
