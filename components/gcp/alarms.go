package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// NativeAlarms are the GCP region's alarms on what Memorystore and the
// Gateway's load balancer publish to Cloud Monitoring (GMP sees neither).
type NativeAlarms struct {
	components.AlarmThresholds
	// RedisInstanceID is the Memorystore instance
	// (projects/P/locations/R/instances/N).
	RedisInstanceID pulumi.StringInput
}

// NativeAlarm is one Cloud Monitoring threshold policy of the region.
type NativeAlarm struct {
	Name        string // components.Alarm*
	Metric      string // an observability.NativeMetrics ID
	Labels      map[string]string
	Stat        string // how the resource's series reduce to one
	Period      string // alignment period
	Duration    string // how long the condition holds
	Comparison  string
	Threshold   float64
	Description string
}

// NativeAlarmTable is the GCP region's cloud-measured alarms from its
// thresholds. GCP publishes no backend-health metric for an Application
// Load Balancer: with no healthy backend the Gateway answers 503, which the
// 5xx alarm counts.
func NativeAlarmTable(t components.AlarmThresholds) []NativeAlarm {
	return []NativeAlarm{
		{Name: components.AlarmRedisMemory, Metric: observability.GCPRedisMemory, Stat: "max", Period: "300s", Duration: "600s",
			Comparison: "COMPARISON_GT", Threshold: float64(t.RedisMemoryPercent) / 100,
			Description: fmt.Sprintf("Memorystore uses over %d %% of its memory for 10 minutes.", t.RedisMemoryPercent)},
		// cpu_utilization counts CPU seconds: its rate is cores busy, and
		// Redis executes commands on one core.
		{Name: components.AlarmRedisCPU, Metric: observability.GCPRedisCPU, Labels: map[string]string{"role": "primary"}, Stat: "sum", Period: "300s", Duration: "900s",
			Comparison: "COMPARISON_GT", Threshold: float64(t.RedisCPUPercent) / 100,
			Description: fmt.Sprintf("Memorystore's primary is over %d %% of a core busy for 15 minutes.", t.RedisCPUPercent)},
		{Name: components.AlarmRedisConnectionErrors, Metric: observability.GCPRedisRejected, Stat: "sum", Period: "300s", Duration: "0s",
			Comparison: "COMPARISON_GT", Threshold: 0,
			Description: "Memorystore rejected client connections (maxclients reached)."},
		{Name: components.AlarmLoadBalancer5xx, Metric: observability.GCPLBRequests, Labels: map[string]string{"response_code_class": "500"}, Stat: "sum", Period: "60s", Duration: "180s",
			Comparison: "COMPARISON_GT", Threshold: float64(t.LoadBalancer5xxPerMin) / 60,
			Description: fmt.Sprintf("The signaling load balancer answered over %d 5xx a minute for 3 minutes (503: no healthy LiveKit backend).", t.LoadBalancer5xxPerMin)},
	}
}

func (a *NativeAlarms) check(e *components.ArgErrors) {
	a.AlarmThresholds.Check(e)
	e.Require(components.Field{Name: "Native.RedisInstanceID", Missing: a.RedisInstanceID == nil})
}

// nativeAlarms declares the region's threshold policies, notifying the
// region's channels.
func nativeAlarms(ctx *pulumi.Context, name string, project pulumi.StringInput, a *NativeAlarms, channels pulumi.StringArray, parent pulumi.ResourceOption) error {
	for _, al := range NativeAlarmTable(a.AlarmThresholds) {
		m, ok := observability.NativeMetricByID(al.Metric)
		if !ok || m.Cloud != "gcp" {
			return fmt.Errorf("gcp alarm %s: %s is not a GCP metric of observability.NativeMetrics", al.Name, al.Metric)
		}
		al := al
		filter := a.RedisInstanceID.ToStringOutput().ApplyT(func(id string) (string, error) {
			return MetricFilter(m, id, "", "", al.Labels)
		}).(pulumi.StringOutput)
		aligner, reducer := Aggregation(m, al.Stat)
		if m.Kind == "CUMULATIVE" && al.Threshold == 0 {
			// A count over the period, not a rate: any rejection fires.
			aligner = "ALIGN_DELTA"
		}
		if _, err := monitoring.NewAlertPolicy(ctx, name+"-"+strings.ToLower(al.Name), &monitoring.AlertPolicyArgs{
			Project:     project,
			DisplayName: pulumi.Sprintf("%s %s", al.Name, ctx.Stack()),
			Combiner:    pulumi.String("OR"),
			Severity:    pulumi.String("WARNING"),
			Conditions: monitoring.AlertPolicyConditionArray{monitoring.AlertPolicyConditionArgs{
				DisplayName: pulumi.String(al.Name),
				ConditionThreshold: &monitoring.AlertPolicyConditionConditionThresholdArgs{
					Filter:         filter,
					Comparison:     pulumi.String(al.Comparison),
					ThresholdValue: pulumi.Float64(al.Threshold),
					Duration:       pulumi.String(al.Duration),
					Aggregations: monitoring.AlertPolicyConditionConditionThresholdAggregationArray{
						monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
							AlignmentPeriod:    pulumi.String(al.Period),
							PerSeriesAligner:   pulumi.String(aligner),
							CrossSeriesReducer: pulumi.String(reducer),
						},
					},
					Trigger: &monitoring.AlertPolicyConditionConditionThresholdTriggerArgs{Count: pulumi.Int(1)},
				},
			}},
			Documentation: &monitoring.AlertPolicyDocumentationArgs{
				Subject:  pulumi.Sprintf("%s on %s", al.Name, ctx.Stack()),
				Content:  pulumi.String(al.Description + "\n\nSee docs/observability.md, " + al.Name + "."),
				MimeType: pulumi.String("text/markdown"),
			},
			NotificationChannels: channels,
		}, parent); err != nil {
			return err
		}
	}
	return nil
}
