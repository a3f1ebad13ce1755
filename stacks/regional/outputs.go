package regional

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Shared is what every region reports under the keys of components/outputs.go.
type Shared struct {
	Cloud, Region string
	URL           pulumi.StringOutput
	HealthURL     pulumi.StringOutput
	RedisEndpoint pulumi.StringOutput
	RecordingsCDN pulumi.StringOutput
	Fingerprint   pulumi.StringOutput
	DrainSeconds  int
	// Image is the LiveKit image the nodes pull (MediaClusterArgs.Image).
	Image string
}

// Outputs is a regional stack's outputs: the shared ones, then the cloud's
// own (extra), which cannot shadow a shared key.
func Outputs(s *stackconfig.Stack, sh Shared, extra pulumi.Map) pulumi.Map {
	r := s.Region
	out := pulumi.Map{}
	for k, v := range extra {
		out[k] = v
	}
	for k, v := range (pulumi.Map{
		components.OutputCloud:             pulumi.String(sh.Cloud),
		components.OutputRegion:            pulumi.String(sh.Region),
		components.OutputHostname:          pulumi.String(r.Hostname),
		components.OutputURL:               sh.URL,
		components.OutputHealthURL:         sh.HealthURL,
		components.OutputHealthCheckPath:   pulumi.String(livekit.HealthPath),
		components.OutputGlobalHostname:    pulumi.String(s.GlobalHostname),
		components.OutputAPIKeyFingerprint: sh.Fingerprint,
		components.OutputRedisEndpoint:     sh.RedisEndpoint,
		components.OutputRecordingsCDN:     sh.RecordingsCDN,
		components.OutputLiveKitVersion:    pulumi.String(livekit.Version),
		components.OutputImage:             pulumi.String(sh.Image),
		components.OutputMediaUDPPorts:     pulumi.String(r.Media.String()),
		components.OutputMinNodes:          pulumi.Int(r.Scaling.Min),
		components.OutputMaxNodes:          pulumi.Int(r.Scaling.Max),
		components.OutputDrainSeconds:      pulumi.Int(sh.DrainSeconds),
	}) {
		out[k] = v
	}
	if r.TURNTLS {
		// Where clients reach TURN over TLS; each cloud adds its
		// listener's address.
		out[components.OutputTURNURL] = pulumi.String(TURNURL(r))
	}
	return out
}

// SharedOutputKeys lists (sorted) the keys Outputs always sets.
func SharedOutputKeys() []string {
	m := Outputs(&stackconfig.Stack{Region: &stackconfig.Region{}}, Shared{}, nil)
	return slices.Sorted(maps.Keys(m))
}
