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
	// "egress" (an Egress worker's prometheus_port),
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
	// MetricTwirpRequests counts the node's API (Twirp) requests by
	// service, method and status family (2xx, 4xx, 5xx): the server's own
	// view of Egress is its service="Egress" requests. A start request that
	// no Egress worker takes (none running, none with capacity) ends in a
	// 5xx there. Exported once the node served a request.
	MetricTwirpRequests = "livekit_node_twirp_request_status" // counter
	// MetricUp is Prometheus' own per-target scrape result.
	MetricUp = "up"
	// The blackbox exporter's GET / probe: LiveKit answers 200 "OK", or 406
	// when its stats have not reached Redis for 4 s (it lost Redis).
	MetricProbeSuccess    = "probe_success"
	MetricProbeStatusCode = "probe_http_status_code"
)

// Egress v1.14.1 (livekit.EgressVersion) metric names, read from
// github.com/livekit/egress at tag v1.14.1: pkg/stats/monitor_prom.go
// (Monitor.initPrometheus) and pkg/stats/handler.go (NewHandlerMonitor;
// the handler processes' series are gathered into the service's
// prometheus_port by pkg/service/metrics.go). Every series carries the
// node_id and cluster_id constant labels. Egress cannot run here (no
// image, no Chrome), so no test scrapes a real worker: these names are
// checked against that source only.
const (
	// MetricEgressCPULoad is the worker's CPU use, 0-1 of its cores (1 -
	// idle/cores, pkg/stats/monitor.go updateEgressStats), with
	// node_type="EGRESS": the same name LiveKit's own nodes would use, so
	// rules select it by job and node_type.
	MetricEgressCPULoad = "livekit_node_cpu_load" // gauge
	// MetricEgressCanAccept is 1 while the worker would admit a new web
	// request (CPU and memory admission, not disabled), else 0.
	MetricEgressCanAccept = "livekit_egress_can_accept_request" // gauge
	// MetricEgressRequests is the worker's running egresses, by type.
	MetricEgressRequests = "livekit_egress_requests" // gauge
	// MetricEgressResults counts finished egress handlers by type and
	// result: completed, or aborted, stopped_cpu, killed_cpu, killed_oom,
	// killed_shutdown, process_error, duplicate_identity.
	MetricEgressResults = "livekit_egress_handler_results_total" // counter
	// MetricEgressUploads counts uploads by type (file, segment, manifest,
	// playlist...) and status (success, 4xx, 5xx, internal).
	MetricEgressUploads = "livekit_egress_pipeline_uploads" // counter

	// EgressNodeType is the node_type label of an Egress worker's series.
	EgressNodeType = "EGRESS"
	// EgressResultCompleted is the one result that is not a failure.
	EgressResultCompleted = "completed"
	// EgressUploadSuccess is the one upload status that is not a failure.
	EgressUploadSuccess = "success"
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
	{Name: MetricTwirpRequests, Type: "counter", Source: "livekit"},
	// Egress's are never Idle here: no test runs a worker.
	{Name: MetricEgressCPULoad, Type: "gauge", Source: "egress"},
	{Name: MetricEgressCanAccept, Type: "gauge", Source: "egress"},
	{Name: MetricEgressRequests, Type: "gauge", Source: "egress"},
	{Name: MetricEgressResults, Type: "counter", Source: "egress"},
	{Name: MetricEgressUploads, Type: "counter", Source: "egress"},
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
