package gcp_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/apirules"
)

// gcpRules are Google Cloud API constraints the mocks let through (docs/tests.md,
// "What the offline tests catch").
var gcpRules = []apirules.Rule{
	{
		// Google creates the Cloud CDN cache-fill service agent when the
		// project's first signed URL key is added; a grant to it before
		// then fails on a fresh project.
		Name:   "the Cloud CDN fill grant waits for the first signed URL key",
		Source: "cloud.google.com/cdn/docs/using-signed-urls#configure_permissions",
		Check: func(p *plan.Plan) error {
			keys := p.ByType(tSignedKey)
			for _, g := range p.ByType(tBucketIAM) {
				if !strings.HasSuffix(g.InputString("member"), "@cloud-cdn-fill.iam.gserviceaccount.com") {
					continue
				}
				for _, k := range keys {
					if slices.Contains(g.Dependencies, k.URN) {
						return nil
					}
				}
				return fmt.Errorf("grant %s to %s does not depend on a signed URL key", g.Name, g.InputString("member"))
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			return apirules.Edit(p, tBucketIAM, func(r *plan.Resource) { r.Dependencies = nil })
		},
	},
	{
		Name:         "the LiveKit pod fits the node after GKE's reservations and DaemonSets",
		Source:       "cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes (node allocatable resources)",
		BrokenConfig: map[string]string{"gcpPodCpu": "3700m"},
		WantKey:      "gcpPodCpu",
	},
}

func TestCloudAPIRules(t *testing.T) {
	apirules.Run(t, gcpRules, euStack)
}
