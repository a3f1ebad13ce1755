package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/cost"
)

func TestCost(t *testing.T) {
	dir := project(t)
	// eu-west-1 has no price file: the bucket is listed as unpriced.
	code, out, stderr := runCLI(t, testProgram, "cost", "--stack", "dev", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// An incomplete estimate is still an estimate (exit 0), and says so first.
	if !strings.HasPrefix(out, "INCOMPLETE: no price file for aws region eu-west-1: internal/cost/prices/aws-eu-west-1.yaml does not exist") {
		t.Errorf("output does not start by naming the missing price file:\n%s", out)
	}
	for _, want := range []string{
		"Unpriced (NOT in the totals): 1 resources",
		"aws:s3/bucketV2:BucketV2 media: resource type aws:s3/bucketV2:BucketV2 has no price entry: add it under types: in internal/cost/prices/aws-eu-west-1.yaml",
		"storageGB = 100: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// In us-west-2 it is priced: 300 GB (--assume) x $0.023 = $6.90.
	stackFile := filepath.Join(dir, "Pulumi.dev.yaml")
	body, _ := os.ReadFile(stackFile)
	if err := os.WriteFile(stackFile, []byte(strings.Replace(string(body), "eu-west-1", "us-west-2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runCLI(t, testProgram, "cost", "--stack", "dev", "--dir", dir, "--json", "--assume", "storageGB=300")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var e cost.Estimate
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if e.Total.Min != 6.90 || e.Total.Max != 6.90 || len(e.Unpriced) != 0 || e.Assumptions.Usage["storageGB"] != 300 {
		t.Errorf("estimate: total %+v, unpriced %v, storageGB %v", e.Total, e.Unpriced, e.Assumptions.Usage["storageGB"])
	}
	if len(e.MissingPriceFiles) != 0 {
		t.Errorf("us-west-2 has a price file: %+v", e.MissingPriceFiles)
	}
	if e.PriceDates["aws-us-west-2.yaml"] == "" {
		t.Errorf("no price date: %v", e.PriceDates)
	}

	for _, bad := range [][]string{{"--assume", "storageGB"}, {"--assume", "nosuch=1"}, {"--assume", "storageGB=-4"}, {}} {
		args := append([]string{"cost", "--dir", dir}, bad...)
		if len(bad) > 0 {
			args = append(args, "--stack", "dev")
		}
		if code, _, stderr := runCLI(t, testProgram, args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", bad, code, stderr)
		}
	}
}
