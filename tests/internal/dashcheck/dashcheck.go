// Package dashcheck checks a rendered dashboard, read back from a plan in
// each cloud's own format, against the one definition of
// components/observability: every row is there with a panel, every PromQL
// panel selects only series of observability.Metrics (which tests/e2e
// checks against a real LiveKit v1.13.5), and every cloud metric is one of
// observability.NativeMetrics with its documentation page.
package dashcheck

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
)

// Panel is one chart as a cloud's dashboard holds it.
type Panel struct {
	Row    string // the row's title
	Title  string
	PromQL string
	// Native is the cloud metric's observability ID.
	Native string
}

// Check fails t for a missing row, a panel without a query, a PromQL
// panel naming a series outside the catalog and a cloud metric outside the
// table (or of another cloud). It returns the panels by row title.
func Check(t *testing.T, cloud string, panels []Panel) map[string][]Panel {
	t.Helper()
	byRow := map[string][]Panel{}
	for _, p := range panels {
		byRow[p.Row] = append(byRow[p.Row], p)
		switch {
		case p.PromQL != "" && p.Native != "":
			t.Errorf("panel %q has both a PromQL query and a cloud metric", p.Title)
		case p.PromQL != "":
			names := observability.PromQLMetricNames(p.PromQL)
			if len(names) == 0 {
				t.Errorf("panel %q: %q selects no series", p.Title, p.PromQL)
			}
			for _, n := range names {
				if _, ok := observability.MetricBySeries(n); !ok {
					t.Errorf("panel %q selects %q, which is not a LiveKit v1.13.5 series of observability.Metrics", p.Title, n)
				}
			}
		case p.Native != "":
			m, ok := observability.NativeMetricByID(p.Native)
			switch {
			case !ok:
				t.Errorf("panel %q charts %q, which is not in observability.NativeMetrics", p.Title, p.Native)
			case m.Cloud != cloud:
				t.Errorf("panel %q charts %s, a %s metric, on %s", p.Title, p.Native, m.Cloud, cloud)
			case !strings.HasPrefix(m.Doc, "https://"):
				t.Errorf("%s has no documentation page", p.Native)
			}
		default:
			t.Errorf("panel %q has no query", p.Title)
		}
	}
	for _, g := range observability.Groups {
		if len(byRow[g.Title]) == 0 {
			t.Errorf("the dashboard has no %q row with a panel (%d panels in all)", g.Title, len(panels))
		}
	}
	return byRow
}

// HasPromQL reports whether a row has a PromQL panel reading series.
func HasPromQL(panels []Panel, series string) bool {
	for _, p := range panels {
		for _, n := range observability.PromQLMetricNames(p.PromQL) {
			if n == series {
				return true
			}
		}
	}
	return false
}

// HasNative reports whether a row charts a cloud metric.
func HasNative(panels []Panel, id string) bool {
	for _, p := range panels {
		if p.Native == id {
			return true
		}
	}
	return false
}

// LiveKitCoverage is what every cloud's dashboard shows of LiveKit's own
// series, by row title: rooms, participants and tracks; nodes and their
// CPU; bytes and packets; the node count against maxNodes.
var LiveKitCoverage = map[string][]string{
	"Rooms, participants and tracks": {observability.MetricRooms, observability.MetricParticipants, observability.MetricTracksPublished, observability.MetricTracksSubscribed},
	"Nodes, CPU and system load":     {observability.MetricUp, observability.MetricCPUSeconds},
	"Bytes and packets in and out":   {observability.MetricPacketBytes, observability.MetricPackets},
	"Scaling activity":               {observability.MetricUp},
}

// Covers fails t unless the rows show LiveKitCoverage's series through
// PromQL and, per row title, each cloud metric of native: the dashboard
// shows rooms, participants and tracks, nodes, CPU and load, bytes and
// packets, Redis health, load balancer errors and scaling activity.
func Covers(t *testing.T, rows map[string][]Panel, native map[string][]string) {
	t.Helper()
	for row, series := range LiveKitCoverage {
		for _, s := range series {
			if !HasPromQL(rows[row], s) {
				t.Errorf("row %q has no PromQL panel on %s", row, s)
			}
		}
	}
	for _, row := range []string{"Redis health", "Load balancer errors"} {
		if len(native[row]) == 0 {
			t.Errorf("the test names no cloud metric for row %q: Redis and the load balancer are the cloud's to show", row)
		}
	}
	for row, ids := range native {
		for _, id := range ids {
			if !HasNative(rows[row], id) {
				t.Errorf("row %q does not chart %s", row, id)
			}
		}
	}
}
