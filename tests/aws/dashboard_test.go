package aws_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/dashcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

const tDashboard = "aws:cloudwatch/dashboard:Dashboard"

// cwMetricLine is one line of a metric widget: namespace, name and the
// dimensions as name/value pairs.
type cwMetricLine struct {
	id   string
	dims map[string]string
}

var (
	boldTitle = regexp.MustCompile(`^\*\*(.+?)\*\*`)
	codeBlock = regexp.MustCompile("(?s)```\n(.*?)\n```")
)

// cwPanels reads a CloudWatch dashboard body back: each widget under the
// row title (a "## " text widget) above it; a LiveKit panel is a text
// widget whose code block holds its PromQL.
func cwPanels(t *testing.T, body, region string) ([]dashcheck.Panel, []cwMetricLine, []string) {
	t.Helper()
	var d struct {
		Widgets []struct {
			Type                string
			X, Y, Width, Height int
			Properties          json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("dashboardBody is not JSON: %v", err)
	}
	type title struct {
		name string
		y    int
	}
	var titles []title
	for _, w := range d.Widgets {
		var p struct{ Markdown string }
		if w.Type == "text" && json.Unmarshal(w.Properties, &p) == nil && strings.HasPrefix(p.Markdown, "## ") {
			titles = append(titles, title{strings.TrimPrefix(p.Markdown, "## "), w.Y})
		}
	}
	rowAt := func(y int) string {
		row := ""
		for _, ti := range titles {
			if y > ti.y {
				row = ti.name
			}
		}
		return row
	}
	var panels []dashcheck.Panel
	var lines []cwMetricLine
	var texts []string
	for _, w := range d.Widgets {
		if w.X+w.Width > 24 {
			t.Errorf("widget at (%d,%d) overflows the 24 columns", w.X, w.Y)
		}
		switch w.Type {
		case "text":
			var p struct{ Markdown string }
			if err := json.Unmarshal(w.Properties, &p); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(p.Markdown, "## ") || strings.HasPrefix(p.Markdown, "# ") {
				continue
			}
			ti, code := boldTitle.FindStringSubmatch(p.Markdown), codeBlock.FindStringSubmatch(p.Markdown)
			if ti == nil || code == nil {
				t.Errorf("text widget %q is neither a row title nor a LiveKit panel (title and PromQL)", p.Markdown)
				continue
			}
			panels = append(panels, dashcheck.Panel{Row: rowAt(w.Y), Title: ti[1], PromQL: code[1]})
			texts = append(texts, p.Markdown)
		case "metric":
			var p struct {
				Title, Region, Stat string
				Period              int
				Metrics             [][]any
			}
			if err := json.Unmarshal(w.Properties, &p); err != nil {
				t.Fatal(err)
			}
			if p.Region != region {
				t.Errorf("chart %q in region %q, want the stack's %s", p.Title, p.Region, region)
			}
			if p.Stat == "" || p.Period <= 0 || len(p.Metrics) == 0 {
				t.Errorf("chart %q has no statistic, period or metric: %+v", p.Title, p)
			}
			for _, m := range p.Metrics {
				if len(m) < 2 {
					t.Errorf("chart %q: metric line %v has no namespace and name", p.Title, m)
					continue
				}
				l := cwMetricLine{id: fmt.Sprintf("%v/%v", m[0], m[1]), dims: map[string]string{}}
				rest := m[2:]
				if len(rest)%2 == 1 { // the line's options
					rest = rest[:len(rest)-1]
				}
				for i := 0; i+1 < len(rest); i += 2 {
					l.dims[fmt.Sprint(rest[i])] = fmt.Sprint(rest[i+1])
				}
				lines = append(lines, l)
				panels = append(panels, dashcheck.Panel{Row: rowAt(w.Y), Title: p.Title, Native: l.id})
			}
		default:
			t.Errorf("widget type %q, want metric or text", w.Type)
		}
	}
	return panels, lines, texts
}

// checkScope fails t for a metric line not scoped to the region's own
// resource: every cache node, the signaling ALB and target group, and
// the platform's nodes (dims names what the platform's namespace needs).
func checkScope(t *testing.T, p *plan.Plan, lines []cwMetricLine, platform map[string]map[string]*regexp.Regexp) {
	t.Helper()
	rg := planq.Only(t, p, tReplGroup)
	// The alarms' dimensions are the signaling ALB's and target group's
	// (monitoring_test.go checks them).
	albSuffix := child(t, p, tMonitoring, tMetricAlarm, "-lb-5xx").InputString("dimensions.LoadBalancer")
	tgSuffix := child(t, p, tMonitoring, tMetricAlarm, "-unhealthy-targets").InputString("dimensions.TargetGroup")
	if albSuffix == "" || tgSuffix == "" {
		t.Fatalf("no ALB (%q) or target group (%q) dimension on the alarms", albSuffix, tgSuffix)
	}
	nodes := map[string]bool{}
	for _, l := range lines {
		ns := l.id[:strings.LastIndex(l.id, "/")]
		switch ns {
		case "AWS/ElastiCache":
			nodes[l.dims["CacheClusterId"]] = true
			if !strings.HasPrefix(l.dims["CacheClusterId"], rg.ID+"-00") {
				t.Errorf("%s line %v is not a node of the region's replication group %s", l.id, l.dims, rg.ID)
			}
		case "AWS/ApplicationELB":
			if l.dims["LoadBalancer"] != albSuffix {
				t.Errorf("%s line %v is not the signaling ALB %s", l.id, l.dims, albSuffix)
			}
			if strings.HasSuffix(l.id, "HostCount") && l.dims["TargetGroup"] != tgSuffix {
				t.Errorf("%s line %v is not the LiveKit target group %s", l.id, l.dims, tgSuffix)
			}
		default:
			want, ok := platform[ns]
			if !ok {
				t.Errorf("%s is not a metric of this platform (namespaces %v)", l.id, platform)
				continue
			}
			for k, re := range want {
				if !re.MatchString(l.dims[k]) {
					t.Errorf("%s line %v: %s = %q, want %s", l.id, l.dims, k, l.dims[k], re)
				}
			}
		}
	}
	redis := atoi(t, fmt.Sprint(rg.Inputs["numCacheClusters"]))
	for i := 1; i <= redis; i++ {
		if id := fmt.Sprintf("%s-%03d", rg.ID, i); !nodes[id] {
			t.Errorf("no Redis chart line for cache node %s", id)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// dashboard is the stack's one CloudWatch dashboard, under the Dashboard
// component, named after the stack.
func dashboard(t *testing.T, p *plan.Plan, stack string) *plan.Resource {
	t.Helper()
	d := planq.Only(t, p, tDashboard)
	if !strings.Contains(d.Parent, "livekit-infra:index:Dashboard::") {
		t.Errorf("dashboard parent %s, want the Dashboard component", d.Parent)
	}
	if got := d.InputString("dashboardName"); got != stack+"-livekit" {
		t.Errorf("dashboardName %q, want %s-livekit", got, stack)
	}
	if got, _ := p.Outputs["dashboard"].(string); got != stack+"-livekit" {
		t.Errorf("output dashboard = %q, want the dashboard's name", got)
	}
	return d
}

// checkLiveKitText fails t unless every LiveKit panel names the region's
// AMP workspace, where its PromQL runs (CloudWatch cannot chart AMP).
func checkLiveKitText(t *testing.T, p *plan.Plan, texts []string) {
	t.Helper()
	url, _ := p.Outputs["prometheusQueryUrl"].(string)
	if !strings.HasPrefix(url, "https://aps-workspaces.") {
		t.Fatalf("prometheusQueryUrl %q is not an AMP endpoint", url)
	}
	if len(texts) == 0 {
		t.Error("no LiveKit panel on the dashboard")
	}
	for _, m := range texts {
		if !strings.Contains(m, url) {
			t.Errorf("LiveKit panel %q does not point at the region's workspace %s", m, url)
		}
	}
}

// checkDashboard checks stack's CloudWatch dashboard as every AWS
// platform's: every row of the one definition, the native metrics of
// covers (row → metric ids) in their rows, and LiveKit's panels on the
// region's AMP workspace. It returns the rows and the CloudWatch metric
// lines, for the platform's own scope checks.
func checkDashboard(t *testing.T, p *plan.Plan, stack string, covers map[string][]string) (map[string][]dashcheck.Panel, []cwMetricLine) {
	t.Helper()
	panels, lines, texts := cwPanels(t, dashboard(t, p, stack).InputString("dashboardBody"), prodRegion)
	rows := dashcheck.Check(t, "aws", panels)
	dashcheck.Covers(t, rows, covers)
	checkLiveKitText(t, p, texts)
	return rows, lines
}

// aws-prod's CloudWatch dashboard: every row of the one definition;
// ElastiCache per node, the signaling ALB and target group, the Fargate
// service (CPU, Container Insights' task counts and network) as
// documented CloudWatch metrics scoped to this region's resources;
// LiveKit's series as PromQL over the region's AMP workspace.
func TestDashboardFargate(t *testing.T) {
	p := prod(t)
	rows, lines := checkDashboard(t, p, "aws-prod", map[string][]string{
		"Nodes, CPU and system load":   {observability.AWSServiceCPU},
		"Bytes and packets in and out": {observability.AWSTaskNetworkRx, observability.AWSTaskNetworkTx},
		"Redis health":                 {observability.AWSRedisMemory, observability.AWSRedisCPU, observability.AWSRedisAuthFailures},
		"Load balancer errors":         {observability.AWSLB5xx, observability.AWSTarget5xx, observability.AWSUnhealthyTargets},
		"Scaling activity":             {observability.AWSRunningTasks, observability.AWSDesiredTasks},
	})
	cluster, _ := p.Outputs["ecsCluster"].(string)
	service, _ := p.Outputs["ecsService"].(string)
	if cluster == "" || service == "" {
		t.Fatalf("no ecsCluster (%q) or ecsService (%q) output", cluster, service)
	}
	exact := func(s string) *regexp.Regexp { return regexp.MustCompile("^" + regexp.QuoteMeta(s) + "$") }
	// ClusterName+ServiceName: a dimension set AWS documents for AWS/ECS
	// CPUUtilization and for each Container Insights metric charted here
	// (Container-Insights-metrics-ECS.html; NetworkRx/TxBytes for awsvpc).
	ecs := map[string]*regexp.Regexp{"ClusterName": exact(cluster), "ServiceName": exact(service)}
	checkScope(t, p, lines, map[string]map[string]*regexp.Regexp{"AWS/ECS": ecs, "ECS/ContainerInsights": ecs})
	// The CPU panel carries aws-prod's figures: 2048 CPU units, 2 vCPUs.
	if !strings.Contains(jsonOf(t, rows["Nodes, CPU and system load"]), `/ 2 * 100`) {
		t.Errorf("CPU panel does not divide by aws-prod's 2 vCPUs: %s", jsonOf(t, rows["Nodes, CPU and system load"]))
	}

	// Without Container Insights its metrics would chart nothing: left out.
	off := prodStack.Variant(t, "noContainerInsights", map[string]string{"awsContainerInsights": "false"})
	panels, _, _ := cwPanels(t, dashboard(t, off, "aws-prod").InputString("dashboardBody"), prodRegion)
	for _, pn := range panels {
		if strings.HasPrefix(pn.Native, "ECS/ContainerInsights/") {
			t.Errorf("Container Insights off, yet panel %q charts %s", pn.Title, pn.Native)
		}
	}
	dashcheck.Check(t, "aws", panels)
}

// aws-eks's CloudWatch dashboard: the same rows; the media node group's
// EC2 instances (CPU, bytes and packets) by its Auto Scaling group in
// place of ECS, and no ECS metric.
func TestDashboardEKS(t *testing.T) {
	p := eksStack(t)
	rows, lines := checkDashboard(t, p, "aws-eks", map[string][]string{
		"Nodes, CPU and system load":   {observability.AWSNodeCPU},
		"Bytes and packets in and out": {observability.AWSNodeNetworkIn, observability.AWSNodeNetworkOut, observability.AWSNodePacketsIn, observability.AWSNodePacketsOut},
		"Redis health":                 {observability.AWSRedisMemory, observability.AWSRedisCPU, observability.AWSRedisAuthFailures},
		"Load balancer errors":         {observability.AWSLB5xx, observability.AWSTarget5xx, observability.AWSUnhealthyTargets},
		"Scaling activity":             {observability.AWSHealthyTargets},
	})
	// EKS names a managed node group's Auto Scaling group
	// eks-<node group>-<uuid>: the media group's, not the system group's.
	// AutoScalingGroupName is an AWS/EC2 dimension with basic monitoring
	// (EC2 user guide, "Amazon EC2 metric dimensions").
	media := only(t, p, tNodeGroup, "-media")
	asg := regexp.MustCompile("^eks-" + regexp.QuoteMeta(media.Name) + "-")
	checkScope(t, p, lines, map[string]map[string]*regexp.Regexp{"AWS/EC2": {"AutoScalingGroupName": asg}})
	if !strings.Contains(jsonOf(t, rows["Nodes, CPU and system load"]), `/ 3 * 100`) {
		t.Errorf("CPU panel does not divide by aws-eks's 3 vCPU pods: %s", jsonOf(t, rows["Nodes, CPU and system load"]))
	}
}
