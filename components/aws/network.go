// Package aws implements the livekit-infra components on AWS: a VPC Network,
// an ElastiCache RedisCache, an ECS Fargate MediaCluster and an S3/CloudFront
// Recordings store. The contracts are in package components.
package aws

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// Network is the AWS Network: a VPC over three zones with public subnets for
// LiveKit tasks and the ALB, private subnets for Redis, and the security
// groups of the media tasks and the load balancer.
type Network struct {
	pulumi.ResourceState
	components.NetworkOutputs

	// LoadBalancerSecurityGroupID admits 80/443 from the internet and may
	// reach the tasks on 7880 only.
	LoadBalancerSecurityGroupID pulumi.StringOutput
	// TURNLoadBalancerSecurityGroupID (TURN/TLS on) admits 443 from the
	// internet and may reach the tasks on the TURN/TLS port only.
	TURNLoadBalancerSecurityGroupID pulumi.StringOutput
	// EgressSecurityGroupID is the Egress workers' group; "" without
	// NetworkArgs.Egress.
	EgressSecurityGroupID pulumi.StringOutput
}

var anywhere = []string{"0.0.0.0/0"}

// securityGroup declares an empty group in vpc, tagged Name=name (the
// resource is name-sg); securityGroupRules fills it.
func securityGroup(ctx *pulumi.Context, name string, vpc *ec2.Vpc, description string, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	return ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:       vpc.ID(),
		Description: pulumi.String(description),
		Tags:        pulumi.StringMap{"Name": pulumi.String(name)},
	}, parent)
}

// sgRule is one rule of security group sg: proto on ports from-to, with
// the group peer or, without one, the CIDR blocks cidrs.
type sgRule struct {
	id, kind, proto, desc string
	from, to              int
	sg, peer              pulumi.StringInput
	cidrs                 []string
}

// securityGroupRules declares each rule as its own resource, name-<id>:
// groups that refer to each other need their rules apart from the groups.
func securityGroupRules(ctx *pulumi.Context, name string, rules []sgRule, parent pulumi.ResourceOption) error {
	for _, r := range rules {
		ra := &ec2.SecurityGroupRuleArgs{
			Type:            pulumi.String(r.kind),
			Protocol:        pulumi.String(r.proto),
			FromPort:        pulumi.Int(r.from),
			ToPort:          pulumi.Int(r.to),
			SecurityGroupId: r.sg,
			Description:     pulumi.String(r.desc),
		}
		if r.peer != nil {
			ra.SourceSecurityGroupId = r.peer
		} else {
			ra.CidrBlocks = pulumi.ToStringArray(r.cidrs)
		}
		if _, err := ec2.NewSecurityGroupRule(ctx, name+"-"+r.id, ra, parent); err != nil {
			return err
		}
	}
	return nil
}

