package gcp_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/dashcheck"
)

const tDashboard = "gcp:monitoring/dashboard:Dashboard"

var metricType = regexp.MustCompile(`metric\.type="([^"]+)"`)

// gcpPanels reads the Cloud Monitoring dashboard back: each chart under
// the collapsible group whose rows it sits in.
func gcpPanels(t *testing.T, body string) ([]dashcheck.Panel, []string) {
	t.Helper()
	var d struct {
		DisplayName  string
		MosaicLayout struct {
			Columns int
			Tiles   []struct {
				XPos, YPos, Width, Height int
				Widget                    struct {
					Title            string
					CollapsibleGroup *struct{}
					XYChart          *struct {
						DataSets []struct {
							TimeSeriesQuery struct {
								PrometheusQuery  string
								TimeSeriesFilter *struct {
									Filter      string
									Aggregation struct{ PerSeriesAligner, CrossSeriesReducer, AlignmentPeriod string }
								}
							}
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("dashboardJson is not JSON: %v", err)
	}
	type span struct {
		title    string
		from, to int
	}
	var groups []span
	for _, tile := range d.MosaicLayout.Tiles {
		if tile.Widget.CollapsibleGroup != nil {
			groups = append(groups, span{tile.Widget.Title, tile.YPos, tile.YPos + tile.Height})
		}
	}
	var panels []dashcheck.Panel
	var filters []string
	for _, tile := range d.MosaicLayout.Tiles {
		c := tile.Widget.XYChart
		if c == nil {
			continue
		}
		if tile.XPos+tile.Width > d.MosaicLayout.Columns {
			t.Errorf("chart %q overflows the %d columns", tile.Widget.Title, d.MosaicLayout.Columns)
		}
		row := ""
		for _, g := range groups {
			if tile.YPos >= g.from && tile.YPos+tile.Height <= g.to {
				row = g.title
			}
		}
		for _, ds := range c.DataSets {
			p := dashcheck.Panel{Row: row, Title: tile.Widget.Title, PromQL: ds.TimeSeriesQuery.PrometheusQuery}
			if f := ds.TimeSeriesQuery.TimeSeriesFilter; f != nil {
				m := metricType.FindStringSubmatch(f.Filter)
				if m == nil {
					t.Errorf("chart %q filter %q names no metric type", tile.Widget.Title, f.Filter)
					continue
				}
				p.Native = m[1]
				filters = append(filters, f.Filter)
				if f.Aggregation.PerSeriesAligner == "" || f.Aggregation.CrossSeriesReducer == "" {
					t.Errorf("chart %q has no aggregation: %+v", tile.Widget.Title, f.Aggregation)
				}
			}
			panels = append(panels, p)
		}
	}
	return panels, filters
}

// gcp-eu's Cloud Monitoring dashboard shows every row of the one
// definition: LiveKit's series through PromQL (names LiveKit v1.13.5
// exports), Memorystore, the Gateway's load balancer and GKE's nodes as
// documented Cloud Monitoring metrics, each scoped to this region's
// instance and cluster.
func TestDashboard(t *testing.T) {
	p := stackPlan(t)
	d := only(t, p, tDashboard)
	expect(t, d, map[string]any{"project": euProject})
	if !strings.Contains(d.Parent, "livekit-infra:index:Dashboard::") {
		t.Errorf("dashboard parent %s, want the Dashboard component", d.Parent)
	}
	panels, filters := gcpPanels(t, d.InputString("dashboardJson"))
	rows := dashcheck.Check(t, "gcp", panels)

	dashcheck.Covers(t, rows, map[string][]string{
		"Redis health":         {observability.GCPRedisMemory, observability.GCPRedisCPU, observability.GCPRedisRejected},
		"Load balancer errors": {observability.GCPLBRequests},
		"Scaling activity":     {observability.GCPNodeCores},
	})

	redis := only(t, p, tRedis)
	clusterName, _ := p.Outputs["gkeCluster"].(string)
	if clusterName == "" {
		t.Fatal("no gkeCluster output")
	}
	for _, f := range filters {
		switch {
		case strings.Contains(f, `resource.type="redis_instance"`):
			if !strings.Contains(f, `resource.label.instance_id="`+redis.ID+`"`) {
				t.Errorf("Redis chart filter %q is not scoped to the region's instance %s", f, redis.ID)
			}
		case strings.Contains(f, `resource.type="k8s_node"`):
			if !strings.Contains(f, `resource.label.cluster_name="`+clusterName+`"`) {
				t.Errorf("node chart filter %q is not scoped to the region's cluster", f)
			}
		case strings.Contains(f, `resource.type="https_lb_rule"`):
			if !strings.Contains(f, `gkegw1-.+-livekit-livekit-.+`) {
				t.Errorf("load balancer chart filter %q does not select the signaling Gateway's URL map", f)
			}
		default:
			t.Errorf("chart filter %q has no scope", f)
		}
	}
	// The CPU panel carries gcp-eu's figures: 3 vCPU pods.
	if !dashcheck.HasPromQL(rows["Nodes, CPU and system load"], observability.MetricCPUSeconds) ||
		!strings.Contains(jsonOf(t, rows["Nodes, CPU and system load"]), `/ 3 * 100`) {
		t.Errorf("CPU panel does not divide by gcp-eu's 3 vCPUs: %s", jsonOf(t, rows["Nodes, CPU and system load"]))
	}
}

// Memorystore's and the load balancer's alarms: Cloud Monitoring threshold
// policies on the documented metric types, scoped to the region's
// instance, from the alert thresholds (defaults 80 %, 80 %, 10 a minute),
// each notifying the region's channel.
func TestNativeAlarms(t *testing.T) {
	check := func(t *testing.T, p *plan.Plan, memory, cpu, perMin float64) {
		t.Helper()
		redis := only(t, p, tRedis)
		var channel string
		for _, c := range p.ByType(tChannel) {
			if strings.Contains(c.Parent, "livekit-infra:index:Monitoring::") {
				channel = c.ID
			}
		}
		policies := map[string]*plan.Resource{}
		for _, r := range p.ByType(tPolicy) {
			if _, ok := r.Input("conditions[0].conditionThreshold"); ok {
				policies[r.InputString("conditions[0].displayName")] = &r
			}
		}
		for name, want := range map[string]struct {
			metric, aligner, reducer, duration string
			threshold                          float64
			scoped                             bool
			labels                             string
		}{
			"RedisMemory":           {observability.GCPRedisMemory, "ALIGN_MAX", "REDUCE_MAX", "600s", memory / 100, true, ""},
			"RedisCPU":              {observability.GCPRedisCPU, "ALIGN_RATE", "REDUCE_SUM", "900s", cpu / 100, true, `metric.label.role="primary"`},
			"RedisConnectionErrors": {observability.GCPRedisRejected, "ALIGN_DELTA", "REDUCE_SUM", "0s", 0, true, ""},
			"LoadBalancer5xx":       {observability.GCPLBRequests, "ALIGN_RATE", "REDUCE_SUM", "180s", perMin / 60, false, `metric.label.response_code_class=500`},
		} {
			pol, ok := policies[name]
			if !ok {
				t.Errorf("no %s alert policy (have %d threshold policies)", name, len(policies))
				continue
			}
			expect(t, pol, map[string]any{
				"project": euProject,
				"conditions[0].conditionThreshold.comparison":                         "COMPARISON_GT",
				"conditions[0].conditionThreshold.duration":                           want.duration,
				"conditions[0].conditionThreshold.aggregations[0].perSeriesAligner":   want.aligner,
				"conditions[0].conditionThreshold.aggregations[0].crossSeriesReducer": want.reducer,
			})
			if v, _ := pol.Input("conditions[0].conditionThreshold.thresholdValue"); toFloat(v) != want.threshold {
				t.Errorf("%s threshold %v, want %v", name, v, want.threshold)
			}
			filter := pol.InputString("conditions[0].conditionThreshold.filter")
			if m := metricType.FindStringSubmatch(filter); m == nil || m[1] != want.metric {
				t.Errorf("%s filter %q, want metric %s", name, filter, want.metric)
			} else if nm, ok := observability.NativeMetricByID(m[1]); !ok || nm.Cloud != "gcp" || !strings.Contains(filter, `resource.type="`+nm.Resource+`"`) {
				t.Errorf("%s: %s is not a documented GCP metric on its resource (%q)", name, m[1], filter)
			}
			if want.scoped && !strings.Contains(filter, `resource.label.instance_id="`+redis.ID+`"`) {
				t.Errorf("%s filter %q is not scoped to the region's Memorystore instance", name, filter)
			}
			if !want.scoped && !strings.Contains(filter, "gkegw1-.+-livekit-livekit-.+") {
				t.Errorf("%s filter %q does not select the signaling Gateway's URL map", name, filter)
			}
			if want.labels != "" && !strings.Contains(filter, want.labels) {
				t.Errorf("%s filter %q lacks %s", name, filter, want.labels)
			}
			if got := strs(input(t, pol, "notificationChannels")); len(got) != 1 || got[0] != channel {
				t.Errorf("%s notifies %v, want the region's channel %s", name, got, channel)
			}
			if c := pol.InputString("documentation.content"); !strings.Contains(c, "docs/observability.md, "+name) {
				t.Errorf("%s documentation %q does not point at its runbook line", name, c)
			}
		}
		if len(policies) != 4 {
			t.Errorf("%d threshold policies, want 4", len(policies))
		}
	}
	euStack.AlarmThresholds(t, check)
}
