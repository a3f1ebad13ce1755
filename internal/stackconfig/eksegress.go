package stackconfig

import (
	"regexp"
	"strconv"
)

// The EKS Egress node group runs one Egress pod per node (the pod requests
// at least 4 CPUs, more than half of every size it fits): the pod must fit
// what an AL2023 node leaves allocatable, or it stays Pending while the
// Cluster Autoscaler adds nodes that cannot take it either.

// ec2SizeRe reads the current general-purpose (m), compute (c) and memory
// (r) families: c6i.2xlarge, m7i-flex.xlarge, r6g.4xlarge.
var ec2SizeRe = regexp.MustCompile(`^([a-z]+)[0-9]+[a-z-]*\.([0-9]*)(x?large)$`)

// ec2GiBPerVCPU is the memory per vCPU of the c, m and r families
// (aws.amazon.com/ec2/instance-types: compute 2, general purpose 4, memory
// optimized 8 GiB).
var ec2GiBPerVCPU = map[string]int{"c": 2, "m": 4, "r": 8}

// ec2Node returns the vCPUs (large 2, xlarge 4, Nxlarge 4N) and, for the c,
// m and r families, the memory of an instance type; ok false when the name
// says neither.
func ec2Node(instanceType string) (n node, memKnown, ok bool) {
	m := ec2SizeRe.FindStringSubmatch(instanceType)
	if m == nil {
		return node{}, false, false
	}
	n.vcpus = 2
	if m[3] == "xlarge" {
		mult := 1
		if m[2] != "" {
			mult, _ = strconv.Atoi(m[2])
		}
		n.vcpus = 4 * mult
	} else if m[2] != "" {
		return node{}, false, false // "2large" is no size
	}
	per, memKnown := ec2GiBPerVCPU[m[1]]
	n.memMiB = n.vcpus * per * 1024
	return n, memKnown, n.vcpus > 0
}

// eksMaxPods bounds the pods an EKS node is configured for: 110 below 30
// vCPUs, 250 above (EKS's recommended maximum; the ENI limits give most
// sizes fewer, so the reservation below is an upper bound).
func eksMaxPods(vcpus int) int {
	if vcpus < 30 {
		return 110
	}
	return 250
}

// eksEgressFits checks the instance type's name and that the Egress pod
// fits it.
func (p *parser) eksEgressFits(k K8sEgress, sizeKey string, cpu, memGiB float64) {
	if !ec2InstanceTypeRe.MatchString(k.NodeSize) {
		p.fail(spec(sizeKey).Full(), quote(k.NodeSize), "must be an EC2 instance type such as c6i.2xlarge")
		return
	}
	n, memKnown, ok := ec2Node(k.NodeSize)
	if !ok {
		return
	}
	if !memKnown {
		// Only the CPU is known from the name: check it against an
		// unbounded memory.
		n.memMiB = 1 << 30
	}
	n.maxPods = eksMaxPods(n.vcpus)
	resCPU, resMem := eksReserved(n)
	p.podFits("egressPodCpu", k.PodCPU, "egressPodMemory", k.PodMemory, sizeKey, k.NodeSize, "EKS", n, resCPU, resMem, eksDaemonSets, cpu, memGiB)
}
