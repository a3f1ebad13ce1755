package stackconfig

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// One LiveKit pod runs per node (host networking), so its requests must fit
// what the node leaves allocatable: the machine minus the cloud's kubelet
// reservations and eviction threshold, minus the DaemonSet pods this stack
// runs on every node. A pod that does not fit stays Pending and the
// autoscaler adds nodes that cannot take it either. This file is that rule,
// shared by every Kubernetes platform: GKE (gcp), AKS (azure) and EKS (aws).

// node is a machine's capacity.
type node struct {
	vcpus  int
	memMiB int
	// maxPods is how many pods the node runs (EKS: what the VPC CNI's
	// addresses allow; it sizes the memory reservation).
	maxPods int
	// eniIPs is the IPv4 addresses per network interface (EKS: what the
	// VPC CNI's warm ENI takes from the subnet, awssubnets.go).
	eniIPs int
}

// daemonSet is one per-node pod's requests (millicores, MiB).
type daemonSet struct {
	name   string
	cpuM   int
	memMiB int
}

// AKS DaemonSets on every node of this stack's LiveKit pool, with their
// requests as AKS's managed manifests set them (kubectl describe node on an
// AKS 1.3x node with these add-ons). Estimates: the add-on versions follow
// AKS; check `kubectl describe node` after the first up, and raise these if
// they grew.
var aksDaemonSets = []daemonSet{
	{"kube-proxy", 100, 0},
	{"azure-cns (Azure CNI Overlay)", 40, 250},
	{"azure-ip-masq-agent", 100, 50},
	{"azure-npm (networkPolicy azure)", 250, 300},
	{"ama-logs (Container Insights)", 95, 345},
	{"csi-azuredisk-node", 30, 60},
	{"csi-azurefile-node", 30, 60},
	{"cloud-node-manager", 50, 50},
}

// GKE DaemonSets on every node of this stack's pool (Standard cluster,
// Workload Identity, system logging/monitoring and Managed Prometheus on),
// estimated the same way.
var gkeDaemonSets = []daemonSet{
	{"kube-proxy", 100, 0},
	{"fluentbit-gke (system logging)", 100, 200},
	{"gke-metrics-agent and the Managed Prometheus collector", 50, 200},
	{"gke-metadata-server (Workload Identity)", 100, 100},
	{"pdcsi-node (Persistent Disk CSI)", 10, 20},
}

// EKS DaemonSets on every LiveKit node (managed node group on the EKS
// AL2023 AMI, the VPC CNI, kube-proxy and Pod Identity add-ons), with the
// requests of their EKS manifests; estimates like the others.
var eksDaemonSets = []daemonSet{
	{"kube-proxy", 100, 0},
	{"aws-node (VPC CNI)", 25, 0},
	{"eks-pod-identity-agent", 25, 0},
}

// eksReserved is the EKS AMI's kube-reserved for a node (awslabs/
// amazon-eks-ami, "kubelet reserved resources"; docs.aws.amazon.com/eks/
// latest/userguide/choosing-instance-type.html): CPU in the same tiers as
// GKE's (6% of the first core, 1% of the next, 0.5% of the next 2, 0.25% of
// the rest); memory 11 MiB per pod the node may run plus 255 MiB; plus the
// 100 MiB hard eviction threshold.
func eksReserved(n node) (cpuM, memMiB int) {
	cpuM, _ = gkeReserved(n)
	return cpuM, 11*n.maxPods + 255 + 100
}

// aksReserved is AKS's kube-reserved CPU and memory plus the hard eviction
// threshold for a node, per "Node resource reservations in AKS"
// (learn.microsoft.com/azure/aks/node-resource-reservations): CPU by core
// count (60, 100, 140, 180, 260, 420, 740 m for 1-64 cores); memory from
// 1.29 on the lesser of 20 MB x maxPods + 50 MB and 25% of memory, plus
// memory.available<100Mi; before 1.29 a regressive 25/20/10/6/2% and 750Mi.
func aksReserved(n node, maxPods, k8sMinor int) (cpuM, memMiB int) {
	cpuM = 740
	for _, s := range []struct{ cores, m int }{{1, 60}, {2, 100}, {4, 140}, {8, 180}, {16, 260}, {32, 420}, {64, 740}} {
		if n.vcpus <= s.cores {
			cpuM = s.m
			break
		}
	}
	if k8sMinor >= 29 {
		mb := 20*maxPods + 50 // MB, as the doc states them
		kube := min((mb*1000*1000+1024*1024-1)/(1024*1024), n.memMiB/4)
		return cpuM, kube + 100
	}
	return cpuM, regressive(n.memMiB) + 750
}

// gkeReserved is GKE's reservation for a Standard node, per "Plan GKE
// Standard node sizes" (cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes,
// "Node allocatable resources"): CPU 6% of the first core, 1% of the next,
// 0.5% of the next 2, 0.25% of the rest; memory 255 MiB below 1 GiB, else
// the regressive 25/20/10/6/2%; plus the 100 MiB eviction threshold.
func gkeReserved(n node) (cpuM, memMiB int) {
	c := float64(n.vcpus) * 1000
	res := 0.06 * min(c, 1000)
	if c > 1000 {
		res += 0.01 * min(c-1000, 1000)
	}
	if c > 2000 {
		res += 0.005 * min(c-2000, 2000)
	}
	if c > 4000 {
		res += 0.0025 * (c - 4000)
	}
	mem := 255
	if n.memMiB >= 1024 {
		mem = regressive(n.memMiB)
	}
	return int(res + 0.999), mem + 100
}

