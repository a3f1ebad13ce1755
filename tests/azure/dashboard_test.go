package azure_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/dashcheck"
)

const tWorkbook = "azure:appinsights/workbook:Workbook"

// nativeByWorkbookID maps a workbook metric ("<namespace lowercased>--<name>")
// back to its observability.NativeMetrics ID.
func nativeByWorkbookID(metric string) (string, bool) {
	for _, m := range observability.NativeMetrics {
		if m.Cloud == "azure" && metric == strings.ToLower(m.Namespace)+"--"+m.Name {
			return m.ID(), true
		}
	}
	return "", false
}

type wbScoped struct {
	native   string
	resource []string
	filter   map[string][]string
}

// promQLOnRegionWorkspace: the workbook has PromQL items, and every one
// queries the region's one Azure Monitor workspace (where its metrics are
// written).
func promQLOnRegionWorkspace(t *testing.T, p *plan.Plan, workspaces []string) {
	t.Helper()
	amw := only(t, p, tAMW)
	if len(workspaces) == 0 {
		t.Error("no PromQL item")
	}
	for _, w := range workspaces {
		if w != amw.ID {
			t.Errorf("a PromQL item queries %q, want the region's workspace %s", w, amw.ID)
		}
	}
}

// wbPanels reads a workbook's serializedData back: each item under the
// "## " heading above it; a PromQL item's query is a
// PrometheusQueryProvider document against the listed workspace. The item
// forms are Microsoft's own (github.com/microsoft/Application-Insights-
// Workbooks): a PromQL time chart as in "Workbooks/Azure Monitor -
// Workspaces/Prometheus Explorer" (KqlItem/1.0, queryType 16, resourceType
// microsoft.monitor/accounts, visualization timechart), a metric chart as
// in "Workbooks/RedisCache/AtResource" (MetricsItem/2.0, chartType 2,
// metric "<namespace>--<name>", filter operator 0 = equals).
func wbPanels(t *testing.T, data string) (panels []dashcheck.Panel, scoped []wbScoped, workspaces []string) {
	t.Helper()
	var nb struct {
		Version string
		Items   []struct {
			Type    int
			Name    string
			Content json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(data), &nb); err != nil {
		t.Fatalf("dataJson is not JSON: %v", err)
	}
	if nb.Version != "Notebook/1.0" {
		t.Errorf("workbook version %q, want Notebook/1.0", nb.Version)
	}
	row := ""
	names := map[string]bool{}
	for _, it := range nb.Items {
		if names[it.Name] {
			t.Errorf("two items named %q", it.Name)
		}
		names[it.Name] = true
		switch it.Type {
		case 1:
			var c struct{ JSON string }
			if err := json.Unmarshal(it.Content, &c); err != nil {
				t.Fatal(err)
			}
			if h, ok := strings.CutPrefix(c.JSON, "## "); ok {
				row = h
			}
		case 3:
			var c struct {
				Version, Title, Query, ResourceType, Visualization string
				QueryType                                          int
				CrossComponentResources                            []string
			}
			if err := json.Unmarshal(it.Content, &c); err != nil {
				t.Fatal(err)
			}
			var q struct{ Version, QueryText, Type string }
			if err := json.Unmarshal([]byte(c.Query), &q); err != nil {
				t.Errorf("item %q: query %q is not a PrometheusQueryProvider document: %v", c.Title, c.Query, err)
				continue
			}
			if c.Version != "KqlItem/1.0" || c.QueryType != 16 || c.ResourceType != "microsoft.monitor/accounts" || c.Visualization != "timechart" ||
				q.Version != "PrometheusQueryProvider/1.0" || q.Type != "query_range" {
				t.Errorf("item %q is not a PromQL range query of an Azure Monitor workspace: %+v %+v", c.Title, c, q)
			}
			panels = append(panels, dashcheck.Panel{Row: row, Title: c.Title, PromQL: q.QueryText})
			workspaces = append(workspaces, c.CrossComponentResources...)
		case 10:
			var c struct {
				Version, Title, ResourceType string
				ChartType                    int
				ResourceIDs                  []string `json:"resourceIds"`
				Metrics                      []struct {
					Namespace, Metric string
					Aggregation       int
				}
				Filters []struct {
					Key      string
					Operator int
					Values   []string
				}
			}
			if err := json.Unmarshal(it.Content, &c); err != nil {
				t.Fatal(err)
			}
			if c.Version != "MetricsItem/2.0" || c.ChartType != 2 {
				t.Errorf("chart %q: version %q, chart type %d, want a MetricsItem/2.0 line chart (2)", c.Title, c.Version, c.ChartType)
			}
			for _, f := range c.Filters {
				if f.Operator != 0 {
					t.Errorf("chart %q: filter %+v, want operator 0 (equals)", c.Title, f)
				}
			}
			for _, m := range c.Metrics {
				id, ok := nativeByWorkbookID(m.Metric)
				if !ok {
					t.Errorf("chart %q: %s is not an Azure metric of observability.NativeMetrics", c.Title, m.Metric)
					id = m.Metric
				}
				if m.Namespace != c.ResourceType || m.Aggregation < 1 || m.Aggregation > 4 {
					t.Errorf("chart %q: metric %+v, resource type %q", c.Title, m, c.ResourceType)
				}
				panels = append(panels, dashcheck.Panel{Row: row, Title: c.Title, Native: id})
				filter := map[string][]string{}
				for _, f := range c.Filters {
					filter[f.Key] = f.Values
				}
				scoped = append(scoped, wbScoped{native: id, resource: c.ResourceIDs, filter: filter})
			}
		default:
			t.Errorf("item %q of type %d, want text, query or metrics", it.Name, it.Type)
		}
	}
	return panels, scoped, workspaces
}

// workbook is the region's one workbook, checked as every Azure region's:
// under the Dashboard component, in southeastasia, named by the lowercase
// v5 GUID of <stack>/<location> (which no other stack's shares), its display
// name naming the stack, its id the stack's dashboard output.
func workbook(t *testing.T, p *plan.Plan, stack, other string) *plan.Resource {
	t.Helper()
	wb := only(t, p, tWorkbook)
	if !strings.Contains(wb.Parent, "livekit-infra:index:Dashboard::") {
		t.Errorf("workbook parent %s, want the Dashboard component", wb.Parent)
	}
	name := wb.InputString("name")
	if name != uuid.NewSHA1(azurec.WorkbookNamespace, []byte(stack+"/southeastasia")).String() {
		t.Errorf("workbook name %q, want the v5 GUID of %s/southeastasia", name, stack)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(name) {
		t.Errorf("workbook name %q is not a lowercase v5 GUID", name)
	}
	if azurec.WorkbookName(other, "southeastasia") == name {
		t.Errorf("the workbooks of %s and %s share a name", stack, other)
	}
	if got := wb.InputString("location"); got != "southeastasia" {
		t.Errorf("workbook location %q", got)
	}
	if got := wb.InputString("displayName"); !strings.Contains(got, stack) {
		t.Errorf("workbook displayName %q does not name the stack", got)
	}
	if got, _ := p.Outputs["dashboard"].(string); got == "" || got != wb.ID {
		t.Errorf("output dashboard = %q, want the workbook's id %s", got, wb.ID)
	}
	return wb
}

// checkWorkbook checks stack's workbook as every Azure region's (workbook;
// other is another stack whose name it must not share): every row of the
// one definition, the native metrics of covers (row → metric ids) in
// their rows, and LiveKit's PromQL on the region's Azure Monitor
// workspace. It returns the rows and the charts scoped to a resource, for
// the platform's own scope checks.
func checkWorkbook(t *testing.T, p *plan.Plan, stack, other string, covers map[string][]string) (map[string][]dashcheck.Panel, []wbScoped) {
	t.Helper()
	panels, scoped, workspaces := wbPanels(t, workbook(t, p, stack, other).InputString("dataJson"))
	rows := dashcheck.Check(t, "azure", panels)
	dashcheck.Covers(t, rows, covers)
	promQLOnRegionWorkspace(t, p, workspaces)
	return rows, scoped
}

// azure-asia's Azure Monitor workbook: every row of the one definition;
// LiveKit's series as PromQL on the region's Azure Monitor workspace,
// Azure Cache for Redis, the AKS load balancer, the recordings' Front Door
// and AKS as documented Azure Monitor metrics of this region's resources;
// a GUID name derived from the stack and location.
func TestWorkbook(t *testing.T) {
	p := asia(t)
	rows, scoped := checkWorkbook(t, p, "azure-asia", "azure-aci", map[string][]string{
		"Redis health":         {observability.AzureRedisMemory, observability.AzureRedisCPU, observability.AzureRedisErrors},
		"Load balancer errors": {observability.AzureLBHealthProbe, observability.AzureFrontDoorReqs},
		"Scaling activity":     {observability.AzureNodeCores, observability.AzureUnschedulablePod},
	})

	cache := p.ByType(tRedis)[0]
	cluster := p.ByType(tCluster)[0]
	for _, s := range scoped {
		if len(s.resource) != 1 {
			t.Errorf("%s charts %v, want one resource", s.native, s.resource)
			continue
		}
		want := map[string]string{
			"Microsoft.Cache/redis":                      cache.ID,
			"Microsoft.ContainerService/managedClusters": cluster.ID,
			"Microsoft.Network/loadBalancers":            "/providers/Microsoft.Network/loadBalancers/kubernetes",
			"Microsoft.Cdn/profiles":                     "/providers/Microsoft.Cdn/profiles/",
		}[s.native[:strings.LastIndex(s.native, "/")]]
		if want == "" || !strings.Contains(s.resource[0], want) {
			t.Errorf("%s charts %q, want the region's %s", s.native, s.resource[0], want)
		}
	}
	// The CPU panel carries azure-asia's figures.
	b, _ := json.Marshal(rows["Nodes, CPU and system load"])
	if !regexp.MustCompile(`/ [0-9.]+ \* 100`).Match(b) {
		t.Errorf("CPU panel has no per-vCPU division: %s", b)
	}
}

// azure-aci's workbook: the same definition as azure-asia's (every row;
// LiveKit's series as PromQL on the region's Azure Monitor workspace, which
// the container groups' Prometheus agents write to), with what Container
// Instances has where AKS has nodes, a load balancer and an autoscaler:
// each LiveKit container group's CPU and memory (LiveKit's container) and
// network, and Application Gateway's 5xx and backend health. Every chart
// reads a documented metric of one of this region's resources.
func TestACIWorkbook(t *testing.T) {
	p := aci(t)
	rows, scoped := checkWorkbook(t, p, "azure-aci", "azure-asia", map[string][]string{
		"Nodes, CPU and system load":   {observability.AzureGroupCPU, observability.AzureGroupMemory},
		"Bytes and packets in and out": {observability.AzureGroupBytesIn, observability.AzureGroupBytesOut},
		"Redis health":                 {observability.AzureRedisMemory, observability.AzureRedisCPU, observability.AzureRedisErrors},
		"Load balancer errors":         {observability.AzureGatewayResponses, observability.AzureGatewayUnhealthy},
		"Scaling activity":             {observability.AzureGatewayHealthy},
	})

	groups := map[string]bool{}
	for i := 0; i < aciGroups; i++ {
		g := aciGroup(t, p, i)
		if c := str(t, g, "containers[0].name"); c != observability.ACILiveKitContainer {
			t.Errorf("group %d's LiveKit container is %q, but the CPU and memory charts select containerName %q", i, c, observability.ACILiveKitContainer)
		}
		groups[g.ID] = true
	}
	want := map[string]string{
		"Microsoft.Cache/redis":                 p.ByType(tRedis)[0].ID,
		"Microsoft.Network/applicationGateways": one(t, p, tAppGateway, "livekit-signaling").ID,
		"Microsoft.Cdn/profiles":                "/providers/Microsoft.Cdn/profiles/",
	}
	charted := map[string]map[string]bool{}
	for _, s := range scoped {
		if len(s.resource) != 1 {
			t.Errorf("%s charts %v, want one resource", s.native, s.resource)
			continue
		}
		ns := s.native[:strings.LastIndex(s.native, "/")]
		switch ns {
		case "Microsoft.ContainerInstance/containerGroups":
			if !groups[s.resource[0]] {
				t.Errorf("%s charts %q, not one of the LiveKit groups", s.native, s.resource[0])
			}
			if charted[s.native] == nil {
				charted[s.native] = map[string]bool{}
			}
			charted[s.native][s.resource[0]] = true
			perContainer := s.native == observability.AzureGroupCPU || s.native == observability.AzureGroupMemory
			if got := s.filter["containerName"]; perContainer != (len(got) == 1 && got[0] == observability.ACILiveKitContainer) {
				t.Errorf("%s on %s filters containerName %v (CPU and memory select LiveKit's container, network has no dimension)", s.native, s.resource[0], got)
			}
		default:
			if want[ns] == "" || !strings.Contains(s.resource[0], want[ns]) {
				t.Errorf("%s charts %q, want the region's %s (no AKS metric on Container Instances)", s.native, s.resource[0], want[ns])
			}
		}
	}
	for _, m := range []string{observability.AzureGroupCPU, observability.AzureGroupMemory, observability.AzureGroupBytesIn, observability.AzureGroupBytesOut} {
		if len(charted[m]) != aciGroups {
			t.Errorf("%s is charted for %d of the %d groups", m, len(charted[m]), aciGroups)
		}
	}
	// The CPU panel carries the group's LiveKit share (azureAciCpu less the agent's).
	b, _ := json.Marshal(rows["Nodes, CPU and system load"])
	if !strings.Contains(string(b), "/ 3.75 * 100") {
		t.Errorf("CPU panel is not per LiveKit's 3.75 vCPUs: %s", b)
	}
}
