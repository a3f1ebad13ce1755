package aws_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
)

// Egress's metrics join the region's scrape (#22 item 4, #18): an ADOT
// sidecar in each Egress task scrapes the rendered prometheus_port on
// localhost as job livekit-egress (the Egress rules' selector) and
// remote-writes, SigV4-signed with the Egress task role, to the region's
// workspace. A job in the LiveKit tasks' collectors could not find the
// Egress tasks (their addresses change with every task), so no security
// group opens 9090: the Egress group admits nothing (TestEgressSecurityGroup).
// The sidecar itself is checked as the LiveKit tasks' (checkCollectorSidecar).
func TestEgressCollectorSidecar(t *testing.T) {
	p := prod(t)
	defs := egressContainers(t, p)
	if !defs[0].Essential {
		t.Error("Egress must be essential (its task stops with it)")
	}
	// The target is the port the rendered Egress config serves metrics on.
	_, egressCfg := egressConfigOf(t, p)
	job := checkCollectorSidecar(t, p, defs[1], child(t, p, tEgress, tParameter, "-collector"), observability.JobEgress, egressCfg.PrometheusPort)
	if len(job.MetricRelabelConfigs) != 1 || job.MetricRelabelConfigs[0].Regex != observability.CollectorKeep {
		t.Errorf("metric relabelling %+v, want the collector's keep rule (Egress's Go runtime series dropped)", job.MetricRelabelConfigs)
	}

	ws := child(t, p, tPrometheus, tWorkspace, "")
	// The Egress task role may remote-write to that workspace and nothing
	// more; the recordings grant stays its own policy.
	var doc policyDoc
	jsonInput(t, child(t, p, tEgress, tRolePolicy, "-task-metrics"), "policy", &doc)
	g := grants(t, "Egress task role (metrics)", doc)
	if len(g) != 1 || !slices.Equal(g["aps:RemoteWrite"], []string{workspaceArn(ws)}) {
		t.Errorf("Egress metrics grants %v, want aps:RemoteWrite on %s only", g, workspaceArn(ws))
	}
}

// The Egress task leaves Egress at least the 4 vCPU LiveKit recommends
// beside the collector's reservation; a region without Egress has no Egress
// collector.
func TestEgressCollectorSize(t *testing.T) {
	p := prod(t)
	td := child(t, p, tEgress, tTaskDef, "")
	var defs []struct {
		Name   string
		CPU    int `json:"cpu"`
		Memory int `json:"memory"`
	}
	jsonInput(t, td, "containerDefinitions", &defs)
	cpu, _ := strconv.Atoi(str(t, td, "cpu"))
	if defs[1].CPU != observability.CollectorCPU || defs[1].Memory != observability.CollectorMemoryMiB || defs[0].CPU != 0 {
		t.Errorf("containers %+v: the collector reserves %d/%d, Egress takes the rest of the task", defs, observability.CollectorCPU, observability.CollectorMemoryMiB)
	}
	if cpu < 4096 {
		t.Errorf("Egress task CPU %d", cpu)
	}
	for _, r := range variantPlan(t, "noEgress").ByType(tParameter) {
		if strings.Contains(r.Name, "egress") {
			t.Errorf("egress false still declares %s", r.Name)
		}
	}
}
