package config

import (
	"maps"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// turnStacks are the committed regional stacks, every platform: TURN/TLS is
// on by default in each.
var turnStacks = []string{"aws-prod", "aws-eks", "gcp-eu", "azure-asia"}

// One rule, one home: every TURN misconfiguration is refused the same way
// on every platform, from its real stack file, before any resource.
func TestTURNValidationOnEveryPlatform(t *testing.T) {
	for _, stack := range turnStacks {
		sc, raw := lkcheck.StackRaw(t, repoRoot, stack)
		s, err := stackconfig.Parse(sc.Stack, raw)
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		if r := s.Region; !r.TURNTLS || r.TURNHostname != "turn."+r.Hostname || r.TURNTLSPort != 5349 {
			t.Errorf("%s: TURN/TLS %t on %d for %q, want on by default on 5349 for turn.%s", stack, r.TURNTLS, r.TURNTLSPort, r.TURNHostname, r.Hostname)
		}
		hostname := s.Region.Hostname
		for _, tc := range []struct {
			name string
			set  map[string]string
			key  string
			want []string
		}{
			{"TURN name is the signaling name", map[string]string{ns + "turnHostname": hostname}, ns + "turnHostname", []string{"must differ from the signaling hostname"}},
			{"TURN name is the global name", map[string]string{ns + "turnHostname": "livekit.example.com"}, ns + "turnHostname", []string{"must differ from the global hostname"}},
			{"TURN name outside the zone", map[string]string{ns + "turnHostname": "turn.example.org"}, ns + "turnHostname", []string{"inside the zone example.com"}},
			{"TURN port on signaling", map[string]string{ns + "turnTlsPort": "7880"}, ns + "turnTlsPort", []string{"signaling port 7880"}},
			{"TURN port on ICE/TCP", map[string]string{ns + "turnTlsPort": "7881"}, ns + "turnTlsPort", []string{"ICE/TCP 7881"}},
			{"TURN port in the media range", map[string]string{ns + "turnTlsPort": "50001"}, ns + "turnTlsPort", []string{"outside mediaUdpPorts"}},
			{"TURN port in the relay ports", map[string]string{ns + "turnTlsPort": "30443"}, ns + "turnTlsPort", []string{"TURN relay ports 30000-40000"}},
			{"TURN/UDP in the media range", map[string]string{ns + "turnUdpPort": "50002"}, ns + "turnUdpPort", []string{"outside mediaUdpPorts"}},
			{"media over the relay ports", map[string]string{ns + "mediaUdpPorts": "35000-45000"}, ns + "mediaUdpPorts", []string{"overlaps LiveKit's TURN relay ports"}},
		} {
			t.Run(stack+"/"+tc.name, func(t *testing.T) {
				values := maps.Clone(raw.Values)
				maps.Copy(values, tc.set)
				_, err := stackconfig.Parse(sc.Stack, stackconfig.Raw{Values: values, Secret: raw.Secret})
				if err == nil {
					t.Fatal("accepted; want a config error")
				}
				msg := err.Error()
				if !strings.Contains(msg, tc.key) {
					t.Errorf("error does not name %s:\n%s", tc.key, msg)
				}
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("error lacks %q:\n%s", w, msg)
					}
				}
			})
		}
	}
}
