package settings

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

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
		Description: "LiveKit Egress workers recording into the region's recordings bucket: auto (on wherever Egress can write the bucket: aws and gcp always, azure with azureRecordingsSharedKey), true or false."},
	{Name: "egressImage", Type: "string", Default: livekit.EgressImage, Kinds: regional,
		Description: "LiveKit Egress container image, pinned by tag or digest (no :latest); its config keys are those of Egress " + livekit.EgressVersion + "."},
	{Name: "egressMinInstances", Type: "integer", Default: 1, Kinds: regional,
		Description: "Autoscaling lower bound of Egress workers, at least 1 (a region without a worker fails every recording request)."},
	{Name: "egressMaxInstances", Type: "integer", Default: 4, Kinds: regional,
		Description: "Autoscaling upper bound of Egress workers, at least egressMinInstances."},
	{Name: "egressCpuTarget", Type: "integer", Default: 60, Kinds: regional,
		Description: "Target average CPU (percent) of Egress workers for autoscaling, 10-90; below Egress's own 80% admission limit so new workers start before the others refuse jobs."},
	{Name: "awsEgressTaskCpu", Type: "integer", Default: 4096, Kinds: []Kind{KindAWS},
		Description: "Fargate CPU units of an Egress task: 4096, 8192 or 16384 (LiveKit recommends at least 4 CPUs per Egress instance)."},
	{Name: "awsEgressTaskMemory", Type: "integer", Default: 8192, Kinds: []Kind{KindAWS},
		Description: "Fargate memory (MiB) of an Egress task, a size Fargate allows for awsEgressTaskCpu (4096 CPU: 8192-30720)."},
}

func init() { Keys = append(Keys, egressKeys...) }

// Egress configures the region's Egress workers.
type Egress struct {
	Enabled bool
	Image   string
	// Min and Max bound the worker count; CPUTarget is the autoscaling
	// target (percent).
	Min, Max, CPUTarget int
}

// MinEgressTaskCPU is the smallest Fargate size of an Egress task: LiveKit
// recommends 4 CPUs and 4 GB per instance (a room composite reserves 4
// cores).
const MinEgressTaskCPU = 4096

func (p *parser) egress(s *Stack) Egress {
	e := Egress{
		Image:     p.str("egressImage"),
		Min:       p.integer("egressMinInstances", 1, 1000),
		Max:       p.integer("egressMaxInstances", 1, 1000),
		CPUTarget: p.integer("egressCpuTarget", 10, 90),
	}
	mode := p.oneOf("egress", EgressAuto, EgressOn, EgressOff)
	// Egress uploads to Azure Blob with the account key only, which the
	// account refuses unless shared-key access is on.
	writable := s.Kind != KindAzure || s.Azure == nil || s.Azure.RecordingsSharedKey
	// Egress runs as ECS tasks beside the Fargate region: not built on EKS.
	eks := s.Kind == KindAWS && s.AWS != nil && s.AWS.Platform == AWSPlatformEKS
	switch mode {
	case EgressAuto:
		e.Enabled = writable && !eks
	case EgressOn:
		e.Enabled = true
		if eks {
			p.fail(spec("egress").Full(), quote(mode), "is not built for livekit-infra:awsPlatform eks yet (Egress runs as ECS tasks of the Fargate region): set egress auto or false")
		}
		if !writable {
			p.fail(spec("egress").Full(), quote(mode), "has no recordings bucket it can write: Egress uploads to Azure Blob with the storage account key only, and "+
				spec("azureRecordingsSharedKey").Full()+" is false; set azureRecordingsSharedKey true (the account then accepts shared keys) or egress auto/false")
		}
	}
	if !e.Enabled {
		return e
	}
	if !imageRe.MatchString(e.Image) || strings.HasSuffix(e.Image, ":latest") {
		p.fail(spec("egressImage").Full(), quote(e.Image), "must be an image pinned by tag or digest, not :latest (default "+livekit.EgressImage+")")
	}
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
