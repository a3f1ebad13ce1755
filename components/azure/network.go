// Package azure is the Azure implementation of livekit-infra's components:
// a VNet with network security groups (network.go), Azure Cache for Redis
// behind a private endpoint (rediscache.go), AKS with the shared LiveKit
// workload (mediacluster.go, signaling.go) and a recordings storage account
// behind Front Door (recordings.go).
//
// Everything uses azure-native except Azure Cache for Redis, Front Door and
// role assignments, which come from the classic pulumi-azure provider: the
// azure-native `cache`, `cdn` and `authorization` Go modules are not
// available to this build (see docs/azure.md).
package azure

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/management"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// NSG rule priorities. Lower numbers win; the explicit denies sit above
// Azure's own defaults (65000+) so the intent is visible in the rule list.
const (
	priorityMediaUDP   = 100
	priorityICETCP     = 110
	priorityTURNUDP    = 120
	prioritySignaling  = 130
	priorityRedis      = 100
	priorityBlob       = 110
	priorityDenyVNet   = 4000
	priorityDenyPublic = 4096
)

// RedisTLSPort is Azure Cache for Redis's TLS port; the plain 6379 port is
// disabled.
const RedisTLSPort = 6380

// HTTPSPort is the signaling ingress's only public port.
const HTTPSPort = 443

// PrivateEndpointASGMembers is how many IP configurations an application
// security group may hold when an NSG rule on a private endpoint's subnet
// names it: "No more than 50 members in an Application Security Group ...
// Connection failures may occur with more than 50 members"
// (learn.microsoft.com/azure/private-link/private-endpoint-overview,
// Limitations, Network security group). With Azure CNI Overlay a node
// holds one IP configuration (pods take overlay addresses, not NIC ones).
const PrivateEndpointASGMembers = 50

// NetworkArgs adds the Azure placement to the contract.
type NetworkArgs struct {
	components.NetworkArgs

	// Location is the Azure region, e.g. southeastasia.
	Location string
	// NodeSubnet holds the AKS nodes (pods use the overlay pod CIDR and
	// leave the cluster with their node's address).
	// EndpointSubnet holds private endpoints (Redis). Both inside CIDR.
	NodeSubnet, EndpointSubnet netip.Prefix
	// Protect (the protect config) protects the resource group and puts a
	// CanNotDelete lock on it.
	Protect bool
	// MaxMediaNodes is the most LiveKit nodes that exist at once (the
	// pool's maximum plus its upgrade surge). Up to
	// PrivateEndpointASGMembers, Redis's endpoint admits the media ASG
	// only; above, the node subnet (the system pool included).
	MaxMediaNodes int
	// MaxEgressNodes is the most Egress nodes at once (egress on).
	MaxEgressNodes int
	// BlobEndpoint: the recordings account has a blob private endpoint in
	// EndpointSubnet (Recordings PrivateLink), which the node subnet
	// reaches on 443.
	BlobEndpoint bool
	// ACI, when set, lays the network out for Container Instances
	// (acinetwork.go): NodeSubnet is delegated to container groups.
	ACI *ACINetworkArgs
}

