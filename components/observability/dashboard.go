package observability

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Group is one row of the region's dashboard. Every cloud renders the same
// rows in the same order.
type Group string

// The dashboard's rows.
const (
	GroupRooms        Group = "rooms"        // rooms, participants and tracks
	GroupNodes        Group = "nodes"        // nodes, CPU and system load
	GroupTraffic      Group = "traffic"      // bytes and packets in and out
	GroupRedis        Group = "redis"        // the region's Redis
	GroupLoadBalancer Group = "loadbalancer" // the signaling load balancer's errors
	GroupScaling      Group = "scaling"      // scaling activity
)

// Groups are the rows in display order, with their titles.
var Groups = []struct {
	ID    Group
	Title string
}{
	{GroupRooms, "Rooms, participants and tracks"},
	{GroupNodes, "Nodes, CPU and system load"},
	{GroupTraffic, "Bytes and packets in and out"},
	{GroupRedis, "Redis health"},
	{GroupLoadBalancer, "Load balancer errors"},
	{GroupScaling, "Scaling activity"},
}

// Units of a panel's values (each cloud maps them to its own).
const (
	UnitCount   = "count"
	UnitPercent = "percent"
	UnitRatio   = "ratio" // 0-1
	UnitBytesPS = "bytes/s"
	UnitBytes   = "bytes" // a period's total, or a size
	UnitPerSec  = "1/s"
	UnitSeconds = "seconds"
)

// Panel is one chart: either a PromQL query over the series of metrics.go
// (the region's managed Prometheus answers it) or a metric the cloud
// publishes itself (Native).
type Panel struct {
	Title string
	Unit  string
	// PromQL selects only names of Metrics.
	PromQL string
	// Native is a cloud metric of NativeMetrics, scoped by the cloud's
	// renderer to the region's resource.
	Native *Native
}

// Native is a chart of one cloud-published metric.
type Native struct {
	// Metric is a NativeMetrics ID.
	Metric string
	// Stat is how a period's values combine: avg, max, min or sum.
	Stat string
	// Filter narrows the metric by its own labels or dimensions (a status
	// class, an error type); the renderer adds the resource scope.
	Filter map[string]string
}

// Dashboard is one region's dashboard, rows in Groups order.
type Dashboard struct {
	Title string
	Rows  []Row
}

// Row is one group's panels.
type Row struct {
	Group  Group
	Title  string
	Panels []Panel
}

// Panels returns every panel of the dashboard.
func (d Dashboard) Panels() []Panel {
	var out []Panel
	for _, r := range d.Rows {
		out = append(out, r.Panels...)
	}
	return out
}

// Row returns the row of a group.
func (d Dashboard) Row(g Group) (Row, bool) {
	for _, r := range d.Rows {
		if r.Group == g {
			return r, true
		}
	}
	return Row{}, false
}

