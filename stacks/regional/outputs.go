package regional

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Outputs every regional stack (aws, gcp, azure) exports under the same key:
// the global stack reads them through a StackReference, `lkinfra plan`
// answers them offline (cmd/lkinfra/cli/stackrefs.go), tests assert them.
const (
	OutputCloud           = "cloud"
	OutputRegion          = "region"
	OutputHostname        = "hostname"        // regional signaling hostname
	OutputURL             = "url"             // wss://<hostname>
	OutputHealthURL       = "healthUrl"       // https://<hostname>/
	OutputHealthCheckPath = "healthCheckPath" // "/" (optional; default livekit.HealthPath)
	OutputGlobalHostname  = "globalHostname"  // the extra name on its certificate
	// OutputAPIKeyFingerprint holds the fingerprint of the key set the nodes
	// serve (plain text); the global stack compares it across regions.
	OutputAPIKeyFingerprint = "apiKeyFingerprint"
	OutputRedisEndpoint     = "redisEndpoint"
	OutputRecordingsCDN     = "recordingsCdn"
	OutputLiveKitVersion    = "livekitVersion"
	// OutputImage is the reference the nodes pull: the mirror's, by digest.
	OutputImage         = "image"
	OutputMediaUDPPorts = "mediaUdpPorts"
	OutputMinNodes      = "minNodes"
	OutputMaxNodes      = "maxNodes"
	OutputDrainSeconds  = "drainTimeoutSeconds"
	// OutputMetricsWriter is the identity the region's collector
	// remote-writes to the global stack's central metrics view as
	// (components.MetricsWriter.Map: {roleArn} or {issuer, subject});
	// absent while the region has none.
	OutputMetricsWriter = "metricsWriter"
)

// Shared is what every region reports under the keys above.
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
		OutputCloud:             pulumi.String(sh.Cloud),
		OutputRegion:            pulumi.String(sh.Region),
		OutputHostname:          pulumi.String(r.Hostname),
		OutputURL:               sh.URL,
		OutputHealthURL:         sh.HealthURL,
		OutputHealthCheckPath:   pulumi.String(livekit.HealthPath),
		OutputGlobalHostname:    pulumi.String(s.GlobalHostname),
		OutputAPIKeyFingerprint: sh.Fingerprint,
		OutputRedisEndpoint:     sh.RedisEndpoint,
		OutputRecordingsCDN:     sh.RecordingsCDN,
		OutputLiveKitVersion:    pulumi.String(livekit.Version),
		OutputImage:             pulumi.String(sh.Image),
		OutputMediaUDPPorts:     pulumi.String(r.Media.String()),
		OutputMinNodes:          pulumi.Int(r.Scaling.Min),
		OutputMaxNodes:          pulumi.Int(r.Scaling.Max),
		OutputDrainSeconds:      pulumi.Int(sh.DrainSeconds),
	}) {
		out[k] = v
	}
	return out
}

// SharedOutputKeys lists (sorted) the keys Outputs always sets.
func SharedOutputKeys() []string {
	m := Outputs(&stackconfig.Stack{Region: &stackconfig.Region{}}, Shared{}, nil)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
