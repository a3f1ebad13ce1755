package stackconfig

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/livekit-infra/livekit-infra/components/kubernetes/quantity"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// azureKeys are the azure kind's keys; azure-native:location is the
// provider's own key (read like aws:region).
var azureKeys = []Key{
	{Name: "azureVnetCidr", Type: "string", Default: "10.20.0.0/16", Kinds: []Kind{KindAzure},
		Description: "VNet IPv4 CIDR, /16 to /20: the first half holds the AKS nodes (pods take azurePodCidr addresses: Azure CNI Overlay), a /20-equivalent slice after it the private endpoints."},
	{Name: "azureServiceCidr", Type: "string", Default: "172.20.0.0/16", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Kubernetes service CIDR (cluster-internal); must not overlap azureVnetCidr. The cluster DNS service takes its .10 address."},
	{Name: "azurePodCidr", Type: "string", Default: "10.244.0.0/16", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Pod CIDR of Azure CNI Overlay, /12 to /20 (cluster-internal; host-network LiveKit pods use the address of their node); must not overlap azureVnetCidr or azureServiceCidr."},
	{Name: "azureAvailabilityZones", Type: "array", Default: []any{}, Kinds: []Kind{KindAzure},
		Description: "The 3 availability zones (\"1\", \"2\", \"3\") for the node pools and the ingress IP; empty for regions without zones."},
	{Name: "azureKubernetesVersion", Type: "string", Default: "1.36", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "AKS Kubernetes version, pinned: MAJOR.MINOR (patches follow the patch upgrade channel) or MAJOR.MINOR.PATCH."},
	{Name: "azureAksTier", Type: "string", Default: "Standard", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "AKS pricing tier: Free, Standard (financially backed API server SLA) or Premium."},
	{Name: "azureSystemVmSize", Type: "string", Default: "Standard_D2s_v3", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "VM size of the system node pool (CoreDNS, ingress, cert-manager); LiveKit never runs there."},
	{Name: "azureSystemNodes", Type: "integer", Default: 2, Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Nodes in the system node pool, 1-10."},
	{Name: "azureVmSize", Type: "string", Default: "Standard_D4s_v3", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "VM size of the LiveKit node pool (one LiveKit pod per node, host networking)."},
	{Name: "azurePodCpu", Type: "string", Default: "3", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "CPU request of the LiveKit pod (e.g. 3 or 3500m); must fit azureVmSize after AKS's reservations. Autoscaling targets a percentage of it."},
	{Name: "azurePodMemory", Type: "string", Default: "8Gi", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Memory request and limit of the LiveKit pod (e.g. 8Gi)."},
	{Name: "azureLivekitChartVersion", Type: "string", Default: "1.9.0", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Version of the livekit-server Helm chart from https://helm.livekit.io, pinned (no ranges)."},
	{Name: "azureMaxPods", Type: "integer", Default: 30, Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Maximum pods per node, 10-250 (Azure CNI Overlay: pod addresses come from a /24 of azurePodCidr per node, not from the VNet)."},
	{Name: "azureApiAuthorizedIpRanges", Type: "array", Default: []any{}, Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Public IPv4 CIDRs allowed to reach the AKS API server (your operators' and CI runners' egress); required unless azureAllowPublicApi is true. The LiveKit pool's node IP prefix is added automatically."},
	{Name: "azureAllowPublicApi", Type: "boolean", Default: false, Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Explicit opt-in to leave the AKS API server reachable from any address (Entra ID still authenticates every request) when azureApiAuthorizedIpRanges is empty; lkinfra plan warns while it is on."},
	{Name: "azureDrainSeconds", Type: "integer", Default: 18000, Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: fmt.Sprintf("Seconds a LiveKit node may drain its rooms when it is scaled in or upgraded (pod grace period, autoscaler and upgrade drain timeouts), %d-%d.", livekit.MinDrainSeconds, livekit.MaxDrainSeconds)},
	{Name: "azureRedisSku", Type: "string", Default: "Standard", Kinds: []Kind{KindAzure},
		Description: "Azure Cache for Redis SKU: Basic (no replica, no SLA), Standard (replicated) or Premium."},
	{Name: "azureRedisFamily", Type: "string", Default: "C", Kinds: []Kind{KindAzure},
		Description: "Azure Cache for Redis family: C for Basic/Standard, P for Premium."},
	{Name: "azureRedisCapacity", Type: "integer", Default: 1, Kinds: []Kind{KindAzure},
		Description: "Azure Cache for Redis size within the family: C0-C6 or P1-P5."},
	{Name: "azureRedisAccessKey", Type: "string", Default: "primary", Kinds: []Kind{KindAzure},
		Description: "Which of the cache's two access keys LiveKit and Egress use: primary or secondary. Switch to the other key before regenerating this one, so that a rotation has no outage (docs/azure.md)."},
	{Name: "azureStorageSku", Type: "string", Default: "Standard_ZRS", Kinds: []Kind{KindAzure},
		Description: "Recordings storage account replication: Standard_LRS, Standard_ZRS, Standard_GRS, Standard_GZRS, Standard_RAGRS or Standard_RAGZRS."},
	{Name: "azureCertManagerChartVersion", Type: "string", Default: "v1.21.2", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "cert-manager Helm chart version (charts.jetstack.io), pinned; at least v1.16 for Route 53 web-identity auth."},
	{Name: "azureTraefikChartVersion", Type: "string", Default: "41.3.0", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Traefik Helm chart version (traefik.github.io/charts), pinned: the TLS ingress in front of LiveKit signaling."},
	{Name: "azureAcmeServer", Type: "string", Default: "https://acme-v02.api.letsencrypt.org/directory", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "ACME directory for the signaling certificate; Let's Encrypt staging is https://acme-staging-v02.api.letsencrypt.org/directory."},
	{Name: "azureAcmeEmail", Type: "string", Default: "", Kinds: []Kind{KindAzure}, Platforms: aksOnly,
		Description: "Contact e-mail for the ACME account (expiry notices); empty registers without one."},
}

func init() {
	Keys = append(Keys, azureKeys...)
	providerKeys = append(providerKeys, "azure-native:location")
}

// Azure holds the azure-kind settings (AKS, Azure Cache for Redis, Blob
// Storage, Front Door).
type Azure struct {
	Location string
	// Platform is azurePlatform; ACI is set for AzurePlatformACI only.
	Platform          string
	ACI               *AzureACI
	VnetCIDR          netip.Prefix
	ServiceCIDR       netip.Prefix
	PodCIDR           netip.Prefix
	AvailabilityZones []string
	KubernetesVersion string
	AKSTier           string
	SystemVMSize      string
	SystemNodes       int
	VMSize            string
	PodCPU            string
	PodMemory         string
	ChartVersion      string
	MaxPods           int
	APIAuthorizedIPs  []string
	// AllowPublicAPI is the explicit opt-in to an API server without
	// authorized IP ranges.
	AllowPublicAPI bool
	DrainSeconds   int
	Redis          AzureRedis
	StorageSKU     string
	// RecordingsSharedKey allows shared-key access on the recordings
	// account while Egress runs (LiveKit Egress uploads with the account
	// key); RecordingsPrivateLink closes the account to the internet
	// (azurerecordings.go).
	RecordingsSharedKey   bool
	RecordingsPrivateLink bool
	CertManagerChart      string
	TraefikChart          string
	ACMEServer            string
	ACMEEmail             string
}

// AzureRedis sizes Azure Cache for Redis.
type AzureRedis struct {
	SKU      string
	Family   string
	Capacity int
	// AccessKey is the access key LiveKit and Egress use: "primary" or
	// "secondary" (azureRedisAccessKey).
	AccessKey string
}

// AKSNodeIPPrefixLength is the public IP prefix the LiveKit nodes take
// their addresses from when the API server has authorized ranges: /28, the
// largest Azure offers; AKSNodeIPPrefixSize its addresses.
const (
	AKSNodeIPPrefixLength = 28
	AKSNodeIPPrefixSize   = 1 << (32 - AKSNodeIPPrefixLength)
)

// AzureRedisVersion is the Redis major version: Azure Cache for Redis offers
// 4 and 6, and 4 is out of support.
const AzureRedisVersion = "6"

// NodeSubnet and EndpointSubnet carve the VNet: the first half for the nodes,
// then a sixteenth for private endpoints.
func (a *Azure) NodeSubnet() netip.Prefix     { return subnetOf(a.VnetCIDR, 1, 0) }
func (a *Azure) EndpointSubnet() netip.Prefix { return subnetOf(a.VnetCIDR, 4, 8) }

// DNSServiceIP is the cluster DNS address: .10 of the service CIDR.
func (a *Azure) DNSServiceIP() netip.Addr {
	b := a.ServiceCIDR.Masked().Addr().As4()
	b[3] += 10
	return netip.AddrFrom4(b)
}

func subnetOf(p netip.Prefix, newBits, index int) netip.Prefix {
	a := p.Masked().Addr().As4()
	base := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	bits := p.Bits() + newBits
	base |= uint32(index) << (32 - bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(base >> 24), byte(base >> 16), byte(base >> 8), byte(base)}), bits)
}

var (
	azureLocationRe = regexp.MustCompile(`^[a-z][a-z0-9]+$`)
	k8sVersionRe    = regexp.MustCompile(`^1\.[0-9]{2}(\.[0-9]{1,3})?$`)
	vmSizeRe        = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)
	chartVersionRe  = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+$`)
	emailRe         = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[a-z]{2,}$`)
)

func (p *parser) azure(s *Stack) *Azure {
	a := &Azure{}
	a.Location = p.providerKey(KindAzure, "azure-native:location", "southeastasia", azureLocationRe,
		"must be an Azure location name such as southeastasia (lower case, no spaces)")

	a.Platform = p.oneOf("azurePlatform", AzurePlatformAKS, AzurePlatformACI)
	if !p.failed("azurePlatform") {
		p.otherPlatformKeys(KindAzure, a.Platform)
	}
	aci := a.Platform == AzurePlatformACI
	if aci {
		a.ACI = p.azureACI(s)
	}

	a.VnetCIDR = p.privateCIDR("azureVnetCidr", 16, 20)
	a.ServiceCIDR = p.privateCIDR("azureServiceCidr", 12, 24)
	if a.VnetCIDR.IsValid() && a.ServiceCIDR.IsValid() && a.VnetCIDR.Overlaps(a.ServiceCIDR) {
		p.fail(spec("azureServiceCidr").Full(), quote(a.ServiceCIDR.String()), "must not overlap azureVnetCidr "+a.VnetCIDR.String()+": services and pods would route to the wrong place")
	}
	// Azure CNI Overlay takes pod addresses from this range; AKS rejects one
	// that overlaps the VNet or the service range (learn.microsoft.com/azure/aks/azure-cni-overlay).
	a.PodCIDR = p.privateCIDR("azurePodCidr", 12, 20)
	for _, other := range []struct {
		key string
		pfx netip.Prefix
	}{{"azureVnetCidr", a.VnetCIDR}, {"azureServiceCidr", a.ServiceCIDR}} {
		if a.PodCIDR.IsValid() && other.pfx.IsValid() && a.PodCIDR.Overlaps(other.pfx) {
			p.fail(spec("azurePodCidr").Full(), quote(a.PodCIDR.String()), "must not overlap "+other.key+" "+other.pfx.String()+": pick a private range outside both, e.g. 10.244.0.0/16")
		}
	}

	a.AvailabilityZones = p.list("azureAvailabilityZones")
	if n := len(a.AvailabilityZones); n > 0 {
		zk := spec("azureAvailabilityZones").Full()
		if n != 3 {
			p.fail(zk, "["+strings.Join(a.AvailabilityZones, ", ")+"]", fmt.Sprintf("must list 3 zones (got %d), or none for a region without zones", n))
		}
		seen := map[string]bool{}
		for _, z := range a.AvailabilityZones {
			if z != "1" && z != "2" && z != "3" {
				p.fail(zk, quote(z), `must be "1", "2" or "3" (Azure zone numbers)`)
			}
			if seen[z] {
				p.fail(zk, quote(z), "is listed twice; zones must be distinct")
			}
			seen[z] = true
		}
	}

	a.KubernetesVersion = p.str("azureKubernetesVersion")
	if !k8sVersionRe.MatchString(a.KubernetesVersion) {
		p.fail(spec("azureKubernetesVersion").Full(), quote(a.KubernetesVersion), "must pin a Kubernetes version AKS supports, as 1.MINOR or 1.MINOR.PATCH (e.g. 1.36); see `az aks get-versions`")
	}
	a.AKSTier = p.oneOf("azureAksTier", "Free", "Standard", "Premium")
	a.SystemVMSize = p.vmSize("azureSystemVmSize")
	a.SystemNodes = p.integer("azureSystemNodes", 1, 10)
	a.VMSize = p.vmSize("azureVmSize")
	a.PodCPU = p.str("azurePodCpu")
	if _, ok := quantity.CPU(a.PodCPU); !ok {
		p.fail(spec("azurePodCpu").Full(), quote(a.PodCPU), "must be "+quantity.CPUExample)
	}
	a.PodMemory = p.str("azurePodMemory")
	if _, ok := quantity.MemoryGiB(a.PodMemory); !ok {
		p.fail(spec("azurePodMemory").Full(), quote(a.PodMemory), "must be "+quantity.MemoryExample)
	}
	a.ChartVersion = p.exactChartVersion("azureLivekitChartVersion")
	a.MaxPods = p.integer("azureMaxPods", 10, 250)
	if n, ok := azureNode(a.VMSize); ok && !aci && !p.failed("azureMaxPods") {
		cpu, cpuOK := quantity.CPU(a.PodCPU)
		mem, memOK := quantity.MemoryGiB(a.PodMemory)
		minor := 0
		if m := minorRe.FindStringSubmatch(a.KubernetesVersion); m != nil {
			fmt.Sscanf(m[1], "1.%d", &minor)
		}
		if cpuOK && memOK && minor > 0 {
			resCPU, resMem := aksReserved(n, a.MaxPods, minor)
			p.podFits("azurePodCpu", a.PodCPU, "azurePodMemory", a.PodMemory, "azureVmSize", a.VMSize, "AKS "+a.KubernetesVersion, n, resCPU, resMem, aksDaemonSets, cpu, mem)
		}
	}

	a.APIAuthorizedIPs = p.list("azureApiAuthorizedIpRanges")
	a.AllowPublicAPI = p.boolean("azureAllowPublicApi")
	if !aci {
		p.apiAllowList("azureApiAuthorizedIpRanges", "azureAllowPublicApi", a.APIAuthorizedIPs, a.AllowPublicAPI, "AKS API server")
	}
	// AKS: node pools with node public IPs must take them from a public IP
	// prefix, and that prefix must be an authorized range, or their
	// kubelets cannot reach the API server (learn.microsoft.com/azure/aks/
	// api-server-authorized-ip-ranges, "Limitations and considerations").
	// A prefix holds at most 16 IPv4 addresses (/28: learn.microsoft.com/
	// azure/virtual-network/ip-services/public-ip-address-prefix, "Prefix
	// sizes"), and an upgrade surges one node more.
	if !aci && len(a.APIAuthorizedIPs) > 0 && s.Region != nil && !p.failed("maxNodes") && s.Region.Scaling.Max+1 > AKSNodeIPPrefixSize {
		p.fail(spec("maxNodes").Full(), strconv.Itoa(s.Region.Scaling.Max), fmt.Sprintf(
			"must be at most %d for kind azure with azureApiAuthorizedIpRanges: LiveKit nodes (plus one upgrade surge node) take their public IPs from one /28 public IP prefix (16 addresses) that the API server admits", AKSNodeIPPrefixSize-1))
	}
	a.DrainSeconds = p.integer("azureDrainSeconds", livekit.MinDrainSeconds, livekit.MaxDrainSeconds)

	r := AzureRedis{
		SKU:      p.oneOf("azureRedisSku", "Basic", "Standard", "Premium"),
		Family:   p.oneOf("azureRedisFamily", "C", "P"),
		Capacity: p.integer("azureRedisCapacity", 0, 6),
		// Azure keeps two keys so that clients can move to one while the
		// other is regenerated.
		AccessKey: p.oneOf("azureRedisAccessKey", "primary", "secondary"),
	}
	switch {
	case r.SKU == "Premium" && r.Family != "P":
		p.fail(spec("azureRedisFamily").Full(), quote(r.Family), "must be P for azureRedisSku Premium")
	case r.SKU != "Premium" && r.Family != "C":
		p.fail(spec("azureRedisFamily").Full(), quote(r.Family), "must be C for azureRedisSku "+r.SKU)
	case r.Family == "P" && (r.Capacity < 1 || r.Capacity > 5):
		p.fail(spec("azureRedisCapacity").Full(), strconv.Itoa(r.Capacity), "must be 1-5 for the P family")
	}
	a.Redis = r

	a.StorageSKU = p.oneOf("azureStorageSku", "Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS", "Standard_RAGRS", "Standard_RAGZRS")
	p.azureRecordings(s, a)

	a.CertManagerChart = p.chartVersion("azureCertManagerChartVersion")
	if v := a.CertManagerChart; chartVersionRe.MatchString(v) {
		var major, minor int
		fmt.Sscanf(strings.TrimPrefix(v, "v"), "%d.%d", &major, &minor)
		if major == 1 && minor < 16 {
			p.fail(spec("azureCertManagerChartVersion").Full(), quote(v), "must be v1.16.0 or later: older cert-manager cannot authenticate to Route 53 with a Kubernetes service account token")
		}
	}
	a.TraefikChart = p.chartVersion("azureTraefikChartVersion")
	a.ACMEServer = p.str("azureAcmeServer")
	if !strings.HasPrefix(a.ACMEServer, "https://") {
		p.fail(spec("azureAcmeServer").Full(), quote(a.ACMEServer), "must be an https:// ACME directory URL")
	}
	a.ACMEEmail = p.str("azureAcmeEmail")
	if a.ACMEEmail != "" && !emailRe.MatchString(a.ACMEEmail) {
		p.fail(spec("azureAcmeEmail").Full(), quote(a.ACMEEmail), "must be an e-mail address or empty")
	}

	if s.Region != nil {
		// Log Analytics (PerGB2018) keeps data 30-730 days.
		if d := s.Region.LogRetentionDays; d < 30 || d > 730 {
			p.fail(spec("logRetentionDays").Full(), strconv.Itoa(d), "must be 30-730 for kind azure (Log Analytics retention)")
		}
		if !aci {
			p.azureNodeSubnetFits(a, s.Region.Scaling.Max)
		}
	}
	return a
}

// azureNodeSubnetFits checks the node subnet holds every node at full scale,
// plus upgrade surge, and that the overlay pod CIDR holds a /24 for each of
// them (Azure CNI Overlay gives every node a /24 of it:
// learn.microsoft.com/azure/aks/azure-cni-overlay, "IP address planning").
func (p *parser) azureNodeSubnetFits(a *Azure, maxNodes int) {
	nodes := a.SystemNodes + (a.SystemNodes+2)/3 + maxNodes + 1
	if a.VnetCIDR.IsValid() {
		have := 1<<(32-a.NodeSubnet().Bits()) - 5 // Azure reserves 5 per subnet
		if nodes > have {
			p.fail(spec("azureVnetCidr").Full(), quote(a.VnetCIDR.String()),
				fmt.Sprintf("node subnet %s has %d usable addresses but %d nodes need one each; use a larger VNet", a.NodeSubnet(), have, nodes))
		}
	}
	if a.PodCIDR.IsValid() {
		if blocks := 1 << (24 - a.PodCIDR.Bits()); nodes > blocks {
			p.fail(spec("azurePodCidr").Full(), quote(a.PodCIDR.String()),
				fmt.Sprintf("holds %d node /24s but %d nodes (maxNodes, system pool and upgrade surge) need one each; use a larger range", blocks, nodes))
		}
	}
}

func (p *parser) vmSize(name string) string {
	v := p.str(name)
	if !vmSizeRe.MatchString(v) {
		p.fail(spec(name).Full(), quote(v), "must be an Azure VM size such as Standard_D4s_v3")
	}
	return v
}

func (p *parser) chartVersion(name string) string {
	v := p.str(name)
	if !chartVersionRe.MatchString(v) {
		p.fail(spec(name).Full(), quote(v), "must pin an exact chart version such as "+fmt.Sprint(spec(name).Default)+" (no ranges)")
	}
	return v
}
