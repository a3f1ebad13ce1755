// Package gcp implements the livekit-infra components on Google Cloud: a
// VPC Network with private service access, a Memorystore RedisCache, a GKE
// MediaCluster running the shared Kubernetes LiveKit workload behind a GKE
// Gateway, and a Cloud Storage Recordings store with optional Cloud CDN. The
// contracts are in package components.
package gcp

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/servicenetworking"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// Google's load balancer and health-check source ranges: the only sources
// allowed to reach LiveKit's signaling port.
var GoogleLBRanges = []string{"35.191.0.0/16", "130.211.0.0/22"}

// RedisTLSPort is Memorystore's port with in-transit encryption on (6379
// is the plain port; RedisCache always turns encryption on).
const RedisTLSPort = 6378

// Egress priorities of the private services range: the LiveKit nodes'
// allow wins over the deny that covers every other instance.
const (
	PriorityRedisAllow = 1000
	PriorityRedisDeny  = 1100
)

// Secondary range names of the subnet.
const (
	PodsRangeName     = "pods"
	ServicesRangeName = "services"
)

// NetworkArgs adds the GCP specifics to the contract.
type NetworkArgs struct {
	components.NetworkArgs

	Region string
	// PodsCIDR and ServicesCIDR are the subnet's secondary ranges (VPC-native
	// GKE); PrivateServiceCIDR is reserved for private service access.
	PodsCIDR, ServicesCIDR, PrivateServiceCIDR netip.Prefix
	// FlowLogs records the subnet's flows (VPC Flow Logs, into Cloud
	// Logging; AuditLogs keeps them).
	FlowLogs bool
}

// Network is a custom-mode VPC with one regional subnet, Cloud NAT and the
// firewall rules of the LiveKit nodes.
type Network struct {
	pulumi.ResourceState
	components.NetworkOutputs

	NetworkName pulumi.StringOutput
	SubnetID    pulumi.StringOutput
	// SubnetName names the subnet in its flow logs' resource labels.
	SubnetName pulumi.StringOutput
	// MediaTag is the network tag of LiveKit nodes; the firewall rules
	// target it (MediaFirewallID holds the same value).
	MediaTag string
	// EgressTag is the network tag of the Egress pool's nodes (egress on;
	// "" otherwise): the Redis firewall admits it beside MediaTag.
	EgressTag string
	// PrivateServiceRange is the name of the range reserved for private
	// service access; PrivateServiceConnection must exist before Memorystore.
	PrivateServiceRange      pulumi.StringOutput
	PrivateServiceConnection *servicenetworking.Connection
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *NetworkArgs) check(e *components.ArgErrors) {
	a.NetworkArgs.Check(e)
	e.Require(components.Field{Name: "Region", Missing: a.Region == ""}, components.Field{Name: "PodsCIDR", Missing: !a.PodsCIDR.IsValid()},
		components.Field{Name: "ServicesCIDR", Missing: !a.ServicesCIDR.IsValid()},
		components.Field{Name: "PrivateServiceCIDR", Missing: !a.PrivateServiceCIDR.IsValid()})
}