// NewNetwork declares the VPC, subnets, gateways, routes and security groups.
func NewNetwork(ctx *pulumi.Context, name string, args *components.NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	n := &Network{}
	parent, err := components.Register(ctx, components.NetworkType, name, n, args, (*components.NetworkArgs).Check, opts...)
	if err != nil {
		return nil, err
	}
	tags := func(suffix string) pulumi.StringMap {
		return pulumi.StringMap{"Name": pulumi.String(name + "-" + suffix)}
	}

	zones := args.Zones
	if len(zones) == 0 {
		az, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: pulumi.StringRef("available")}, pulumi.Parent(n))
		if err != nil {
			return nil, fmt.Errorf("network %q: listing availability zones: %w", name, err)
		}
		names := append([]string(nil), az.Names...)
		sort.Strings(names)
		if len(names) < 3 {
			return nil, fmt.Errorf("network %q: the region has %d available zones; 3 are needed (set livekit-infra:awsAvailabilityZones)", name, len(names))
		}
		zones = names[:3]
	}

	vpc, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.CIDR.String()),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               tags("vpc"),
	}, parent)
	if err != nil {
		return nil, err
	}
	// Strip the default security group of its allow-all rules so nothing can
	// fall back to it.
	if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId: vpc.ID(),
		Tags:  tags("default-deny"),
	}, parent); err != nil {
		return nil, err
	}
	igw, err := ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{VpcId: vpc.ID(), Tags: tags("igw")}, parent)
	if err != nil {
		return nil, err
	}

	publicRT, err := ec2.NewRouteTable(ctx, name+"-public-rt", &ec2.RouteTableArgs{
		VpcId: vpc.ID(),
		Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{
			CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID(),
		}},
		Tags: tags("public-rt"),
	}, parent)
	if err != nil {
		return nil, err
	}

	var public, private pulumi.StringArray
	var publicSubnets []*ec2.Subnet
	for i, zone := range zones {
		// /20s of a /16: public at 0-2, private at 8-10, room to grow between.
		pub, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-public-%d", name, i), &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			AvailabilityZone: pulumi.String(zone),
			CidrBlock:        pulumi.String(Subnet(args.CIDR, 4, i).String()),
			// Tasks get public IPs explicitly (assignPublicIp); nothing else
			// launched here should get one by accident.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tags(fmt.Sprintf("public-%s", zone)),
		}, parent)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-public-%d", name, i), &ec2.RouteTableAssociationArgs{
			SubnetId: pub.ID(), RouteTableId: publicRT.ID(),
		}, parent); err != nil {
			return nil, err
		}
		priv, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			AvailabilityZone: pulumi.String(zone),
			CidrBlock:        pulumi.String(Subnet(args.CIDR, 4, 8+i).String()),
			Tags:             tags(fmt.Sprintf("private-%s", zone)),
		}, parent)
		if err != nil {
			return nil, err
		}
		public = append(public, pub.ID())
		private = append(private, priv.ID())
		publicSubnets = append(publicSubnets, pub)
	}

	// NAT gateways give the private subnets egress (patches, future
	// services); LiveKit itself never sits behind NAT.
	var nats []*ec2.NatGateway
	natCount := map[string]int{"perAz": len(zones), "single": 1, "none": 0}[args.NATGateways]
	for i := 0; i < natCount; i++ {
		eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-%d", name, i), &ec2.EipArgs{Domain: pulumi.String("vpc"), Tags: tags(fmt.Sprintf("nat-%d", i))}, parent)
		if err != nil {
			return nil, err
		}
		nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-nat-%d", name, i), &ec2.NatGatewayArgs{
			AllocationId: eip.ID(), SubnetId: publicSubnets[i].ID(), Tags: tags(fmt.Sprintf("nat-%d", i)),
		}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return nil, err
		}
		nats = append(nats, nat)
	}
	for i := range zones {
		rtArgs := &ec2.RouteTableArgs{VpcId: vpc.ID(), Tags: tags(fmt.Sprintf("private-rt-%d", i))}
		if len(nats) > 0 {
			rtArgs.Routes = ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{
				CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nats[i%len(nats)].ID(),
			}}
		}
		rt, err := ec2.NewRouteTable(ctx, fmt.Sprintf("%s-private-rt-%d", name, i), rtArgs, parent)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.RouteTableAssociationArgs{
			SubnetId: private[i], RouteTableId: rt.ID(),
		}, parent); err != nil {
			return nil, err
		}
	}

	media, lb, err := securityGroups(ctx, name, vpc, args, parent)
	if err != nil {
		return nil, err
	}
	outputs := pulumi.Map{}
	if args.TURNTLSPort != 0 {
		turnLB, err := turnSecurityGroup(ctx, name, vpc, media, args.TURNTLSPort, parent)
		if err != nil {
			return nil, err
		}
		n.TURNLoadBalancerSecurityGroupID = turnLB.ID().ToStringOutput()
		outputs["turnLoadBalancerSecurityGroupId"] = n.TURNLoadBalancerSecurityGroupID
	}

	n.NetworkID = vpc.ID().ToStringOutput()
	n.PublicSubnetIDs = public.ToStringArrayOutput()
	n.PrivateSubnetIDs = private.ToStringArrayOutput()
	n.MediaFirewallID = media.ID().ToStringOutput()
	n.LoadBalancerSecurityGroupID = lb.ID().ToStringOutput()
	n.EgressSecurityGroupID = pulumi.String("").ToStringOutput()
	if args.Egress {
		sg, err := egressSecurityGroup(ctx, name, vpc, args, parent)
		if err != nil {
			return nil, err
		}
		n.EgressSecurityGroupID = sg.ID().ToStringOutput()
		outputs["egressSecurityGroupId"] = n.EgressSecurityGroupID
	}
	for k, v := range map[string]pulumi.Input{
		"networkId":                   n.NetworkID,
		"publicSubnetIds":             n.PublicSubnetIDs,
		"privateSubnetIds":            n.PrivateSubnetIDs,
		"mediaFirewallId":             n.MediaFirewallID,
		"loadBalancerSecurityGroupId": n.LoadBalancerSecurityGroupID,
	} {
		outputs[k] = v
	}
	if err := ctx.RegisterResourceOutputs(n, outputs); err != nil {
		return nil, err
	}
	return n, nil
}

