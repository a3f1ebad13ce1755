package stackconfig

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// awsHealthKeys tune how the ECS service tells a dead task from one that
// lost Redis (components/aws Readiness).
var awsHealthKeys = []Key{
	{Name: "awsRedisOutageToleranceSeconds", Type: "integer", Default: 60, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Seconds a LiveKit task may answer 406 (lost Redis, e.g. an ElastiCache failover or patch) before its target group fails it and ECS replaces it, " +
			fmt.Sprintf("%d-%d", livekit.FargateMinRedisOutageSeconds, livekit.FargateMaxRedisOutageSeconds) + "; Route 53 still fails the region over within seconds."},
}

func init() { Keys = append(append(Keys, awsKeys...), awsHealthKeys...) }

// AWS holds the aws-kind settings (ECS Fargate, ElastiCache, ALB).
type AWS struct {
	Region            string
	VpcCIDR           netip.Prefix
	AvailabilityZones []string // empty: the region's first three
	NATGateways       string   // perAz, single, none
	TaskCPU           int
	TaskMemory        int
	// ScaleOutCooldown and ScaleInCooldown pace the Fargate services'
	// target tracking (LiveKit's and Egress's).
	ScaleOutCooldown, ScaleInCooldown int
	// EgressTaskCPU and EgressTaskMemory size an Egress task (egress.go).
	EgressTaskCPU, EgressTaskMemory int
	DrainSeconds                    int
	ContainerInsights               bool
	Redis                           AWSRedis
	ALBIdleTimeout                  int
	ALBSSLPolicy                    string
	CDNPriceClass                   string
	// RedisOutageTolerance is awsRedisOutageToleranceSeconds.
	RedisOutageTolerance int
	// Spot is the Fargate Spot capacity provider strategy; nil is off.
	Spot *FargateSpot
	// Platform is awsPlatform; EKS is set for AWSPlatformEKS only.
	Platform string
	EKS      *AWSEKS
}

// AWSRedis configures the ElastiCache replication group.
type AWSRedis struct {
	Password              Secret
	NodeType              string
	Nodes                 int
	EngineVersion         string
	MaintenanceWindow     string
	SnapshotWindow        string
	SnapshotRetentionDays int
}

// NAT gateway modes.
const (
	NATPerAZ  = "perAz"
	NATSingle = "single"
	NATNone   = "none"
)

// fargateMemory lists the memory sizes (MiB) Fargate accepts per CPU value.
var fargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   steps(1024, 4096, 1024),
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var out []int
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}

// TLS 1.2+ ALB policies; older ones still allow TLS 1.0/1.1.
var albSSLPolicies = []string{
	"ELBSecurityPolicy-TLS13-1-2-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
	"ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-FS-1-2-Res-2020-10",
	"ELBSecurityPolicy-FS-1-2-Res-2019-08",
}

// CloudWatch Logs accepts only these retention periods.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	awsRegionRe   = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	nodeTypeRe    = regexp.MustCompile(`^cache\.[a-z][a-z0-9]*\.[a-z0-9]+$`)
	day           = `(sun|mon|tue|wed|thu|fri|sat)`
	hhmm          = `([01][0-9]|2[0-3]):[0-5][0-9]`
	maintWindowRe = regexp.MustCompile(`^` + day + `:` + hhmm + `-` + day + `:` + hhmm + `$`)
	snapWindowRe  = regexp.MustCompile(`^` + hhmm + `-` + hhmm + `$`)
	// CreateReplicationGroup's AuthToken: printable ASCII whose only
	// special characters are ! & # $ ^ < > -
	// (docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html).
	authTokenRe = regexp.MustCompile(`^[A-Za-z0-9!&#$^<>-]+$`)
)

