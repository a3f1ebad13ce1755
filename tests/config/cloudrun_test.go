package config

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/livekit/livekit-server/pkg/routing/selector"
	"github.com/livekit/protocol/livekit"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// Asking for Cloud Run is refused, naming gcpPlatform and the reasons;
// gke (the default) is accepted, and the key is gcp's alone.
func TestCloudRunRefused(t *testing.T) {
	cases := []struct {
		name, stack string
		set         map[string]string
		key         string
		want        []string // empty: accepted
	}{
		{name: "cloudrun", stack: "gcp-eu", set: map[string]string{ns + "gcpPlatform": "cloudrun"},
			key: ns + "gcpPlatform", want: []string{`"cloudrun"`, "no UDP", "SERVING", "no signal-only node mode", "use gke"}},
		{name: "unknown platform", stack: "gcp-eu", set: map[string]string{ns + "gcpPlatform": "gce"},
			key: ns + "gcpPlatform", want: []string{`"gce"`, "must be gke"}},
		{name: "gke explicitly", stack: "gcp-eu", set: map[string]string{ns + "gcpPlatform": "gke"}},
		{name: "gcpPlatform on an aws stack", stack: "aws-prod", set: map[string]string{ns + "gcpPlatform": "cloudrun"},
			key: ns + "gcpPlatform", want: []string{"key of gcp stacks"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := stackconfig.Parse(c.stack, committedRaw(t, c.stack, c.set))
			wantVerdict(t, err, c.key, c.want)
		})
	}
}

// The verdict's premise, checked against LiveKit itself: a node that can
// take no media (a Cloud Run instance) registers like any other, and the
// node selector of each region's rendered config places new rooms on it
// whenever it looks least loaded, since nothing in a node's registration
// says "signal only".
func TestCloudRunNodeWouldHostRooms(t *testing.T) {
	for _, stack := range regionalStacks {
		t.Run(stack, func(t *testing.T) {
			b, err := os.ReadFile(lkcheck.GoldenPath(repoRoot, stack, "committed"))
			if err != nil {
				t.Fatal(err)
			}
			conf := strictParse(t, string(b))
			sel, err := selector.CreateNodeSelector(conf)
			if err != nil {
				t.Fatalf("the rendered node_selector: %v", err)
			}
			now := time.Now().Unix()
			node := func(id string, load float32) *livekit.Node {
				return &livekit.Node{Id: id, Region: conf.Region, State: livekit.NodeState_SERVING,
					Stats: &livekit.NodeStats{UpdatedAt: now, NumCpus: 4, LoadAvgLast1Min: load * 4, CpuLoad: load}}
			}
			media := node("ND_media", 0.5)
			cloudRun := node("ND_cloudrun_no_media", 0.05)
			picked, err := sel.SelectNode([]*livekit.Node{media, cloudRun})
			if err != nil {
				t.Fatal(err)
			}
			if picked.Id != cloudRun.Id {
				t.Fatalf("selector %q picked %s; the verdict assumes LiveKit would place the room on the idle media-less node", conf.NodeSelector.Kind, picked.Id)
			}
			if !strings.Contains(stackconfig.CloudRunVerdict, conf.NodeSelector.Kind) {
				t.Errorf("the verdict does not name this region's node selector %q", conf.NodeSelector.Kind)
			}
		})
	}
}
