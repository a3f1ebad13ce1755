package aws_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// The region's alarms (#18): what ElastiCache and the ALB publish to
// CloudWatch, to one KMS-encrypted SNS topic the stack's alertEmails
// subscribe to.
const (
	tMonitoring   = "livekit-infra:index:Monitoring"
	tMetricAlarm  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tKey          = "aws:kms/key:Key"
	tTopic        = "aws:sns/topic:Topic"
	tTopicPolicy  = "aws:sns/topicPolicy:TopicPolicy"
	tSubscription = "aws:sns/topicSubscription:TopicSubscription"
)

// wantAlarm is an alarm of the aws-prod plan by its name's suffix.
type wantAlarm struct {
	suffix, namespace, metric, stat, comparison, missing string
	threshold                                            float64
	period, periods                                      int
	dims                                                 []string
}

func TestRegionAlarms(t *testing.T) {
	p := prod(t)
	topic := child(t, p, tMonitoring, tTopic, "-alarms")
	redisNodes := 2 // awsRedisNodes' default (Pulumi.aws-prod.yaml sets none)
	want := []wantAlarm{
		{"-lb-5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", "GreaterThanThreshold", "notBreaching", 10, 60, 3, []string{"LoadBalancer"}},
		{"-target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", "GreaterThanThreshold", "notBreaching", 10, 60, 3, []string{"LoadBalancer"}},
		{"-unhealthy-targets", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", "GreaterThanThreshold", "notBreaching", 0, 60, 2, []string{"LoadBalancer", "TargetGroup"}},
		{"-no-healthy-target", "AWS/ApplicationELB", "HealthyHostCount", "Minimum", "LessThanThreshold", "breaching", 1, 60, 2, []string{"LoadBalancer", "TargetGroup"}},
	}
	for i := 1; i <= redisNodes; i++ {
		want = append(want,
			wantAlarm{fmt.Sprintf("-redis-memory-%03d", i), "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Average", "GreaterThanThreshold", "missing", 80, 300, 2, []string{"CacheClusterId"}},
			wantAlarm{fmt.Sprintf("-redis-cpu-%03d", i), "AWS/ElastiCache", "EngineCPUUtilization", "Average", "GreaterThanThreshold", "missing", 80, 300, 3, []string{"CacheClusterId"}},
			wantAlarm{fmt.Sprintf("-redis-auth-failures-%03d", i), "AWS/ElastiCache", "AuthenticationFailures", "Sum", "GreaterThanThreshold", "notBreaching", 0, 300, 1, []string{"CacheClusterId"}},
		)
	}
	alarms := childrenOfType(p, tMonitoring, tMetricAlarm)
	if len(alarms) != len(want) {
		t.Errorf("%d alarms %v, want %d", len(alarms), names(alarms), len(want))
	}
	rg := p.ByType(tReplGroup)[0]
	for _, w := range want {
		a := child(t, p, tMonitoring, tMetricAlarm, w.suffix)
		expect(t, a, "namespace", w.namespace)
		expect(t, a, "metricName", w.metric)
		expect(t, a, "statistic", w.stat)
		expect(t, a, "comparisonOperator", w.comparison)
		expect(t, a, "treatMissingData", w.missing)
		if got := num(t, a, "threshold"); float64(got) != w.threshold {
			t.Errorf("%s: threshold %d, want %v", a.Name, got, w.threshold)
		}
		expect(t, a, "period", w.period)
		expect(t, a, "evaluationPeriods", w.periods)
		expect(t, a, "alarmActions", []any{topic.ID})
		expect(t, a, "okActions", []any{topic.ID})
		dims, _ := a.Input("dimensions")
		m, _ := dims.(map[string]any)
		var got []string
		for k := range m {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, w.dims) {
			t.Errorf("%s: dimensions %v, want %v", a.Name, got, w.dims)
		}
		// Each Redis alarm watches one member cluster of this group.
		if id, ok := m["CacheClusterId"].(string); ok {
			n := strings.TrimPrefix(w.suffix[strings.LastIndex(w.suffix, "-"):], "-")
			if id != rg.ID+"-"+n {
				t.Errorf("%s: CacheClusterId %q, want %q", a.Name, id, rg.ID+"-"+n)
			}
		}
		if d := str(t, a, "alarmDescription"); !strings.Contains(d, "docs/observability.md") {
			t.Errorf("%s: description %q does not point at the runbook", a.Name, d)
		}
	}
}

func TestAlarmTopicEncryptedAndSubscribed(t *testing.T) {
	p := prod(t)
	topic := child(t, p, tMonitoring, tTopic, "-alarms")
	key := child(t, p, tMonitoring, tKey, "-alarms")
	expect(t, key, "enableKeyRotation", true)
	if arn := str(t, topic, "kmsMasterKeyId"); arn == "" || arn == "alias/aws/sns" {
		t.Errorf("topic key %q: want the region's own key (CloudWatch cannot use alias/aws/sns)", arn)
	}
	var kp policyDoc
	jsonInput(t, key, "policy", &kp)
	for _, s := range kp.Statement {
		for _, a := range s.actions(t) {
			if s.Sid == "AccountAdministers" && (a == "kms:Encrypt" || a == "kms:Decrypt" || strings.HasPrefix(a, "kms:GenerateDataKey")) {
				t.Errorf("the account may use the alarm key (%s), not only administer it", a)
			}
		}
	}
	var tp policyDoc
	jsonInput(t, child(t, p, tMonitoring, tTopicPolicy, "-alarms"), "policy", &tp)
	// CloudWatch's alarms publish; AMP's alert manager too (checked in
	// TestPrometheusAlertsToTopic).
	if len(tp.Statement) != 2 || !slices.Equal(tp.Statement[0].actions(t), []string{"sns:Publish"}) || tp.Statement[1].Sid != "PrometheusAlertsPublish" {
		t.Errorf("topic policy %+v: want CloudWatch's sns:Publish and AMP's alerts only", tp.Statement)
	}
	subs := childrenOfType(p, tMonitoring, tSubscription)
	if len(subs) != 1 {
		t.Fatalf("subscriptions %v, want the one alertEmails address", names(subs))
	}
	expect(t, &subs[0], "protocol", "email")
	expect(t, &subs[0], "endpoint", "oncall@example.com")
}

// A webhook joins the topic over https, its URL kept a secret.
func TestAlarmWebhookStaysSecret(t *testing.T) {
	const hook = "https://hooks.example.com/T0123/webhook-token"
	p, err := prodStack.With(map[string]string{"alertWebhookUrl": hook}, "alertWebhookUrl")
	if err != nil {
		t.Fatal(err)
	}
	sub := child(t, p, tMonitoring, tSubscription, "-alarms-webhook")
	expect(t, sub, "protocol", "https")
	if !sub.IsSecret("endpoint") {
		t.Errorf("the webhook URL is not a secret in the plan")
	}
}

// LiveKit's metrics port is open to no one: the scraper runs beside the
// node (a sidecar on localhost), so no security group rule may admit it,
// let alone from 0.0.0.0/0.
// inlinePort reads an inline rule's port as a number whatever its decoded
// kind, failing on anything else so that the check above cannot pass by
// reading a port as zero.
func inlinePort(t *testing.T, sg string, r map[string]any, key string) int {
	t.Helper()
	switch v := r[key].(type) {
	case int:
		return v
	case float64:
		return int(v)
	default:
		t.Fatalf("security group %s: inline rule %s is %T (%v), not a number", sg, key, r[key], r[key])
		return 0
	}
}

func TestMetricsPortNotOpen(t *testing.T) {
	p := prod(t)
	for _, sg := range p.ByType(tSG) {
		for _, r := range rulesOf(t, p, &sg, "ingress") {
			if (r.Protocol == "tcp" || r.Protocol == "-1" || r.Protocol == "all") &&
				(r.Protocol != "tcp" || (r.From <= livekit.PrometheusPort && livekit.PrometheusPort <= r.To)) {
				t.Errorf("security group %s admits the metrics port %d: %s", sg.Name, livekit.PrometheusPort, r)
			}
		}
		ing, _ := sg.RawInput("ingress")
		l, _ := ing.([]any)
		for _, item := range l {
			r, _ := item.(map[string]any)
			from, to := inlinePort(t, sg.Name, r, "fromPort"), inlinePort(t, sg.Name, r, "toPort")
			if proto := fmt.Sprint(r["protocol"]); proto == "-1" || (proto == "tcp" && from <= livekit.PrometheusPort && livekit.PrometheusPort <= to) {
				t.Errorf("security group %s admits the metrics port %d inline: %v", sg.Name, livekit.PrometheusPort, r)
			}
		}
	}
}
