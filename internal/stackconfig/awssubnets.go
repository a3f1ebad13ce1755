package stackconfig

import (
	"fmt"
	"strconv"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// How components/aws carves awsVpcCidr (network.go): three zones, each with
// a public and a private subnet a sixteenth of the VPC (prefix + 4 bits).
// The public subnets hold the LiveKit tasks or nodes (each with its own
// public IP), Fargate's Egress tasks, the ALB, the TURN NLB and the NAT
// gateways.
const (
	awsZones         = 3
	awsSubnetNewBits = 4
	// awsSubnetReserved: AWS keeps the first four and the last address of
	// every subnet (docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html,
	// "Subnet CIDR blocks").
	awsSubnetReserved = 5
	// albMinSubnetBits and albFreeIPs: an ALB's subnets need at least a /27
	// and 8 free addresses, which it scales into
	// (docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html,
	// "Subnets for your load balancer").
	albMinSubnetBits = 27
	albFreeIPs       = 8
	// awsSharedIPs are the other interfaces of a public subnet, counted
	// whether or not the stack has them: the TURN NLB's one per zone
	// (turnTls) and a NAT gateway's (awsNatGateways perAz puts one in each).
	awsSharedIPs = 2
	// eksControlPlaneIPs: EKS places its control plane's interfaces in the
	// cluster's subnets (public and private here) and asks for at least six
	// free addresses in each, 16 recommended: up to four interfaces, new ones
	// made before old ones go in an upgrade
	// (docs.aws.amazon.com/eks/latest/userguide/network-reqs.html).
	eksControlPlaneIPs = 6
	// eksSurgePerZone: a managed node group update launches up to two new
	// nodes per zone before old ones leave
	// (docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html).
	eksSurgePerZone = 2
	// eksWarmENIs: the VPC CNI keeps a full spare ENI of addresses on every
	// node (WARM_ENI_TARGET=1, its default): LiveKit and the DaemonSets use
	// the host network, but one pod that does not makes ipamd attach a second
	// ENI, so a node may hold two ENIs' worth (github.com/aws/amazon-vpc-cni-k8s,
	// docs/eni-and-ip-target.md). Counted as two: conservative.
	eksWarmENIs = 2
)

// awsSubnetsFit refuses a maxNodes (and egressMaxInstances, where Egress
// tasks share them) that the public subnets cannot hold at full scale during
// a rolling deployment, naming the largest that fits and the fix.
//
// Fargate (awsvpc): every task has its own network interface, one address
// of its subnet (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html);
// a deployment runs up to livekit.FargateDeploymentMaxPercent of the
// desired count of both services at once. ECS spreads a service's tasks
// across the zones, so each zone takes a third (rounded up); a zone outage
// that crowds them into two is not counted.
//
// EKS: a LiveKit node takes eksWarmENIs ENIs of addresses (by instance type,
// allocatable.go's table; a type outside it counts one address), a third of
// the nodes per zone plus eksSurgePerZone. Egress nodes sit in the private
// subnets and are not counted here.
func (p *parser) awsSubnetsFit(s *Stack) {
	a, r := s.AWS, s.Region
	if a == nil || r == nil || !a.VpcCIDR.IsValid() || p.failed("minNodes") || p.failed("maxNodes") {
		return
	}
	subnetBits := a.VpcCIDR.Bits() + awsSubnetNewBits
	free := 1<<(32-subnetBits) - awsSubnetReserved - albFreeIPs - awsSharedIPs
	where := fmt.Sprintf("the public subnets (three /%ds of awsVpcCidr %s, %d addresses each after AWS's %d reserved, the ALB's %d, the TURN NLB's and a NAT gateway's)",
		subnetBits, a.VpcCIDR, free, awsSubnetReserved, albFreeIPs)
	maxKey := spec("maxNodes").Full()

	if a.Platform == AWSPlatformEKS {
		if a.EKS == nil {
			return
		}
		free -= eksControlPlaneIPs
		perNode := eksNodeAddresses(a.EKS.InstanceType)
		// nodes(max) = (ceil(max/3) + surge) * perNode <= free per zone.
		fits := func(bits, max int) bool {
			f := 1<<(32-bits-awsSubnetNewBits) - awsSubnetReserved - albFreeIPs - awsSharedIPs - eksControlPlaneIPs
			return ((max+awsZones-1)/awsZones+eksSurgePerZone)*perNode <= f
		}
		p.eksPrivateSubnetsFit(s)
		if fits(a.VpcCIDR.Bits(), r.Scaling.Max) {
			return
		}
		largest := awsZones * (free/perNode - eksSurgePerZone)
		size := fmt.Sprintf("%d addresses a node (the VPC CNI's %d ENIs of %d on %s)", perNode, eksWarmENIs, perNode/eksWarmENIs, a.EKS.InstanceType)
		if perNode == 1 {
			size = fmt.Sprintf("at least one address a node (%s's ENI size is not in the table)", a.EKS.InstanceType)
		}
		why := fmt.Sprintf("less %d for the EKS control plane, each has room for %d nodes at %s, %d of them a node group update's surge",
			eksControlPlaneIPs, free/perNode, size, eksSurgePerZone)
		p.fail(maxKey, strconv.Itoa(r.Scaling.Max), fmt.Sprintf("does not fit %s: %s; %s", where, why, allowed(largest, r.Scaling.Min, func(bits int) bool { return fits(bits, r.Scaling.Max) })))
		return
	}

	egress := 0
	if r.Egress.Enabled && !p.failed("egressMaxInstances") {
		egress = r.Egress.Max
	}
	surge := livekit.FargateDeploymentMaxPercent
	tasks := func(n int) int { return (n*surge + 99) / 100 }
	fits := func(bits, max int) bool {
		f := 1<<(32-bits-awsSubnetNewBits) - awsSubnetReserved - albFreeIPs - awsSharedIPs
		return (tasks(max)+tasks(egress)+awsZones-1)/awsZones <= f
	}
	if fits(a.VpcCIDR.Bits(), r.Scaling.Max) {
		return
	}
	// The largest n with tasks(n) + tasks(egress) <= zones * free.
	largest := 0
	for n := 1; tasks(n)+tasks(egress) <= awsZones*free; n++ {
		largest = n
	}
	need := fmt.Sprintf("a rolling deployment runs up to %d%% of maxNodes", surge)
	if egress > 0 {
		need += fmt.Sprintf(" and of egressMaxInstances %d (Egress tasks share the subnets)", egress)
	}
	need += fmt.Sprintf(": %d tasks, %d a zone", tasks(r.Scaling.Max)+tasks(egress), (tasks(r.Scaling.Max)+tasks(egress)+awsZones-1)/awsZones)
	p.fail(maxKey, strconv.Itoa(r.Scaling.Max), fmt.Sprintf("does not fit %s: %s; %s", where, need,
		allowed(largest, r.Scaling.Min, func(bits int) bool { return fits(bits, r.Scaling.Max) })))

	// Egress alone leaves no room for minNodes LiveKit tasks: lowering
	// maxNodes cannot help.
	if egress > 0 && largest < r.Scaling.Min {
		room := awsZones*free - tasks(r.Scaling.Min)
		most := 0
		for n := 1; tasks(n) <= room; n++ {
			most = n
		}
		p.fail(spec("egressMaxInstances").Full(), strconv.Itoa(egress),
			fmt.Sprintf("leaves %s no room for minNodes %d LiveKit tasks at %d%% during a rolling deployment; at most egressMaxInstances %d fits beside them: lower it or use a larger awsVpcCidr",
				where, r.Scaling.Min, surge, most))
	}
}

// allowed says what maxNodes fits and the larger awsVpcCidr prefix that
// holds the one asked for (fits(bits) for /16 to the current prefix).
func allowed(largest, minNodes int, fits func(bits int) bool) string {
	for bits := 23; bits >= 16; bits-- {
		if !fits(bits) {
			continue
		}
		if largest < minNodes {
			return fmt.Sprintf("not even minNodes %d fits: use a larger awsVpcCidr, e.g. a /%d", minNodes, bits)
		}
		return fmt.Sprintf("at most maxNodes %d fits: lower it or use a larger awsVpcCidr, e.g. a /%d", largest, bits)
	}
	if largest < minNodes {
		return fmt.Sprintf("not even minNodes %d fits, and no awsVpcCidr up to /16 holds it", minNodes)
	}
	return fmt.Sprintf("at most maxNodes %d fits: lower it (no awsVpcCidr up to /16 holds it)", largest)
}

// eksPrivateSubnetsFit refuses node groups the private subnets cannot hold:
// on EKS the system nodes and the Egress nodes sit there (beside
// ElastiCache's nodes and the control plane's interfaces), and their pods
// that do not use the host network take VPC addresses through the VPC CNI,
// so each node counts eksWarmENIs ENIs of addresses like a LiveKit node,
// with a node group update's surge per zone. The error names the key whose
// group does not fit and the fix.
func (p *parser) eksPrivateSubnetsFit(s *Stack) {
	a, r := s.AWS, s.Region
	if p.failed("awsEksSystemNodes") || p.failed("egressMaxInstances") {
		return
	}
	subnetBits := a.VpcCIDR.Bits() + awsSubnetNewBits
	// ElastiCache: a node per zone at most (a primary and its replicas).
	free := 1<<(32-subnetBits) - awsSubnetReserved - eksControlPlaneIPs - 1
	perNode := eksNodeAddresses
	perZone := func(nodes int) int { return (nodes+awsZones-1)/awsZones + eksSurgePerZone }
	system := perZone(a.EKS.SystemNodes) * perNode(a.EKS.SystemInstanceType)
	egress := 0
	if r.Egress.Enabled {
		egress = perZone(r.Egress.Max) * perNode(r.Egress.K8s.NodeSize)
	}
	if system+egress <= free {
		return
	}
	where := fmt.Sprintf("the private subnets (three /%ds of awsVpcCidr %s, %d addresses each after AWS's %d reserved, the EKS control plane's %d and ElastiCache's)",
		subnetBits, a.VpcCIDR, free, awsSubnetReserved, eksControlPlaneIPs)
	larger := "a larger awsVpcCidr"
	for bits := a.VpcCIDR.Bits() - 1; bits >= 16; bits-- {
		if system+egress <= 1<<(32-bits-awsSubnetNewBits)-awsSubnetReserved-eksControlPlaneIPs-1 {
			larger = fmt.Sprintf("a larger awsVpcCidr, e.g. a /%d", bits)
			break
		}
	}
	each := func(instanceType string) string {
		if n := perNode(instanceType); n > 1 {
			return fmt.Sprintf("%s, %d addresses each: the VPC CNI's %d ENIs", instanceType, n, eksWarmENIs)
		}
		return fmt.Sprintf("%s, at least one address each: its ENI size is not in the table", instanceType)
	}
	if egress > 0 {
		p.fail(spec("egressMaxInstances").Full(), strconv.Itoa(r.Egress.Max), fmt.Sprintf(
			"does not fit %s: a zone takes %d Egress nodes (%s) and %d system nodes (%s), update surges included, %d addresses; lower egressMaxInstances or use %s",
			where, perZone(r.Egress.Max), each(r.Egress.K8s.NodeSize), perZone(a.EKS.SystemNodes), each(a.EKS.SystemInstanceType), system+egress, larger))
		return
	}
	p.fail(spec("awsEksSystemNodes").Full(), strconv.Itoa(a.EKS.SystemNodes), fmt.Sprintf(
		"does not fit %s: a zone takes %d system nodes (%s), the update surge included; use %s",
		where, perZone(a.EKS.SystemNodes), each(a.EKS.SystemInstanceType), larger))
}

// eksNodeAddresses is what an EKS node of instanceType may take from its
// subnet: eksWarmENIs ENIs of addresses (allocatable.go's table), or one
// for a type outside the table.
func eksNodeAddresses(instanceType string) int {
	if n, ok := eksNode(instanceType); ok && n.eniIPs > 0 {
		return eksWarmENIs * n.eniIPs
	}
	return 1
}