// LiveKitPanels are the region's PromQL panels, the same on every cloud:
// what LiveKit's own series show. The thresholds in their titles are the
// region's (the alert rules use the same figures).
func (r Region) LiveKitPanels() map[Group][]Panel {
	job := fmt.Sprintf(`{job=%q}`, JobLiveKit)
	cpu := fmt.Sprintf(`rate(%s%s[5m]) / %s * 100`, MetricCPUSeconds, job, num(r.NodeVCPUs))
	return map[Group][]Panel{
		GroupRooms: {
			{Title: "Rooms", Unit: UnitCount, PromQL: fmt.Sprintf(`sum(%s%s)`, MetricRooms, job)},
			{Title: "Participants", Unit: UnitCount, PromQL: fmt.Sprintf(`sum(%s%s)`, MetricParticipants, job)},
			{Title: fmt.Sprintf("Participants per node (capacity figure %d)", r.NodeCapacity()), Unit: UnitCount,
				PromQL: fmt.Sprintf(`sum by (instance) (%s%s)`, MetricParticipants, job)},
			{Title: "Tracks published, by kind", Unit: UnitCount, PromQL: fmt.Sprintf(`sum by (kind) (%s%s)`, MetricTracksPublished, job)},
			{Title: "Tracks subscribed, by kind", Unit: UnitCount, PromQL: fmt.Sprintf(`sum by (kind) (%s%s)`, MetricTracksSubscribed, job)},
		},
		GroupNodes: {
			{Title: "LiveKit nodes scraped", Unit: UnitCount, PromQL: fmt.Sprintf(`count(%s%s == 1)`, MetricUp, job)},
			{Title: fmt.Sprintf("CPU per node, %% of %s vCPUs (LiveKit's sysload; new rooms stop at %d %%)", num(r.NodeVCPUs), r.SysloadLimitPercent),
				Unit: UnitPercent, PromQL: fmt.Sprintf(`max by (instance) (%s)`, cpu)},
		},
		GroupTraffic: {
			{Title: "Bytes in and out", Unit: UnitBytesPS, PromQL: fmt.Sprintf(`sum by (direction) (rate(%s%s[5m]))`, MetricPacketBytes, job)},
			{Title: "Packets in and out", Unit: UnitPerSec, PromQL: fmt.Sprintf(`sum by (direction) (rate(%s%s[5m]))`, MetricPackets, job)},
			{Title: "Node packets (system)", Unit: UnitCount, PromQL: fmt.Sprintf(`sum by (type) (%s%s)`, MetricNodePackets, job)},
		},
		GroupScaling: {
			{Title: fmt.Sprintf("LiveKit nodes (maxNodes %d)", r.MaxNodes), Unit: UnitCount, PromQL: fmt.Sprintf(`count(%s%s == 1)`, MetricUp, job)},
			{Title: fmt.Sprintf("Average node CPU against cpuTarget %d %%", r.CPUTargetPercent), Unit: UnitPercent, PromQL: fmt.Sprintf(`avg(%s)`, cpu)},
		},
	}
}

// Dashboard assembles the region's dashboard: LiveKit's PromQL panels and
// the cloud's own panels (native, per group: its Redis, load balancer and
// scaling metrics). It rejects a row left empty, a PromQL panel naming a
// series outside Metrics and a native metric outside NativeMetrics (or of
// another cloud).
func (r Region) Dashboard(native map[Group][]Panel) (Dashboard, error) {
	if err := r.Validate(); err != nil {
		return Dashboard{}, err
	}
	lk := r.LiveKitPanels()
	d := Dashboard{Title: fmt.Sprintf("LiveKit %s (%s %s)", r.Stack, r.Cloud, r.Region)}
	var errs []error
	known := map[Group]bool{}
	for _, g := range Groups {
		known[g.ID] = true
		row := Row{Group: g.ID, Title: g.Title, Panels: append(append([]Panel{}, lk[g.ID]...), native[g.ID]...)}
		if len(row.Panels) == 0 {
			errs = append(errs, fmt.Errorf("observability: dashboard row %q has no panel: the cloud must give its %s metrics", g.ID, g.Title))
		}
		d.Rows = append(d.Rows, row)
	}
	for g := range native {
		if !known[g] {
			errs = append(errs, fmt.Errorf("observability: dashboard row %q is not one of the dashboard's rows", g))
		}
	}
	for _, p := range d.Panels() {
		if err := r.checkPanel(p); err != nil {
			errs = append(errs, err)
		}
	}
	return d, errors.Join(errs...)
}

