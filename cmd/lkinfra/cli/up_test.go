package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/deploy"
)

// TestUpSummaryCentralPass: `lkinfra up` prints the first pass, then one
// line per region of the central metrics pass, then the regions it
// deployed again, labelled as such.
func TestUpSummaryCentralPass(t *testing.T) {
	const url = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	rep := &deploy.Report{Kind: deploy.KindUp, Stacks: []deploy.StackReport{
		{Stack: "gcp-eu", Summary: map[string]int{deploy.OpCreate: 40}},
		{Stack: "global", Summary: map[string]int{deploy.OpCreate: 9}},
		{Stack: "gcp-eu", Pass: deploy.PassCentralMetrics, Summary: map[string]int{deploy.OpCreate: 5, deploy.OpSame: 40}},
	}, CentralMetrics: []deploy.CentralPass{{Global: "global", Stage: deploy.StageAfterGlobal, RemoteWriteURL: url, Regions: []deploy.CentralRegion{
		{Region: "gcp-eu", Action: deploy.CentralSet, Keys: []deploy.KeyChange{{Key: "livekit-infra:centralMetricsRemoteWriteUrl", New: url}}},
		{Region: "aws-prod", Action: deploy.CentralPending, Keys: []deploy.KeyChange{{Key: "livekit-infra:centralMetricsRemoteWriteUrl", New: url}}, Reason: "stack aws-prod is not in this run"},
		{Region: "azure-aci", Action: deploy.CentralSkipped, Reason: "listed in regionsNotWriting"},
		{Region: "azure-asia", Action: deploy.CentralUnchanged},
	}}}}
	var b bytes.Buffer
	writeUpSummary(&b, rep)
	want := []string{
		"gcp-eu: deployed (40 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged)",
		"global: deployed (9 created",
		"central metrics (global's output after its deploy, remote write " + url + "):",
		"  gcp-eu: set livekit-infra:centralMetricsRemoteWriteUrl=" + url + " in its stack file (plain config, not secrets: commit it); deployed again below",
		"  aws-prod: NOT SET: livekit-infra:centralMetricsRemoteWriteUrl=" + url + " (stack aws-prod is not in this run)",
		"  azure-aci: skipped: listed in regionsNotWriting",
		"  azure-asia: up to date",
		"gcp-eu (central metrics pass): deployed (5 created, 0 updated, 0 replaced, 0 deleted, 40 unchanged)",
	}
	out := b.String()
	at := 0
	for _, w := range want {
		i := strings.Index(out[at:], w)
		if i < 0 {
			t.Fatalf("summary lacks %q after offset %d:\n%s", w, at, out)
		}
		at += i + len(w)
	}
}

func TestUpHelpNamesTheCentralPass(t *testing.T) {
	code, _, stderr := runCLI(t, testProgram, "up", "-h")
	if code != 0 || !strings.Contains(stderr, "-no-central-pass") || !strings.Contains(stderr, "second pass") {
		t.Errorf("up -h: exit %d, stderr %q", code, stderr)
	}
}
