package aws_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/promtool"
)

// The region's managed Prometheus (#18): an AMP workspace with the rendered
// rules, fed by an ADOT sidecar in each Fargate task, alerting through the
// region's SNS topic.
const (
	tPrometheus   = "livekit-infra:index:ManagedPrometheus"
	tWorkspace    = "aws:amp/workspace:Workspace"
	tRuleNS       = "aws:amp/ruleGroupNamespace:RuleGroupNamespace"
	tAlertManager = "aws:amp/alertManagerDefinition:AlertManagerDefinition"
	tParameter    = "aws:ssm/parameter:Parameter"
)

// workspaceArn and parameterArn are AWS's ARN formats of the mocked ids.
func workspaceArn(ws *plan.Resource) string {
	return fmt.Sprintf("arn:aws:aps:us-west-2:%s:workspace/%s", plan.FakeAccountID, ws.ID)
}

func parameterArn(p *plan.Resource) string {
	return fmt.Sprintf("arn:aws:ssm:us-west-2:%s:parameter/%s", plan.FakeAccountID, p.ID)
}

func TestManagedPrometheusWorkspace(t *testing.T) {
	p := prod(t)
	ws := child(t, p, tPrometheus, tWorkspace, "")
	key := child(t, p, tPrometheus, tKey, "-key")
	logs := child(t, p, tPrometheus, tLogGroup, "-logs")
	dependsOn(t, ws, key, "the workspace is encrypted with the region's key")
	expect(t, key, "enableKeyRotation", true)
	if got := str(t, ws, "kmsKeyArn"); !strings.HasPrefix(got, "arn:aws:kms:us-west-2:") {
		t.Errorf("workspace kmsKeyArn %q, want the region's key", got)
	}
	dependsOn(t, ws, logs, "the workspace logs to the region's log group")
	if got := str(t, ws, "loggingConfiguration.logGroupArn"); !strings.HasSuffix(got, str(t, logs, "name")+":*") {
		t.Errorf("workspace logs to %q, want the log group's ARN with :*", got)
	}
	if !strings.HasPrefix(str(t, logs, "name"), "/aws/vendedlogs/") {
		t.Errorf("AMP log group %q: vended logs belong under /aws/vendedlogs/", str(t, logs, "name"))
	}
	if !ws.Protect {
		t.Error("the workspace (the region's metric history) is not protected")
	}
	// AMP uses the key only through its own service in this region.
	var kp policyDoc
	jsonInput(t, key, "policy", &kp)
	var use *policyStatement
	for i, s := range kp.Statement {
		if s.Sid == "ManagedPrometheusUsesKey" {
			use = &kp.Statement[i]
		}
	}
	if use == nil {
		t.Fatalf("key policy %+v has no ManagedPrometheusUsesKey statement", kp.Statement)
	}
	if got := use.Condition["StringEquals"]["kms:ViaService"]; got != "aps.us-west-2.amazonaws.com" {
		t.Errorf("the key may be used via %v, want aps.us-west-2.amazonaws.com only", got)
	}
	if got := use.Condition["StringEquals"]["kms:CallerAccount"]; got != plan.FakeAccountID {
		t.Errorf("kms:CallerAccount %v, want %s", got, plan.FakeAccountID)
	}
	if _, ok := p.Outputs["prometheusQueryUrl"]; !ok {
		t.Error("no prometheusQueryUrl output: operators query the workspace there")
	}
}

