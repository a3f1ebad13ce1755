// Package agentcheck checks a GKE or AKS region's writer to the central
// metrics view from its plans (#18): the metricsWriter it exports, and,
// with the central keys set, the Prometheus agent that writes (its chart
// values, configuration through the real promtool, RBAC, token and the
// absence of any AWS key). tests/gcp and tests/azure run it on their stack
// files; it links no cloud SDK.
package agentcheck

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
	"github.com/livekit-infra/livekit-infra/tests/internal/promtool"
)

// The global stack's outputs a region is pointed at in these tests.
const (
	CentralURL    = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f-6789-abcd-ef0123456789/api/v1/remote_write"
	CentralWriter = "arn:aws:iam::210987654321:role/livekit-metrics-write-region-1a2b3c4"
)

// Keys are the central keys (bare names) as the region sets them.
var Keys = map[string]string{"centralMetricsRemoteWriteUrl": CentralURL, "centralMetricsWriterRoleArn": CentralWriter}

const (
	tChart       = "kubernetes:helm.sh/v4:Chart"
	tConfigMap   = "kubernetes:core/v1:ConfigMap"
	tNamespace   = "kubernetes:core/v1:Namespace"
	tRole        = "kubernetes:rbac.authorization.k8s.io/v1:Role"
	tRoleBinding = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
)

// WriterOutput is the stack's metricsWriter output as the global stack
// parses it; the test fails when it is missing or refused.
func WriterOutput(t *testing.T, p *plan.Plan, stack string) components.MetricsWriter {
	t.Helper()
	v, ok := p.RawOutputs[components.OutputMetricsWriter]
	if !ok {
		t.Fatalf("%s exports no %s", stack, components.OutputMetricsWriter)
	}
	w, err := components.ParseMetricsWriter(stack, v)
	if err != nil {
		t.Fatalf("%s's %s: %v", stack, components.OutputMetricsWriter, err)
	}
	return w
}

// Writer checks the exported metricsWriter: the cluster's issuer and the
// agent's one service account, accepted by the global stack's parser.
func Writer(t *testing.T, p *plan.Plan, stack, issuer string) {
	t.Helper()
	if w := WriterOutput(t, p, stack); w.Issuer != issuer || w.Subject != "system:serviceaccount:livekit-metrics:prometheus-agent" || w.RoleARN != "" {
		t.Errorf("%s's writer %+v, want issuer %s and the agent's service account", stack, w, issuer)
	}
}

// NoAgent checks a region without the central keys runs no agent.
func NoAgent(t *testing.T, p *plan.Plan) {
	t.Helper()
	if n := len(p.ByType(components.MetricsAgentType)); n != 0 {
		t.Errorf("%d metrics agents without the central keys, want none (nothing to write to)", n)
	}
	for _, c := range p.ByType(tChart) {
		if c.InputString("chart") == lkk8s.AgentChart {
			t.Errorf("chart %s without the central keys", c.Name)
		}
	}
}

