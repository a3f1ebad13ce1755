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

// EgressArgs is what every cloud's Egress accepts: workers that take
// recording jobs from the region's Redis, join rooms through the region's
// signaling URL and upload to the region's recordings bucket.
type EgressArgs struct {
	// Image is the Egress image, pinned.
	Image string
	// Config is the rendered Egress YAML (a secret: API secret, Redis
	// password); render it with livekit.RenderEgress.
	Config  pulumi.StringInput
	Scaling Scaling
	// CPU (cores) and MemoryGiB are one worker's size.
	CPU, MemoryGiB   float64
	LogRetentionDays int
}

// Validate rejects contradictory or too-small args.
func (a *EgressArgs) Validate(name string) error {
	return Validate("Egress", name, a, (*EgressArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *EgressArgs) Check(e *ArgErrors) {
	if a.Image == "" {
		e.Add("Image is required (default %s)", livekit.EgressImage)
	}
	if a.Config == nil {
		e.Add("Config is required: render it with livekit.RenderEgress")
	}
	a.Scaling.Check(e, "without a worker every recording request fails")
	if a.CPU < MinEgressCPU {
		e.Add("CPU %v is below the %v cores LiveKit recommends per Egress instance", a.CPU, MinEgressCPU)
	}
	if a.MemoryGiB < MinEgressMemoryGiB {
		e.Add("MemoryGiB %v is below the %v GiB LiveKit recommends per Egress instance", a.MemoryGiB, MinEgressMemoryGiB)
	}
}

// EgressOutputs is the outputs every cloud's Egress returns. Each cloud's
// component embeds it beside pulumi.ResourceState.
type EgressOutputs struct {
	// ConfigSecret names where the rendered config lives (a Secrets Manager
	// ARN, or namespace/name of a Kubernetes Secret).
	ConfigSecret pulumi.StringOutput
}

// Map is what a cloud's Egress registers as its outputs: the contract's
// plus the cloud's extra.
func (o EgressOutputs) Map(extra pulumi.Map) pulumi.Map {
	m := pulumi.Map{"configSecret": o.ConfigSecret}
	for k, v := range extra {
		m[k] = v
	}
	return m
}