// The rule namespace holds the rendered rules unchanged, and the real
// promtool accepts them.
func TestManagedPrometheusRules(t *testing.T) {
	p := prod(t)
	ns := child(t, p, tPrometheus, tRuleNS, "-rules")
	ws := child(t, p, tPrometheus, tWorkspace, "")
	expect(t, ns, "workspaceId", ws.ID)
	expect(t, ns, "name", awsc.RuleNamespace)
	data := str(t, ns, "data")
	var rf observability.RuleFile
	if err := yaml.Unmarshal([]byte(data), &rf); err != nil {
		t.Fatalf("rule namespace data is not a rule file: %v", err)
	}
	var alerts []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
		}
	}
	for _, want := range []string{observability.AlertNoNodeScraped, observability.AlertAtMaxNodes, observability.AlertNodeNearSysloadLimit,
		observability.AlertNodeNearCapacity, observability.AlertRegionNearCapacity} {
		if !slices.Contains(alerts, want) {
			t.Errorf("rules %v lack %s", alerts, want)
		}
	}
	// A collector cannot probe GET /: the 406 rules would never fire (the
	// target group's alarms watch it).
	if slices.Contains(alerts, observability.AlertNodeLostRedis) {
		t.Errorf("rules %v carry %s, which needs a blackbox probe no AWS collector runs", alerts, observability.AlertNodeLostRedis)
	}
	if out, err := promtool.Check(t, "rules", "rules.yml", data); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

// adotConfig is the part of the collector's configuration the tests read.
type adotConfig struct {
	Extensions map[string]struct{ Region, Service string }
	Receivers  struct {
		Prometheus struct {
			Config map[string]any
		}
	}
	Exporters map[string]struct {
		Endpoint string
		Auth     struct{ Authenticator string }
	}
	Service struct {
		Extensions []string
		Pipelines  map[string]struct{ Receivers, Processors, Exporters []string }
	}
}

// The ADOT sidecar: pinned by digest through the mirror, not essential, no
// ports, its config from a SecureString parameter (not plain env), scraping
// the rendered config's prometheus.port on localhost and remote-writing,
// SigV4-signed, to the region's workspace.
func TestCollectorSidecar(t *testing.T) {
	p := prod(t)
	defs := taskContainers(t, p)
	if len(defs) != 2 || defs[1].Name != awsc.CollectorContainerName {
		t.Fatalf("containers %v, want livekit and %s", defs, awsc.CollectorContainerName)
	}
	port := renderedConfig(t, p).Prometheus.Port
	if port == 0 {
		t.Fatal("the rendered LiveKit config has no prometheus.port")
	}
	checkCollectorSidecar(t, p, defs[1], child(t, p, tMedia, tParameter, "-collector"), observability.JobLiveKit, port)
}

