package gcp_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
	"github.com/livekit-infra/livekit-infra/tests/internal/stackfile"
)

const tRules = "kubernetes:monitoring.googleapis.com/v1:Rules"

// Managed Service for Prometheus scrapes LiveKit's metrics port at /metrics
// under the job the rules select on (GMP names the job after the
// PodMonitoring), in the LiveKit namespace.
func TestManagedPrometheusScrape(t *testing.T) {
	p := stackPlan(t)
	pm := one(t, p, tPodMonitor, "livekit-metrics")
	expect(t, pm, map[string]any{
		"metadata.name":                                           observability.JobLiveKit,
		"spec.endpoints[0].port":                                  6789,
		"spec.endpoints[0].path":                                  "/metrics",
		"spec.endpoints[0].interval":                              "30s",
		`spec.selector.matchLabels["app.kubernetes.io/name"]`:     "livekit-server",
		`spec.selector.matchLabels["app.kubernetes.io/instance"]`: "livekit",
	})
	if ns := pm.InputString("metadata.namespace"); ns != one(t, p, tRules, "livekit-alert-rules").InputString("metadata.namespace") {
		t.Errorf("PodMonitoring in %q, Rules elsewhere: GMP evaluates a Rules object over its own namespace's series only", ns)
	}
}

// rulesSpec reads a GMP Rules object's spec as a rule file.
func rulesSpec(t *testing.T, r *plan.Resource) (observability.RuleFile, []byte) {
	t.Helper()
	spec, ok := r.Input("spec")
	if !ok {
		t.Fatalf("Rules %s has no spec", r.Name)
	}
	doc, err := yaml.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var got observability.RuleFile
	if err := yaml.Unmarshal(doc, &got); err != nil {
		t.Fatalf("Rules spec is not a rule file: %v\n%s", err, doc)
	}
	return got, doc
}

// The GMP Rules object of the LiveKit namespace carries the region's
// rendered rule groups but the Egress one (egress_test.go), from gcp-eu's
// maxNodes (10) and pod CPU (3 vCPUs: 75 participants a node).
func TestManagedPrometheusRules(t *testing.T) {
	p := stackPlan(t)
	got, doc := rulesSpec(t, one(t, p, tRules, "livekit-alert-rules"))
	_, want := gcpEURules(t).Split(observability.EgressGroup("gcp-eu"))
	if !reflect.DeepEqual(got, want) || len(want.Groups) != 1 {
		t.Errorf("Rules spec differs from the rendered rules without the Egress group:\n%s", doc)
	}

	exprs := map[string]string{}
	for _, g := range got.Groups {
		if g.Interval != observability.EvaluationInterval {
			t.Errorf("group %s interval %q", g.Name, g.Interval)
		}
		for _, rule := range g.Rules {
			exprs[rule.Alert] = rule.Expr
			if rule.Annotations["runbook"] == "" {
				t.Errorf("%s has no runbook line", rule.Alert)
			}
		}
	}
	for alert, want := range map[string]string{
		observability.AlertNoNodeScraped:        `absent(up{job="livekit"} == 1)`,
		observability.AlertAtMaxNodes:           `count(up{job="livekit"} == 1) >= 10 and`,
		observability.AlertNodeNearCapacity:     `livekit_participant_total{job="livekit"} > 60`,
		observability.AlertRegionNearCapacity:   `sum(livekit_participant_total{job="livekit"}) > 600`,
		observability.AlertNodeNearSysloadLimit: `rate(process_cpu_seconds_total{job="livekit"}[5m]) / 3 * 100 >`,
	} {
		if !strings.HasPrefix(exprs[alert], want) {
			t.Errorf("%s expr = %q, want it to start %q", alert, exprs[alert], want)
		}
	}
	// GMP runs no blackbox probe: a rule on its job would fire forever.
	for _, alert := range []string{observability.AlertNodeLostRedis, observability.AlertNoHealthyNode} {
		if e, ok := exprs[alert]; ok {
			t.Errorf("%s (%s) is deployed, but GMP has no %s job", alert, e, observability.JobHealth)
		}
	}
}

// No firewall rule admits the metrics port from anywhere: GMP's collector
// scrapes it from the node itself.
func TestMetricsPortNotOpen(t *testing.T) {
	tcpPortsClosed(t, stackPlan(t), "the metrics port", 6789)
}

// tcpPortsClosed checks that no ingress firewall rule of p admits any of
// ports over TCP (what names them in a failure): neither in a port span
// nor by allowing every port.
func tcpPortsClosed(t *testing.T, p *plan.Plan, what string, ports ...int) {
	t.Helper()
	for _, fw := range p.ByType(tFirewall) {
		if fw.InputString("direction") == "EGRESS" {
			continue
		}
		a, _ := fw.Input("allows")
		list, _ := a.([]any)
		for _, e := range list {
			m := e.(map[string]any)
			proto, _ := m["protocol"].(string)
			if proto != "tcp" && proto != "all" {
				continue
			}
			spans := strs(m["ports"])
			if len(spans) == 0 {
				t.Errorf("firewall %s allows every %s port (%s %v among them)", fw.Name, proto, what, ports)
			}
			for _, span := range spans {
				lo, hi, _ := strings.Cut(span, "-")
				l, _ := strconv.Atoi(lo)
				h := l
				if hi != "" {
					h, _ = strconv.Atoi(hi)
				}
				for _, port := range ports {
					if l <= port && port <= h {
						t.Errorf("firewall %s opens tcp %s, which includes %s %d (sources %v)", fw.Name, span, what, port, strs(input(t, &fw, "sourceRanges")))
					}
				}
			}
		}
	}
}

