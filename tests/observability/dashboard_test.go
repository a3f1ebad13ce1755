package observability

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// stackDashboard renders a committed stack's dashboard.
func stackDashboard(t *testing.T, stack string) observability.Dashboard {
	t.Helper()
	sc, err := plan.LoadStackConfig(repoRoot, stack)
	if err != nil {
		t.Fatal(err)
	}
	s, err := stackconfig.Parse(sc.Stack, stackconfig.Raw{Values: sc.Config, Secret: map[string]bool{}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := regional.Dashboard(s)
	if err != nil {
		t.Fatalf("%s: Dashboard: %v", stack, err)
	}
	return d
}

// Every PromQL panel of every committed region's dashboard parses: the
// real promtool checks them as recording rules (a dashboard query is an
// expression like a rule's), and they select only catalog series.
func TestDashboardQueriesParse(t *testing.T) {
	type record struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	type group struct {
		Name  string   `yaml:"name"`
		Rules []record `yaml:"rules"`
	}
	for _, stack := range regionStacks {
		t.Run(stack, func(t *testing.T) {
			d := stackDashboard(t, stack)
			var recs []record
			for i, p := range d.Panels() {
				if p.PromQL == "" {
					continue
				}
				recs = append(recs, record{Record: fmt.Sprintf("dashboard:panel_%d", i), Expr: p.PromQL})
				if len(observability.PromQLMetricNames(p.PromQL)) == 0 {
					t.Errorf("panel %q selects no series: %s", p.Title, p.PromQL)
				}
			}
			if len(recs) < 8 {
				t.Fatalf("%d PromQL panels, want LiveKit's rooms, nodes, traffic and scaling panels", len(recs))
			}
			body, err := observability.MarshalYAML(struct {
				Groups []group `yaml:"groups"`
			}{[]group{{Name: "dashboard", Rules: recs}}})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFile(t, dir, "dashboard.yml", body)
			out, err := runPromtool(t, dir, "check", "rules", "dashboard.yml")
			if err != nil || !strings.Contains(out, fmt.Sprintf("SUCCESS: %d rules found", len(recs))) {
				t.Fatalf("promtool check rules: %v\n%s\n%s", err, out, body)
			}
		})
	}
}

// The series-name reader finds what an expression selects, and nothing
// else (functions, keywords, label names and values, durations).
func TestPromQLMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum(livekit_room_total{job="livekit"})`:                                                              {"livekit_room_total"},
		`sum by (kind) (livekit_track_published_total{job="livekit", kind=~"audio|video"})`:                   {"livekit_track_published_total"},
		`count(up{job="livekit"} == 1) >= 10 and on() avg(rate(process_cpu_seconds_total[5m]) / 3) > 5`:       {"process_cpu_seconds_total", "up"},
		`histogram_quantile(0.9, sum without (node_id) (rate(livekit_room_duration_seconds_bucket[5m])))`:     {"livekit_room_duration_seconds_bucket"},
		`rate(livekit_packet_bytes{direction="in(x)"}[5m] offset 1h) * on (instance) group_left (node_id) up`: {"livekit_packet_bytes", "up"},
		`absent(redis_memory_used_bytes) or vector(0)`:                                                        {"redis_memory_used_bytes"},
		`1e3 * 2`: {},
	} {
		got := observability.PromQLMetricNames(expr)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("PromQLMetricNames(%s) = %v, want %v", expr, got, want)
		}
	}
}

// The dashboard definition refuses what would chart nothing: a series
// LiveKit does not export, a cloud metric outside the table or of another
// cloud, a row left empty.
func TestDashboardRefusesUnknownMetrics(t *testing.T) {
	r := stackRegion(t, "gcp-eu")
	native := observability.NativePanels("gcp")
	if _, err := r.Dashboard(native); err != nil {
		t.Fatalf("gcp-eu's dashboard refused: %v", err)
	}
	bad := func(g observability.Group, p observability.Panel) map[observability.Group][]observability.Panel {
		m := map[observability.Group][]observability.Panel{}
		for k, v := range native {
			m[k] = append([]observability.Panel{}, v...)
		}
		m[g] = append(m[g], p)
		return m
	}
	for name, tc := range map[string]struct {
		native map[observability.Group][]observability.Panel
		want   string
	}{
		"unknown series": {bad(observability.GroupRedis, observability.Panel{Title: "x", Unit: "count", PromQL: `sum(livekit_redis_errors_total)`}), `"livekit_redis_errors_total", which is not in Metrics`},
		"unknown cloud metric": {bad(observability.GroupRedis, observability.Panel{Title: "x", Unit: "count",
			Native: &observability.Native{Metric: "redis.googleapis.com/stats/made_up", Stat: "max"}}), "not in NativeMetrics"},
		"another cloud's metric": {bad(observability.GroupRedis, observability.Panel{Title: "x", Unit: "count",
			Native: &observability.Native{Metric: observability.AWSRedisMemory, Stat: "max"}}), "is a aws metric"},
		"empty row": {map[observability.Group][]observability.Panel{}, `row "redis" has no panel`},
	} {
		if _, err := r.Dashboard(tc.native); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", name, err, tc.want)
		}
	}
}

// Every alert rule reads catalog series too (the dashboard and the rules
// share the one catalog).
func TestRulesReadCatalogSeries(t *testing.T) {
	for _, stack := range regionStacks {
		rf, err := stackRegion(t, stack).Rules()
		if err != nil {
			t.Fatal(err)
		}
		for _, rule := range rf.AllRules() {
			for _, n := range observability.PromQLMetricNames(rule.Expr) {
				if _, ok := observability.MetricBySeries(n); !ok {
					t.Errorf("%s %s reads %q, not in observability.Metrics", stack, rule.Alert, n)
				}
			}
		}
	}
}

// Every cloud metric the dashboards and alarms may name has its page.
func TestNativeMetricsDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range observability.NativeMetrics {
		if seen[m.ID()] {
			t.Errorf("%s listed twice", m.ID())
		}
		seen[m.ID()] = true
		if !strings.HasPrefix(m.Doc, "https://") || m.Unit == "" {
			t.Errorf("%s: doc %q unit %q", m.ID(), m.Doc, m.Unit)
		}
		if m.Cloud == "gcp" && (m.Resource == "" || m.Kind == "") {
			t.Errorf("%s: a Cloud Monitoring metric needs its monitored resource and kind", m.ID())
		}
	}
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		for g, panels := range observability.NativePanels(cloud) {
			for _, p := range panels {
				if m, ok := observability.NativeMetricByID(p.Native.Metric); !ok || m.Cloud != cloud {
					t.Errorf("%s %s panel %q: %s", cloud, g, p.Title, p.Native.Metric)
				}
			}
		}
	}
}
