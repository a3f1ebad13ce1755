package stackconfig

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/quantity"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

var gcpOnly = []Kind{KindGCP}

// gcpKeys are the gcp kind's keys; gcp:project and gcp:region are the
// provider's own keys.
var gcpKeys = []Key{
	{Name: "gcpNetworkCidr", Type: "string", Default: "10.10.0.0/20", Kinds: gcpOnly,
		Description: "Primary IPv4 range of the regional subnet (node addresses), /16 to /24."},
	{Name: "gcpPodsCidr", Type: "string", Default: "10.20.0.0/16", Kinds: gcpOnly,
		Description: "Secondary range for GKE pods (VPC-native); each node takes a /24, so it bounds maxNodes."},
	{Name: "gcpServicesCidr", Type: "string", Default: "10.24.0.0/20", Kinds: gcpOnly,
		Description: "Secondary range for GKE services, /16 to /27."},
	{Name: "gcpPrivateServiceCidr", Type: "string", Default: "10.30.0.0/20", Kinds: gcpOnly,
		Description: "Range reserved for private service access (Memorystore), /16 to /24."},
	{Name: "gcpMachineType", Type: "string", Default: "n2-standard-4", Kinds: gcpOnly,
		Description: "Machine type of the LiveKit node pool (one LiveKit pod per node)."},
	{Name: "gcpDiskSizeGb", Type: "integer", Default: 100, Kinds: gcpOnly,
		Description: "Boot disk size of each LiveKit node, in GB (20-1000)."},
	{Name: "gcpPodCpu", Type: "string", Default: "3", Kinds: gcpOnly,
		Description: "CPU request of the LiveKit pod (e.g. 3 or 3500m); must fit the machine type. Autoscaling targets a percentage of it."},
	{Name: "gcpPodMemory", Type: "string", Default: "8Gi", Kinds: gcpOnly,
		Description: "Memory request and limit of the LiveKit pod (e.g. 8Gi)."},
	{Name: "gcpReleaseChannel", Type: "string", Default: "REGULAR", Kinds: gcpOnly,
		Description: "GKE release channel: RAPID, REGULAR, STABLE or EXTENDED."},
	{Name: "gcpKubernetesVersion", Type: "string", Default: "", Kinds: gcpOnly,
		Description: "Minimum GKE control-plane version (e.g. 1.31); empty follows the release channel's default."},
	{Name: "gcpMasterAuthorizedNetworks", Type: "array", Default: []any{}, Kinds: gcpOnly,
		Description: "IPv4 CIDRs allowed to reach the GKE control plane's public endpoint (your operators' and CI runners' egress); required unless gcpAllowPublicApi is true."},
	{Name: "gcpAllowPublicApi", Type: "boolean", Default: false, Kinds: gcpOnly,
		Description: "Explicit opt-in to leave the GKE control plane's public endpoint reachable from any address (IAM still authenticates every request) when gcpMasterAuthorizedNetworks is empty; lkinfra plan warns while it is on."},
	{Name: "gcpRedisMemoryGb", Type: "integer", Default: 5, Kinds: gcpOnly,
		Description: fmt.Sprintf("Memorystore capacity in GB (%d-%d; Standard tier, primary plus a replica in another zone).", components.MinMemorystoreGB, components.MaxMemorystoreGB)},
	{Name: "gcpRedisVersion", Type: "string", Default: "REDIS_7_2", Kinds: gcpOnly,
		Description: "Memorystore Redis version: REDIS_7_0 or REDIS_7_2."},
	{Name: "gcpLivekitChartVersion", Type: "string", Default: "1.9.0", Kinds: gcpOnly,
		Description: "Version of the livekit-server Helm chart from https://helm.livekit.io, pinned (no ranges)."},
	{Name: "gcpDrainSeconds", Type: "integer", Default: 18000, Kinds: gcpOnly,
		Description: "terminationGracePeriodSeconds of LiveKit pods: how long a stopping node keeps serving its rooms (300-86400)."},
	{Name: "gcpDnsAwsRegion", Type: "string", Default: "us-east-1", Kinds: gcpOnly,
		Description: "Region of the AWS provider used only for the Route 53 records (the zone is global)."},
}

func init() {
	Keys = append(Keys, gcpKeys...)
	providerKeys = append(providerKeys, "gcp:project", "gcp:region")
}

// GCP holds the gcp-kind settings (GKE, Memorystore, Cloud Storage).
type GCP struct {
	Project, Region          string
	NetworkCIDR              netip.Prefix
	PodsCIDR                 netip.Prefix
	ServicesCIDR             netip.Prefix
	PrivateServiceCIDR       netip.Prefix
	MachineType              string
	DiskSizeGB               int
	PodCPU, PodMemory        string
	ReleaseChannel           string
	KubernetesVersion        string
	MasterAuthorizedNetworks []netip.Prefix
	// AllowPublicAPI is the explicit opt-in to a control plane without
	// authorized networks.
	AllowPublicAPI bool
	RedisMemoryGB  int
	RedisVersion   string
	ChartVersion   string
	DrainSeconds   int
	DNSAWSRegion   string
}

