package azure_test

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// exampleResourceID is an Azure resource id under the examples' resource
// group, standing for what another component of the region declares.
func exampleResourceID(provider string) string {
	return "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/livekit/providers/" + provider
}

// exampleRegion is the region the monitoring examples watch.
var exampleRegion = observability.Region{Stack: "dev", Cloud: "azure", Region: "southeastasia",
	MaxNodes: 10, CPUTargetPercent: 70, SysloadLimitPercent: 90, NodeVCPUs: 3.86, NoHealthProbe: true}

// An AKS region's audit logs: VNet flow logs into a storage account of
// their own and the cluster's kube-audit-admin log into its Log Analytics
// workspace, both kept 30 days.
func ExampleNewAuditLogs() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *azure.Network) (pulumi.Map, error) {
		logs, err := azure.NewAuditLogs(ctx, "livekit-logs", &azure.AuditLogsArgs{
			ResourceGroupName: network.ResourceGroupName,
			Location:          "southeastasia",
			RetentionDays:     30,
			WorkspaceID:       pulumi.String(exampleResourceID("Microsoft.OperationalInsights/workspaces/livekit")),
			Flow:              true,
			VNetID:            network.NetworkID,
			ControlPlane:      true,
			ClusterID:         pulumi.String(exampleResourceID("Microsoft.ContainerService/managedClusters/livekit")),
			Protect:           true,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"flowLogAccount": logs.FlowLogAccount}, nil
	})
	flow, _ := p.Find("azure-native:network/v20240501:FlowLog", "livekit-logs-vnet")
	days, _ := flow.Input("retentionPolicy.days")
	account, _ := p.Find("azure-native:storage:StorageAccount", "livekit-logs-flow")
	public, _ := account.Input("allowBlobPublicAccess")
	aks, _ := p.Find("azure:monitoring/diagnosticSetting:DiagnosticSetting", "livekit-logs-aks")
	category, _ := aks.Input("enabledLogs[0].category")
	fmt.Println("VNet flow logs kept", days, "days, public blobs:", public)
	fmt.Println("AKS log to the workspace:", category)
	// Output:
	// VNet flow logs kept 30 days, public blobs: false
	// AKS log to the workspace: kube-audit-admin
}

// The region's alerting: an action group mailing on-call, the rendered
// LiveKit alert rules on an Azure Monitor managed Prometheus workspace fed
// by the AKS metrics add-on, and metric alerts on Redis and the load
// balancer in front of Traefik.
func ExampleNewMonitoring() {
	rules, err := exampleRegion.Rules()
	if err != nil {
		panic(err)
	}
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *azure.Network) (pulumi.Map, error) {
		mon, err := azure.NewMonitoring(ctx, "livekit-monitoring", &azure.MonitoringArgs{
			MonitoringArgs:    components.MonitoringArgs{Emails: []string{"oncall@example.com"}},
			ResourceGroupName: network.ResourceGroupName,
			Prometheus: &azure.PrometheusArgs{
				Location:    "southeastasia",
				ClusterID:   pulumi.String(exampleResourceID("Microsoft.ContainerService/managedClusters/livekit")),
				ClusterName: pulumi.String("livekit"),
				Rules:       rules,
			},
			Native: &azure.NativeAlarms{
				AlarmThresholds: components.AlarmThresholds{RedisMemoryPercent: 80, RedisCPUPercent: 80, LoadBalancer5xxPerMin: 10},
				RedisCacheID:    pulumi.String(exampleResourceID("Microsoft.Cache/redis/livekit")),
				LoadBalancerID:  pulumi.String(exampleResourceID("Microsoft.Network/loadBalancers/kubernetes")),
			},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"workspace": mon.WorkspaceID}, nil
	})
	group, _ := p.Find("azure:monitoring/alertPrometheusRuleGroup:AlertPrometheusRuleGroup", "livekit-monitoring-livekit-dev")
	groupRules, _ := group.Input("rules")
	cluster, _ := group.Input("clusterName")
	fmt.Println("action groups:", len(p.ByType("azure:monitoring/actionGroup:ActionGroup")),
		"Prometheus rules:", len(groupRules.([]any)), "on cluster", cluster,
		"metric alerts:", len(p.ByType("azure:monitoring/metricAlert:MetricAlert")))
	memory, _ := p.Find("azure:monitoring/metricAlert:MetricAlert", "livekit-monitoring-redismemory")
	threshold, _ := memory.Input("criterias[0].threshold")
	fmt.Println("Redis memory alert above", threshold, "%")
	// Output:
	// action groups: 1 Prometheus rules: 5 on cluster livekit metric alerts: 4
	// Redis memory alert above 80 %
}

// An AKS region's Azure Monitor workbook: the one definition of
// components/observability, LiveKit's series queried in PromQL on the
// region's Azure Monitor workspace beside Redis's, the load balancer's and
// the cluster's own metrics.
func ExampleNewDashboard() {
	board, err := exampleRegion.Dashboard(observability.NativePanelsOn("azure", ""))
	if err != nil {
		panic(err)
	}
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *azure.Network) (pulumi.Map, error) {
		dash, err := azure.NewDashboard(ctx, "livekit-dashboard", &azure.DashboardArgs{
			DashboardArgs: components.DashboardArgs{Dashboard: board},
			Stack:         "dev", Location: "southeastasia", ResourceGroupName: network.ResourceGroupName,
			Scope: azure.WorkbookScope{
				WorkspaceID:    pulumi.String(exampleResourceID("Microsoft.Monitor/accounts/livekit")),
				RedisCacheID:   pulumi.String(exampleResourceID("Microsoft.Cache/redis/livekit")),
				LoadBalancerID: pulumi.String(exampleResourceID("Microsoft.Network/loadBalancers/kubernetes")),
				ClusterID:      pulumi.String(exampleResourceID("Microsoft.ContainerService/managedClusters/livekit")),
			},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"dashboard": dash.DashboardID}, nil
	})
	wb := p.ByType("azure:appinsights/workbook:Workbook")[0]
	title, _ := wb.Input("displayName")
	data, _ := wb.Input("dataJson")
	var d struct {
		Items []struct {
			Type    int
			Content struct{ QueryType int }
		}
	}
	if err := json.Unmarshal([]byte(data.(string)), &d); err != nil {
		panic(err)
	}
	// Workbook item types: 1 text, 3 query (queryType 16: PromQL on an
	// Azure Monitor workspace), 10 Azure Monitor metrics.
	promQL, metrics := 0, 0
	for _, it := range d.Items {
		switch {
		case it.Type == 3 && it.Content.QueryType == 16:
			promQL++
		case it.Type == 10:
			metrics++
		}
	}
	fmt.Println(title, "PromQL charts:", promQL, "Azure Monitor metric charts:", metrics)
	// Output: LiveKit dev (azure southeastasia) PromQL charts: 12 Azure Monitor metric charts: 8
}
