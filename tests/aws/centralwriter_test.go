package aws_test

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/agentcheck"
)

// The region's writer to the global stack's central metrics view (#18):
// its identity exported as metricsWriter, and, with the two central keys
// set from the global outputs, its collector writing there as the writer
// role and allowed to assume exactly that role.
const (
	centralURL    = agentcheck.CentralURL
	centralWriter = "arn:aws:iam::210987654321:role/livekit-metrics-write-us-west-2-1a2b3c4"
)

var centralKeys = map[string]string{"centralMetricsRemoteWriteUrl": centralURL, "centralMetricsWriterRoleArn": centralWriter}

// writerOutput is the stack's metricsWriter output as the global stack
// parses it.
func writerOutput(t *testing.T, p *plan.Plan, stack string) components.MetricsWriter {
	t.Helper()
	w := agentcheck.WriterOutput(t, p, stack)
	if w.OIDC() {
		t.Errorf("%s exports a web identity %+v; an AWS region's writer is its collector role", stack, w)
	}
	return w
}

// Fargate: the writer is the task role (the ADOT sidecar's identity), with
// or without the central keys.
func TestFargateMetricsWriter(t *testing.T) {
	for _, p := range []*plan.Plan{prod(t), prodStack.Variant(t, "central", centralKeys)} {
		w := writerOutput(t, p, "aws-prod")
		if role := child(t, p, tMedia, tRole, "-task"); w.RoleARN != "arn:aws:iam::"+plan.FakeAccountID+":role/"+role.Name {
			t.Errorf("metricsWriter role %q, want the task role %s", w.RoleARN, role.Name)
		}
	}
}

// Unset, the collector writes to the region's workspace only and may
// assume nothing; set, it also writes to the central URL, SigV4-signed in
// the workspace's region as the writer role it assumes, and the task role
// may assume exactly that role.
func TestFargateCollectorWritesCentrally(t *testing.T) {
	if g := grants(t, "task role", rolePolicy(t, prod(t), "-task-metrics")); len(g["sts:AssumeRole"]) != 0 {
		t.Errorf("without the central keys the task role may assume %v", g["sts:AssumeRole"])
	}
	p := prodStack.Variant(t, "central", centralKeys)
	param := child(t, p, tMedia, tParameter, "-collector")
	body := str(t, param, "value")
	var cfg struct {
		Extensions map[string]struct{ Region, Service string }
		Exporters  map[string]struct {
			Endpoint string
			Auth     struct{ Authenticator string }
		}
		Service struct {
			Extensions []string
			Pipelines  map[string]struct{ Exporters []string }
		}
	}
	if err := yaml.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	exp, ok := cfg.Exporters["prometheusremotewrite/central"]
	if !ok || len(cfg.Exporters) != 2 {
		t.Fatalf("exporters %v, want region and central", cfg.Exporters)
	}
	if exp.Endpoint != centralURL {
		t.Errorf("central exporter writes to %q, want %q", exp.Endpoint, centralURL)
	}
	ext := cfg.Extensions[exp.Auth.Authenticator]
	if ext.Service != "aps" || ext.Region != "us-east-1" {
		t.Errorf("central auth %q = %+v, want SigV4 for aps in us-east-1 (the workspace's region)", exp.Auth.Authenticator, ext)
	}
	ar := raw["extensions"].(map[string]any)[exp.Auth.Authenticator].(map[string]any)["assume_role"]
	if m, _ := ar.(map[string]any); m["arn"] != centralWriter || m["sts_region"] != "us-east-1" {
		t.Errorf("central auth assumes %v, want role %s through STS in us-east-1", ar, centralWriter)
	}
	region := cfg.Exporters["prometheusremotewrite/region"]
	if rext := raw["extensions"].(map[string]any)[region.Auth.Authenticator].(map[string]any); rext["assume_role"] != nil {
		t.Errorf("the region's own exporter assumes %v; it writes as the task role", rext["assume_role"])
	}
	if pl := cfg.Service.Pipelines["metrics"]; !slices.Equal(pl.Exporters, []string{"prometheusremotewrite/region", "prometheusremotewrite/central"}) {
		t.Errorf("pipeline exporters %v", pl.Exporters)
	}
	if !param.IsSecret("value") {
		t.Error("the collector config parameter's value is not a Pulumi secret")
	}
	for _, bad := range []string{"aws_access_key_id", "secret_access_key", "AKIA", "session_token"} {
		if strings.Contains(strings.ToLower(body), strings.ToLower(bad)) {
			t.Errorf("the collector config holds %q: the collector signs with its task role only", bad)
		}
	}

	g := grants(t, "task role", rolePolicy(t, p, "-task-metrics"))
	ws := child(t, p, tPrometheus, tWorkspace, "")
	if !slices.Equal(g["sts:AssumeRole"], []string{centralWriter}) || !slices.Equal(g["aps:RemoteWrite"], []string{workspaceArn(ws)}) || len(g) != 2 {
		t.Errorf("task role grants %v, want aps:RemoteWrite on %s and sts:AssumeRole on exactly %s", g, workspaceArn(ws), centralWriter)
	}
}