// NewNetwork declares the VPC, subnet, router, NAT, firewall rules and the
// private service access peering.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {

	n := &Network{MediaTag: name + "-media"}
	parent, err := components.Register(ctx, components.NetworkType, name, n, args, (*NetworkArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	redisTags := []string{n.MediaTag}
	if args.Egress {
		n.EgressTag = name + "-egress"
		redisTags = append(redisTags, n.EgressTag)
	}

	vpc, err := compute.NewNetwork(ctx, name, &compute.NetworkArgs{
		AutoCreateSubnetworks: pulumi.Bool(false),
		RoutingMode:           pulumi.String("REGIONAL"),
		Description:           pulumi.String("LiveKit region network"),
	}, parent)
	if err != nil {
		return nil, err
	}

	subnet, err := compute.NewSubnetwork(ctx, name, &compute.SubnetworkArgs{
		Network:     vpc.ID(),
		Region:      pulumi.String(args.Region),
		IpCidrRange: pulumi.String(args.CIDR.String()),
		SecondaryIpRanges: compute.SubnetworkSecondaryIpRangeArray{
			&compute.SubnetworkSecondaryIpRangeArgs{RangeName: pulumi.String(PodsRangeName), IpCidrRange: pulumi.String(args.PodsCIDR.String())},
			&compute.SubnetworkSecondaryIpRangeArgs{RangeName: pulumi.String(ServicesRangeName), IpCidrRange: pulumi.String(args.ServicesCIDR.String())},
		},
		PrivateIpGoogleAccess: pulumi.Bool(true),
		LogConfig:             subnetFlowLogs(args.FlowLogs),
	}, parent)
	if err != nil {
		return nil, err
	}

	// Nodes have public IPs (media reaches them directly) and egress through
	// them; Cloud NAT covers pods and anything without an external address.
	router, err := compute.NewRouter(ctx, name, &compute.RouterArgs{
		Network: vpc.ID(),
		Region:  pulumi.String(args.Region),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := compute.NewRouterNat(ctx, name, &compute.RouterNatArgs{
		Router:                        router.Name,
		Region:                        pulumi.String(args.Region),
		NatIpAllocateOption:           pulumi.String("AUTO_ONLY"),
		SourceSubnetworkIpRangesToNat: pulumi.String("ALL_SUBNETWORKS_ALL_IP_RANGES"),
		LogConfig:                     &compute.RouterNatLogConfigArgs{Enable: pulumi.Bool(true), Filter: pulumi.String("ERRORS_ONLY")},
	}, parent); err != nil {
		return nil, err
	}

	// Media: the UDP plan, ICE/TCP and TURN/UDP from anywhere, to LiveKit
	// nodes only. Nothing else is opened to the internet.
	mediaAllows := compute.FirewallAllowArray{
		&compute.FirewallAllowArgs{Protocol: pulumi.String("udp"), Ports: pulumi.StringArray{pulumi.String(portSpan(args.Media))}},
		&compute.FirewallAllowArgs{Protocol: pulumi.String("tcp"), Ports: pulumi.StringArray{pulumi.String(strconv.Itoa(livekit.RTCTCPPort))}},
	}
	if args.TURNUDPPort != 0 {
		mediaAllows = append(mediaAllows, &compute.FirewallAllowArgs{Protocol: pulumi.String("udp"), Ports: pulumi.StringArray{pulumi.String(strconv.Itoa(args.TURNUDPPort))}})
	}
	if _, err := compute.NewFirewall(ctx, name+"-media", &compute.FirewallArgs{
		Network:      vpc.ID(),
		Description:  pulumi.String("WebRTC media and ICE/TCP straight to each LiveKit node"),
		Direction:    pulumi.String("INGRESS"),
		Priority:     pulumi.Int(1000),
		SourceRanges: pulumi.ToStringArray([]string{"0.0.0.0/0"}),
		TargetTags:   pulumi.ToStringArray([]string{n.MediaTag}),
		Allows:       mediaAllows,
	}, parent); err != nil {
		return nil, err
	}
	// Signaling: only Google's load balancer (and its health checks) may
	// reach 7880; clients come in through the HTTPS load balancer.
	if _, err := compute.NewFirewall(ctx, name+"-signal", &compute.FirewallArgs{
		Network:      vpc.ID(),
		Description:  pulumi.String("LiveKit signaling from Google's load balancers and health checks only"),
		Direction:    pulumi.String("INGRESS"),
		Priority:     pulumi.Int(1000),
		SourceRanges: pulumi.ToStringArray(GoogleLBRanges),
		TargetTags:   pulumi.ToStringArray([]string{n.MediaTag}),
		Allows: compute.FirewallAllowArray{
			&compute.FirewallAllowArgs{Protocol: pulumi.String("tcp"), Ports: pulumi.StringArray{pulumi.String(strconv.Itoa(livekit.SignalPort))}},
		},
	}, parent); err != nil {
		return nil, err
	}

	// Memorystore with private services access answers every address of
	// the authorized VPC: it has no firewall of its own, and VPC firewall
	// rules are not exchanged over the peering. Egress rules of this VPC do
	// apply to packets bound for the peered network ("VPC Network Peering",
	// Network security: https://cloud.google.com/vpc/docs/vpc-peering), so
	// the VPC refuses to send anything into the reserved range except
	// Redis's TLS port from the LiveKit nodes' tag. A tag's rules cover the
	// node's alias IP ranges too (only source tags ignore aliases:
	// https://cloud.google.com/vpc/docs/configure-alias-ip-ranges), so pods
	// on LiveKit nodes keep the access and anything else in the VPC (a VM,
	// another node pool) is refused. The Egress pool's tag (egress on) is
	// the only other one admitted: Egress takes its jobs over Redis.
	if _, err := compute.NewFirewall(ctx, name+"-redis", &compute.FirewallArgs{
		Network:           vpc.ID(),
		Description:       pulumi.String(redisRuleDescription(args.Egress)),
		Direction:         pulumi.String("EGRESS"),
		Priority:          pulumi.Int(PriorityRedisAllow),
		DestinationRanges: pulumi.ToStringArray([]string{args.PrivateServiceCIDR.String()}),
		TargetTags:        pulumi.ToStringArray(redisTags),
		Allows: compute.FirewallAllowArray{
			&compute.FirewallAllowArgs{Protocol: pulumi.String("tcp"), Ports: pulumi.StringArray{pulumi.String(strconv.Itoa(RedisTLSPort))}},
		},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := compute.NewFirewall(ctx, name+"-private-services-deny", &compute.FirewallArgs{
		Network:           vpc.ID(),
		Description:       pulumi.String("Nothing else in the VPC reaches the private services range (Memorystore)"),
		Direction:         pulumi.String("EGRESS"),
		Priority:          pulumi.Int(PriorityRedisDeny),
		DestinationRanges: pulumi.ToStringArray([]string{args.PrivateServiceCIDR.String()}),
		Denies:            compute.FirewallDenyArray{&compute.FirewallDenyArgs{Protocol: pulumi.String("all")}},
	}, parent); err != nil {
		return nil, err
	}

	// Private service access: Memorystore lives in Google's producer network,
	// peered into ours on this reserved range.
	psa, err := compute.NewGlobalAddress(ctx, name+"-private-services", &compute.GlobalAddressArgs{
		Purpose:      pulumi.String("VPC_PEERING"),
		AddressType:  pulumi.String("INTERNAL"),
		Address:      pulumi.String(args.PrivateServiceCIDR.Addr().String()),
		PrefixLength: pulumi.Int(args.PrivateServiceCIDR.Bits()),
		Network:      vpc.ID(),
		Description:  pulumi.String("Private service access (Memorystore)"),
	}, parent)
	if err != nil {
		return nil, err
	}
	conn, err := servicenetworking.NewConnection(ctx, name+"-private-services", &servicenetworking.ConnectionArgs{
		Network:               vpc.ID(),
		Service:               pulumi.String("servicenetworking.googleapis.com"),
		ReservedPeeringRanges: pulumi.StringArray{psa.Name},
		// Deleting the peering fails while producer resources still use it;
		// abandoning it lets `pulumi destroy` finish.
		DeletionPolicy: pulumi.String("ABANDON"),
	}, parent)
	if err != nil {
		return nil, err
	}

	n.NetworkID = vpc.ID().ToStringOutput()
	n.NetworkName = vpc.Name
	n.SubnetID = subnet.ID().ToStringOutput()
	n.SubnetName = subnet.Name
	n.PublicSubnetIDs = pulumi.StringArray{subnet.ID()}.ToStringArrayOutput()
	// Memorystore sits in the private service access range, not a subnet.
	n.PrivateSubnetIDs = pulumi.StringArray{}.ToStringArrayOutput()
	n.MediaFirewallID = pulumi.String(n.MediaTag).ToStringOutput()
	n.PrivateServiceRange = psa.Name
	n.PrivateServiceConnection = conn
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"networkId": n.NetworkID, "subnetId": n.SubnetID, "mediaTag": n.MediaFirewallID,
	}); err != nil {
		return nil, err
	}
	return n, nil
}

func redisRuleDescription(egress bool) string {
	if egress {
		return "Memorystore's TLS port from LiveKit and Egress nodes only"
	}
	return "Memorystore's TLS port from LiveKit nodes only"
}

// portSpan renders the UDP plan as a GCP firewall port spec.
func portSpan(m livekit.MediaPorts) string {
	if m.First() == m.Last() {
		return strconv.Itoa(m.First())
	}
	return fmt.Sprintf("%d-%d", m.First(), m.Last())
}

// subnetFlowLogs turns on VPC Flow Logs for the subnet: every flow of its
// VMs (the LiveKit nodes), sampled at half, with all metadata, in 5-second
// aggregates, into Cloud Logging (log compute.googleapis.com/vpc_flows).
// Docs: https://cloud.google.com/vpc/docs/using-flow-logs
func subnetFlowLogs(on bool) compute.SubnetworkLogConfigPtrInput {
	if !on {
		return nil
	}
	return &compute.SubnetworkLogConfigArgs{
		AggregationInterval: pulumi.String("INTERVAL_5_SEC"),
		FlowSampling:        pulumi.Float64(0.5),
		Metadata:            pulumi.String("INCLUDE_ALL_METADATA"),
	}
}