const (
	tChannel = "gcp:monitoring/notificationChannel:NotificationChannel"
	tPolicy  = "gcp:monitoring/alertPolicy:AlertPolicy"
)

// gcpEURules is the rule file rendered from Pulumi.gcp-eu.yaml (no probe
// rules: GMP cannot probe GET /).
func gcpEURules(t *testing.T) observability.RuleFile {
	t.Helper()
	_, rules := stackfile.ManagedRules(t, "../..", "gcp-eu")
	return rules
}

// Every rendered rule is one Cloud Monitoring PromQL alert policy with the
// rule's expression, hold time and labels, evaluated every 30 s, notifying
// the region's channels: the same rules the promtool tests prove, routed
// to alertEmails.
func TestAlertPoliciesAreTheRenderedRules(t *testing.T) {
	p := stackPlan(t)
	// The Monitoring component's channels (the Budget has its own).
	var chans []plan.Resource
	for _, c := range p.ByType(tChannel) {
		if strings.Contains(c.Parent, "livekit-infra:index:Monitoring::") {
			chans = append(chans, c)
		}
	}
	if len(chans) != 1 {
		t.Fatalf("%d notification channels, want the one alertEmails address of gcp-eu", len(chans))
	}
	expect(t, &chans[0], map[string]any{
		"type": "email", "labels.email_address": "oncall@example.com", "project": euProject,
	})
	policies := map[string]*plan.Resource{}
	for _, r := range p.ByType(tPolicy) {
		// The Memorystore and load balancer policies are threshold ones
		// (dashboard_test.go).
		if rule := r.InputString("conditions[0].conditionPrometheusQueryLanguage.alertRule"); rule != "" {
			policies[rule] = &r
		}
	}
	rules := gcpEURules(t)
	n := 0
	for _, g := range rules.Groups {
		for _, rule := range g.Rules {
			n++
			pol, ok := policies[rule.Alert]
			if !ok {
				t.Errorf("no alert policy for %s", rule.Alert)
				continue
			}
			forSec, _ := time.ParseDuration(rule.For)
			expect(t, pol, map[string]any{
				"project":  euProject,
				"combiner": "OR",
				"conditions[0].conditionPrometheusQueryLanguage.query":              rule.Expr,
				"conditions[0].conditionPrometheusQueryLanguage.duration":           strconv.Itoa(int(forSec.Seconds())) + "s",
				"conditions[0].conditionPrometheusQueryLanguage.evaluationInterval": "30s",
				"conditions[0].conditionPrometheusQueryLanguage.ruleGroup":          g.Name,
				"conditions[0].conditionPrometheusQueryLanguage.labels.severity":    rule.Labels["severity"],
				"severity": strings.ToUpper(rule.Labels["severity"]),
			})
			if got := strs(input(t, pol, "notificationChannels")); len(got) != 1 || got[0] != chans[0].ID {
				t.Errorf("%s notifies %v, want the channel %s", rule.Alert, got, chans[0].ID)
			}
			if c := pol.InputString("documentation.content"); !strings.Contains(c, rule.Annotations["runbook"]) {
				t.Errorf("%s documentation %q lacks its runbook line", rule.Alert, c)
			}
		}
	}
	if n < 5 || len(policies) != n {
		t.Errorf("%d policies for %d rules", len(policies), n)
	}
	// The thresholds of gcp-eu (maxNodes 10, 3 vCPUs: 60 a node, 600 the
	// region) reach Cloud Monitoring as rendered.
	if q := policies[observability.AlertRegionNearCapacity].InputString("conditions[0].conditionPrometheusQueryLanguage.query"); !strings.HasSuffix(q, "> 600") {
		t.Errorf("region capacity query %q, want > 600", q)
	}
}

// A webhook is a token-auth webhook channel whose URL stays a secret.
func TestAlertWebhookChannelStaysSecret(t *testing.T) {
	p := euStack.Variant(t, "alertWebhook", map[string]string{"alertWebhookUrl": "https://hooks.example.com/T0123/webhook-token"}, "alertWebhookUrl")
	hook := planq.Where(t, p, tChannel, "type", "webhook_tokenauth")
	if !hook.IsSecret("labels.url") {
		t.Error("the webhook URL is not a secret in the plan")
	}
	if v, _ := hook.RawInput("labels.url"); v != "https://hooks.example.com/T0123/webhook-token" {
		t.Errorf("webhook url = %v", v)
	}
	for _, pol := range p.ByType(tPolicy) {
		if got := strs(input(t, &pol, "notificationChannels")); !contains(got, hook.ID) || len(got) != 2 {
			t.Errorf("%s notifies %v, want the email and the webhook channel", pol.Name, got)
		}
	}
}
