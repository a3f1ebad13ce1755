package azure

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/appinsights"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// DashboardArgs is the Azure region's Azure Monitor workbook: LiveKit's
// panels as PromQL against the region's Azure Monitor workspace (managed
// Prometheus on AKS; the container groups' agents on Container
// Instances), Azure Cache for Redis's, the recordings' Front Door's and
// the platform's (the AKS load balancer and cluster; Application Gateway
// and the container groups) as Azure Monitor metrics.
type DashboardArgs struct {
	components.DashboardArgs

	// Stack and Location name the workbook (its GUID is derived from them).
	Stack, Location   string
	ResourceGroupName pulumi.StringInput
	Scope             WorkbookScope
}

// WorkbookScope is the region's resources the workbook's items query.
type WorkbookScope struct {
	// WorkspaceID is the Azure Monitor workspace the PromQL items query.
	WorkspaceID  pulumi.StringInput
	RedisCacheID pulumi.StringInput
	// LoadBalancerID and ClusterID are an AKS region's; GatewayID and
	// ContainerGroupIDs (LiveKit's groups) a Container Instances region's.
	LoadBalancerID    pulumi.StringInput
	ClusterID         pulumi.StringInput
	GatewayID         pulumi.StringInput
	ContainerGroupIDs pulumi.StringArrayInput
	// FrontDoorProfileID is the recordings CDN's profile; nil without a
	// CDN (its panel is left out).
	FrontDoorProfileID pulumi.StringInput
}

// WorkbookValues are the resolved scope a workbook is rendered with.
type WorkbookValues struct {
	WorkspaceID, RedisCacheID, LoadBalancerID, ClusterID, FrontDoorProfileID string
	GatewayID                                                                string
	ContainerGroupIDs                                                        []string
}

// Dashboard is the Azure region's workbook.
type Dashboard struct {
	pulumi.ResourceState
	components.DashboardOutputs
}

// WorkbookNamespace is the namespace of the workbooks' name-based (v5)
// GUIDs: Azure requires a GUID name, and one derived from the stack and
// location keeps every preview of the same region on the same workbook.
var WorkbookNamespace = uuid.MustParse("9b1f2c5e-6a3d-4e0b-8f47-2c1d5e8a7b60")

// WorkbookName is the region's workbook GUID (lowercase, as Azure wants).
func WorkbookName(stack, location string) string {
	return uuid.NewSHA1(WorkbookNamespace, []byte(stack+"/"+location)).String()
}

// Azure Monitor workbook content (Notebook/1.0), the subset rendered here,
// in the form of Microsoft's own workbooks (github.com/microsoft/
// Application-Insights-Workbooks: schema/workbook.json; PromQL items as in
// "Workbooks/Azure Monitor - Workspaces/Prometheus Explorer", metric
// charts as in "Workbooks/RedisCache/AtResource").
type (
	wbNotebook struct {
		Version             string   `json:"version"`
		Items               []wbItem `json:"items"`
		FallbackResourceIDs []string `json:"fallbackResourceIds,omitempty"`
	}
	wbItem struct {
		Type        int    `json:"type"` // 1 text, 3 query, 10 metrics
		Name        string `json:"name"`
		Content     any    `json:"content"`
		CustomWidth string `json:"customWidth,omitempty"`
	}
	wbText struct {
		JSON string `json:"json"`
	}
	// wbQuery is a query item; queryType 16 is a PromQL query of an
	// Azure Monitor workspace, its query a PrometheusQueryProvider
	// document.
	wbQuery struct {
		Version                 string   `json:"version"`
		Title                   string   `json:"title"`
		Query                   string   `json:"query"`
		Size                    int      `json:"size"`
		QueryType               int      `json:"queryType"`
		ResourceType            string   `json:"resourceType"`
		CrossComponentResources []string `json:"crossComponentResources"`
		Visualization           string   `json:"visualization"`
		TimeContext             wbTime   `json:"timeContext"`
	}
	wbPromQuery struct {
		Version        string `json:"version"`
		CustomEndpoint bool   `json:"customEndpoint"`
		QueryText      string `json:"queryText"`
		Type           string `json:"type"`
	}
	wbMetrics struct {
		ChartID      string     `json:"chartId"`
		Version      string     `json:"version"`
		Size         int        `json:"size"`
		ChartType    int        `json:"chartType"` // 2: line
		ResourceType string     `json:"resourceType"`
		MetricScope  int        `json:"metricScope"`
		ResourceIDs  []string   `json:"resourceIds"`
		TimeContext  wbTime     `json:"timeContext"`
		Metrics      []wbMetric `json:"metrics"`
		Filters      []wbFilter `json:"filters,omitempty"`
		Title        string     `json:"title"`
	}
	wbMetric struct {
		Namespace   string `json:"namespace"`
		Metric      string `json:"metric"` // <namespace>--<name>
		Aggregation int    `json:"aggregation"`
	}
	wbFilter struct {
		Key      string   `json:"key"`
		Operator int      `json:"operator"` // 0: equals one of values
		Values   []string `json:"values"`
	}
	wbTime struct {
		DurationMs int64 `json:"durationMs"`
	}
)

