package aws_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/tests/internal/promtool"
)

// Egress's metrics join the region's scrape (#22 item 4, #18): an ADOT
// sidecar in each Egress task scrapes the rendered prometheus_port on
// localhost as job livekit-egress (the Egress rules' selector) and
// remote-writes, SigV4-signed with the Egress task role, to the region's
// workspace. A job in the LiveKit tasks' collectors could not find the
// Egress tasks (their addresses change with every task), so no security
// group opens 9090: the Egress group admits nothing (TestEgressSecurityGroup).
func TestEgressCollectorSidecar(t *testing.T) {
	p := prod(t)
	defs := egressContainers(t, p)
	c := defs[1]
	ref := strings.SplitN(observability.ADOTImage, "@", 2)
	if !strings.HasSuffix(c.Image, "@"+ref[1]) || !strings.Contains(c.Image, ".dkr.ecr.us-west-2.amazonaws.com/docker-hub/") {
		t.Errorf("collector image %q: want the ADOT digest %s through the region's ECR mirror", c.Image, ref[1])
	}
	if c.Essential || !defs[0].Essential {
		t.Error("the collector must not be essential (its failure would stop recordings), Egress must be")
	}
	if len(c.PortMappings) != 0 || len(c.Environment) != 0 {
		t.Errorf("the collector maps %v and has plain env %v: it only dials out, its config comes from Parameter Store", c.PortMappings, c.Environment)
	}
	param := child(t, p, tEgress, tParameter, "-collector")
	if len(c.Secrets) != 1 || c.Secrets[0].Name != awsc.CollectorConfigEnv || c.Secrets[0].ValueFrom != parameterArn(param) {
		t.Errorf("collector secrets %v, want %s from %s", c.Secrets, awsc.CollectorConfigEnv, parameterArn(param))
	}
	expect(t, param, "type", "SecureString")
	if !param.IsSecret("value") {
		t.Error("the Egress collector config parameter's value is not a Pulumi secret")
	}

	var cfg adotConfig
	if err := yaml.Unmarshal([]byte(str(t, param, "value")), &cfg); err != nil {
		t.Fatalf("collector config is not YAML: %v", err)
	}
	scrape, err := yaml.Marshal(cfg.Receivers.Prometheus.Config)
	if err != nil {
		t.Fatal(err)
	}
	var prom observability.PrometheusConfig
	if err := yaml.Unmarshal(scrape, &prom); err != nil {
		t.Fatal(err)
	}
	if len(prom.ScrapeConfigs) != 1 || len(prom.ScrapeConfigs[0].StaticConfigs) != 1 {
		t.Fatalf("scrape configs %+v, want the one livekit-egress job", prom.ScrapeConfigs)
	}
	// The target is the port the rendered Egress config serves metrics on.
	_, egressCfg := egressConfigOf(t, p)
	job := prom.ScrapeConfigs[0]
	if want := []string{"localhost:" + strconv.Itoa(egressCfg.PrometheusPort)}; job.JobName != observability.JobEgress || !slices.Equal(job.StaticConfigs[0].Targets, want) {
		t.Errorf("job %s targets %v, want %s at %v", job.JobName, job.StaticConfigs[0].Targets, observability.JobEgress, want)
	}
	if l := job.StaticConfigs[0].Labels; l["stack"] != "aws-prod" || l["cloud"] != "aws" || l["region"] != "us-west-2" {
		t.Errorf("series labels %v, want stack/cloud/region of aws-prod", l)
	}
	if len(job.MetricRelabelConfigs) != 1 || job.MetricRelabelConfigs[0].Regex != observability.CollectorKeep {
		t.Errorf("metric relabelling %+v, want the collector's keep rule (Egress's Go runtime series dropped)", job.MetricRelabelConfigs)
	}
	if out, err := promtool.Check(t, "config", "prometheus.yml", string(scrape)); err != nil {
		t.Errorf("promtool check config on the Egress collector's scrape config: %v\n%s", err, out)
	}

	// Remote write: the region's workspace, as the LiveKit tasks do.
	ws := child(t, p, tPrometheus, tWorkspace, "")
	exp, ok := cfg.Exporters["prometheusremotewrite/region"]
	if !ok || len(cfg.Exporters) != 1 {
		t.Fatalf("exporters %v, want prometheusremotewrite/region only", cfg.Exporters)
	}
	if want := p.Outputs["prometheusQueryUrl"].(string) + "api/v1/remote_write"; exp.Endpoint != want || !strings.Contains(want, ws.ID) {
		t.Errorf("remote write to %q, want %q", exp.Endpoint, want)
	}
	if auth := cfg.Extensions[exp.Auth.Authenticator]; auth.Service != "aps" || auth.Region != "us-west-2" {
		t.Errorf("remote write auth %+v, want SigV4 for aps in us-west-2", auth)
	}

	// The Egress task role may remote-write to that workspace and nothing
	// more; the recordings grant stays its own policy.
	var doc policyDoc
	jsonInput(t, child(t, p, tEgress, tRolePolicy, "-task-metrics"), "policy", &doc)
	g := grants(t, "Egress task role (metrics)", doc)
	if len(g) != 1 || !slices.Equal(g["aps:RemoteWrite"], []string{workspaceArn(ws)}) {
		t.Errorf("Egress metrics grants %v, want aps:RemoteWrite on %s only", g, workspaceArn(ws))
	}
}

// The Egress task leaves Egress at least the 4 vCPU LiveKit recommends
// beside the collector's reservation; a region without Egress has no Egress
// collector.
func TestEgressCollectorSize(t *testing.T) {
	p := prod(t)
	td := child(t, p, tEgress, tTaskDef, "")
	var defs []struct {
		Name   string
		CPU    int `json:"cpu"`
		Memory int `json:"memory"`
	}
	jsonInput(t, td, "containerDefinitions", &defs)
	cpu, _ := strconv.Atoi(str(t, td, "cpu"))
	if defs[1].CPU != observability.CollectorCPU || defs[1].Memory != observability.CollectorMemoryMiB || defs[0].CPU != 0 {
		t.Errorf("containers %+v: the collector reserves %d/%d, Egress takes the rest of the task", defs, observability.CollectorCPU, observability.CollectorMemoryMiB)
	}
	if cpu < 4096 {
		t.Errorf("Egress task CPU %d", cpu)
	}
	for _, r := range variantPlan(t, "noEgress").ByType(tParameter) {
		if strings.Contains(r.Name, "egress") {
			t.Errorf("egress false still declares %s", r.Name)
		}
	}
}
