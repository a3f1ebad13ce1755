package stackconfig

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/livekit-infra/livekit-infra/components/kubernetes/quantity"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// The aws kind's platforms: ECS Fargate (the default) or EKS.
const (
	AWSPlatformFargate = "fargate"
	AWSPlatformEKS     = "eks"
)

// platformKeys names, per kind, the key that picks its platform. A key whose
// Platforms is set belongs to those platforms of its kinds that have a
// platform key (of the others, it belongs to every stack); set on a
// stack of another platform it is an error, like a key of another kind.
var platformKeys = map[Kind]string{KindAWS: "awsPlatform"}

var (
	fargateOnly = []string{AWSPlatformFargate}
	eksOnly     = []string{AWSPlatformEKS}
)

var awsPlatformKeys = []Key{
	{Name: "awsPlatform", Type: "string", Default: AWSPlatformFargate, Kinds: []Kind{KindAWS},
		Description: fmt.Sprintf("Where LiveKit runs: fargate (ECS Fargate, drains at most %d s) or eks (EKS managed node groups, one LiveKit pod per node, drains for awsEksDrainSeconds).", livekit.FargateMaxDrainSeconds)},
}

// awsEKSKeys are the keys of an aws stack with awsPlatform eks.
var awsEKSKeys = []Key{
	{Name: "awsEksKubernetesVersion", Type: "string", Default: "1.34", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "EKS Kubernetes version, pinned as 1.MINOR (EKS applies patches)."},
	{Name: "awsEksPublicAccessCidrs", Type: "array", Default: []any{}, Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "Public IPv4 CIDRs allowed to reach the EKS API endpoint (your operators' and CI runners' egress); required unless awsEksAllowPublicApi is true. Nodes reach it through the private endpoint."},
	{Name: "awsEksAllowPublicApi", Type: "boolean", Default: false, Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "Explicit opt-in to leave the EKS API endpoint reachable from any address (IAM still authenticates every request) when awsEksPublicAccessCidrs is empty; lkinfra plan warns while it is on."},
	{Name: "awsEksInstanceType", Type: "string", Default: "c6i.xlarge", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "EC2 instance type of the LiveKit node group (one LiveKit pod per node, host networking, public IP)."},
	{Name: "awsEksSystemInstanceType", Type: "string", Default: "t3.medium", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "EC2 instance type of the system node group (CoreDNS, the load balancer controller, the cluster autoscaler); LiveKit never runs there."},
	{Name: "awsEksSystemNodes", Type: "integer", Default: 2, Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "Nodes in the system node group (private subnets), 1-10."},
	{Name: "awsEksPodCpu", Type: "string", Default: "3", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "CPU request of the LiveKit pod (e.g. 3 or 3500m); must fit awsEksInstanceType. Autoscaling targets a percentage of it."},
	{Name: "awsEksPodMemory", Type: "string", Default: "5Gi", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "Memory request and limit of the LiveKit pod (e.g. 5Gi)."},
	{Name: "awsEksDrainSeconds", Type: "integer", Default: 18000, Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: fmt.Sprintf("Seconds a LiveKit node may drain its rooms when it is scaled in or replaced (pod grace period, cluster autoscaler's graceful termination), %d-%d.", livekit.MinDrainSeconds, livekit.MaxDrainSeconds)},
	{Name: "awsEksLivekitChartVersion", Type: "string", Default: "1.9.0", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "Version of the livekit-server Helm chart from https://helm.livekit.io, pinned (no ranges)."},
	{Name: "awsEksLoadBalancerControllerChartVersion", Type: "string", Default: "1.17.1", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "Version of the aws-load-balancer-controller Helm chart (https://aws.github.io/eks-charts), pinned: it registers the LiveKit pods in the signaling ALB's target group."},
	{Name: "awsEksClusterAutoscalerChartVersion", Type: "string", Default: "9.56.0", Kinds: []Kind{KindAWS}, Platforms: eksOnly,
		Description: "Version of the cluster-autoscaler Helm chart (https://kubernetes.github.io/autoscaler), pinned: it sizes the LiveKit node group between minNodes and maxNodes."},
}

func init() {
	Keys = append(append(Keys, awsPlatformKeys...), awsEKSKeys...)
	publicAPIOptIns[KindAWS] = struct{ key, list, what string }{"awsEksAllowPublicApi", "awsEksPublicAccessCidrs", "the EKS API endpoint"}
}

// AWSEKS holds the settings of an aws stack on EKS.
type AWSEKS struct {
	KubernetesVersion  string
	PublicAccessCIDRs  []netip.Prefix
	AllowPublicAPI     bool
	InstanceType       string
	SystemInstanceType string
	SystemNodes        int
	PodCPU, PodMemory  string
	DrainSeconds       int
	ChartVersion       string
	LBCChartVersion    string
	CAChartVersion     string
}