// Network is the resource group, VNet, subnets, network security groups,
// the LiveKit nodes' application security group and the signaling IP.
type Network struct {
	pulumi.ResourceState
	components.NetworkOutputs

	ResourceGroupName pulumi.StringOutput
	ResourceGroupID   pulumi.StringOutput
	NodeSubnetID      pulumi.StringOutput
	EndpointSubnetID  pulumi.StringOutput
	// MediaASGID is the application security group the LiveKit node pool
	// joins: the NSG opens media ports to it only.
	MediaASGID pulumi.StringOutput
	// EgressASGID is the Egress node pool's group (egress on): Redis's
	// endpoint admits it beside the media ASG.
	EgressASGID pulumi.StringOutput
	// IngressIP is the static public IP of the signaling load balancer.
	IngressIPID pulumi.StringOutput
	// IngressResourceGroupName holds the signaling IP and nothing else.
	IngressResourceGroupName pulumi.StringOutput
	IngressIPName            pulumi.StringOutput
	IngressIPAddress         pulumi.StringOutput
	// ACI holds the Container Instances subnets and the media IP (ACI on).
	ACI *ACINetwork
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *NetworkArgs) check(e *components.ArgErrors) {
	a.NetworkArgs.Check(e)
	e.Require(components.Field{Name: "Location", Missing: a.Location == ""})
	for _, s := range []netip.Prefix{a.NodeSubnet, a.EndpointSubnet} {
		if !s.IsValid() || !a.CIDR.Contains(s.Addr()) || s.Bits() < a.CIDR.Bits() {
			e.Add("subnet %s must lie inside %s", s, a.CIDR)
		}
	}
	if a.NodeSubnet.Overlaps(a.EndpointSubnet) {
		e.Add("NodeSubnet %s and EndpointSubnet %s overlap", a.NodeSubnet, a.EndpointSubnet)
	}
	if a.MaxMediaNodes < 1 {
		e.Add("MaxMediaNodes %d must count the LiveKit pool's nodes (maximum plus surge)", a.MaxMediaNodes)
	}
	a.ACI.check(e, a)
}