func (p *parser) aws(s *Stack) *AWS {
	a := &AWS{}
	a.Region = p.providerKey(KindAWS, "aws:region", "us-west-2", awsRegionRe, "must be an AWS region such as us-west-2")

	cidrRaw := p.str("awsVpcCidr")
	if pfx, err := netip.ParsePrefix(cidrRaw); err != nil || !pfx.Addr().Is4() {
		p.fail(spec("awsVpcCidr").Full(), quote(cidrRaw), "must be an IPv4 CIDR such as 10.0.0.0/16")
	} else if pfx.Masked() != pfx {
		p.fail(spec("awsVpcCidr").Full(), quote(cidrRaw), fmt.Sprintf("has host bits set; did you mean %s?", pfx.Masked()))
	} else if pfx.Bits() < 16 {
		p.fail(spec("awsVpcCidr").Full(), quote(cidrRaw), "prefix must be /16 to /23 (AWS allows /16-/28)")
	} else if pfx.Bits()+awsSubnetNewBits > albMinSubnetBits {
		// The six subnets are sixteenths of the VPC; the ALB's need a /27.
		p.fail(spec("awsVpcCidr").Full(), quote(cidrRaw), fmt.Sprintf(
			"prefix must be /16 to /23: the public subnets are sixteenths of the VPC (/%d here), and the ALB needs subnets of at least /%d with %d free addresses",
			pfx.Bits()+awsSubnetNewBits, albMinSubnetBits, albFreeIPs))
	} else if !pfx.Addr().IsPrivate() && !netip.MustParsePrefix("100.64.0.0/10").Contains(pfx.Addr()) {
		p.fail(spec("awsVpcCidr").Full(), quote(cidrRaw), "must be a private range (10/8, 172.16/12, 192.168/16 or 100.64/10)")
	} else {
		a.VpcCIDR = pfx
	}

	a.AvailabilityZones = p.list("awsAvailabilityZones")
	if n := len(a.AvailabilityZones); n > 0 {
		azKey := spec("awsAvailabilityZones").Full()
		given := "[" + strings.Join(a.AvailabilityZones, ", ") + "]"
		if n != 3 {
			p.fail(azKey, given, fmt.Sprintf("must list exactly 3 zones (got %d), or be empty for the region's first 3", n))
		}
		seen := map[string]bool{}
		for _, z := range a.AvailabilityZones {
			if a.Region != "" && (!strings.HasPrefix(z, a.Region) || len(z) <= len(a.Region)) {
				p.fail(azKey, quote(z), "must be a zone of "+a.Region+", e.g. "+a.Region+"a")
			}
			if seen[z] {
				p.fail(azKey, quote(z), "is listed twice; zones must be distinct")
			}
			seen[z] = true
		}
	}
	a.NATGateways = p.oneOf("awsNatGateways", NATPerAZ, NATSingle, NATNone)
	a.Platform = p.oneOf("awsPlatform", AWSPlatformFargate, AWSPlatformEKS)

	a.ScaleOutCooldown = p.integer("scaleOutCooldown", 0, 3600)
	a.ScaleInCooldown = p.integer("scaleInCooldown", 0, 86400)
	a.TaskCPU = p.integer("awsTaskCpu", 256, 16384)
	a.TaskMemory = p.integer("awsTaskMemory", 512, 122880)
	if mems, ok := fargateMemory[a.TaskCPU]; p.failed("awsTaskCpu") || a.Platform == AWSPlatformEKS {
		// Already reported (the memory check needs a valid CPU value), or
		// not a Fargate stack (otherPlatformKeys).
	} else if !ok {
		p.fail(spec("awsTaskCpu").Full(), strconv.Itoa(a.TaskCPU), "must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (Fargate CPU units)")
	} else if !slices.Contains(mems, a.TaskMemory) && !p.failed("awsTaskMemory") {
		p.fail(spec("awsTaskMemory").Full(), strconv.Itoa(a.TaskMemory),
			fmt.Sprintf("is not a Fargate size for %d CPU units; allowed: %s", a.TaskCPU, memorySizes(mems)))
	} else {
		// The metrics collector sidecar's reservation comes out of the
		// task; LiveKit keeps at least as much again.
		if c := observability.CollectorCPU; a.TaskCPU-c < c {
			p.fail(spec("awsTaskCpu").Full(), strconv.Itoa(a.TaskCPU),
				fmt.Sprintf("leaves LiveKit %d CPU units beside the metrics collector sidecar's %d; give at least %d", a.TaskCPU-c, c, 2*c))
		}
		if m := observability.CollectorMemoryMiB; a.TaskMemory-m < m && !p.failed("awsTaskMemory") {
			p.fail(spec("awsTaskMemory").Full(), strconv.Itoa(a.TaskMemory),
				fmt.Sprintf("leaves LiveKit %d MiB beside the metrics collector sidecar's %d; give at least %d", a.TaskMemory-m, m, 2*m))
		}
	}
	a.DrainSeconds = p.integer("awsDrainSeconds", 2, livekit.FargateMaxDrainSeconds)
	a.ContainerInsights = p.boolean("awsContainerInsights")

	r := AWSRedis{}
	r.Password = p.secret("redisPassword", strings.Repeat("r", 32), func(v string) string {
		if len(v) < 16 || len(v) > 128 {
			return fmt.Sprintf("has %d characters; ElastiCache AUTH tokens need 16-128", len(v))
		}
		if !authTokenRe.MatchString(v) {
			return "may hold only letters, digits and ! & # $ ^ < > - (ElastiCache AUTH token rules)"
		}
		return ""
	})
	r.NodeType = p.str("awsRedisNodeType")
	if !nodeTypeRe.MatchString(r.NodeType) {
		p.fail(spec("awsRedisNodeType").Full(), quote(r.NodeType), "must be an ElastiCache node type such as cache.t4g.medium or cache.r7g.large")
	}
	r.Nodes = p.integer("awsRedisNodes", 2, 6)
	if r.Nodes < 2 {
		// Reported by integer already; the comment is why: automatic
		// failover needs a replica.
		r.Nodes = 2
	}
	r.EngineVersion = p.oneOf("awsRedisEngineVersion", "6.2", "7.0", "7.1")
	r.MaintenanceWindow = strings.ToLower(p.str("awsRedisMaintenanceWindow"))
	if !maintWindowRe.MatchString(r.MaintenanceWindow) {
		p.fail(spec("awsRedisMaintenanceWindow").Full(), quote(r.MaintenanceWindow), "must look like sun:05:00-sun:06:00 (UTC)")
	}
	r.SnapshotWindow = p.str("awsRedisSnapshotWindow")
	if !snapWindowRe.MatchString(r.SnapshotWindow) {
		p.fail(spec("awsRedisSnapshotWindow").Full(), quote(r.SnapshotWindow), "must look like 03:00-04:00 (UTC)")
	}
	p.checkElastiCacheWindows(r.MaintenanceWindow, r.SnapshotWindow)
	r.SnapshotRetentionDays = p.integer("awsRedisSnapshotRetentionDays", 0, 35)
	a.Redis = r

	a.ALBIdleTimeout = p.integer("awsAlbIdleTimeout", 60, 4000)
	a.ALBSSLPolicy = p.oneOf("awsAlbSslPolicy", albSSLPolicies...)
	a.CDNPriceClass = p.oneOf("awsCloudfrontPriceClass", "PriceClass_100", "PriceClass_200", "PriceClass_All")
	// An ALB target group fails a target after 2-10 checks 5-300 s apart;
	// below 20 s a routine ElastiCache failover (about 4 s to LiveKit's 406,
	// then the primary switch) would still cost every task.
	a.RedisOutageTolerance = p.integer("awsRedisOutageToleranceSeconds", livekit.FargateMinRedisOutageSeconds, livekit.FargateMaxRedisOutageSeconds)
	p.otherPlatformKeys(KindAWS, a.Platform)
	switch {
	case a.Platform == AWSPlatformEKS:
		a.EKS = p.awsEKS()
		// The system node group sits in the private subnets: without NAT it
		// reaches neither ECR nor the EKS API, and never joins.
		if a.NATGateways == NATNone && !p.failed("awsNatGateways") {
			p.fail(spec("awsNatGateways").Full(), quote(a.NATGateways), "must be single or perAz with awsPlatform eks: the system nodes in the private subnets need outbound internet")
		}
	case s.Region != nil:
		a.Spot = p.fargateSpot(s.Region)
	}

	if s.Region != nil && !p.failed("logRetentionDays") && !slices.Contains(logRetentionDays, s.Region.LogRetentionDays) {
		p.fail(spec("logRetentionDays").Full(), strconv.Itoa(s.Region.LogRetentionDays), "must be a CloudWatch Logs retention: "+joinInts(logRetentionDays))
	}
	return a
}

func memorySizes(v []int) string {
	if len(v) <= 4 {
		return joinInts(v) + " MiB"
	}
	return fmt.Sprintf("%d-%d MiB in steps of %d", v[0], v[len(v)-1], v[1]-v[0])
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
