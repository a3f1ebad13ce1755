package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// EgressType is a region's LiveKit Egress workers.
const EgressType = "livekit-infra:index:Egress"

// Egress sizes. LiveKit recommends at least 4 CPUs and 4 GB per Egress
// instance: a room composite runs Chrome plus a GStreamer encoder and
// reserves 4 cores (room_composite_cpu_cost) of a worker. Docs:
// https://docs.livekit.io/transport/self-hosting/egress/ ("Requirements")
const (
	MinEgressCPU       = 4.0 // cores
	MinEgressMemoryGiB = 4.0
)

// EgressScaling bounds the number of Egress workers, scaled on CPU.
type EgressScaling struct {
	Min, Max  int
	CPUTarget int
}

// EgressArgs is what every cloud's Egress accepts: workers that take
// recording jobs from the region's Redis, join rooms through the region's
// signaling URL and upload to the region's recordings bucket.
type EgressArgs struct {
	// Image is the Egress image, pinned.
	Image string
	// Config is the rendered Egress YAML (a secret: API secret, Redis
	// password); render it with livekit.RenderEgress.
	Config  pulumi.StringInput
	Scaling EgressScaling
	// CPU (cores) and MemoryGiB are one worker's size.
	CPU, MemoryGiB   float64
	LogRetentionDays int
}

// Validate rejects contradictory or too-small args.
func (a *EgressArgs) Validate(name string) error {
	e := &argErrors{component: "Egress", name: name}
	if a == nil {
		e.add("args are required")
		return e.err()
	}
	if a.Image == "" {
		e.add("Image is required (default %s)", livekit.EgressImage)
	}
	if a.Config == nil {
		e.add("Config is required: render it with livekit.RenderEgress")
	}
	s := a.Scaling
	if s.Min < 1 {
		e.add("Scaling.Min %d must be at least 1: without a worker every recording request fails", s.Min)
	}
	if s.Max < s.Min {
		e.add("Scaling.Max %d is below Scaling.Min %d", s.Max, s.Min)
	}
	if s.CPUTarget < 1 || s.CPUTarget > 100 {
		e.add("Scaling.CPUTarget %d must be 1-100", s.CPUTarget)
	}
	if a.CPU < MinEgressCPU {
		e.add("CPU %v is below the %v cores LiveKit recommends per Egress instance", a.CPU, MinEgressCPU)
	}
	if a.MemoryGiB < MinEgressMemoryGiB {
		e.add("MemoryGiB %v is below the %v GiB LiveKit recommends per Egress instance", a.MemoryGiB, MinEgressMemoryGiB)
	}
	return e.err()
}

// EgressOutputs is the outputs every cloud's Egress returns. Each cloud's
// component embeds it beside pulumi.ResourceState.
type EgressOutputs struct {
	// ConfigSecret names where the rendered config lives (a Secrets Manager
	// ARN, or namespace/name of a Kubernetes Secret).
	ConfigSecret pulumi.StringOutput
}
