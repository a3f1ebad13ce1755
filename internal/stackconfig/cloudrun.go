package stackconfig

import (
	"strconv"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// gcpPlatformKeys pick where a gcp region's LiveKit nodes run. GKE is the
// only platform: Cloud Run is refused with the reasons (README, "Why not
// Cloud Run").
var gcpPlatformKeys = []Key{
	{Name: "gcpPlatform", Type: "string", Default: GCPPlatformGKE, Kinds: []Kind{KindGCP},
		Description: "Where LiveKit runs: gke (the only platform; cloudrun is refused, see README \"Why not Cloud Run\")."},
}

// The gcp kind's platform, and the one it refuses.
const (
	GCPPlatformGKE      = "gke"
	GCPPlatformCloudRun = "cloudrun"
)

// CloudRunVerdict is why a LiveKit node cannot run on Cloud Run; the
// config error and the README say the same. Every point is checked
// against livekit-server v1.13.5 (pkg/routing: a node registers SERVING
// and pkg/routing/selector picks among all SERVING nodes) and Cloud Run's
// documented limits.
var CloudRunVerdict = "Cloud Run cannot host a LiveKit node: it accepts only HTTP(S), WebSockets and gRPC on one port through Google's front end, " +
	"with no UDP, no direct TCP (" + strconv.Itoa(livekit.RTCTCPPort) + ") and no public IP per instance, so WebRTC media cannot reach the node; " +
	"a node there would still register in the region's Redis as SERVING, and every node selector (any, cpuload, sysload, regionaware) " +
	"may place new rooms on it, which would then carry no media; LiveKit has no signal-only node mode to exclude it; " +
	"use gke (the default)"

func init() { Keys = append(Keys, gcpPlatformKeys...) }

// gcpPlatform reads gcpPlatform: gke, or an error explaining cloudrun.
func (p *parser) gcpPlatform() string {
	v := p.str("gcpPlatform")
	switch v {
	case GCPPlatformGKE:
	case GCPPlatformCloudRun:
		p.fail(spec("gcpPlatform").Full(), quote(v), CloudRunVerdict)
	default:
		p.fail(spec("gcpPlatform").Full(), quote(v), "must be gke ("+GCPPlatformCloudRun+" is refused: "+CloudRunVerdict+")")
	}
	return v
}
