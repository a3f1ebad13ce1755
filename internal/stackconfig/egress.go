package stackconfig

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/quantity"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// Egress modes of the egress key.
const (
	EgressAuto = "auto"
	EgressOn   = "true"
	EgressOff  = "false"
)

// egressKeys configure the region's LiveKit Egress workers (#22), which
// record rooms into the region's recordings bucket.
var egressKeys = []Key{
	{Name: "egress", Type: "string", Default: EgressAuto, Kinds: regional,
		Description: "LiveKit Egress workers recording into the region's recordings bucket: auto (on wherever Egress can write the bucket: aws and gcp always, azure unless azureRecordingsSharedKey is false), true or false."},
	{Name: "egressImage", Type: "string", Default: livekit.EgressImage, Kinds: regional,
		Description: "LiveKit Egress image on Docker Hub, pinned by digest with the tag kept for people (repository:tag@sha256:<64 hex digits>), pulled through the region's registry mirror (registryMirror); its config keys are those of Egress " + livekit.EgressVersion + "."},
	{Name: "egressMinInstances", Type: "integer", Default: 1, Kinds: regional, Platforms: autoscaledEgress,
		Description: "Autoscaling lower bound of Egress workers, at least 1 (a region without a worker fails every recording request). Not on azurePlatform aci (no autoscaling): azureAciEgressGroups."},
	{Name: "egressMaxInstances", Type: "integer", Default: 4, Kinds: regional, Platforms: autoscaledEgress,
		Description: "Autoscaling upper bound of Egress workers, at least egressMinInstances."},
	{Name: "egressCpuTarget", Type: "integer", Default: 60, Kinds: regional, Platforms: autoscaledEgress,
		Description: "Target average CPU (percent) of Egress workers for autoscaling, 10-90; below Egress's own 80% admission limit so new workers start before the others refuse jobs."},
	{Name: "awsEgressTaskCpu", Type: "integer", Default: 4096, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Fargate CPU units of an Egress task: 4096, 8192 or 16384 (LiveKit recommends at least 4 CPUs per Egress instance)."},
	{Name: "awsEgressTaskMemory", Type: "integer", Default: 8192, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Fargate memory (MiB) of an Egress task, a size Fargate allows for awsEgressTaskCpu (4096 CPU: 8192-30720)."},
}

func init() { Keys = append(Keys, egressKeys...) }

// autoscaledEgress are the platforms whose Egress workers autoscale (every
// gcp stack too: a kind without platforms); Container Instances run a
// fixed count (aciegress.go).
var autoscaledEgress = []string{AWSPlatformFargate, AWSPlatformEKS, AzurePlatformAKS}

// Egress configures the region's Egress workers.
type Egress struct {
	Enabled bool
	// Mode is the egress key as set: auto, true or false.
	Mode  string
	Image string
	// ImageRef is Image's parts (what the registry mirror caches).
	ImageRef imageref.Ref
	// Min and Max bound the worker count; CPUTarget is the autoscaling
	// target (percent).
	Min, Max, CPUTarget int
	// K8s is the pod and node pool size on GKE, AKS and EKS; ACI the container
	// groups on azurePlatform aci (Min and Max are then its fixed count).
	K8s K8sEgress
	ACI *ACIEgress
}

// MinEgressTaskCPU is the smallest Fargate size of an Egress task: LiveKit
// recommends 4 CPUs and 4 GB per instance (a room composite reserves 4
// cores).
const MinEgressTaskCPU = 4096

func (p *parser) egress(s *Stack) Egress {
	e := Egress{
		Min:       p.integer("egressMinInstances", 1, 1000),
		Max:       p.integer("egressMaxInstances", 1, 1000),
		CPUTarget: p.integer("egressCpuTarget", 10, 90),
	}
	mode := p.oneOf("egress", EgressAuto, EgressOn, EgressOff)
	e.Mode = mode
	// Egress uploads to Azure Blob with the account key only, which the
	// account refuses unless shared-key access is on (on for Egress unless
	// azureRecordingsSharedKey says no: azurerecordings.go).
	writable := s.Kind != KindAzure || s.Azure == nil || s.Azure.RecordingsSharedKey
	switch mode {
	case EgressAuto:
		e.Enabled = writable
	case EgressOn:
		e.Enabled = true
		if !writable {
			p.fail(spec("egress").Full(), quote(mode), "has no recordings bucket it can write: Egress uploads to Azure Blob with the storage account key only, and "+
				spec("azureRecordingsSharedKey").Full()+" is false; remove it (the account then accepts shared keys while Egress runs) or set egress false")
		}
	}
	if !e.Enabled {
		return e
	}
	e.Image, e.ImageRef = p.image("egressImage", livekit.EgressImage)
	if e.Max < e.Min && !p.failed("egressMinInstances") && !p.failed("egressMaxInstances") {
		p.fail(spec("egressMaxInstances").Full(), strconv.Itoa(e.Max), fmt.Sprintf("must be at least egressMinInstances (%d)", e.Min))
	}
	return e
}

// awsEgress reads the Egress task size: a Fargate CPU/memory pair of at
// least 4 vCPU (Fargate's pairs for 4 vCPU start at 8 GiB, above the 4 GB
// LiveKit asks for).
func (p *parser) awsEgress(a *AWS, enabled bool) {
	a.EgressTaskCPU = p.integer("awsEgressTaskCpu", 256, 16384)
	a.EgressTaskMemory = p.integer("awsEgressTaskMemory", 512, 122880)
	if !enabled || p.failed("awsEgressTaskCpu") {
		return
	}
	mems, ok := fargateMemory[a.EgressTaskCPU]
	switch {
	case !ok || a.EgressTaskCPU < MinEgressTaskCPU:
		p.fail(spec("awsEgressTaskCpu").Full(), strconv.Itoa(a.EgressTaskCPU),
			"must be 4096, 8192 or 16384 Fargate CPU units: LiveKit recommends at least 4 CPUs per Egress instance (a room composite reserves 4 cores)")
	case !slices.Contains(mems, a.EgressTaskMemory) && !p.failed("awsEgressTaskMemory"):
		p.fail(spec("awsEgressTaskMemory").Full(), strconv.Itoa(a.EgressTaskMemory),
			fmt.Sprintf("is not a Fargate size for %d CPU units; allowed: %s", a.EgressTaskCPU, memorySizes(mems)))
	}
}

// k8sEgressKeys size the Egress pods and their node pool on GKE, AKS and
// EKS (awsPlatform eks).
var k8sEgressKeys = []Key{
	{Name: "egressChartVersion", Type: "string", Default: "1.9.0", Kinds: []Kind{KindGCP, KindAzure, KindAWS}, Platforms: k8sEgressPlatforms,
		Description: "The official egress Helm chart (helm.livekit.io), pinned; the image is egressImage."},
	{Name: "egressPodCpu", Type: "string", Default: "4", Kinds: []Kind{KindGCP, KindAzure, KindAWS}, Platforms: k8sEgressPlatforms,
		Description: "CPU request of an Egress pod, at least 4 (LiveKit recommends 4 CPUs per Egress instance); it must fit the Egress node size."},
	{Name: "egressPodMemory", Type: "string", Default: "8Gi", Kinds: []Kind{KindGCP, KindAzure, KindAWS}, Platforms: k8sEgressPlatforms,
		Description: "Memory request (and limit) of an Egress pod, at least 4Gi (LiveKit recommends 4 GB); it must fit the Egress node size."},
	{Name: "gcpEgressMachineType", Type: "string", Default: "n2-standard-8", Kinds: []Kind{KindGCP},
		Description: "Machine type of the Egress node pool (one Egress pod per node, private nodes behind Cloud NAT)."},
	{Name: "awsEksEgressInstanceType", Type: "string", Default: "c6i.2xlarge", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "EC2 instance type of the EKS Egress node group (one Egress pod per node, private subnets behind NAT, tainted for Egress)."},
	{Name: "azureEgressVmSize", Type: "string", Default: "Standard_D8s_v3", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "VM size of the Egress node pool (one Egress pod per node)."},
}

// k8sEgressPlatforms are the platforms whose Egress runs as pods (every gcp
// stack too: a kind without platforms).
var k8sEgressPlatforms = []string{AWSPlatformEKS, AzurePlatformAKS}

func init() { Keys = append(Keys, k8sEgressKeys...) }

// K8sEgress is the Egress pod and node pool of the GKE, AKS and EKS
// platforms.
type K8sEgress struct {
	ChartVersion string
	// PodCPU and PodMemory are the pod's requests as Kubernetes quantities;
	// CPU and MemoryGiB the same in numbers.
	PodCPU, PodMemory string
	CPU, MemoryGiB    float64
	// NodeSize is the pool's machine type (GKE), VM size (AKS) or instance
	// type (EKS).
	NodeSize string
}

// k8sEgress reads the Egress pod size and checks it against LiveKit's
// recommendation and the node it runs on (one pod per node).
func (p *parser) k8sEgress(s *Stack, enabled bool) K8sEgress {
	k := K8sEgress{ChartVersion: p.str("egressChartVersion"), PodCPU: p.str("egressPodCpu"), PodMemory: p.str("egressPodMemory")}
	sizeKey := "gcpEgressMachineType"
	switch s.Kind {
	case KindAzure:
		sizeKey = "azureEgressVmSize"
	case KindAWS:
		sizeKey = "awsEksEgressInstanceType"
	}
	k.NodeSize = p.str(sizeKey)
	if !enabled {
		return k
	}
	if !chartVersionRe.MatchString(k.ChartVersion) {
		p.fail(spec("egressChartVersion").Full(), quote(k.ChartVersion), "must pin an exact chart version such as 1.9.0 (no ranges)")
	}
	cpu, cpuOK := quantity.CPU(k.PodCPU)
	mem, memOK := quantity.MemoryGiB(k.PodMemory)
	switch {
	case !cpuOK:
		p.fail(spec("egressPodCpu").Full(), quote(k.PodCPU), "must be "+quantity.CPUExample)
	case cpu < minEgressCPU:
		p.fail(spec("egressPodCpu").Full(), quote(k.PodCPU), "must be at least 4: LiveKit recommends 4 CPUs per Egress instance (a room composite reserves 4 cores)")
	}
	switch {
	case !memOK:
		p.fail(spec("egressPodMemory").Full(), quote(k.PodMemory), "must be "+quantity.MemoryExample)
	case mem < minEgressMemGiB:
		p.fail(spec("egressPodMemory").Full(), quote(k.PodMemory), "must be at least 4Gi: LiveKit recommends 4 GB per Egress instance")
	}
	k.CPU, k.MemoryGiB = cpu, mem
	if p.failed("egressPodCpu") || p.failed("egressPodMemory") {
		return k
	}
	switch s.Kind {
	case KindAWS:
		p.eksEgressFits(k, sizeKey, cpu, mem)
	case KindGCP:
		if !machineTypeRe.MatchString(k.NodeSize) {
			p.fail(spec(sizeKey).Full(), quote(k.NodeSize), "must be a Compute Engine machine type such as n2-standard-8")
		} else if n, ok := gkeNode(k.NodeSize); ok {
			resCPU, resMem := gkeReserved(n)
			p.podFits("egressPodCpu", k.PodCPU, "egressPodMemory", k.PodMemory, sizeKey, k.NodeSize, "GKE", n, resCPU, resMem, gkeDaemonSets, cpu, mem)
		}
	case KindAzure:
		if !vmSizeRe.MatchString(k.NodeSize) {
			p.fail(spec(sizeKey).Full(), quote(k.NodeSize), "must be an Azure VM size such as Standard_D8s_v3")
		} else if n, ok := azureNode(k.NodeSize); ok && s.Azure != nil {
			minor := 0
			if m := minorRe.FindStringSubmatch(s.Azure.KubernetesVersion); m != nil {
				fmt.Sscanf(m[1], "1.%d", &minor)
			}
			if minor > 0 {
				resCPU, resMem := aksReserved(n, s.Azure.MaxPods, minor)
				p.podFits("egressPodCpu", k.PodCPU, "egressPodMemory", k.PodMemory, sizeKey, k.NodeSize, "AKS "+s.Azure.KubernetesVersion, n, resCPU, resMem, aksDaemonSets, cpu, mem)
			}
		}
	}
	return k
}

// LiveKit's recommendation per Egress instance (components.MinEgressCPU).
const (
	minEgressCPU    = 4.0
	minEgressMemGiB = 4.0
)