func (r Region) checkPanel(p Panel) error {
	switch {
	case p.Title == "" || p.Unit == "":
		return fmt.Errorf("observability: a dashboard panel needs a title and a unit (%+v)", p)
	case (p.PromQL == "") == (p.Native == nil):
		return fmt.Errorf("observability: panel %q must have exactly one of PromQL and Native", p.Title)
	case p.Native != nil:
		m, ok := NativeMetricByID(p.Native.Metric)
		if !ok {
			return fmt.Errorf("observability: panel %q: native metric %q is not in NativeMetrics (add it with its doc page)", p.Title, p.Native.Metric)
		}
		if m.Cloud != r.Cloud {
			return fmt.Errorf("observability: panel %q: %s is a %s metric, the region is %s", p.Title, m.ID(), m.Cloud, r.Cloud)
		}
		switch p.Native.Stat {
		case "avg", "max", "min", "sum":
		default:
			return fmt.Errorf("observability: panel %q: stat %q, want avg, max, min or sum", p.Title, p.Native.Stat)
		}
	default:
		for _, name := range PromQLMetricNames(p.PromQL) {
			if _, ok := MetricBySeries(name); !ok {
				return fmt.Errorf("observability: panel %q selects %q, which is not in Metrics (metrics.go)", p.Title, name)
			}
		}
	}
	return nil
}

// MetricBySeries returns the catalog entry a series name belongs to (a
// histogram's _bucket, _sum and _count included).
func MetricBySeries(series string) (Metric, bool) {
	if m, ok := MetricByName(series); ok {
		return m, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(series, suffix); ok {
			if m, ok := MetricByName(base); ok && m.Type == "histogram" {
				return m, true
			}
		}
	}
	return Metric{}, false
}

// promqlWords are PromQL's keywords and aggregation operators: an
// identifier among them is never a series name.
var promqlWords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"bool": true, "and": true, "or": true, "unless": true, "offset": true, "atan2": true,
	"sum": true, "avg": true, "count": true, "min": true, "max": true, "group": true, "stddev": true,
	"stdvar": true, "topk": true, "bottomk": true, "quantile": true, "count_values": true,
	"inf": true, "nan": true,
}