// checkCollectorSidecar checks an ADOT sidecar c and the parameter param
// holding its config: the image pinned by digest through the region's ECR
// mirror, not essential (its failure must not stop a media node or a
// recording), no ports (it only dials out), no plain env (its config is a
// SecureString parameter and a Pulumi secret), the one scrape job jobName
// of localhost:port with aws-prod's labels passing the real promtool, and
// the remote write, SigV4-signed for aps, to the region's workspace. It
// returns the scrape job for the caller's own checks.
func checkCollectorSidecar(t *testing.T, p *plan.Plan, c containerDef, param *plan.Resource, jobName string, port int) observability.ScrapeConfig {
	t.Helper()
	ref := strings.SplitN(observability.ADOTImage, "@", 2)
	if !strings.HasSuffix(c.Image, "@"+ref[1]) || !strings.Contains(c.Image, ".dkr.ecr.us-west-2.amazonaws.com/docker-hub/") {
		t.Errorf("collector image %q: want the ADOT digest %s through the region's ECR mirror", c.Image, ref[1])
	}
	if c.Essential {
		t.Errorf("the %s collector is essential: its failure would stop its task", jobName)
	}
	if len(c.PortMappings) != 0 {
		t.Errorf("the %s collector maps ports %v; it only dials out", jobName, c.PortMappings)
	}
	if len(c.Environment) != 0 {
		t.Errorf("the %s collector has plain env %v; its config comes from Parameter Store", jobName, c.Environment)
	}
	if len(c.Secrets) != 1 || c.Secrets[0].Name != awsc.CollectorConfigEnv || c.Secrets[0].ValueFrom != parameterArn(param) {
		t.Errorf("%s collector secrets %v, want %s from %s", jobName, c.Secrets, awsc.CollectorConfigEnv, parameterArn(param))
	}
	expect(t, param, "type", "SecureString")
	if !param.IsSecret("value") {
		t.Errorf("the %s collector config parameter's value is not a Pulumi secret", jobName)
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
		t.Fatalf("scrape configs %+v, want the one %s job", prom.ScrapeConfigs, jobName)
	}
	job := prom.ScrapeConfigs[0]
	if want := []string{"localhost:" + strconv.Itoa(port)}; job.JobName != jobName || !slices.Equal(job.StaticConfigs[0].Targets, want) {
		t.Errorf("job %s targets %v, want %s at %v", job.JobName, job.StaticConfigs[0].Targets, jobName, want)
	}
	if l := job.StaticConfigs[0].Labels; l["stack"] != "aws-prod" || l["cloud"] != "aws" || l["region"] != "us-west-2" {
		t.Errorf("series labels %v, want stack/cloud/region of aws-prod", l)
	}
	// The receiver's embedded Prometheus config passes the real promtool.
	if out, err := promtool.Check(t, "config", "prometheus.yml", string(scrape)); err != nil {
		t.Errorf("promtool check config on the %s collector's scrape config: %v\n%s", jobName, err, out)
	}

	// Remote write: the region's workspace, SigV4 for aps in its region.
	ws := child(t, p, tPrometheus, tWorkspace, "")
	exp, ok := cfg.Exporters["prometheusremotewrite/region"]
	if !ok || len(cfg.Exporters) != 1 {
		t.Fatalf("exporters %v, want prometheusremotewrite/region only", cfg.Exporters)
	}
	if want := p.Outputs["prometheusQueryUrl"].(string) + "api/v1/remote_write"; exp.Endpoint != want || !strings.Contains(want, ws.ID) {
		t.Errorf("remote write to %q, want %q", exp.Endpoint, want)
	}
	auth := cfg.Extensions[exp.Auth.Authenticator]
	if !strings.HasPrefix(exp.Auth.Authenticator, "sigv4auth") || auth.Service != "aps" || auth.Region != "us-west-2" {
		t.Errorf("remote write auth %q = %+v, want SigV4 for aps in us-west-2", exp.Auth.Authenticator, auth)
	}
	if pl := cfg.Service.Pipelines["metrics"]; !slices.Equal(pl.Receivers, []string{"prometheus"}) || !slices.Equal(pl.Exporters, []string{"prometheusremotewrite/region"}) {
		t.Errorf("metrics pipeline %+v", pl)
	}
	if !slices.Contains(cfg.Service.Extensions, exp.Auth.Authenticator) {
		t.Errorf("service extensions %v lack %s", cfg.Service.Extensions, exp.Auth.Authenticator)
	}
	return job
}

