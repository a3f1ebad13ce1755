package azure

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// NativeAlarms are the Azure region's metric alerts on what Azure Cache for
// Redis, the signaling front door (the AKS load balancer or a Container
// Instances region's Application Gateway) and the recordings' Front Door
// publish to Azure Monitor (no Prometheus scrape sees them).
type NativeAlarms struct {
	components.AlarmThresholds
	RedisCacheID pulumi.StringInput
	// LoadBalancerID is the AKS load balancer in front of Traefik
	// (LoadBalancerID); GatewayID, instead, a Container Instances region's
	// Application Gateway. One of the two.
	LoadBalancerID pulumi.StringInput
	GatewayID      pulumi.StringInput
	// FrontDoorProfileID is the recordings CDN's profile; nil without a
	// CDN.
	FrontDoorProfileID pulumi.StringInput
}

// AKSLoadBalancerName is the Standard load balancer AKS creates in its node
// resource group for Services of type LoadBalancer (Traefik's).
const AKSLoadBalancerName = "kubernetes"

// LoadBalancerID is the AKS load balancer's resource ID: in the cluster's
// subscription, in its node resource group.
func LoadBalancerID(clusterID, nodeResourceGroup string) (string, error) {
	parts := strings.Split(clusterID, "/")
	if len(parts) < 3 || !strings.EqualFold(parts[1], "subscriptions") || parts[2] == "" || nodeResourceGroup == "" {
		return "", fmt.Errorf("azure: cluster ID %q / node resource group %q name no load balancer", clusterID, nodeResourceGroup)
	}
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/loadBalancers/%s", parts[2], nodeResourceGroup, AKSLoadBalancerName), nil
}

// MetricAlarm is one Azure metric alert of the region.
type MetricAlarm struct {
	Name        string // components.Alarm*
	Metric      string // an observability.NativeMetrics ID
	Aggregation string // Average, Maximum, Minimum, Total
	Operator    string
	Threshold   float64
	// Dimension filters the metric (name: values).
	Dimension map[string][]string
	Frequency string
	Window    string
	Severity  int
	FrontDoor bool // scoped to the Front Door profile (only with a CDN)
	LoadBal   bool // scoped to the AKS load balancer
	Gateway   bool // scoped to the Application Gateway
	Desc      string
}

// MetricAlarmTable is the region's metric alerts from its thresholds.
// Traefik's Service keeps client addresses (externalTrafficPolicy Local),
// so the load balancer's probe fails by design on nodes without a Traefik
// pod: the alert fires when no backend passes (the best backend's
// availability under 100 % for 5 minutes), not when one fails. Azure
// collects no 5xx of the signaling path (Traefik ends HTTP); the 5xx alert
// watches the recordings' Front Door.
func MetricAlarmTable(t components.AlarmThresholds) []MetricAlarm {
	return []MetricAlarm{
		{Name: components.AlarmRedisMemory, Metric: observability.AzureRedisMemory, Aggregation: "Maximum", Operator: "GreaterThan",
			Threshold: float64(t.RedisMemoryPercent), Frequency: "PT5M", Window: "PT15M", Severity: 2,
			Desc: fmt.Sprintf("Azure Cache for Redis uses over %d %% of its memory (15 minutes).", t.RedisMemoryPercent)},
		{Name: components.AlarmRedisCPU, Metric: observability.AzureRedisCPU, Aggregation: "Average", Operator: "GreaterThan",
			Threshold: float64(t.RedisCPUPercent), Frequency: "PT5M", Window: "PT15M", Severity: 2,
			Desc: fmt.Sprintf("Azure Cache for Redis's CPU is over %d %% for 15 minutes.", t.RedisCPUPercent)},
		{Name: components.AlarmRedisConnectionErrors, Metric: observability.AzureRedisErrors, Aggregation: "Total", Operator: "GreaterThan",
			Threshold: 0, Frequency: "PT5M", Window: "PT5M", Severity: 2,
			Desc: "Azure Cache for Redis reported errors (failover, unresponsive clients, ...)."},
		{Name: components.AlarmNoHealthyBackend, Metric: observability.AzureLBHealthProbe, Aggregation: "Maximum", Operator: "LessThan",
			Threshold: 100, Frequency: "PT1M", Window: "PT5M", Severity: 1, LoadBal: true,
			Desc: "No backend of the AKS load balancer passed its health probe for 5 minutes: Traefik is down and the region takes no signaling."},
		{Name: components.AlarmLoadBalancer5xx, Metric: observability.AzureFrontDoorReqs, Aggregation: "Total", Operator: "GreaterThan",
			Threshold: float64(t.LoadBalancer5xxPerMin * 5), Dimension: map[string][]string{"HttpStatusGroup": {"5XX"}},
			Frequency: "PT1M", Window: "PT5M", Severity: 2, FrontDoor: true,
			Desc: fmt.Sprintf("The recordings' Front Door answered over %d 5xx in 5 minutes (%d a minute).", t.LoadBalancer5xxPerMin*5, t.LoadBalancer5xxPerMin)},
	}
}