// PromQLMetricNames lists the series names a PromQL expression selects
// (sorted, once each): identifiers that are not functions, keywords,
// label names, strings, durations or numbers. `promtool check rules` proves
// the expressions parse (tests/observability); this finds what they read.
func PromQLMetricNames(expr string) []string {
	seen := map[string]bool{}
	isStart := func(c byte) bool { return c == '_' || c == ':' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
	isPart := func(c byte) bool { return isStart(c) || (c >= '0' && c <= '9') }
	skipSpace := func(i int) int {
		for i < len(expr) && (expr[i] == ' ' || expr[i] == '\t' || expr[i] == '\n') {
			i++
		}
		return i
	}
	// skipTo returns the index after the closing byte of an opened pair,
	// stepping over quoted strings.
	skipTo := func(i int, closing byte) int {
		for i < len(expr) && expr[i] != closing {
			if expr[i] == '"' || expr[i] == '\'' || expr[i] == '`' {
				q := expr[i]
				for i++; i < len(expr) && expr[i] != q; i++ {
					if expr[i] == '\\' {
						i++
					}
				}
			}
			i++
		}
		return i + 1
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '{':
			i = skipTo(i+1, '}')
		case c == '[':
			i = skipTo(i+1, ']')
		case c == '"' || c == '\'' || c == '`':
			i = skipTo(i+1, c)
		case c >= '0' && c <= '9' || c == '.':
			for i < len(expr) && (isPart(expr[i]) || expr[i] == '.') {
				i++
			}
		case isStart(c):
			j := i
			for j < len(expr) && isPart(expr[j]) {
				j++
			}
			word := expr[i:j]
			next := skipSpace(j)
			switch {
			case word == "by" || word == "without" || word == "on" || word == "ignoring" || word == "group_left" || word == "group_right":
				// Their parenthesised lists hold label names.
				if next < len(expr) && expr[next] == '(' {
					j = skipTo(next+1, ')')
				}
			case word == "offset":
				j = next
				for j < len(expr) && isPart(expr[j]) {
					j++
				}
			case promqlWords[strings.ToLower(word)]:
			case next < len(expr) && expr[next] == '(':
				// a function call
			default:
				seen[word] = true
			}
			i = j
		default:
			i++
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// NativePanels are each cloud's own panels of the dashboard: its Redis,
// its signaling load balancer and its scaler, which no scrape of LiveKit
// sees. The cloud's renderer scopes each to the region's resource (a
// panel whose resource the region lacks, Front Door without a CDN, is left
// out there).
func NativePanels(cloud string) map[Group][]Panel {
	return NativePanelsOn(cloud, "")
}

// Platforms whose native panels differ from their cloud's default (ECS
// Fargate, AKS).
const (
	PlatformEKS = "eks"
	PlatformACI = "aci"
)

// ACILiveKitContainer is LiveKit's container in a Container Instances
// group (beside the metrics agent): the containerName its CPU and memory
// panels select.
const ACILiveKitContainer = "livekit"

// NativePanelsOn are NativePanels of a cloud's platform ("" or the
// default platform's name for the default): an EKS region's nodes are EC2
// instances of its media node group, not ECS tasks.
func NativePanelsOn(cloud, platform string) map[Group][]Panel {
	n := func(title, unit, metric, stat string, filter map[string]string) Panel {
		return Panel{Title: title, Unit: unit, Native: &Native{Metric: metric, Stat: stat, Filter: filter}}
	}
	awsRedis := []Panel{
		n("Redis memory used, % (alarm at alertRedisMemoryPercent)", UnitPercent, AWSRedisMemory, "max", nil),
		n("Redis engine CPU, % (alarm at alertRedisCpuPercent)", UnitPercent, AWSRedisCPU, "max", nil),
		n("Redis client connections", UnitCount, AWSRedisConnections, "max", nil),
		n("Redis authentication failures", UnitCount, AWSRedisAuthFailures, "sum", nil),
	}
	awsLB := []Panel{
		n("ALB 5xx (its own)", UnitCount, AWSLB5xx, "sum", nil),
		n("LiveKit 5xx through the ALB", UnitCount, AWSTarget5xx, "sum", nil),
		n("Unhealthy LiveKit targets (GET / not 200)", UnitCount, AWSUnhealthyTargets, "max", nil),
		n("Healthy LiveKit targets", UnitCount, AWSHealthyTargets, "min", nil),
	}
	switch {
	case cloud == "aws" && platform == PlatformEKS:
		return map[Group][]Panel{
			GroupNodes: {
				n("Media node CPU, % (average)", UnitPercent, AWSNodeCPU, "avg", nil),
				n("Media node CPU, % (busiest node)", UnitPercent, AWSNodeCPU, "max", nil),
			},
			GroupTraffic: {
				n("Media nodes: bytes in", UnitBytes, AWSNodeNetworkIn, "sum", nil),
				n("Media nodes: bytes out", UnitBytes, AWSNodeNetworkOut, "sum", nil),
				n("Media nodes: packets in", UnitCount, AWSNodePacketsIn, "sum", nil),
				n("Media nodes: packets out", UnitCount, AWSNodePacketsOut, "sum", nil),
			},
			GroupRedis:        awsRedis,
			GroupLoadBalancer: awsLB,
			// One LiveKit pod per media node: the target group's healthy
			// targets are the nodes serving.
			GroupScaling: {n("LiveKit pods in service (one per media node)", UnitCount, AWSHealthyTargets, "avg", nil)},
		}
	case cloud == "aws":
		return map[Group][]Panel{
			GroupNodes: {n("ECS service CPU, % of the tasks' CPU", UnitPercent, AWSServiceCPU, "avg", nil)},
			GroupTraffic: {
				n("LiveKit tasks: bytes received", UnitBytesPS, AWSTaskNetworkRx, "sum", nil),
				n("LiveKit tasks: bytes sent", UnitBytesPS, AWSTaskNetworkTx, "sum", nil),
			},
			GroupRedis:        awsRedis,
			GroupLoadBalancer: awsLB,
			GroupScaling: {
				n("LiveKit tasks running", UnitCount, AWSRunningTasks, "avg", nil),
				n("LiveKit tasks desired (the autoscaler's target)", UnitCount, AWSDesiredTasks, "avg", nil),
			},
		}
	}
	switch cloud {
	case "gcp":
		return map[Group][]Panel{
			GroupRedis: {
				n("Redis memory used / maxmemory (alarm at alertRedisMemoryPercent)", UnitRatio, GCPRedisMemory, "max", nil),
				n("Redis CPU, cores busy (primary)", UnitSeconds, GCPRedisCPU, "sum", map[string]string{"role": "primary"}),
				n("Redis connected clients", UnitCount, GCPRedisClients, "max", nil),
				n("Redis rejected connections", UnitPerSec, GCPRedisRejected, "sum", nil),
			},
			GroupLoadBalancer: {
				n("Signaling load balancer 5xx", UnitPerSec, GCPLBRequests, "sum", map[string]string{"response_code_class": "500"}),
				n("Signaling load balancer requests", UnitPerSec, GCPLBRequests, "sum", nil),
			},
			GroupScaling: {n("GKE node vCPUs allocatable (nodes added and removed)", UnitCount, GCPNodeCores, "sum", nil)},
		}
	case "azure":
		redis := []Panel{
			n("Redis memory used, % (alarm at alertRedisMemoryPercent)", UnitPercent, AzureRedisMemory, "max", nil),
			n("Redis CPU, % (alarm at alertRedisCpuPercent)", UnitPercent, AzureRedisCPU, "max", nil),
			n("Redis connected clients", UnitCount, AzureRedisClients, "max", nil),
			n("Redis errors", UnitCount, AzureRedisErrors, "sum", nil),
		}
		frontDoor5xx := n("Recordings Front Door 5xx", UnitCount, AzureFrontDoorReqs, "sum", map[string]string{"HttpStatusGroup": "5XX"})
		if platform == PlatformACI {
			// A fixed set of container groups behind Application
			// Gateway (signaling) and Azure Firewall (media): no nodes,
			// no autoscaler. The renderer charts each group.
			lk := map[string]string{"containerName": ACILiveKitContainer}
			return map[Group][]Panel{
				GroupNodes: {
					n("LiveKit container CPU, millicores", UnitCount, AzureGroupCPU, "max", lk),
					n("LiveKit container memory, bytes", UnitBytes, AzureGroupMemory, "max", lk),
				},
				GroupTraffic: {
					n("Container group bytes received per second", UnitBytesPS, AzureGroupBytesIn, "avg", nil),
					n("Container group bytes sent per second", UnitBytesPS, AzureGroupBytesOut, "avg", nil),
				},
				GroupRedis: redis,
				GroupLoadBalancer: {
					n("Application Gateway 5xx responses", UnitCount, AzureGatewayResponses, "sum", map[string]string{"HttpStatusGroup": "5xx"}),
					n("Unhealthy LiveKit groups (GET / not 200)", UnitCount, AzureGatewayUnhealthy, "max", nil),
					frontDoor5xx,
				},
				// ACI does not autoscale: the groups serving against
				// azureAciGroups.
				GroupScaling: {n("LiveKit groups in service (Application Gateway healthy backends)", UnitCount, AzureGatewayHealthy, "min", nil)},
			}
		}
		return map[Group][]Panel{
			GroupRedis: redis,
			GroupLoadBalancer: {
				n("AKS load balancer health probe status, % (Traefik's nodes)", UnitPercent, AzureLBHealthProbe, "max", nil),
				n("AKS load balancer data path availability, %", UnitPercent, AzureLBDataPath, "avg", nil),
				frontDoor5xx,
			},
			GroupScaling: {
				n("AKS node vCPUs allocatable (nodes added and removed)", UnitCount, AzureNodeCores, "avg", nil),
				n("Pods waiting for a node (autoscaler)", UnitCount, AzureUnschedulablePod, "max", nil),
			},
		}
	}
	return nil
}