// The sidecar's share of the task: LiveKit keeps the rest, and a task too
// small for both is refused naming the key.
func TestCollectorFitsTheTask(t *testing.T) {
	p := prod(t)
	td := taskDefinition(t, p)
	var defs []struct {
		Name        string
		CPU         int `json:"cpu"`
		Memory      int `json:"memory"`
		Essential   bool
		ReadonlyFS  bool `json:"readonlyRootFilesystem"`
		PortMapping []any
	}
	jsonInput(t, td, "containerDefinitions", &defs)
	taskCPU, err1 := strconv.Atoi(str(t, td, "cpu"))
	taskMem, err2 := strconv.Atoi(str(t, td, "memory"))
	if err1 != nil || err2 != nil {
		t.Fatalf("task size %q/%q", str(t, td, "cpu"), str(t, td, "memory"))
	}
	for _, d := range defs {
		if d.Name == awsc.CollectorContainerName {
			if d.CPU != observability.CollectorCPU || d.Memory != observability.CollectorMemoryMiB {
				t.Errorf("collector reserves %d CPU / %d MiB, want %d / %d", d.CPU, d.Memory, observability.CollectorCPU, observability.CollectorMemoryMiB)
			}
			if taskCPU-d.CPU < d.CPU || taskMem-d.Memory < d.Memory {
				t.Errorf("task %d/%d leaves LiveKit less than the collector", taskCPU, taskMem)
			}
			if !d.ReadonlyFS {
				t.Error("the collector's root filesystem is writable")
			}
		}
	}
	_, err := prodStack.With(map[string]string{"awsTaskCpu": "256", "awsTaskMemory": "512"})
	if err == nil {
		t.Fatal("a 256/512 task (no room beside the collector) was accepted")
	}
	for _, want := range []string{key("awsTaskCpu"), key("awsTaskMemory"), "metrics collector"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// AMP's alert manager routes every alert to the region's SNS topic, which
// admits aps.amazonaws.com only for this account's workspace.
func TestPrometheusAlertsToTopic(t *testing.T) {
	p := prod(t)
	ws := child(t, p, tPrometheus, tWorkspace, "")
	topic := child(t, p, tMonitoring, tTopic, "-alarms")
	am := child(t, p, tMonitoring, tAlertManager, "-alertmanager")
	expect(t, am, "workspaceId", ws.ID)
	dependsOn(t, am, child(t, p, tMonitoring, tTopicPolicy, "-alarms"), "AMP checks it may publish when the definition is created")
	var def struct {
		AlertmanagerConfig string `yaml:"alertmanager_config"`
	}
	if err := yaml.Unmarshal([]byte(str(t, am, "definition")), &def); err != nil {
		t.Fatal(err)
	}
	var amc observability.AlertManagerConfig
	if err := yaml.Unmarshal([]byte(def.AlertmanagerConfig), &amc); err != nil {
		t.Fatalf("alertmanager_config: %v\n%s", err, def.AlertmanagerConfig)
	}
	if len(amc.Receivers) != 1 || amc.Route.Receiver != amc.Receivers[0].Name || len(amc.Receivers[0].SNSConfigs) != 1 {
		t.Fatalf("alert manager %+v: want one route to one SNS receiver", amc)
	}
	sns := amc.Receivers[0].SNSConfigs[0]
	if sns.TopicARN != topic.ID || sns.SigV4["region"] != "us-west-2" {
		t.Errorf("alerts go to %q (sigv4 %v), want the region's topic %q", sns.TopicARN, sns.SigV4, topic.ID)
	}

	wsArn := workspaceArn(ws)
	checkAps := func(what string, doc policyDoc, wantActions []string) {
		t.Helper()
		var found bool
		for _, s := range doc.Statement {
			princ, _ := s.Principal.(map[string]any)
			if princ["Service"] != "aps.amazonaws.com" {
				continue
			}
			found = true
			if !slices.Equal(s.actions(t), wantActions) {
				t.Errorf("%s: aps may %v, want %v", what, s.actions(t), wantActions)
			}
			if s.Condition["StringEquals"]["aws:SourceAccount"] != plan.FakeAccountID || s.Condition["ArnEquals"]["aws:SourceArn"] != wsArn {
				t.Errorf("%s: aps statement conditions %v, want aws:SourceAccount %s and aws:SourceArn %s", what, s.Condition, plan.FakeAccountID, wsArn)
			}
		}
		if !found {
			t.Errorf("%s admits no aps.amazonaws.com statement", what)
		}
	}
	var tp, kp policyDoc
	jsonInput(t, child(t, p, tMonitoring, tTopicPolicy, "-alarms"), "policy", &tp)
	checkAps("topic policy", tp, []string{"sns:Publish", "sns:GetTopicAttributes"})
	jsonInput(t, child(t, p, tMonitoring, tKey, "-alarms"), "policy", &kp)
	checkAps("alarm key policy", kp, []string{"kms:Decrypt", "kms:GenerateDataKey*"})
}