// Agent checks the agent of a plan with Keys set; mirror is the region's
// registry mirror prefix (host/path) the image must come through.
func Agent(t *testing.T, p *plan.Plan, stack, mirror string) {
	t.Helper()
	agent := planq.Only(t, p, components.MetricsAgentType)
	inAgent := func(typ string) []plan.Resource {
		var out []plan.Resource
		for _, r := range p.Descendants(agent.URN) {
			if r.Type == typ {
				out = append(out, r)
			}
		}
		return out
	}

	// Its own namespace, under the restricted Pod Security Standard.
	nss := inAgent(tNamespace)
	if len(nss) != 1 || nss[0].InputString("metadata.name") != components.MetricsAgentNamespace {
		t.Fatalf("agent namespaces %v, want %s", planq.Names(nss), components.MetricsAgentNamespace)
	}
	if got := nss[0].InputString(`metadata.labels["pod-security.kubernetes.io/enforce"]`); got != "restricted" {
		t.Errorf("agent namespace enforces %q, want restricted", got)
	}

	// The chart: prometheus-community's, pinned exactly, the server alone
	// in agent mode.
	charts := inAgent(tChart)
	if len(charts) != 1 {
		t.Fatalf("agent charts %v, want 1", planq.Names(charts))
	}
	chart := &charts[0]
	if chart.InputString("chart") != "prometheus" || chart.InputString("version") != lkk8s.AgentChartVersion ||
		chart.InputString("repositoryOpts.repo") != "https://prometheus-community.github.io/helm-charts" {
		t.Errorf("agent chart %s %s from %s, want prometheus %s from prometheus-community", chart.InputString("chart"),
			chart.InputString("version"), chart.InputString("repositoryOpts.repo"), lkk8s.AgentChartVersion)
	}
	if chart.InputString("namespace") != components.MetricsAgentNamespace {
		t.Errorf("chart namespace %q", chart.InputString("namespace"))
	}
	for _, sub := range []string{"alertmanager", "kube-state-metrics", "prometheus-node-exporter", "prometheus-pushgateway"} {
		if on, _ := chart.RawInput(`values["` + sub + `"].enabled`); on != false {
			t.Errorf("chart value %s.enabled = %v, want false: the agent alone", sub, on)
		}
	}
	if on, _ := chart.RawInput("values.rbac.create"); on != false {
		t.Error("the chart creates its ClusterRole (cluster-wide reads); the agent reads the LiveKit namespace's pods only")
	}
	if got := chart.InputString("values.serviceAccounts.server.name"); got != components.MetricsAgentServiceAccount {
		t.Errorf("service account %q, want %s (the writer role's subject)", got, components.MetricsAgentServiceAccount)
	}
	ref := strings.SplitN(observability.AgentImage, "@", 2)
	if repo := chart.InputString("values.server.image.repository"); repo != mirror+"/prom/prometheus" {
		t.Errorf("agent image repository %q, want %s/prom/prometheus (the region's mirror)", repo, mirror)
	}
	if d := chart.InputString("values.server.image.digest"); d != ref[1] {
		t.Errorf("agent image digest %q, want %s", d, ref[1])
	}
	flags := strs(t, chart, "values.server.defaultFlagsOverride")
	if !slices.Contains(flags, "--agent") || !slices.Contains(flags, "--config.file=/etc/config/prometheus.yml") {
		t.Errorf("agent flags %v, want --agent with the component's config file", flags)
	}

	// Web identity, no key: AWS_ROLE_ARN and the projected token's file.
	env := map[string]string{}
	raw, _ := chart.RawInput("values.server.env")
	for _, e := range asList(raw) {
		m, _ := e.(map[string]any)
		name, _ := m["name"].(string)
		val, _ := m["value"].(string)
		env[name] = val
	}
	if env["AWS_ROLE_ARN"] != CentralWriter || env["AWS_WEB_IDENTITY_TOKEN_FILE"] != lkk8s.AgentTokenDir+"/token" {
		t.Errorf("agent env %v, want AWS_ROLE_ARN %s and AWS_WEB_IDENTITY_TOKEN_FILE %s/token", env, CentralWriter, lkk8s.AgentTokenDir)
	}
	vols, _ := chart.RawInput("values.server.extraVolumes")
	if doc := jsonOf(t, vols); !strings.Contains(doc, `"audience":"sts.amazonaws.com"`) || !strings.Contains(doc, `"serviceAccountToken"`) {
		t.Errorf("agent volumes %s, want a projected service account token for sts.amazonaws.com", doc)
	}
	mounts, _ := chart.RawInput("values.server.extraVolumeMounts")
	if doc := jsonOf(t, mounts); !strings.Contains(doc, `"mountPath":"`+lkk8s.AgentTokenDir+`"`) {
		t.Errorf("agent mounts %s, want the token at %s", doc, lkk8s.AgentTokenDir)
	}

	// The configuration the chart mounts: scrape the LiveKit pods, write
	// centrally as the web identity, through the real promtool.
	var cm *plan.Resource
	for _, c := range inAgent(tConfigMap) {
		if c.InputString("metadata.name") == lkk8s.AgentReleaseName+"-agent-config" {
			cm = &c
		}
	}
	if cm == nil {
		t.Fatalf("no ConfigMap %s-agent-config (the chart's configMapOverrideName)", lkk8s.AgentReleaseName)
	}
	if cm.InputString("metadata.namespace") != components.MetricsAgentNamespace {
		t.Errorf("agent config in namespace %q", cm.InputString("metadata.namespace"))
	}
	body := cm.InputString("data[\"prometheus.yml\"]")
	var cfg observability.PrometheusConfig
	if err := yaml.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatalf("agent config is not YAML: %v\n%s", err, body)
	}
	if len(cfg.RuleFiles) != 0 || len(cfg.ScrapeConfigs) != 1 || cfg.ScrapeConfigs[0].JobName != observability.JobLiveKit {
		t.Fatalf("agent config %+v, want the livekit job and no rules", cfg)
	}
	job := cfg.ScrapeConfigs[0]
	if sd := job.KubernetesSDConfigs; len(sd) != 1 || sd[0].Role != "pod" || sd[0].Namespaces == nil || !slices.Equal(sd[0].Namespaces.Names, []string{lkk8s.DefaultNamespace}) {
		t.Errorf("agent discovery %+v, want the pods of namespace %s", sd, lkk8s.DefaultNamespace)
	}
	port := false
	for _, r := range job.RelabelConfigs {
		if r.TargetLabel == "__address__" && strings.HasSuffix(r.Replacement, ":"+itoa(livekit.PrometheusPort)) {
			port = true
		}
	}
	if !port {
		t.Errorf("agent job relabelling %+v does not target prometheus.port %d", job.RelabelConfigs, livekit.PrometheusPort)
	}
	if l := cfg.Global.ExternalLabels; l["stack"] != stack || l["cloud"] == "" || l["region"] == "" {
		t.Errorf("agent external labels %v, want the region's stack, cloud and region", l)
	}
	if len(cfg.RemoteWrite) != 1 {
		t.Fatalf("agent remote writes %+v, want the central view only", cfg.RemoteWrite)
	}
	rw := cfg.RemoteWrite[0]
	if rw.URL != CentralURL || rw.SigV4 == nil || rw.SigV4.Region != "us-east-1" || rw.SigV4.RoleARN != "" {
		t.Errorf("agent remote write %+v, want %s signed SigV4 in us-east-1 with the web identity (no role_arn)", rw, CentralURL)
	}
	if len(rw.WriteRelabelConfigs) != 1 || rw.WriteRelabelConfigs[0].Regex != observability.CentralKeep {
		t.Errorf("agent write relabelling %+v, want the central keep rule", rw.WriteRelabelConfigs)
	}
	// Debian's promtool has no Kubernetes discovery: the discovery is
	// swapped for a static target carrying its meta labels.
	var generic map[string]any
	if err := yaml.Unmarshal([]byte(body), &generic); err != nil {
		t.Fatal(err)
	}
	jm := generic["scrape_configs"].([]any)[0].(map[string]any)
	delete(jm, "kubernetes_sd_configs")
	jm["static_configs"] = []any{map[string]any{"targets": []string{"placeholder:1"}, "labels": map[string]string{
		"__meta_kubernetes_pod_ip": "10.20.0.4", "__meta_kubernetes_pod_name": "livekit-0", "__meta_kubernetes_pod_node_name": "node-0",
	}}}
	checked, err := yaml.Marshal(generic)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := promtool.Check(t, "config", "prometheus.yml", string(checked)); err != nil {
		t.Errorf("promtool check config on the agent's config: %v\n%s\n%s", err, out, checked)
	}

	// Discovery: get/list/watch pods in the LiveKit namespace, bound to
	// the agent's service account, nothing cluster-wide.
	roles := inAgent(tRole)
	if len(roles) != 1 || roles[0].InputString("metadata.namespace") != lkk8s.DefaultNamespace {
		t.Fatalf("agent roles %v, want one in %s", planq.Names(roles), lkk8s.DefaultNamespace)
	}
	if doc := jsonOf(t, mustRaw(roles[0], "rules")); doc != `[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list","watch"]}]` {
		t.Errorf("agent role rules %s, want get/list/watch on pods only", doc)
	}
	bindings := inAgent(tRoleBinding)
	if len(bindings) != 1 || jsonOf(t, mustRaw(bindings[0], "subjects")) !=
		`[{"kind":"ServiceAccount","name":"prometheus-agent","namespace":"livekit-metrics"}]` {
		t.Errorf("agent role bindings %v, want one for prometheus-agent of livekit-metrics", planq.Names(bindings))
	}
	for _, typ := range []string{"kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"} {
		if n := len(inAgent(typ)); n != 0 {
			t.Errorf("the agent declares %d %s", n, typ)
		}
	}

	// No static AWS credential anywhere in the plan.
	for _, r := range p.Resources {
		doc := strings.ToLower(jsonOf(t, r.RawInputs))
		for _, bad := range []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token"} {
			if strings.Contains(doc, bad) {
				t.Errorf("%s %s carries %s: the agent signs with its web identity only", r.Type, r.Name, bad)
			}
		}
	}
}

func strs(t *testing.T, r *plan.Resource, path string) []string {
	t.Helper()
	v, _ := r.RawInput(path)
	return planq.AsStrings(t, path, v)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func mustRaw(r plan.Resource, path string) any {
	v, _ := r.RawInput(path)
	return v
}

var jsonOf = planq.JSONOf

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