// regressive is 25% of the first 4 GiB, 20% of the next 4, 10% of the next
// 8, 6% of the next 112 and 2% above 128 GiB (both clouds use it).
func regressive(memMiB int) int {
	left, res := float64(memMiB), 0.0
	for _, b := range []struct{ size, rate float64 }{{4096, 0.25}, {4096, 0.20}, {8192, 0.10}, {114688, 0.06}, {1 << 40, 0.02}} {
		part := min(left, b.size)
		res += part * b.rate
		left -= part
		if left <= 0 {
			break
		}
	}
	return int(res + 0.999)
}

// azureSizeRe reads vCPUs from the D, E and F series names; their memory per
// vCPU is fixed by series (learn.microsoft.com/azure/virtual-machines/sizes:
// Dsv3/Dsv4/Dsv5 4 GiB, Esv3/Esv5 8 GiB, Fsv2 2 GiB).
var azureSizeRe = regexp.MustCompile(`^Standard_([DEF])([0-9]+)(a|d|ad|as|ds|ads|s)?s?_v([2-6])$`)

func azureNode(size string) (node, bool) {
	m := azureSizeRe.FindStringSubmatch(size)
	if m == nil {
		return node{}, false
	}
	vcpus, _ := strconv.Atoi(m[2])
	perVCPU := map[string]int{"D": 4096, "E": 8192, "F": 2048}[m[1]]
	return node{vcpus: vcpus, memMiB: vcpus * perVCPU}, true
}

// eksInstanceRe reads the compute (c), general purpose (m) and memory (r)
// families of the 5th to 8th generations with their attribute letters
// (c6i, m7a, r6in, c7gn ...); sizes large, xlarge and Nxlarge.
var eksInstanceRe = regexp.MustCompile(`^([cmr])([5-8])[a-z]*\.(large|xlarge|([0-9]+)xlarge)$`)

// eksENIs is each size's network interfaces and IPv4 addresses per
// interface in those families (docs.aws.amazon.com/AWSEC2/latest/
// UserGuide/AvailableIpPerENI.html); the VPC CNI without prefix delegation
// runs ENIs x (addresses - 1) + 2 pods (amazon-eks-ami eni-max-pods.txt).
var eksENIs = []struct{ maxVCPUs, enis, ips int }{{2, 3, 10}, {8, 4, 15}, {48, 8, 30}, {1 << 20, 15, 50}}

// eksNode reads an EC2 instance type of those families: 2, 4 and 8 GiB per
// vCPU for c, m and r; large is 2 vCPUs, xlarge 4, Nxlarge 4N.
func eksNode(instanceType string) (node, bool) {
	m := eksInstanceRe.FindStringSubmatch(instanceType)
	if m == nil {
		return node{}, false
	}
	vcpus := 2
	switch {
	case m[3] == "xlarge":
		vcpus = 4
	case m[4] != "":
		n, _ := strconv.Atoi(m[4])
		vcpus = 4 * n
	}
	n := node{vcpus: vcpus, memMiB: vcpus * map[string]int{"c": 2048, "m": 4096, "r": 8192}[m[1]]}
	for _, e := range eksENIs {
		if vcpus <= e.maxVCPUs {
			n.maxPods = e.enis*(e.ips-1) + 2
			n.eniIPs = e.ips
			break
		}
	}
	return n, true
}

// gkeNode reads a predefined machine type (n2-standard-4 and the like).
func gkeNode(machineType string) (node, bool) {
	m := predefinedRe.FindStringSubmatch(machineType)
	if m == nil {
		return node{}, false
	}
	vcpus, _ := strconv.Atoi(m[2])
	return node{vcpus: vcpus, memMiB: int(gbPerVCPU[m[1]] * float64(vcpus) * 1024)}, true
}

// podFits reports on cpuKey/memKey when the pod does not fit the node.
func (p *parser) podFits(cpuKey, cpuRaw, memKey, memRaw, machineKey, machine, cloud string, n node, resCPU, resMem int, ds []daemonSet, podCPU, podMemGiB float64) {
	dsCPU, dsMem := 0, 0
	names := make([]string, len(ds))
	for i, d := range ds {
		dsCPU += d.cpuM
		dsMem += d.memMiB
		names[i] = d.name
	}
	freeCPU := n.vcpus*1000 - resCPU - dsCPU
	freeMem := n.memMiB - resMem - dsMem
	why := fmt.Sprintf("%d vCPU and %d MiB, less %dm CPU and %d MiB for %s's reservations and eviction threshold, less %dm and %d MiB for the DaemonSets on every node (%s)",
		n.vcpus, n.memMiB, resCPU, resMem, cloud, dsCPU, dsMem, strings.Join(names, ", "))
	if want := int(podCPU*1000 + 0.5); want > freeCPU {
		p.fail(spec(cpuKey).Full(), quote(cpuRaw), fmt.Sprintf(
			"does not fit %s: requests %dm CPU, but at most %dm fits (%s); request less or pick a larger %s", machine, want, freeCPU, why, machineKey))
	}
	if want := int(podMemGiB * 1024); want > freeMem {
		p.fail(spec(memKey).Full(), quote(memRaw), fmt.Sprintf(
			"does not fit %s: requests %d MiB, but at most %d MiB fits (%s); request less or pick a larger %s", machine, want, freeMem, why, machineKey))
	}
}
