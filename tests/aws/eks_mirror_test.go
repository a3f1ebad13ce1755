package aws_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// On EKS too, LiveKit comes from the region's ECR pull-through cache by
// digest (the chart's repository is the mirror's; the Deployment transform
// sets the full digest reference), and the nodes' extra ECR grant covers
// that cache's repositories only.
func TestEKSImageFromMirrorByDigest(t *testing.T) {
	p := eksStack(t)
	mirror := ecrMirror(t, p)
	if !strings.HasSuffix(mirror, "/docker-hub/aws-eks") {
		t.Errorf("the aws-eks mirror is %s, want the stack's docker-hub/aws-eks prefix", mirror)
	}
	chart := only(t, p, tChart, "livekit")
	if got := str(t, chart, "values.image.repository"); got != mirror+"/livekit/livekit-server" {
		t.Errorf("chart image repository %q, want %s/livekit/livekit-server", got, mirror)
	}
	out, _ := p.Outputs["image"].(string)
	if out != mirror+"/"+livekit.Image || !digestRef.MatchString(out) {
		t.Errorf("output image %q, want the mirrored %s by digest", out, livekit.Image)
	}
	g := grants(t, "EKS node pull policy", rolePolicy(t, p, "-nodes-pull"))
	for a, rs := range g {
		switch {
		case a == "ecr:GetAuthorizationToken":
		case strings.HasPrefix(a, "ecr:"):
			if want := mirrorRepositories(t, p); !slices.Equal(rs, []string{want}) {
				t.Errorf("%s on %v, want the mirror's repositories %s only", a, rs, want)
			}
		default:
			t.Errorf("EKS node pull policy may %s on %v; it needs only the mirror's images", a, rs)
		}
	}
	for _, a := range []string{"ecr:BatchImportUpstreamImage", "ecr:BatchGetImage"} {
		if len(g[a]) == 0 {
			t.Errorf("EKS node pull policy lacks %s: a digest's first pull through the cache needs it", a)
		}
	}
}