var (
	ec2InstanceTypeRe = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+$`)
	eksVersionRe      = regexp.MustCompile(`^1\.[0-9]{2}$`)
)

// otherPlatformKeys reports keys of the stack's kind that belong to another
// platform (awsTaskCpu on an eks stack, awsEksInstanceType on a fargate
// one). As with otherKindKeys, a value equal to the declared default is
// Pulumi.yaml's, not the user's, and passes.
func (p *parser) otherPlatformKeys(kind Kind, platform string) {
	pk, ok := platformKeys[kind]
	if !ok {
		return
	}
	var names []string
	for full, v := range p.raw.Values {
		ns, name, ok := strings.Cut(full, ":")
		if !ok || ns != Namespace {
			continue
		}
		if k, known := KeyByName(name); known && slices.Contains(k.Kinds, kind) && len(kindPlatforms(kind, k.Platforms)) > 0 &&
			!slices.Contains(k.Platforms, platform) && !isDefault(k, v) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		k, _ := KeyByName(name)
		p.fail(k.Full(), quote(shortValue(p.raw.Values[k.Full()])), fmt.Sprintf("is a key of %s %s stacks, not of this %s %s stack: remove it (`pulumi config rm %s`) or set %s",
			spec(pk).Full(), strings.Join(kindPlatforms(kind, k.Platforms), ", "), spec(pk).Full(), platform, k.Full(), spec(pk).Full()))
	}
}

// platformsOf lists each kind's platforms: a key's Platforms constrain a
// kind only through the platforms of that kind (controlPlaneLogs is an eks
// key of the aws kind and a key of every gcp and azure stack).
var platformsOf = map[Kind][]string{
	KindAWS:   {AWSPlatformFargate, AWSPlatformEKS},
	KindAzure: {AzurePlatformAKS, AzurePlatformACI},
}

// kindPlatforms is the part of platforms that belongs to kind.
func kindPlatforms(kind Kind, platforms []string) []string {
	var out []string
	for _, pl := range platforms {
		if slices.Contains(platformsOf[kind], pl) {
			out = append(out, pl)
		}
	}
	return out
}

func (p *parser) awsEKS() *AWSEKS {
	e := &AWSEKS{}
	e.KubernetesVersion = p.str("awsEksKubernetesVersion")
	if !eksVersionRe.MatchString(e.KubernetesVersion) {
		p.fail(spec("awsEksKubernetesVersion").Full(), quote(e.KubernetesVersion), "must pin a Kubernetes version EKS supports as 1.MINOR (e.g. 1.34); see `aws eks describe-cluster-versions`")
	}
	e.AllowPublicAPI = p.boolean("awsEksAllowPublicApi")
	e.PublicAccessCIDRs = p.apiAllowList("awsEksPublicAccessCidrs", "awsEksAllowPublicApi", p.list("awsEksPublicAccessCidrs"), e.AllowPublicAPI, "EKS API endpoint")
	for _, name := range []string{"awsEksInstanceType", "awsEksSystemInstanceType"} {
		v := p.str(name)
		if !ec2InstanceTypeRe.MatchString(v) {
			p.fail(spec(name).Full(), quote(v), "must be an EC2 instance type such as c6i.xlarge")
		}
		if name == "awsEksInstanceType" {
			e.InstanceType = v
		} else {
			e.SystemInstanceType = v
		}
	}
	e.SystemNodes = p.integer("awsEksSystemNodes", 1, 10)
	e.PodCPU = p.str("awsEksPodCpu")
	if _, ok := quantity.CPU(e.PodCPU); !ok {
		p.fail(spec("awsEksPodCpu").Full(), quote(e.PodCPU), "must be "+quantity.CPUExample)
	}
	e.PodMemory = p.str("awsEksPodMemory")
	if _, ok := quantity.MemoryGiB(e.PodMemory); !ok {
		p.fail(spec("awsEksPodMemory").Full(), quote(e.PodMemory), "must be "+quantity.MemoryExample)
	}
	// One LiveKit pod per node: its requests must fit what EKS leaves
	// allocatable (allocatable.go). Other families are not checked.
	if n, ok := eksNode(e.InstanceType); ok && !p.failed("awsEksPodCpu") && !p.failed("awsEksPodMemory") {
		cpu, _ := quantity.CPU(e.PodCPU)
		mem, _ := quantity.MemoryGiB(e.PodMemory)
		resCPU, resMem := eksReserved(n)
		p.podFits("awsEksPodCpu", e.PodCPU, "awsEksPodMemory", e.PodMemory, "awsEksInstanceType", e.InstanceType, "EKS", n, resCPU, resMem, eksDaemonSets, cpu, mem)
	}
	e.DrainSeconds = p.integer("awsEksDrainSeconds", livekit.MinDrainSeconds, livekit.MaxDrainSeconds)
	e.ChartVersion = p.exactChartVersion("awsEksLivekitChartVersion")
	e.LBCChartVersion = p.exactChartVersion("awsEksLoadBalancerControllerChartVersion")
	e.CAChartVersion = p.exactChartVersion("awsEksClusterAutoscalerChartVersion")
	return e
}
