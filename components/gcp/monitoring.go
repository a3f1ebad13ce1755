package gcp

import (
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// MonitoringArgs is the GCP region's alarm routing: Cloud Monitoring
// notification channels and one PromQL alert policy per rendered rule.
type MonitoringArgs struct {
	components.MonitoringArgs

	// Project holds the channels and policies (and the GMP series they
	// query).
	Project string
	// Rules is the region's rendered rule file (observability.Region.Rules).
	Rules observability.RuleFile
	// Native, when set, adds the alarms on Memorystore and the load
	// balancer (alarms.go).
	Native *NativeAlarms
}

// Monitoring is the GCP region's notification channels and alert policies.
type Monitoring struct {
	pulumi.ResourceState
	components.MonitoringOutputs

	// Channels are the notification channels' resource names.
	Channels pulumi.StringArrayOutput
}

// Channel types of Cloud Monitoring. webhook_tokenauth carries its token in
// the URL (the key is a Pulumi secret).
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook_tokenauth"
)

// check runs the contract's checks, then the cloud's.
func (a *MonitoringArgs) check(e *components.ArgErrors) {
	a.MonitoringArgs.Check(e)
	e.Require(components.Field{Name: "Project", Missing: a.Project == ""})
	rules := 0
	for _, g := range a.Rules.Groups {
		for _, r := range g.Rules {
			rules++
			if _, err := PolicyDuration(r.For); err != nil {
				e.Add("rule %s: %v", r.Alert, err)
			}
		}
	}
	if rules == 0 {
		e.Add("Rules has no rule: pass observability.Region.Rules()")
	}
	if a.Native != nil {
		a.Native.check(e)
	}
}

// PolicyDuration turns a Prometheus duration ("5m", "" for none) into the
// seconds form Cloud Monitoring's API takes ("300s").
func PolicyDuration(d string) (string, error) {
	if d == "" {
		return "0s", nil
	}
	t, err := time.ParseDuration(d)
	if err != nil || t < 0 || t%time.Second != 0 {
		return "", fmt.Errorf("duration %q is not whole seconds", d)
	}
	return fmt.Sprintf("%ds", int64(t/time.Second)), nil
}

// NewMonitoring declares the region's notification channels (one per
// address of alertEmails, one for alertWebhookUrl) and one alert policy per
// rule of the rendered rule group, with the rule's PromQL as a Cloud
// Monitoring PromQL condition. Cloud Monitoring evaluates them over the
// series GMP stores, and delivers to email and webhooks itself: GMP's
// managed Alertmanager would need an SMTP relay of our own for email.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	m := &Monitoring{}
	parent, err := components.Register(ctx, components.MonitoringType, name, m, args, (*MonitoringArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	project := pulumi.String(args.Project)

	var channels pulumi.StringArray
	for _, e := range args.Emails {
		ch, err := monitoring.NewNotificationChannel(ctx, name+"-email-"+e, &monitoring.NotificationChannelArgs{
			Project:     project,
			DisplayName: pulumi.Sprintf("LiveKit %s alarms: %s", ctx.Stack(), e),
			Type:        pulumi.String(ChannelEmail),
			Labels:      pulumi.StringMap{"email_address": pulumi.String(e)},
		}, parent)
		if err != nil {
			return nil, err
		}
		channels = append(channels, ch.Name)
	}
	if args.Webhook != nil {
		ch, err := monitoring.NewNotificationChannel(ctx, name+"-webhook", &monitoring.NotificationChannelArgs{
			Project:     project,
			DisplayName: pulumi.Sprintf("LiveKit %s alarms: webhook", ctx.Stack()),
			Type:        pulumi.String(ChannelWebhook),
			Labels:      pulumi.StringMap{"url": pulumi.ToSecret(args.Webhook).(pulumi.StringOutput)},
		}, parent)
		if err != nil {
			return nil, err
		}
		channels = append(channels, ch.Name)
	}

	for _, g := range args.Rules.Groups {
		interval, err := PolicyDuration(g.Interval)
		if err != nil {
			return nil, err
		}
		for _, r := range g.Rules {
			forDur, _ := PolicyDuration(r.For)
			severity := "WARNING"
			if r.Labels["severity"] == "critical" {
				severity = "CRITICAL"
			}
			if _, err := monitoring.NewAlertPolicy(ctx, name+"-"+r.Alert, &monitoring.AlertPolicyArgs{
				Project:     project,
				DisplayName: pulumi.Sprintf("%s %s", r.Alert, ctx.Stack()),
				Combiner:    pulumi.String("OR"),
				Severity:    pulumi.String(severity),
				Conditions: monitoring.AlertPolicyConditionArray{monitoring.AlertPolicyConditionArgs{
					DisplayName: pulumi.String(r.Alert),
					ConditionPrometheusQueryLanguage: &monitoring.AlertPolicyConditionConditionPrometheusQueryLanguageArgs{
						Query:              pulumi.String(r.Expr),
						Duration:           pulumi.String(forDur),
						EvaluationInterval: pulumi.String(interval),
						AlertRule:          pulumi.String(r.Alert),
						RuleGroup:          pulumi.String(g.Name),
						Labels:             pulumi.ToStringMap(r.Labels),
					},
				}},
				Documentation: &monitoring.AlertPolicyDocumentationArgs{
					Subject:  pulumi.Sprintf("%s on %s", r.Alert, ctx.Stack()),
					Content:  pulumi.String(r.Annotations["runbook"] + "\n\nSee docs/observability.md, " + r.Alert + "."),
					MimeType: pulumi.String("text/markdown"),
				},
				NotificationChannels: channels,
			}, parent); err != nil {
				return nil, err
			}
		}
	}

	if args.Native != nil {
		if err := nativeAlarms(ctx, name, project, args.Native, channels, parent); err != nil {
			return nil, err
		}
	}

	m.Channels = channels.ToStringArrayOutput()
	m.AlarmTopic = m.Channels.ApplyT(func(c []string) string { return strings.Join(c, ",") }).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{"alarmTopic": m.AlarmTopic, "channels": m.Channels}); err != nil {
		return nil, err
	}
	return m, nil
}