// EKS: the AMP managed collector writes to one workspace, so the central
// view gets a second one (same job, same security group) writing through
// AMP's role configuration: the region's source role, assumable only by
// AMP's collectors of this account and region, assumes the writer role.
func TestEKSCentralScraper(t *testing.T) {
	base := eksStack(t)
	source := child(t, base, tPrometheus, tRole, "-central-source")
	if w := writerOutput(t, base, "aws-eks"); w.RoleARN != "arn:aws:iam::"+plan.FakeAccountID+":role/"+source.Name {
		t.Errorf("metricsWriter role %q, want the collectors' source role %s", w.RoleARN, source.Name)
	}
	if _, ok := findChild(base, tPrometheus, tScraper, "-central-scraper"); ok {
		t.Error("a central scraper without the central keys")
	}
	if _, ok := findChild(base, tPrometheus, tRolePolicy, "-central-source"); ok {
		t.Error("the source role has a grant without the central keys")
	}
	var trust policyDoc
	jsonInput(t, source, "assumeRolePolicy", &trust)
	if len(trust.Statement) != 1 {
		t.Fatalf("source role trust %+v, want one statement", trust)
	}
	st := trust.Statement[0]
	if pr, _ := st.Principal.(map[string]any); pr["Service"] != "scraper.aps.amazonaws.com" || st.Action != "sts:AssumeRole" {
		t.Errorf("source role trusts %v with %v, want AMP's collectors (scraper.aps.amazonaws.com) to sts:AssumeRole", st.Principal, st.Action)
	}
	if st.Condition["StringEquals"]["aws:SourceAccount"] != plan.FakeAccountID ||
		st.Condition["ArnLike"]["aws:SourceArn"] != "arn:aws:aps:"+eksRegion(t, base)+":"+plan.FakeAccountID+":scraper/*" {
		t.Errorf("source role trust conditions %v, want this account's scrapers in this region only", st.Condition)
	}

	p := eksStackFile.Variant(t, "central", centralKeys)
	first := child(t, p, tPrometheus, tScraper, "-scraper")
	sc := child(t, p, tPrometheus, tScraper, "-central-scraper")
	if got, want := str(t, sc, "destination.amp.workspaceArn"), "arn:aws:aps:us-east-1:210987654321:workspace/ws-0a1b2c3d-4e5f-6789-abcd-ef0123456789"; got != want {
		t.Errorf("central scraper writes to %q, want the central workspace %s", got, want)
	}
	source = child(t, p, tPrometheus, tRole, "-central-source")
	// The source/target pair of AMP's cross-account setup (AMP user guide,
	// AMP-collector-how-to.html#cross-account-remote-write).
	if got := str(t, sc, "roleConfiguration.sourceRoleArn"); got != "arn:aws:iam::"+plan.FakeAccountID+":role/"+source.Name {
		t.Errorf("central scraper source role %q, want %s", got, source.Name)
	}
	if got := str(t, sc, "roleConfiguration.targetRoleArn"); got != centralWriter {
		t.Errorf("central scraper target role %q, want the writer role %s", got, centralWriter)
	}
	if str(t, sc, "scrapeConfiguration") != str(t, first, "scrapeConfiguration") {
		t.Error("the central scraper's job differs from the region's")
	}
	if !slices.Equal(list(t, sc, "source.eks.securityGroupIds"), list(t, first, "source.eks.securityGroupIds")) {
		t.Error("the central scraper is not in the region scraper's security group (the only one the nodes admit 6789 from)")
	}
	if n := len(childrenOfType(p, tPrometheus, tAccessEntry)); n != 1 {
		t.Errorf("%d EKS access entries, want 1: both scrapers run as AMP's one service-linked role", n)
	}
	// A central workspace in the region's own account: AMP documents the
	// role pair for another account only, and the collector's
	// service-linked role writes to its own account's workspaces.
	same := "arn:aws:iam::" + plan.FakeAccountID + ":role/livekit-metrics-write-us-west-2-1a2b3c4"
	sp := eksStackFile.Variant(t, "central-same-account", map[string]string{"centralMetricsRemoteWriteUrl": centralURL, "centralMetricsWriterRoleArn": same})
	ssc := child(t, sp, tPrometheus, tScraper, "-central-scraper")
	if got, want := str(t, ssc, "destination.amp.workspaceArn"), "arn:aws:aps:us-east-1:"+plan.FakeAccountID+":workspace/ws-0a1b2c3d-4e5f-6789-abcd-ef0123456789"; got != want {
		t.Errorf("same-account central scraper writes to %q, want %s", got, want)
	}
	if rc, ok := ssc.Input("roleConfiguration"); ok && rc != nil {
		t.Errorf("same-account central scraper has roleConfiguration %v, want none", rc)
	}
	var grant policyDoc
	jsonInput(t, child(t, p, tPrometheus, tRolePolicy, "-central-source"), "policy", &grant)
	if g := grants(t, "source role", grant); len(g) != 1 || !slices.Equal(g["sts:AssumeRole"], []string{centralWriter}) {
		t.Errorf("source role grants %v, want sts:AssumeRole on exactly %s", g, centralWriter)
	}
}

func eksRegion(t *testing.T, p *plan.Plan) string {
	t.Helper()
	r, _ := p.RawOutputs[components.OutputRegion].(string)
	if r == "" {
		t.Fatal("aws-eks exports no region")
	}
	return r
}