var (
	gcpProjectRe  = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpRegionRe   = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+$`)
	machineTypeRe = regexp.MustCompile(`^[a-z][a-z0-9]*-[a-z0-9-]+$`)
	predefinedRe  = regexp.MustCompile(`^[a-z][a-z0-9]*-(standard|highcpu|highmem)-([0-9]+)$`)
	gkeVersionRe  = regexp.MustCompile(`^1\.[0-9]+(\.[0-9]+(-gke\.[0-9]+)?)?$`)
)

// gbPerVCPU is the memory of the predefined machine families.
var gbPerVCPU = map[string]float64{"standard": 4, "highcpu": 1, "highmem": 8}

func (p *parser) gcp(s *Stack) *GCP {
	g := &GCP{}
	p.gcpPlatform()
	g.Project = p.providerKey(KindGCP, "gcp:project", "<project-id>", gcpProjectRe,
		"must be a project ID: 6-30 lowercase letters, digits or hyphens, starting with a letter")
	g.Region = p.providerKey(KindGCP, "gcp:region", "europe-west1", gcpRegionRe, "must be a GCP region such as europe-west1 (not a zone)")

	maxNodes := 0
	if s.Region != nil {
		maxNodes = s.Region.Scaling.Max
	}
	g.NetworkCIDR = p.privateCIDR("gcpNetworkCidr", 16, 24)
	g.PodsCIDR = p.privateCIDR("gcpPodsCidr", 9, 21)
	// GKE gives every node a /24 of the pods range (110 pods per node).
	if g.PodsCIDR.IsValid() && maxNodes > 0 {
		if nodes := 1 << (24 - g.PodsCIDR.Bits()); nodes < maxNodes {
			p.fail(spec("gcpPodsCidr").Full(), quote(g.PodsCIDR.String()),
				fmt.Sprintf("holds %d node /24s but maxNodes is %d: use a larger range, e.g. /%d", nodes, maxNodes, 24-bitsFor(maxNodes)))
		}
	}
	g.ServicesCIDR = p.privateCIDR("gcpServicesCidr", 16, 27)
	g.PrivateServiceCIDR = p.privateCIDR("gcpPrivateServiceCidr", 16, 24)
	ranges := []struct {
		key string
		pfx netip.Prefix
	}{{"gcpNetworkCidr", g.NetworkCIDR}, {"gcpPodsCidr", g.PodsCIDR}, {"gcpServicesCidr", g.ServicesCIDR}, {"gcpPrivateServiceCidr", g.PrivateServiceCIDR}}
	for i := range ranges {
		for j := i + 1; j < len(ranges); j++ {
			a, b := ranges[i], ranges[j]
			if a.pfx.IsValid() && b.pfx.IsValid() && a.pfx.Overlaps(b.pfx) {
				p.fail(spec(b.key).Full(), quote(b.pfx.String()), fmt.Sprintf("overlaps %s (%s); the four GCP ranges must be disjoint", spec(a.key).Full(), a.pfx))
			}
		}
	}

	g.MachineType = p.str("gcpMachineType")
	if !machineTypeRe.MatchString(g.MachineType) {
		p.fail(spec("gcpMachineType").Full(), quote(g.MachineType), "must be a Compute Engine machine type such as n2-standard-4")
	}
	g.DiskSizeGB = p.integer("gcpDiskSizeGb", 20, 1000)
	g.PodCPU = p.str("gcpPodCpu")
	cpu, cpuOK := quantity.CPU(g.PodCPU)
	if !cpuOK || cpu <= 0 {
		p.fail(spec("gcpPodCpu").Full(), quote(g.PodCPU), "must be "+quantity.CPUExample)
	}
	g.PodMemory = p.str("gcpPodMemory")
	memGiB, memOK := quantity.MemoryGiB(g.PodMemory)
	if !memOK || memGiB <= 0 {
		p.fail(spec("gcpPodMemory").Full(), quote(g.PodMemory), "must be "+quantity.MemoryExample)
	}
	// One LiveKit pod per node: its requests must fit what GKE leaves
	// allocatable (allocatable.go).
	if n, ok := gkeNode(g.MachineType); ok && cpuOK && memOK && cpu > 0 && memGiB > 0 {
		resCPU, resMem := gkeReserved(n)
		p.podFits("gcpPodCpu", g.PodCPU, "gcpPodMemory", g.PodMemory, "gcpMachineType", g.MachineType, "GKE", n, resCPU, resMem, gkeDaemonSets, cpu, memGiB)
	}

	g.ReleaseChannel = p.oneOf("gcpReleaseChannel", "RAPID", "REGULAR", "STABLE", "EXTENDED")
	g.KubernetesVersion = p.str("gcpKubernetesVersion")
	if g.KubernetesVersion != "" && !gkeVersionRe.MatchString(g.KubernetesVersion) {
		p.fail(spec("gcpKubernetesVersion").Full(), quote(g.KubernetesVersion), "must be empty or a GKE version such as 1.31 or 1.31.5-gke.1000")
	}
	g.AllowPublicAPI = p.boolean("gcpAllowPublicApi")
	g.MasterAuthorizedNetworks = p.apiAllowList("gcpMasterAuthorizedNetworks", "gcpAllowPublicApi", p.list("gcpMasterAuthorizedNetworks"), g.AllowPublicAPI, "GKE control plane")

	g.RedisMemoryGB = p.integer("gcpRedisMemoryGb", components.MinMemorystoreGB, components.MaxMemorystoreGB)
	g.RedisVersion = p.oneOf("gcpRedisVersion", "REDIS_7_0", "REDIS_7_2")
	g.ChartVersion = p.exactChartVersion("gcpLivekitChartVersion")
	g.DrainSeconds = p.integer("gcpDrainSeconds", livekit.MinDrainSeconds, livekit.MaxDrainSeconds)
	g.DNSAWSRegion = p.str("gcpDnsAwsRegion")
	if !awsRegionRe.MatchString(g.DNSAWSRegion) {
		p.fail(spec("gcpDnsAwsRegion").Full(), quote(g.DNSAWSRegion), "must be an AWS region such as us-east-1")
	}
	return g
}

func bitsFor(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}
