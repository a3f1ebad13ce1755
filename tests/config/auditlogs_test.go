package config

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// The audit log switches (#17 item 10) default to on in every regional
// stack, and a retention their stores cannot keep is an error naming
// logRetentionDays, the value and the limit.
func TestAuditLogSettings(t *testing.T) {
	for _, stack := range []string{"aws-prod", "gcp-eu", "azure-asia"} {
		sc, raw := lkcheck.StackRaw(t, repoRoot, stack)
		s, err := stackconfig.Parse(sc.Stack, raw)
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		l := s.Region.Logs
		want := stackconfig.Logs{Flow: true}
		switch s.Kind {
		case stackconfig.KindAWS:
			want.ALBAccess, want.CDN = true, true
		case stackconfig.KindGCP:
			want.ControlPlane = true
		case stackconfig.KindAzure:
			want.CDN, want.ControlPlane = true, true
		}
		if l != want {
			t.Errorf("%s: log switches %+v, want %+v (every class on by default)", stack, l, want)
		}
	}

	cases := []struct {
		name, stack string
		set         map[string]string
		key         string
		want        []string // empty: accepted
	}{
		{name: "gcp retention beyond a log bucket's", stack: "gcp-eu", set: map[string]string{ns + "logRetentionDays": "3653"},
			key: ns + "logRetentionDays", want: []string{"3653", "1-3650 for kind gcp", "Cloud Logging bucket"}},
		{name: "gcp retention at a log bucket's limit", stack: "gcp-eu", set: map[string]string{ns + "logRetentionDays": "3650"}},
		{name: "azure retention beyond a flow log's", stack: "azure-asia", set: map[string]string{ns + "logRetentionDays": "400"},
			key: ns + "logRetentionDays", want: []string{"400", "at most 365", "flowLogs"}},
		{name: "azure long retention without flow logs", stack: "azure-asia",
			set: map[string]string{ns + "logRetentionDays": "400", ns + "flowLogs": "false"}},
		{name: "flowLogs not a boolean", stack: "aws-prod", set: map[string]string{ns + "flowLogs": "yes please"},
			key: ns + "flowLogs", want: []string{`"yes please"`, "true or false"}},
		{name: "awsAlbAccessLogs not a boolean", stack: "aws-prod", set: map[string]string{ns + "awsAlbAccessLogs": "on"},
			key: ns + "awsAlbAccessLogs", want: []string{`"on"`, "true or false"}},
		{name: "controlPlaneLogs on an aws fargate stack", stack: "aws-prod", set: map[string]string{ns + "controlPlaneLogs": "false"},
			key: ns + "controlPlaneLogs", want: []string{"awsPlatform eks", "not of this livekit-infra:awsPlatform fargate stack"}},
		{name: "cdnLogs not a boolean", stack: "azure-asia", set: map[string]string{ns + "cdnLogs": "2"},
			key: ns + "cdnLogs", want: []string{`"2"`, "true or false"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := stackconfig.Parse(c.stack, committedRaw(t, c.stack, c.set))
			wantVerdict(t, err, c.key, c.want)
		})
	}
}
