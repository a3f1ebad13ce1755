package regional

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/quantity"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Observability is what the region's alert rules are rendered from: the
// autoscaling bounds, LiveKit's sysload limit and the CPU of one node (the
// Fargate task's CPU units, or the LiveKit pod's CPU request).
func Observability(s *stackconfig.Stack) observability.Region {
	r := s.Region
	o := observability.Region{
		Stack:               s.Name,
		Cloud:               string(s.Kind),
		MaxNodes:            r.Scaling.Max,
		CPUTargetPercent:    r.Scaling.CPUTarget,
		SysloadLimitPercent: int(r.SysloadLimit*100 + 0.5),
	}
	switch {
	case s.AWS != nil && s.AWS.Platform == stackconfig.AWSPlatformEKS && s.AWS.EKS != nil:
		o.Region = s.AWS.Region
		o.NodeVCPUs, _ = quantity.CPU(s.AWS.EKS.PodCPU)
	case s.AWS != nil:
		o.Region, o.NodeVCPUs = s.AWS.Region, float64(s.AWS.TaskCPU)/1024
	case s.GCP != nil:
		o.Region = s.GCP.Region
		o.NodeVCPUs, _ = quantity.CPU(s.GCP.PodCPU)
	case s.Azure != nil && s.Azure.Platform == stackconfig.AzurePlatformACI && s.Azure.ACI != nil:
		// LiveKit's share of a container group (its metrics agent, and
		// with the central view its token refresher, take the rest).
		o.Region, o.NodeVCPUs = s.Azure.Location, float64(s.Azure.ACI.CPU)-observability.ACIAgentCPU
		if s.Region.CentralMetrics.On() {
			o.NodeVCPUs -= observability.ACIRefresherCPU
		}
	case s.Azure != nil:
		o.Region = s.Azure.Location
		o.NodeVCPUs, _ = quantity.CPU(s.Azure.PodCPU)
	}
	// Egress's rules only where Egress runs; its admission limit is the
	// one RenderEgressConfig writes.
	if r.Egress.Enabled {
		o.Egress = &observability.EgressWorkers{MaxWorkers: r.Egress.Max, MaxCPUUtilization: livekit.DefaultCPUCost.MaxCPUUtilization}
	}
	return o
}

// ManagedRules is the region's observability as its managed Prometheus
// sees it, with the rendered rule file. Every deployed region's collector
// (AMP's Fargate sidecar and EKS scraper, GMP, Azure Monitor's add-on and
// the ACI agent) scrapes and cannot probe GET /, so the 406 rules are left
// out: the load balancer's health check takes a node that lost Redis out.
func ManagedRules(s *stackconfig.Stack) (observability.Region, observability.RuleFile, error) {
	obs := Observability(s)
	obs.NoHealthProbe = true
	rules, err := obs.Rules()
	return obs, rules, err
}

// Dashboard is the region's dashboard: LiveKit's panels and its cloud's
// own (observability.NativePanels).
func Dashboard(s *stackconfig.Stack) (observability.Dashboard, error) {
	platform := ""
	switch {
	case s.AWS != nil && s.AWS.Platform == stackconfig.AWSPlatformEKS:
		platform = observability.PlatformEKS
	case s.Azure != nil && s.Azure.Platform == stackconfig.AzurePlatformACI:
		platform = observability.PlatformACI
	}
	return Observability(s).Dashboard(observability.NativePanelsOn(string(s.Kind), platform))
}

// AlarmThresholds are the thresholds of the region's Redis and load
// balancer alarms (alertRedisMemoryPercent, alertRedisCpuPercent,
// alertLb5xxPerMinute).
func AlarmThresholds(s *stackconfig.Stack) components.AlarmThresholds {
	a := s.Region.Alerts
	return components.AlarmThresholds{
		RedisMemoryPercent:    a.RedisMemoryPercent,
		RedisCPUPercent:       a.RedisCPUPercent,
		LoadBalancer5xxPerMin: a.LoadBalancer5xxPerMin,
	}
}

// MonitoringArgs is the region's alarm routing as every cloud takes it:
// alertEmails and alertWebhookUrl (a Pulumi secret; nil when unset).
func MonitoringArgs(s *stackconfig.Stack) components.MonitoringArgs {
	a := s.Region.Alerts
	var webhook pulumi.StringInput
	if a.Webhook.IsSet() {
		webhook = a.Webhook.Output()
	}
	return components.MonitoringArgs{Emails: a.Emails, Webhook: webhook}
}