// securityGroups declares the media (task) and load-balancer groups. Rules
// are separate resources because the two groups reference each other.
func securityGroups(ctx *pulumi.Context, name string, vpc *ec2.Vpc, args *components.NetworkArgs, parent pulumi.ResourceOption) (media, lb *ec2.SecurityGroup, err error) {
	media, err = securityGroup(ctx, name+"-media", vpc, "LiveKit tasks: WebRTC media from the internet, signaling from the ALB only", parent)
	if err != nil {
		return nil, nil, err
	}
	lb, err = securityGroup(ctx, name+"-lb", vpc, "LiveKit signaling ALB: HTTPS (and the HTTP redirect) from the internet", parent)
	if err != nil {
		return nil, nil, err
	}

	mediaID, lbID := media.ID(), lb.ID()
	rules := []sgRule{
		{id: "media-udp", kind: "ingress", proto: "udp", from: args.Media.First(), to: args.Media.Last(), sg: mediaID, cidrs: anywhere,
			desc: "WebRTC media (UDP) straight to each task's public IP"},
		{id: "media-tcp", kind: "ingress", proto: "tcp", from: livekit.RTCTCPPort, to: livekit.RTCTCPPort, sg: mediaID, cidrs: anywhere,
			desc: "ICE over TCP fallback, never through the load balancer"},
		{id: "media-signal", kind: "ingress", proto: "tcp", from: livekit.SignalPort, to: livekit.SignalPort, sg: mediaID, peer: lbID,
			desc: "Signaling and health checks from the ALB only"},
		// Tasks answer WebRTC peers on arbitrary ports and reach Redis, STUN,
		// the image registry and Secrets Manager.
		{id: "media-egress", kind: "egress", proto: "-1", from: 0, to: 0, sg: mediaID, cidrs: anywhere,
			desc: "Media to peers, Redis, STUN, image pulls"},
		{id: "lb-https", kind: "ingress", proto: "tcp", from: 443, to: 443, sg: lbID, cidrs: anywhere, desc: "HTTPS signaling"},
		{id: "lb-http", kind: "ingress", proto: "tcp", from: 80, to: 80, sg: lbID, cidrs: anywhere, desc: "HTTP, redirected to HTTPS"},
		{id: "lb-egress", kind: "egress", proto: "tcp", from: livekit.SignalPort, to: livekit.SignalPort, sg: lbID, peer: mediaID, desc: "To LiveKit signaling only"},
	}
	if args.TURNUDPPort != 0 {
		rules = append(rules, sgRule{id: "media-turn", kind: "ingress", proto: "udp", from: args.TURNUDPPort, to: args.TURNUDPPort, sg: mediaID,
			cidrs: anywhere, desc: "Embedded TURN/UDP"})
	}
	if err := securityGroupRules(ctx, name, rules, parent); err != nil {
		return nil, nil, err
	}
	return media, lb, nil
}

// egressSecurityGroup is the Egress workers' group. Nothing enters at all:
// the metrics collector is a sidecar in each Egress task and scrapes
// prometheus_port on localhost, and ECS's health check runs inside the
// container. Out: 443 to signaling (the ALB, wss://), S3, Secrets
// Manager and the image registry; LiveKit's media ports and 7881/tcp to the
// nodes' public IPs, because Egress joins rooms as a WebRTC participant;
// Redis inside the VPC, where it takes its jobs.
func egressSecurityGroup(ctx *pulumi.Context, name string, vpc *ec2.Vpc, args *components.NetworkArgs, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	// The description is from when the VPC could reach 9090; changing it
	// would replace the group under a running service.
	sg, err := securityGroup(ctx, name+"-egress", vpc, "LiveKit Egress workers: outbound only (signaling, media, Redis, S3); metrics from the VPC", parent)
	if err != nil {
		return nil, err
	}
	sgID := sg.ID()
	if err := securityGroupRules(ctx, name, []sgRule{
		{id: "egress-https", kind: "egress", proto: "tcp", from: 443, to: 443, sg: sgID, cidrs: anywhere,
			desc: "Signaling (wss through the ALB), S3 uploads, Secrets Manager, image pulls"},
		{id: "egress-media-udp", kind: "egress", proto: "udp", from: args.Media.First(), to: args.Media.Last(), sg: sgID, cidrs: anywhere,
			desc: "WebRTC media from the LiveKit nodes' public IPs"},
		{id: "egress-media-tcp", kind: "egress", proto: "tcp", from: livekit.RTCTCPPort, to: livekit.RTCTCPPort, sg: sgID, cidrs: anywhere,
			desc: "ICE over TCP to the LiveKit nodes"},
		{id: "egress-redis", kind: "egress", proto: "tcp", from: 6379, to: 6379, sg: sgID, cidrs: []string{args.CIDR.String()},
			desc: "Redis (jobs over psrpc), inside the VPC"},
	}, parent); err != nil {
		return nil, err
	}
	return sg, nil
}

// Subnet returns the index-th subnet of p with newBits more prefix bits, like
// Terraform's cidrsubnet.
func Subnet(p netip.Prefix, newBits, index int) netip.Prefix {
	a := p.Masked().Addr().As4()
	base := binary.BigEndian.Uint32(a[:])
	bits := p.Bits() + newBits
	base |= uint32(index) << (32 - bits)
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], base)
	return netip.PrefixFrom(netip.AddrFrom4(out), bits)
}
