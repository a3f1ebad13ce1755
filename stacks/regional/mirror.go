package regional

import (
	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// MirrorImages lists every Docker Hub image the region pulls, each pinned
// by digest: the registry mirror caches exactly these (add an image here
// when a region starts pulling it).
func MirrorImages(s *stackconfig.Stack, extra ...imageref.Ref) []imageref.Ref {
	images := []imageref.Ref{s.Region.ImageRef}
	if s.Region.Egress.Enabled {
		images = append(images, s.Region.Egress.ImageRef)
	}
	if s.AWS != nil && s.AWS.Platform == stackconfig.AWSPlatformFargate {
		images = append(images, CollectorImage)
	}
	if runsAgent(s) {
		images = append(images, AgentImage)
	}
	return append(images, extra...)
}

// CollectorImage is the metrics collector sidecar of a Fargate region's
// LiveKit tasks (observability.ADOTImage; a constant, so a parse error is
// an empty reference the mirror's validation refuses, and a test's).
var CollectorImage, _ = imageref.Parse(observability.ADOTImage)

// Image is where the region's nodes pull ref from: the mirror's copy by
// digest when registryMirror is on (mirror non-nil), Docker Hub otherwise.
func Image(mirror *components.RegistryMirrorOutputs, ref imageref.Ref) (string, error) {
	if mirror == nil {
		return ref.String(), nil
	}
	return mirror.Image(ref)
}