// wbAggregations are the workbook's aggregation codes of the stats, as
// Microsoft's workbooks label them (e.g. "Successful Requests (Sum)" 1,
// "VM Memory Minimum" 2, "CPU (Max)" 3, "Messages in Queue/Topic (Avg)" 4).
var wbAggregations = map[string]int{"sum": 1, "min": 2, "max": 3, "avg": 4}

const (
	wbQueryPrometheus = 16
	wbDay             = int64(24 * 60 * 60 * 1000)
)

// scopeOf returns the resources a native metric is read from, one chart
// each; none when the region has none (the panel is left out).
func (v WorkbookValues) scopeOf(m observability.NativeMetric) ([]string, error) {
	one := func(id string) []string {
		if id == "" {
			return nil
		}
		return []string{id}
	}
	switch m.Namespace {
	case "Microsoft.Cache/redis":
		return one(v.RedisCacheID), nil
	case "Microsoft.Network/loadBalancers":
		return one(v.LoadBalancerID), nil
	case "Microsoft.ContainerService/managedClusters":
		return one(v.ClusterID), nil
	case "Microsoft.Cdn/profiles":
		return one(v.FrontDoorProfileID), nil
	case "Microsoft.Network/applicationGateways":
		return one(v.GatewayID), nil
	case "Microsoft.ContainerInstance/containerGroups":
		// One chart per group: a multi-resource chart is not offered for
		// every resource type.
		return v.ContainerGroupIDs, nil
	}
	return nil, fmt.Errorf("azure workbook: no scope for %s", m.ID())
}

// aciIntro and aksIntro say where a workbook's charts come from.
const (
	aksIntro = "LiveKit's series: PromQL on the region's Azure Monitor workspace (managed Prometheus). Redis, the AKS load balancer, the recordings' Front Door and AKS: Azure Monitor metrics."
	aciIntro = "LiveKit's series: PromQL on the region's Azure Monitor workspace (each container group's Prometheus agent writes there). Redis, Application Gateway, the recordings' Front Door and each container group: Azure Monitor metrics."
)

// WorkbookJSON renders the region's dashboard as a workbook's
// serializedData: a heading per row, a half-width chart per panel.
func WorkbookJSON(d observability.Dashboard, v WorkbookValues) (string, error) {
	nb := wbNotebook{Version: "Notebook/1.0", FallbackResourceIDs: []string{v.WorkspaceID}}
	day := wbTime{DurationMs: wbDay}
	intro := aksIntro
	if len(v.ContainerGroupIDs) > 0 {
		intro = aciIntro
	}
	nb.Items = append(nb.Items, wbItem{Type: 1, Name: "title", Content: wbText{JSON: "# " + d.Title + "\n\n" + intro}})
	for ri, row := range d.Rows {
		nb.Items = append(nb.Items, wbItem{Type: 1, Name: fmt.Sprintf("row-%d", ri), Content: wbText{JSON: "## " + row.Title}})
		for pi, p := range row.Panels {
			name := fmt.Sprintf("row-%d-panel-%d", ri, pi)
			if p.Native == nil {
				q, err := json.Marshal(wbPromQuery{Version: "PrometheusQueryProvider/1.0", QueryText: p.PromQL, Type: "query_range"})
				if err != nil {
					return "", err
				}
				nb.Items = append(nb.Items, wbItem{Type: 3, Name: name, CustomWidth: "50", Content: wbQuery{
					Version: "KqlItem/1.0", Title: p.Title, Query: string(q), QueryType: wbQueryPrometheus,
					ResourceType: "microsoft.monitor/accounts", CrossComponentResources: []string{v.WorkspaceID},
					Visualization: "timechart", TimeContext: day,
				}})
				continue
			}
			m, ok := observability.NativeMetricByID(p.Native.Metric)
			if !ok || m.Cloud != "azure" {
				return "", fmt.Errorf("azure workbook: panel %q: %s is not an Azure metric of observability.NativeMetrics", p.Title, p.Native.Metric)
			}
			scopes, err := v.scopeOf(m)
			if err != nil {
				return "", err
			}
			for si, scope := range scopes {
				name, title := name, p.Title
				if len(scopes) > 1 {
					name, title = fmt.Sprintf("%s-%d", name, si), fmt.Sprintf("%s, %s", p.Title, scope[strings.LastIndex(scope, "/")+1:])
				}
				nb.Items = append(nb.Items, wbItem{Type: 10, Name: name, CustomWidth: "50", Content: metricsItem(name, title, scope, m, p.Native, day)})
			}
		}
	}
	b, err := json.Marshal(nb)
	if err != nil {
		return "", fmt.Errorf("azure workbook: %w", err)
	}
	return string(b), nil
}

