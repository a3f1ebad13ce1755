package aws

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// DashboardArgs is the AWS region's CloudWatch dashboard: ElastiCache's,
// the signaling ALB's and the platform's (ECS tasks or the EKS media
// nodes) metrics as CloudWatch metric widgets. LiveKit's own series live
// in the region's AMP workspace, which a CloudWatch dashboard cannot query
// (CloudWatch's PromQL reads only metrics ingested into CloudWatch): each
// LiveKit panel is a text widget with its PromQL and the workspace's query
// URL (docs/observability.md, "Dashboard").
type DashboardArgs struct {
	components.DashboardArgs

	// Name is the CloudWatch dashboard's name (letters, digits, - and _).
	Name string
	// Region is the stack's AWS region (every widget's).
	Region string
	Scope  DashboardScope
}

// DashboardScope is the region's resources as CloudWatch dimensions.
type DashboardScope struct {
	// RedisReplicationGroupID and RedisNodes name the cache's member
	// clusters (CacheClusterId <id>-001, ...).
	RedisReplicationGroupID pulumi.StringInput
	RedisNodes              int
	// LoadBalancerArnSuffix and TargetGroupArnSuffix are the signaling
	// ALB's AWS/ApplicationELB dimensions.
	LoadBalancerArnSuffix pulumi.StringInput
	TargetGroupArnSuffix  pulumi.StringInput
	// ECSClusterName and ECSServiceName are the Fargate LiveKit service's
	// (Fargate regions).
	ECSClusterName, ECSServiceName pulumi.StringInput
	// ContainerInsights is whether the ECS cluster publishes
	// ECS/ContainerInsights (awsContainerInsights): without it those
	// panels are left out rather than charted empty.
	ContainerInsights bool
	// NodeGroupASG is the EKS media node group's Auto Scaling group (EKS
	// regions).
	NodeGroupASG pulumi.StringInput
	// PrometheusQueryURL is the region's AMP workspace endpoint (the
	// prometheusQueryUrl output) the LiveKit panels point at.
	PrometheusQueryURL pulumi.StringInput
}

// Dashboard is the AWS region's CloudWatch dashboard.
type Dashboard struct {
	pulumi.ResourceState
	components.DashboardOutputs
}