func (a *NativeAlarms) check(e *components.ArgErrors) {
	a.AlarmThresholds.Check(e)
	e.Require(components.Field{Name: "Native.RedisCacheID", Missing: a.RedisCacheID == nil})
	if (a.LoadBalancerID == nil) == (a.GatewayID == nil) {
		e.Add("give one of Native.LoadBalancerID (AKS) and Native.GatewayID (Container Instances): the region's signaling front door")
	}
}

// GatewayAlarmTable is the metric alerts of a Container Instances region,
// whose signaling front door is Application Gateway (it ends HTTP, so it
// counts the 5xx of the signaling path): the AKS load balancer's alarm
// becomes the gateway's backend health, and the 5xx alarm watches the
// gateway (the recordings' Front Door keeps its own, named apart). The
// host counts are averaged, their documented aggregation.
func GatewayAlarmTable(t components.AlarmThresholds) []MetricAlarm {
	var out []MetricAlarm
	for _, al := range MetricAlarmTable(t) {
		switch {
		case al.LoadBal:
			continue
		case al.FrontDoor:
			al.Name = FrontDoor5xxAlarm
		}
		out = append(out, al)
	}
	return append(out,
		MetricAlarm{Name: components.AlarmNoHealthyBackend, Metric: observability.AzureGatewayHealthy, Aggregation: "Average", Operator: "LessThan",
			Threshold: 1, Frequency: "PT1M", Window: "PT5M", Severity: 1, Gateway: true,
			Desc: "Fewer than one container group on average passed Application Gateway's GET / probe over 5 minutes: the region takes no signaling."},
		MetricAlarm{Name: components.AlarmUnhealthyTargets, Metric: observability.AzureGatewayUnhealthy, Aggregation: "Average", Operator: "GreaterThan",
			Threshold: 0, Frequency: "PT1M", Window: "PT5M", Severity: 2, Gateway: true,
			Desc: "A container group failed Application Gateway's GET / probe (406: lost Redis, or no answer) within the last 5 minutes."},
		MetricAlarm{Name: components.AlarmLoadBalancer5xx, Metric: observability.AzureGatewayResponses, Aggregation: "Total", Operator: "GreaterThan",
			Threshold: float64(t.LoadBalancer5xxPerMin * 5), Dimension: map[string][]string{"HttpStatusGroup": {"5xx"}},
			Frequency: "PT1M", Window: "PT5M", Severity: 2, Gateway: true,
			Desc: fmt.Sprintf("Application Gateway answered over %d signaling 5xx in 5 minutes (%d a minute).", t.LoadBalancer5xxPerMin*5, t.LoadBalancer5xxPerMin)},
	)
}

// FrontDoor5xxAlarm names the recordings' Front Door 5xx alarm where the
// signaling gateway has the LoadBalancer5xx alarm.
const FrontDoor5xxAlarm = "RecordingsCDN5xx"

// metricAlarms declares the region's metric alerts, each to the action
// group.
func metricAlarms(ctx *pulumi.Context, name string, rg pulumi.StringInput, a *NativeAlarms, actionGroup pulumi.StringOutput, parent pulumi.ResourceOption) error {
	table := MetricAlarmTable(a.AlarmThresholds)
	if a.GatewayID != nil {
		table = GatewayAlarmTable(a.AlarmThresholds)
	}
	for _, al := range table {
		m, ok := observability.NativeMetricByID(al.Metric)
		if !ok || m.Cloud != "azure" {
			return fmt.Errorf("azure alarm %s: %s is not an Azure metric of observability.NativeMetrics", al.Name, al.Metric)
		}
		scope := a.RedisCacheID
		switch {
		case al.FrontDoor && a.FrontDoorProfileID == nil:
			continue
		case al.FrontDoor:
			scope = a.FrontDoorProfileID
		case al.LoadBal:
			scope = a.LoadBalancerID
		case al.Gateway:
			scope = a.GatewayID
		}
		var dims monitoring.MetricAlertCriteriaDimensionArray
		for k, v := range al.Dimension {
			dims = append(dims, monitoring.MetricAlertCriteriaDimensionArgs{
				Name: pulumi.String(k), Operator: pulumi.String("Include"), Values: pulumi.ToStringArray(v),
			})
		}
		if _, err := monitoring.NewMetricAlert(ctx, name+"-"+strings.ToLower(al.Name), &monitoring.MetricAlertArgs{
			ResourceGroupName: rg,
			Scopes:            pulumi.StringArray{scope},
			Description:       pulumi.String(al.Desc + " See docs/observability.md, " + al.Name + "."),
			Severity:          pulumi.Int(al.Severity),
			Frequency:         pulumi.String(al.Frequency),
			WindowSize:        pulumi.String(al.Window),
			AutoMitigate:      pulumi.Bool(true),
			Criterias: monitoring.MetricAlertCriteriaArray{monitoring.MetricAlertCriteriaArgs{
				MetricNamespace: pulumi.String(m.Namespace),
				MetricName:      pulumi.String(m.Name),
				Aggregation:     pulumi.String(al.Aggregation),
				Operator:        pulumi.String(al.Operator),
				Threshold:       pulumi.Float64(al.Threshold),
				Dimensions:      dims,
			}},
			Actions: monitoring.MetricAlertActionArray{monitoring.MetricAlertActionArgs{ActionGroupId: actionGroup}},
		}, parent); err != nil {
			return err
		}
	}
	return nil
}
