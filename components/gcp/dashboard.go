package gcp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// DashboardArgs is the GCP region's Cloud Monitoring dashboard: LiveKit's
// panels in PromQL over the series GMP stores, Memorystore's, the Gateway
// load balancer's and GKE's as Cloud Monitoring metric types.
type DashboardArgs struct {
	components.DashboardArgs

	Project string
	// Scope names the region's resources the native panels chart.
	Scope NativeScope
}

// NativeScope is the region's resources as Cloud Monitoring labels them.
type NativeScope struct {
	// RedisInstanceID is the Memorystore instance
	// (projects/P/locations/R/instances/N, the redis_instance label).
	RedisInstanceID pulumi.StringInput
	// ClusterName and Region are the GKE cluster's (the k8s_node labels).
	ClusterName pulumi.StringInput
	Region      string
}

// Dashboard is the GCP region's Cloud Monitoring dashboard.
type Dashboard struct {
	pulumi.ResourceState
	components.DashboardOutputs
}

// GatewayURLMapPattern matches the URL map the GKE Gateway controller
// creates for the signaling Gateway: gkegw1-<id>-<namespace>-<gateway>-<id>
// (https://cloud.google.com/kubernetes-engine/docs/how-to/deploying-gateways,
// "the load balancer resources' names"). The controller picks the name, so
// the charts and alarms select it by pattern.
var GatewayURLMapPattern = fmt.Sprintf("gkegw1-.+-%s-%s-.+", lkk8s.DefaultNamespace, GatewayName)

var digits = regexp.MustCompile(`^[0-9]+$`)

// MetricFilter is the Cloud Monitoring filter of a native metric in the
// region: its metric type, its monitored resource scoped to the region's
// resource, and the panel's or alarm's own label filter.
func MetricFilter(m observability.NativeMetric, redisInstanceID, clusterName, region string, labels map[string]string) (string, error) {
	parts := []string{fmt.Sprintf("metric.type=%q", m.ID()), fmt.Sprintf("resource.type=%q", m.Resource)}
	switch m.Resource {
	case "redis_instance":
		parts = append(parts, fmt.Sprintf("resource.label.instance_id=%q", redisInstanceID))
	case "https_lb_rule":
		parts = append(parts, fmt.Sprintf("resource.label.url_map_name=monitoring.regex.full_match(%q)", GatewayURLMapPattern))
	case "k8s_node":
		parts = append(parts, fmt.Sprintf("resource.label.cluster_name=%q", clusterName), fmt.Sprintf("resource.label.location=%q", region))
	default:
		return "", fmt.Errorf("gcp: no scope for monitored resource %q of %s", m.Resource, m.ID())
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := labels[k]
		// INT64 labels (response_code_class) compare unquoted.
		if digits.MatchString(v) {
			parts = append(parts, fmt.Sprintf("metric.label.%s=%s", k, v))
		} else {
			parts = append(parts, fmt.Sprintf("metric.label.%s=%q", k, v))
		}
	}
	return strings.Join(parts, " AND "), nil
}

// Aggregation is how a native metric is aligned and reduced: counters
// (DELTA, CUMULATIVE) as a per-second rate, gauges by the stat; every
// series of the resource reduced to one line.
func Aggregation(m observability.NativeMetric, stat string) (aligner, reducer string) {
	reducer = map[string]string{"avg": "REDUCE_MEAN", "max": "REDUCE_MAX", "min": "REDUCE_MIN", "sum": "REDUCE_SUM"}[stat]
	if m.Kind == "DELTA" || m.Kind == "CUMULATIVE" {
		return "ALIGN_RATE", reducer
	}
	return map[string]string{"avg": "ALIGN_MEAN", "max": "ALIGN_MAX", "min": "ALIGN_MIN", "sum": "ALIGN_SUM"}[stat], reducer
}

// Cloud Monitoring dashboard JSON (the v1 Dashboard resource), the subset
// rendered here.
type (
	cmDashboard struct {
		DisplayName  string   `json:"displayName"`
		MosaicLayout cmMosaic `json:"mosaicLayout"`
	}
	cmMosaic struct {
		Columns int      `json:"columns"`
		Tiles   []cmTile `json:"tiles"`
	}
	cmTile struct {
		XPos   int      `json:"xPos"`
		YPos   int      `json:"yPos"`
		Width  int      `json:"width"`
		Height int      `json:"height"`
		Widget cmWidget `json:"widget"`
	}
	cmWidget struct {
		Title            string      `json:"title"`
		XYChart          *cmXYChart  `json:"xyChart,omitempty"`
		CollapsibleGroup *cmCollapse `json:"collapsibleGroup,omitempty"`
	}
	cmCollapse struct {
		Collapsed bool `json:"collapsed"`
	}
	cmXYChart struct {
		DataSets []cmDataSet `json:"dataSets"`
		YAxis    cmAxis      `json:"yAxis"`
	}
	cmAxis struct {
		Label string `json:"label"`
		Scale string `json:"scale"`
	}
	cmDataSet struct {
		TimeSeriesQuery cmQuery `json:"timeSeriesQuery"`
		PlotType        string  `json:"plotType"`
	}
	cmQuery struct {
		PrometheusQuery  string    `json:"prometheusQuery,omitempty"`
		TimeSeriesFilter *cmFilter `json:"timeSeriesFilter,omitempty"`
		UnitOverride     string    `json:"unitOverride,omitempty"`
	}
	cmFilter struct {
		Filter      string        `json:"filter"`
		Aggregation cmAggregation `json:"aggregation"`
	}
	cmAggregation struct {
		AlignmentPeriod    string `json:"alignmentPeriod"`
		PerSeriesAligner   string `json:"perSeriesAligner"`
		CrossSeriesReducer string `json:"crossSeriesReducer"`
	}
)