// NewNetwork declares the network. Inbound from the internet is allowed for
// the media ports (UDP range, 7881/tcp, TURN) to LiveKit nodes only, and
// for 443/tcp to the signaling IP only; Redis's private endpoint accepts
// 6380/tcp from the LiveKit nodes' ASG only (redisFromASG).
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	n := &Network{}
	parent, err := components.Register(ctx, components.NetworkType, name, n, args, (*NetworkArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	if args.ACI == nil && !redisFromASG(args) {
		_ = ctx.Log.Warn(fmt.Sprintf("Network %q: up to %d LiveKit nodes exceed the %d members an application security group may have behind a private endpoint's NSG; Redis admits the whole node subnet (the system pool too)",
			name, args.MaxMediaNodes, PrivateEndpointASGMembers), nil)
	}

	loc := pulumi.String(args.Location)

	// The group holds every resource of the region (cluster, Redis,
	// recordings, Key Vault): protected, and locked against deletion
	// outside Pulumi too (portal, CLI, a stray script). A CanNotDelete lock
	// on a group applies to every resource in it, and still allows reads
	// and updates (learn.microsoft.com/azure/azure-resource-manager/
	// management/lock-resources); deleting anything inside takes the lock
	// off first: protect: false (docs/azure.md, "Tearing down").
	rg, err := resources.NewResourceGroup(ctx, name, &resources.ResourceGroupArgs{
		Location: loc,
		Tags:     pulumi.StringMap{"app": pulumi.String("livekit")},
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	// The signaling IP has a group of its own: the Azure cloud provider
	// needs Network Contributor on the group of the IP it attaches
	// (learn.microsoft.com/azure/aks/static-ip), and on this group that
	// grant reaches the IP alone, not the VNet, subnets or NSGs.
	ingressRG, err := resources.NewResourceGroup(ctx, name+"-ingress", &resources.ResourceGroupArgs{
		Location: loc,
		Tags:     pulumi.StringMap{"app": pulumi.String("livekit")},
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	if args.Protect {
		for _, g := range []struct {
			name string
			id   pulumi.IDOutput
		}{{name + "-nodelete", rg.ID()}, {name + "-ingress-nodelete", ingressRG.ID()}} {
			if _, err := management.NewLock(ctx, g.name, &management.LockArgs{
				Scope:     g.id.ToStringOutput(),
				LockLevel: pulumi.String("CanNotDelete"),
				Notes:     pulumi.String("livekit-infra: protect is on; set livekit-infra:protect false and pulumi up to remove this lock"),
			}, parent); err != nil {
				return nil, err
			}
		}
	}
	vnet, err := network.NewVirtualNetwork(ctx, name, &network.VirtualNetworkArgs{
		ResourceGroupName: rg.Name,
		Location:          loc,
		AddressSpace:      &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(args.CIDR.String())}},
	}, parent)
	if err != nil {
		return nil, err
	}

	// The LiveKit node pool joins this group; the NSG opens the media ports
	// to its members only, never to the system pool.
	// Container groups join no ASG: an ACI network has none.
	var asg *network.ApplicationSecurityGroup
	if args.ACI == nil {
		if asg, err = network.NewApplicationSecurityGroup(ctx, name+"-media", &network.ApplicationSecurityGroupArgs{
			ResourceGroupName: rg.Name,
			Location:          loc,
		}, parent); err != nil {
			return nil, err
		}
	}

	// The Egress pool's group: Redis admits it; no internet rule names it.
	var egressASG pulumi.IDOutput
	if args.Egress {
		eg, err := network.NewApplicationSecurityGroup(ctx, name+"-egress", &network.ApplicationSecurityGroupArgs{
			ResourceGroupName: rg.Name,
			Location:          loc,
		}, parent)
		if err != nil {
			return nil, err
		}
		egressASG = eg.ID()
		n.EgressASGID = eg.ID().ToStringOutput()
	}

	// The signaling IP outlives the cluster: DNS and clients keep pointing
	// at it when AKS is rebuilt.
	ingressIP, err := network.NewPublicIPAddress(ctx, name+"-ingress", staticIPArgs(ingressRG.Name, args.Location, args.Zones), parent)
	if err != nil {
		return nil, err
	}

	var nodeNSGRules network.SecurityRuleTypeArray
	var mediaASG pulumi.IDOutput
	if args.ACI != nil {
		nodeNSGRules = aciGroupRules(args)
	} else {
		mediaASG = asg.ID()
		nodeNSGRules = nodeRules(args, mediaASG, ingressIP.IpAddress.Elem())
	}
	nodeNSG, err := network.NewNetworkSecurityGroup(ctx, name+"-nodes", &network.NetworkSecurityGroupArgs{
		ResourceGroupName: rg.Name,
		Location:          loc,
		SecurityRules:     nodeNSGRules,
	}, parent)
	if err != nil {
		return nil, err
	}
	endpointNSG, err := network.NewNetworkSecurityGroup(ctx, name+"-endpoints", &network.NetworkSecurityGroupArgs{
		ResourceGroupName: rg.Name,
		Location:          loc,
		SecurityRules:     endpointRules(args, mediaASG, egressASG),
	}, parent)
	if err != nil {
		return nil, err
	}

	nodeArgs := &network.SubnetArgs{
		ResourceGroupName:    rg.Name,
		VirtualNetworkName:   vnet.Name,
		AddressPrefix:        pulumi.String(args.NodeSubnet.String()),
		NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: nodeNSG.ID()},
		// Token servers on the nodes read the API credentials from Key
		// Vault, whose firewall admits only this subnet's service endpoint.
		ServiceEndpoints: network.ServiceEndpointPropertiesFormatArray{
			&network.ServiceEndpointPropertiesFormatArgs{Service: pulumi.String("Microsoft.KeyVault")},
		},
	}
	var nat *network.NatGateway
	if args.ACI != nil {
		if nat, err = aciNATGateway(ctx, name, args, rg, parent); err != nil {
			return nil, err
		}
		aciSubnet(nodeArgs, nat)
	}
	nodes, err := network.NewSubnet(ctx, name+"-nodes", nodeArgs, parent)
	if err != nil {
		return nil, err
	}
	endpoints, err := network.NewSubnet(ctx, name+"-endpoints", &network.SubnetArgs{
		ResourceGroupName:    rg.Name,
		VirtualNetworkName:   vnet.Name,
		AddressPrefix:        pulumi.String(args.EndpointSubnet.String()),
		NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: endpointNSG.ID()},
		// Without this the NSG does not apply to private endpoints, and any
		// address in the VNet could reach Redis.
		PrivateEndpointNetworkPolicies: pulumi.String("Enabled"),
	}, parent,
		// Azure refuses concurrent subnet changes on one VNet.
		pulumi.DependsOn([]pulumi.Resource{nodes}))
	if err != nil {
		return nil, err
	}

	if args.ACI != nil {
		if n.ACI, err = newACINetwork(ctx, name, args, rg, vnet, nat, endpoints, parent); err != nil {
			return nil, err
		}
	}

	n.NetworkID = vnet.ID().ToStringOutput()
	n.PublicSubnetIDs = pulumi.StringArray{nodes.ID()}.ToStringArrayOutput()
	n.PrivateSubnetIDs = pulumi.StringArray{endpoints.ID()}.ToStringArrayOutput()
	n.MediaFirewallID = nodeNSG.ID().ToStringOutput()
	n.ResourceGroupName = rg.Name
	n.ResourceGroupID = rg.ID().ToStringOutput()
	n.NodeSubnetID = nodes.ID().ToStringOutput()
	n.EndpointSubnetID = endpoints.ID().ToStringOutput()
	if asg != nil {
		n.MediaASGID = asg.ID().ToStringOutput()
	}
	n.IngressIPID = ingressIP.ID().ToStringOutput()
	n.IngressResourceGroupName = ingressRG.Name
	n.IngressIPName = ingressIP.Name
	n.IngressIPAddress = ingressIP.IpAddress.Elem()
	outs := pulumi.Map{
		"networkId": n.NetworkID, "publicSubnetIds": n.PublicSubnetIDs, "privateSubnetIds": n.PrivateSubnetIDs,
		"mediaFirewallId": n.MediaFirewallID, "resourceGroupName": n.ResourceGroupName,
		"ingressIpId": n.IngressIPID, "ingressIpAddress": n.IngressIPAddress,
	}
	if asg != nil {
		outs["mediaAsgId"] = n.MediaASGID
	} else {
		outs["mediaIpAddress"] = n.ACI.MediaIPAddress
	}
	if err := ctx.RegisterResourceOutputs(n, outs); err != nil {
		return nil, err
	}
	return n, nil
}

func rule(name string, priority int, access, protocol, source, ports, description string) *network.SecurityRuleTypeArgs {
	return &network.SecurityRuleTypeArgs{
		Name:                 pulumi.String(name),
		Priority:             pulumi.Int(priority),
		Direction:            pulumi.String("Inbound"),
		Access:               pulumi.String(access),
		Protocol:             pulumi.String(protocol),
		SourceAddressPrefix:  pulumi.String(source),
		SourcePortRange:      pulumi.String("*"),
		DestinationPortRange: pulumi.String(ports),
		Description:          pulumi.String(description),
	}
}

// toAnyAddress makes r apply to every destination address.
func toAnyAddress(r *network.SecurityRuleTypeArgs) *network.SecurityRuleTypeArgs {
	r.DestinationAddressPrefix = pulumi.String("*")
	return r
}

// denyInternet is a subnet policy's last rule: nothing else from the internet.
func denyInternet(description string) *network.SecurityRuleTypeArgs {
	return toAnyAddress(rule("deny-internet-inbound", priorityDenyPublic, "Deny", "*", "Internet", "*", description))
}

// denyVNet refuses the rest of the VNet (AllowVnetInBound, a default rule,
// would admit it).
func denyVNet(description string) *network.SecurityRuleTypeArgs {
	return toAnyAddress(rule("deny-vnet-inbound", priorityDenyVNet, "Deny", "*", "VirtualNetwork", "*", description))
}

// staticIPArgs is a zone-redundant (where the region has zones) Standard
// static IPv4 address.
func staticIPArgs(resourceGroup pulumi.StringInput, location string, zones []string) *network.PublicIPAddressArgs {
	a := &network.PublicIPAddressArgs{
		ResourceGroupName:        resourceGroup,
		Location:                 pulumi.String(location),
		Sku:                      &network.PublicIPAddressSkuArgs{Name: pulumi.String("Standard"), Tier: pulumi.String("Regional")},
		PublicIPAllocationMethod: pulumi.String("Static"),
		PublicIPAddressVersion:   pulumi.String("IPv4"),
	}
	if len(zones) > 0 {
		a.Zones = pulumi.ToStringArray(zones)
	}
	return a
}

// nodeRules is the node subnet's inbound policy. Media must reach every
// LiveKit node at its own public IP (WebRTC, not a load balancer), so the
// media ports target the LiveKit nodes' application security group; 7880
// is never open to the internet: signaling arrives through the ingress on
// 443 at the signaling IP.
func nodeRules(args *NetworkArgs, mediaASG pulumi.IDOutput, ingressIP pulumi.StringOutput) network.SecurityRuleTypeArray {
	toMedia := func(r *network.SecurityRuleTypeArgs) *network.SecurityRuleTypeArgs {
		r.DestinationApplicationSecurityGroups = network.ApplicationSecurityGroupTypeArray{
			&network.ApplicationSecurityGroupTypeArgs{Id: mediaASG.ToStringOutput()},
		}
		return r
	}
	rules := network.SecurityRuleTypeArray{
		toMedia(rule("allow-media-udp", priorityMediaUDP, "Allow", "Udp", "Internet", portRange(args.Media),
			"WebRTC media straight to each LiveKit node's public IP")),
		toMedia(rule("allow-ice-tcp", priorityICETCP, "Allow", "Tcp", "Internet", strconv.Itoa(livekit.RTCTCPPort),
			"ICE over TCP for clients whose UDP is blocked; never behind a load balancer")),
	}
	if args.TURNUDPPort != 0 {
		rules = append(rules, toMedia(rule("allow-turn-udp", priorityTURNUDP, "Allow", "Udp", "Internet", strconv.Itoa(args.TURNUDPPort),
			"Embedded TURN/UDP relay")))
	}
	sig := rule("allow-signaling-https", prioritySignaling, "Allow", "Tcp", "Internet", strconv.Itoa(HTTPSPort),
		"Signaling over TLS to the ingress load balancer's IP only")
	sig.DestinationAddressPrefix = ingressIP
	rules = append(rules, sig)
	return append(rules, denyInternet("Nothing else from the internet (7880, SSH, kubelet stay closed)"))
}

// redisFromASG reports whether the LiveKit pool fits an ASG that a
// private endpoint subnet's NSG rule may name.
func redisFromASG(args *NetworkArgs) bool {
	return args.MaxMediaNodes <= PrivateEndpointASGMembers
}

// endpointRules lets only the LiveKit nodes reach the private endpoints,
// and only on Redis's TLS port. The source is the media ASG the LiveKit
// pool joins: with network policies on the subnet an NSG rule applies to
// private endpoints, ASG sources included, as long as the ASG's NICs are
// in the same VNet (learn.microsoft.com/azure/private-link/
// disable-private-endpoint-network-policy; learn.microsoft.com/azure/
// virtual-network/application-security-groups). LiveKit runs with host
// networking, so it connects from its node's address; other pods on a
// LiveKit node leave with that address too (Azure CNI Overlay SNATs pod
// traffic to the VNet), pods on the system pool (cert-manager, Traefik,
// CoreDNS) are refused. A pool larger than the ASG limit falls back to the
// node subnet (redisFromASG).
func endpointRules(args *NetworkArgs, mediaASG, egressASG pulumi.IDOutput) network.SecurityRuleTypeArray {
	var redis *network.SecurityRuleTypeArgs
	if args.ACI != nil {
		// Container groups join no ASG: their delegated subnet is the source.
		redis = rule("allow-redis-tls-from-aci", priorityRedis, "Allow", "Tcp", args.NodeSubnet.String(), strconv.Itoa(RedisTLSPort),
			"LiveKit container groups (their delegated subnet) to Azure Cache for Redis over TLS")
	} else if redisFromASG(args) {
		redis = rule("allow-redis-tls-from-livekit", priorityRedis, "Allow", "Tcp", "", strconv.Itoa(RedisTLSPort),
			"LiveKit nodes (media ASG) to Azure Cache for Redis over TLS")
		redis.SourceAddressPrefix = nil
		redis.SourceApplicationSecurityGroups = network.ApplicationSecurityGroupTypeArray{
			&network.ApplicationSecurityGroupTypeArgs{Id: mediaASG.ToStringOutput()},
		}
	} else {
		redis = rule("allow-redis-tls-from-nodes", priorityRedis, "Allow", "Tcp", args.NodeSubnet.String(), strconv.Itoa(RedisTLSPort),
			"Node subnet to Azure Cache for Redis over TLS (the LiveKit pool exceeds the ASG limit)")
	}
	redis.DestinationAddressPrefix = pulumi.String(args.EndpointSubnet.String())
	rules := network.SecurityRuleTypeArray{redis,
		denyVNet("No other VNet traffic to the private endpoints"),
		denyInternet("Private endpoints are never reachable from the internet")}
	// The recordings account's blob private endpoint: Egress uploads and
	// the token servers' user delegation key requests come from pods on
	// any pool (a token server is not pinned to one), so the node subnet;
	// Redis's endpoint listens on 6380 only, so 443 reaches the blob one.
	if args.BlobEndpoint {
		blob := rule("allow-blob-https-from-nodes", priorityBlob, "Allow", "Tcp", args.NodeSubnet.String(), strconv.Itoa(HTTPSPort),
			"Node subnet to the recordings account's blob private endpoint over HTTPS")
		blob.DestinationAddressPrefix = pulumi.String(args.EndpointSubnet.String())
		rules = append(rules, blob)
	}
	// Egress container groups (ACI): their subnet, to Redis and the blob
	// endpoint, as the LiveKit groups'.
	if args.ACI != nil && args.ACI.EgressSubnet.IsValid() {
		eg := args.ACI.EgressSubnet.String()
		r := rule("allow-redis-tls-from-aci-egress", priorityRedis+1, "Allow", "Tcp", eg, strconv.Itoa(RedisTLSPort),
			"Egress container groups (their subnet) to Azure Cache for Redis over TLS")
		r.DestinationAddressPrefix = pulumi.String(args.EndpointSubnet.String())
		rules = append(rules, r)
		if args.BlobEndpoint {
			b := rule("allow-blob-https-from-aci-egress", priorityBlob+1, "Allow", "Tcp", eg, strconv.Itoa(HTTPSPort),
				"Egress container groups to the recordings account's blob private endpoint over HTTPS (uploads)")
			b.DestinationAddressPrefix = pulumi.String(args.EndpointSubnet.String())
			rules = append(rules, b)
		}
	}
	// Egress takes its jobs over Redis: its pool's ASG is admitted the same
	// way (the node subnet rule above already covers it otherwise).
	if args.Egress && redisFromASG(args) && args.MaxEgressNodes <= PrivateEndpointASGMembers {
		eg := rule("allow-redis-tls-from-egress", priorityRedis+1, "Allow", "Tcp", "", strconv.Itoa(RedisTLSPort),
			"Egress nodes (egress ASG) to Azure Cache for Redis over TLS")
		eg.SourceAddressPrefix = nil
		eg.SourceApplicationSecurityGroups = network.ApplicationSecurityGroupTypeArray{
			&network.ApplicationSecurityGroupTypeArgs{Id: egressASG.ToStringOutput()},
		}
		eg.DestinationAddressPrefix = pulumi.String(args.EndpointSubnet.String())
		rules = append(rules, eg)
	} else if args.Egress && redisFromASG(args) {
		eg := rule("allow-redis-tls-from-nodes", priorityRedis+1, "Allow", "Tcp", args.NodeSubnet.String(), strconv.Itoa(RedisTLSPort),
			"Node subnet to Azure Cache for Redis over TLS (the Egress pool exceeds the ASG limit)")
		eg.DestinationAddressPrefix = pulumi.String(args.EndpointSubnet.String())
		rules = append(rules, eg)
	}
	return rules
}

// portRange is the NSG spelling of the UDP media plan: "50000-60000" or
// one port.
func portRange(m livekit.MediaPorts) string {
	if m.First() == m.Last() {
		return strconv.Itoa(m.First())
	}
	return fmt.Sprintf("%d-%d", m.First(), m.Last())
}