// metricsItem charts one native metric of one resource.
func metricsItem(name, title, scope string, m observability.NativeMetric, n *observability.Native, day wbTime) wbMetrics {
	ns := strings.ToLower(m.Namespace)
	item := wbMetrics{
		ChartID: "workbook-" + name, Version: "MetricsItem/2.0", ChartType: 2, ResourceType: ns,
		ResourceIDs: []string{scope}, TimeContext: day, Title: title,
		Metrics: []wbMetric{{Namespace: ns, Metric: ns + "--" + m.Name, Aggregation: wbAggregations[n.Stat]}},
	}
	keys := make([]string, 0, len(n.Filter))
	for k := range n.Filter {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		item.Filters = append(item.Filters, wbFilter{Key: k, Values: []string{n.Filter[k]}})
	}
	return item
}

// check runs the contract's checks, then the cloud's.
func (a *DashboardArgs) check(e *components.ArgErrors) {
	a.DashboardArgs.Check(e)
	s := a.Scope
	e.Require(components.Field{Name: "Stack", Missing: a.Stack == ""}, components.Field{Name: "Location", Missing: a.Location == ""},
		components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil},
		components.Field{Name: "Scope.WorkspaceID", Missing: s.WorkspaceID == nil},
		components.Field{Name: "Scope.RedisCacheID", Missing: s.RedisCacheID == nil})
	aks, aci := s.LoadBalancerID != nil && s.ClusterID != nil, s.GatewayID != nil && s.ContainerGroupIDs != nil
	if aks == aci || (!aks && (s.LoadBalancerID != nil || s.ClusterID != nil)) || (!aci && (s.GatewayID != nil || s.ContainerGroupIDs != nil)) {
		e.Add("Scope: give Scope.LoadBalancerID and Scope.ClusterID (AKS) or Scope.GatewayID and Scope.ContainerGroupIDs (Container Instances), not both")
	}
	a.CheckRenders(e, func(d observability.Dashboard) (string, error) {
		return WorkbookJSON(d, WorkbookValues{WorkspaceID: "x", RedisCacheID: "x", LoadBalancerID: "x", ClusterID: "x", FrontDoorProfileID: "x",
			GatewayID: "x", ContainerGroupIDs: []string{"x"}})
	})
}

// NewDashboard declares the region's workbook (classic pulumi-azure's
// appinsights.Workbook, a Microsoft.Insights/workbooks resource).
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*Dashboard, error) {
	d := &Dashboard{}
	parent, err := components.Register(ctx, components.DashboardType, name, d, args, (*DashboardArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	s := args.Scope
	str := components.ScopeID
	groups := pulumi.StringArray{}.ToStringArrayOutput()
	if s.ContainerGroupIDs != nil {
		groups = s.ContainerGroupIDs.ToStringArrayOutput()
	}
	data := pulumi.All(s.WorkspaceID, s.RedisCacheID, str(s.LoadBalancerID), str(s.ClusterID), str(s.FrontDoorProfileID), str(s.GatewayID), groups).ApplyT(func(v []any) (string, error) {
		return WorkbookJSON(args.Dashboard, WorkbookValues{
			WorkspaceID: v[0].(string), RedisCacheID: v[1].(string), LoadBalancerID: v[2].(string),
			ClusterID: v[3].(string), FrontDoorProfileID: v[4].(string), GatewayID: v[5].(string), ContainerGroupIDs: v[6].([]string),
		})
	}).(pulumi.StringOutput)
	wb, err := appinsights.NewWorkbook(ctx, name, &appinsights.WorkbookArgs{
		Name:              pulumi.String(WorkbookName(args.Stack, args.Location)),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		DisplayName:       pulumi.String(args.Dashboard.Title),
		Category:          pulumi.String("workbook"),
		DataJson:          data,
	}, parent)
	if err != nil {
		return nil, err
	}
	d.DashboardID = wb.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(d, d.DashboardOutputs.Map()); err != nil {
		return nil, err
	}
	return d, nil
}