// dashboardName is what CloudWatch accepts as a dashboard name.
var dashboardName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// CloudWatch dashboard body (the subset rendered here):
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
type (
	cwBody struct {
		Widgets []cwWidget `json:"widgets"`
	}
	cwWidget struct {
		Type       string `json:"type"` // metric, text
		X          int    `json:"x"`
		Y          int    `json:"y"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
		Properties any    `json:"properties"`
	}
	cwText struct {
		Markdown   string `json:"markdown"`
		Background string `json:"background,omitempty"`
	}
	cwMetric struct {
		Title   string   `json:"title"`
		Region  string   `json:"region"`
		View    string   `json:"view"`
		Stacked bool     `json:"stacked"`
		Stat    string   `json:"stat"`
		Period  int      `json:"period"`
		Metrics [][]any  `json:"metrics"`
		YAxis   cwYAxis  `json:"yAxis"`
		Legend  cwLegend `json:"legend"`
	}
	cwYAxis struct {
		Left cwAxis `json:"left"`
	}
	cwAxis struct {
		Label     string `json:"label"`
		ShowUnits bool   `json:"showUnits"`
	}
	cwLegend struct {
		Position string `json:"position"`
	}
	// cwLine is a metric line's rendering options (the last element of a
	// metrics array entry).
	cwLine struct {
		Label string `json:"label,omitempty"`
	}
)

// cwStats are CloudWatch's statistics of the definition's stats.
var cwStats = map[string]string{"avg": "Average", "max": "Maximum", "min": "Minimum", "sum": "Sum"}

// Dashboard grid: 24 columns, three charts a line under each row's title.
const (
	cwColumns      = 24
	cwChartWidth   = 8
	cwChartHeight  = 6
	cwChartsInLine = cwColumns / cwChartWidth
	cwTitleHeight  = 1
)

// DashboardValues are the resolved scope a body is rendered with.
type DashboardValues struct {
	RedisReplicationGroupID, LoadBalancerArnSuffix, TargetGroupArnSuffix string
	ECSClusterName, ECSServiceName, NodeGroupASG, PrometheusQueryURL     string
}

// dimensions returns a native metric's lines (dimension name/value pairs,
// and a label) scoped to the region's resource; nil when the region has no
// such resource (the panel is left out).
func (s DashboardScope) dimensions(m observability.NativeMetric, v DashboardValues) ([][]any, error) {
	line := func(label string, dims ...string) []any {
		out := []any{m.Namespace, m.Name}
		for _, d := range dims {
			out = append(out, d)
		}
		if label != "" {
			out = append(out, cwLine{Label: label})
		}
		return out
	}
	switch m.Namespace {
	case "AWS/ElastiCache":
		var lines [][]any
		for i := 1; i <= s.RedisNodes; i++ {
			node := fmt.Sprintf("%03d", i)
			lines = append(lines, line("node "+node, "CacheClusterId", v.RedisReplicationGroupID+"-"+node))
		}
		return lines, nil
	case "AWS/ApplicationELB":
		if m.Name == "UnHealthyHostCount" || m.Name == "HealthyHostCount" {
			return [][]any{line("", "TargetGroup", v.TargetGroupArnSuffix, "LoadBalancer", v.LoadBalancerArnSuffix)}, nil
		}
		return [][]any{line("", "LoadBalancer", v.LoadBalancerArnSuffix)}, nil
	// ClusterName+ServiceName is a documented dimension set of AWS/ECS
	// CPUUtilization (Fargate included) and of Container Insights'
	// RunningTaskCount, DesiredTaskCount and Network{Rx,Tx}Bytes (awsvpc
	// tasks): docECS, docECSInsights. AutoScalingGroupName is EC2's with
	// basic monitoring too (docEC2, "Amazon EC2 metric dimensions").
	case "AWS/ECS", "ECS/ContainerInsights":
		if s.ECSClusterName == nil {
			return nil, fmt.Errorf("%s needs the ECS service (Scope.ECSClusterName): it is a Fargate metric", m.ID())
		}
		if m.Namespace == "ECS/ContainerInsights" && !s.ContainerInsights {
			return nil, nil
		}
		return [][]any{line("", "ClusterName", v.ECSClusterName, "ServiceName", v.ECSServiceName)}, nil
	case "AWS/EC2":
		if s.NodeGroupASG == nil {
			return nil, fmt.Errorf("%s needs the media node group (Scope.NodeGroupASG): it is an EKS metric", m.ID())
		}
		return [][]any{line("", "AutoScalingGroupName", v.NodeGroupASG)}, nil
	}
	return nil, fmt.Errorf("aws dashboard: no scope for namespace %s of %s", m.Namespace, m.ID())
}

// period is a metric's chart period: EC2 basic monitoring publishes every
// 5 minutes, the others every minute.
func period(m observability.NativeMetric) int {
	if m.Namespace == "AWS/EC2" {
		return 300
	}
	return 60
}

// LiveKitPanelMarkdown is a LiveKit panel's text widget: its title, its
// PromQL in a code block (what a test reads back) and where to run it.
func LiveKitPanelMarkdown(p observability.Panel, queryURL string) string {
	return fmt.Sprintf("**%s** (%s)\n\n```\n%s\n```\n\nLiveKit series in the region's Amazon Managed Service for Prometheus workspace: query `%s` (SigV4, service `aps`) or a Grafana data source on it.",
		p.Title, p.Unit, p.PromQL, queryURL)
}

// DashboardBody renders the region's dashboard as a CloudWatch dashboard
// body: each row's title as a text widget, then its panels three a line.
func DashboardBody(d observability.Dashboard, region string, s DashboardScope, v DashboardValues) (string, error) {
	var widgets []cwWidget
	y := 0
	intro := fmt.Sprintf("# %s\n\nCloudWatch charts: ElastiCache, the signaling ALB and the LiveKit nodes' platform. LiveKit's own series (rooms, participants, tracks, packets) are in the region's Amazon Managed Service for Prometheus workspace `%s`, which CloudWatch cannot chart: their panels below give the PromQL to run there (docs/observability.md, \"Dashboard\").", d.Title, v.PrometheusQueryURL)
	widgets = append(widgets, cwWidget{Type: "text", X: 0, Y: y, Width: cwColumns, Height: 3, Properties: cwText{Markdown: intro}})
	y += 3
	for _, row := range d.Rows {
		widgets = append(widgets, cwWidget{Type: "text", X: 0, Y: y, Width: cwColumns, Height: cwTitleHeight,
			Properties: cwText{Markdown: "## " + row.Title, Background: "transparent"}})
		y += cwTitleHeight
		i := 0
		for _, p := range row.Panels {
			w := cwWidget{Width: cwChartWidth, Height: cwChartHeight}
			if p.Native == nil {
				w.Type, w.Properties = "text", cwText{Markdown: LiveKitPanelMarkdown(p, v.PrometheusQueryURL)}
			} else {
				m, ok := observability.NativeMetricByID(p.Native.Metric)
				if !ok || m.Cloud != "aws" {
					return "", fmt.Errorf("aws dashboard: panel %q: %s is not an AWS metric of observability.NativeMetrics", p.Title, p.Native.Metric)
				}
				if len(p.Native.Filter) > 0 {
					return "", fmt.Errorf("aws dashboard: panel %q: CloudWatch metrics take no label filter (%v)", p.Title, p.Native.Filter)
				}
				lines, err := s.dimensions(m, v)
				if err != nil {
					return "", fmt.Errorf("aws dashboard: panel %q: %w", p.Title, err)
				}
				if lines == nil {
					continue
				}
				w.Type, w.Properties = "metric", cwMetric{
					Title: p.Title, Region: region, View: "timeSeries", Stat: cwStats[p.Native.Stat], Period: period(m),
					Metrics: lines, YAxis: cwYAxis{Left: cwAxis{Label: p.Unit}}, Legend: cwLegend{Position: "bottom"},
				}
			}
			w.X, w.Y = (i%cwChartsInLine)*cwChartWidth, y+(i/cwChartsInLine)*cwChartHeight
			widgets = append(widgets, w)
			i++
		}
		y += (i + cwChartsInLine - 1) / cwChartsInLine * cwChartHeight
	}
	b, err := json.Marshal(cwBody{Widgets: widgets})
	if err != nil {
		return "", fmt.Errorf("aws dashboard: %w", err)
	}
	return string(b), nil
}

// check runs the contract's checks, then the cloud's.
func (a *DashboardArgs) check(e *components.ArgErrors) {
	a.DashboardArgs.Check(e)
	s := a.Scope
	e.Require(components.Field{Name: "Region", Missing: a.Region == ""},
		components.Field{Name: "Scope.RedisReplicationGroupID", Missing: s.RedisReplicationGroupID == nil},
		components.Field{Name: "Scope.LoadBalancerArnSuffix", Missing: s.LoadBalancerArnSuffix == nil},
		components.Field{Name: "Scope.TargetGroupArnSuffix", Missing: s.TargetGroupArnSuffix == nil},
		components.Field{Name: "Scope.PrometheusQueryURL", Missing: s.PrometheusQueryURL == nil})
	if !dashboardName.MatchString(a.Name) {
		e.Add("Name %q is not a CloudWatch dashboard name: give 1-255 letters, digits, - or _", a.Name)
	}
	if s.RedisNodes < 1 || s.RedisNodes > maxElastiCacheNodes {
		e.Add("Scope.RedisNodes is %d: give the replication group's node count, 1-%d", s.RedisNodes, maxElastiCacheNodes)
	}
	if (s.ECSClusterName == nil) != (s.ECSServiceName == nil) {
		e.Add("Scope.ECSClusterName and Scope.ECSServiceName go together: give both (Fargate) or neither (EKS)")
	}
	if (s.ECSClusterName == nil) == (s.NodeGroupASG == nil) {
		e.Add("give exactly one of Scope.ECSClusterName (Fargate) and Scope.NodeGroupASG (EKS)")
	}
	x := DashboardValues{"x", "x", "x", "x", "x", "x", "https://x/"}
	a.CheckRenders(e, func(d observability.Dashboard) (string, error) { return DashboardBody(d, a.Region, s, x) })
}

// NewDashboard declares the region's CloudWatch dashboard.
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*Dashboard, error) {
	d := &Dashboard{}
	parent, err := components.Register(ctx, components.DashboardType, name, d, args, (*DashboardArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	s := args.Scope
	str := components.ScopeID
	body := pulumi.All(str(s.RedisReplicationGroupID), str(s.LoadBalancerArnSuffix), str(s.TargetGroupArnSuffix),
		str(s.ECSClusterName), str(s.ECSServiceName), str(s.NodeGroupASG), str(s.PrometheusQueryURL)).ApplyT(func(v []any) (string, error) {
		return DashboardBody(args.Dashboard, args.Region, s, DashboardValues{
			RedisReplicationGroupID: v[0].(string), LoadBalancerArnSuffix: v[1].(string), TargetGroupArnSuffix: v[2].(string),
			ECSClusterName: v[3].(string), ECSServiceName: v[4].(string), NodeGroupASG: v[5].(string), PrometheusQueryURL: v[6].(string),
		})
	}).(pulumi.StringOutput)
	dash, err := cloudwatch.NewDashboard(ctx, name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(args.Name),
		DashboardBody: body,
	}, parent)
	if err != nil {
		return nil, err
	}
	d.DashboardID = dash.DashboardName
	if err := ctx.RegisterResourceOutputs(d, d.DashboardOutputs.Map()); err != nil {
		return nil, err
	}
	return d, nil
}

// DashboardName is the region's CloudWatch dashboard name: the stack's,
// with anything CloudWatch refuses replaced.
func DashboardName(stack string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r|0x20 >= 'a' && r|0x20 <= 'z') {
			return r
		}
		return '-'
	}, stack) + "-livekit"
}