// cmUnits are Cloud Monitoring's (UCUM) units of the dashboard's.
var cmUnits = map[string]string{
	observability.UnitCount: "1", observability.UnitPercent: "%", observability.UnitRatio: "10^2.%",
	observability.UnitBytesPS: "By/s", observability.UnitPerSec: "1/s", observability.UnitSeconds: "s",
}

// Dashboard layout: a 48-column mosaic, three charts a line.
const (
	cmColumns      = 48
	cmChartWidth   = 16
	cmChartHeight  = 16
	cmChartsInLine = cmColumns / cmChartWidth
)

// DashboardJSON renders the region's dashboard as Cloud Monitoring's
// dashboardJson: a collapsible group per row, an XY chart per panel.
func DashboardJSON(d observability.Dashboard, redisInstanceID, clusterName, region string) (string, error) {
	out := cmDashboard{DisplayName: d.Title, MosaicLayout: cmMosaic{Columns: cmColumns}}
	y := 0
	for _, row := range d.Rows {
		lines := (len(row.Panels) + cmChartsInLine - 1) / cmChartsInLine
		out.MosaicLayout.Tiles = append(out.MosaicLayout.Tiles, cmTile{
			XPos: 0, YPos: y, Width: cmColumns, Height: lines * cmChartHeight,
			Widget: cmWidget{Title: row.Title, CollapsibleGroup: &cmCollapse{}},
		})
		for i, p := range row.Panels {
			q := cmQuery{UnitOverride: cmUnits[p.Unit]}
			if p.Native == nil {
				q.PrometheusQuery = p.PromQL
			} else {
				m, ok := observability.NativeMetricByID(p.Native.Metric)
				if !ok || m.Cloud != "gcp" {
					return "", fmt.Errorf("gcp dashboard: panel %q: %s is not a GCP metric of observability.NativeMetrics", p.Title, p.Native.Metric)
				}
				filter, err := MetricFilter(m, redisInstanceID, clusterName, region, p.Native.Filter)
				if err != nil {
					return "", err
				}
				aligner, reducer := Aggregation(m, p.Native.Stat)
				q.TimeSeriesFilter = &cmFilter{Filter: filter, Aggregation: cmAggregation{
					AlignmentPeriod: "60s", PerSeriesAligner: aligner, CrossSeriesReducer: reducer,
				}}
			}
			out.MosaicLayout.Tiles = append(out.MosaicLayout.Tiles, cmTile{
				XPos: (i % cmChartsInLine) * cmChartWidth, YPos: y + (i/cmChartsInLine)*cmChartHeight,
				Width: cmChartWidth, Height: cmChartHeight,
				Widget: cmWidget{Title: p.Title, XYChart: &cmXYChart{
					DataSets: []cmDataSet{{TimeSeriesQuery: q, PlotType: "LINE"}},
					YAxis:    cmAxis{Label: p.Unit, Scale: "LINEAR"},
				}},
			})
		}
		y += lines * cmChartHeight
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("gcp dashboard: %w", err)
	}
	return string(b), nil
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *DashboardArgs) check(e *components.ArgErrors) {
	a.DashboardArgs.Check(e)
	e.Require(components.Field{Name: "Project", Missing: a.Project == ""},
		components.Field{Name: "Scope.RedisInstanceID", Missing: a.Scope.RedisInstanceID == nil},
		components.Field{Name: "Scope.ClusterName", Missing: a.Scope.ClusterName == nil},
		components.Field{Name: "Scope.Region", Missing: a.Scope.Region == ""})
	a.CheckRenders(e, func(d observability.Dashboard) (string, error) { return DashboardJSON(d, "x", "x", a.Scope.Region) })
}

// NewDashboard declares the region's Cloud Monitoring dashboard.
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*Dashboard, error) {
	d := &Dashboard{}
	parent, err := components.Register(ctx, components.DashboardType, name, d, args, (*DashboardArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	body := pulumi.All(args.Scope.RedisInstanceID, args.Scope.ClusterName).ApplyT(func(v []any) (string, error) {
		return DashboardJSON(args.Dashboard, v[0].(string), v[1].(string), args.Scope.Region)
	}).(pulumi.StringOutput)
	dash, err := monitoring.NewDashboard(ctx, name, &monitoring.DashboardArgs{
		Project:       pulumi.String(args.Project),
		DashboardJson: body,
	}, parent)
	if err != nil {
		return nil, err
	}
	d.DashboardID = dash.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(d, d.DashboardOutputs.Map()); err != nil {
		return nil, err
	}
	return d, nil
}
