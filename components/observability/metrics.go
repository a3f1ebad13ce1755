// Package observability is the one definition of what every region watches:
// the LiveKit metrics it relies on, the Prometheus alert rules, the scrape
// jobs and the dashboard, rendered per region from typed values (YAML via
// yaml.v3). It imports no cloud SDK; each cloud deploys what it renders
// (a managed Prometheus' rule groups, a collector's scrape config) and the
// tests feed it to real Prometheus and promtool.
package observability

// Metric is one series name a rule or a dashboard relies on.
type Metric struct {
	Name string
	Type string // counter, gauge, histogram
	// Idle: a LiveKit v1.13.5 node exports it from its first scrape, before
	// any room exists. Labelled vectors (tracks, packets) appear only once a
	// participant sends media.
	Idle bool
	// Source is who exports it: "livekit" (the node's prometheus.port),
	// "process" (the Go client's process collector on that port),
	// "prometheus" (synthesised by the scraper) or "blackbox" (the
	// health probe).
	Source string
}

// LiveKit v1.13.5 metric names, read from livekit-server's
// pkg/telemetry/prometheus (namespace "livekit", subsystem_name) and checked
// against a real node's /metrics by tests/e2e. Every series carries the
// node_id and node_type constant labels.
const (
	MetricRooms            = "livekit_room_total"             // gauge
	MetricParticipants     = "livekit_participant_total"      // gauge
	MetricTracksPublished  = "livekit_track_published_total"  // gauge, by kind
	MetricTracksSubscribed = "livekit_track_subscribed_total" // gauge, by kind
	MetricPacketBytes      = "livekit_packet_bytes"           // counter, by direction
	MetricPackets          = "livekit_packet_total"           // counter, by direction
	MetricNodePackets      = "livekit_node_packet_total"      // gauge: system packets out/dropped
	MetricRoomDuration     = "livekit_room_duration_seconds"  // histogram
	// CPU seconds of the livekit-server process (prometheus' process
	// collector). LiveKit v1.13.5 exports no CPU or system-load gauge of its
	// own; its sysload is the container's CPU use over its cores, which for a
	// one-process container is this rate over the node's vCPUs.
	MetricCPUSeconds = "process_cpu_seconds_total"
	// MetricUp is Prometheus' own per-target scrape result.
	MetricUp = "up"
	// The blackbox exporter's GET / probe: LiveKit answers 200 "OK", or 406
	// when its stats have not reached Redis for 4 s (it lost Redis).
	MetricProbeSuccess    = "probe_success"
	MetricProbeStatusCode = "probe_http_status_code"
)

// Metrics lists every series name the rules and dashboards use.
var Metrics = []Metric{
	{Name: MetricRooms, Type: "gauge", Idle: true, Source: "livekit"},
	{Name: MetricParticipants, Type: "gauge", Idle: true, Source: "livekit"},
	{Name: MetricTracksPublished, Type: "gauge", Source: "livekit"},
	{Name: MetricTracksSubscribed, Type: "gauge", Source: "livekit"},
	{Name: MetricPacketBytes, Type: "counter", Source: "livekit"},
	{Name: MetricPackets, Type: "counter", Source: "livekit"},
	{Name: MetricNodePackets, Type: "gauge", Idle: true, Source: "livekit"},
	{Name: MetricRoomDuration, Type: "histogram", Idle: true, Source: "livekit"},
	{Name: MetricCPUSeconds, Type: "counter", Idle: true, Source: "process"},
	{Name: MetricUp, Type: "gauge", Idle: true, Source: "prometheus"},
	{Name: MetricProbeSuccess, Type: "gauge", Idle: true, Source: "blackbox"},
	{Name: MetricProbeStatusCode, Type: "gauge", Idle: true, Source: "blackbox"},
}

// Series is the name a query selects: a histogram is stored as its
// _bucket, _sum and _count series, never under its own name.
func (m Metric) Series() string {
	if m.Type == "histogram" {
		return m.Name + "_count"
	}
	return m.Name
}

// MetricByName returns the catalog entry of a series name.
func MetricByName(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}
