package gcp_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Audit logs (#17 item 10): the subnet's flow logs and GKE's control-plane
// logs, each behind its switch, kept logRetentionDays in a log bucket of
// the region.
const (
	tAuditLogs  = "livekit-infra:index:AuditLogs"
	tLogBucket  = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
	tLogSink    = "gcp:logging/projectSink:ProjectSink"
	gcpProject  = "my-livekit-project"
	gcpRegionEU = "europe-west1"
)

func TestSubnetFlowLogs(t *testing.T) {
	p := stackPlan(t)
	subnet := only(t, p, tSubnet)
	expect(t, subnet, map[string]any{
		"logConfig.aggregationInterval": "INTERVAL_5_SEC",
		"logConfig.flowSampling":        0.5,
		"logConfig.metadata":            "INCLUDE_ALL_METADATA",
	})
}

func TestControlPlaneLogging(t *testing.T) {
	p := stackPlan(t)
	got := strs(input(t, only(t, p, tCluster), "loggingConfig.enableComponents"))
	for _, c := range []string{"APISERVER", "SCHEDULER", "CONTROLLER_MANAGER", "SYSTEM_COMPONENTS", "WORKLOADS"} {
		if !contains(got, c) {
			t.Errorf("loggingConfig.enableComponents %v lacks %s", got, c)
		}
	}
}

func TestAuditLogBucketAndSink(t *testing.T) {
	for _, c := range []struct {
		days string
		want int
	}{{"", 30}, {"400", 400}} {
		p := stackPlan(t)
		if c.days != "" {
			var err error
			if p, err = euStack.With(map[string]string{"logRetentionDays": c.days}); err != nil {
				t.Fatal(err)
			}
		}
		bucket := only(t, p, tLogBucket)
		if !descendantOf(p, bucket, tAuditLogs) {
			t.Errorf("log bucket %s is not part of the AuditLogs component", bucket.Name)
		}
		expect(t, bucket, map[string]any{
			"project":       gcpProject,
			"location":      gcpRegionEU,
			"retentionDays": c.want,
		})
		sink := only(t, p, tLogSink)
		bucketName := fmt.Sprintf("projects/%s/locations/%s/buckets/%s", gcpProject, gcpRegionEU, input(t, bucket, "bucketId"))
		expect(t, sink, map[string]any{"destination": "logging.googleapis.com/" + bucketName, "project": gcpProject})
		filter, _ := input(t, sink, "filter").(string)
		subnet := only(t, p, tSubnet)
		cluster := only(t, p, tCluster)
		for _, w := range []string{
			`log_id("compute.googleapis.com/vpc_flows")`, `resource.type="gce_subnetwork"`,
			// The mocks name an autonamed resource by its logical name.
			fmt.Sprintf("resource.labels.subnetwork_name=%q", subnet.Name),
			`resource.type="k8s_control_plane_component"`,
			fmt.Sprintf("resource.labels.cluster_name=%q", cluster.Name),
			fmt.Sprintf("resource.labels.location=%q", gcpRegionEU),
		} {
			if !strings.Contains(filter, w) {
				t.Errorf("sink filter lacks %s:\n%s", w, filter)
			}
		}
		for _, dep := range []string{subnet.URN, cluster.URN, bucket.URN} {
			if !slices.Contains(sink.Dependencies, dep) {
				t.Errorf("the sink does not depend on %s: its filter or destination must name it", dep)
			}
		}
		// Same-project log bucket: Cloud Logging authorizes the sink, so no
		// grant may name its writer identity.
		for _, m := range p.ByType(tIAMMember) {
			if strings.Contains(m.InputString("member"), "gcp-sa-logging") {
				t.Errorf("IAM member %s grants the sink's writer identity %s", m.Name, m.InputString("role"))
			}
		}
	}
}

func TestAuditLogSwitches(t *testing.T) {
	p, err := euStack.With(map[string]string{"flowLogs": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if _, set := only(t, p, tSubnet).Input("logConfig"); set {
		t.Errorf("flowLogs false still sets the subnet's logConfig")
	}
	if f := only(t, p, tLogSink).InputString("filter"); strings.Contains(f, "vpc_flows") || !strings.Contains(f, "k8s_control_plane_component") {
		t.Errorf("flowLogs false: sink filter %q", f)
	}

	p, err = euStack.With(map[string]string{"controlPlaneLogs": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strs(input(t, only(t, p, tCluster), "loggingConfig.enableComponents")); contains(got, "APISERVER") {
		t.Errorf("controlPlaneLogs false still logs %v", got)
	}
	if f := only(t, p, tLogSink).InputString("filter"); strings.Contains(f, "k8s_control_plane_component") {
		t.Errorf("controlPlaneLogs false: sink filter %q", f)
	}

	p, err = euStack.With(map[string]string{"flowLogs": "false", "controlPlaneLogs": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.ByType(tLogBucket)) + len(p.ByType(tLogSink)); n != 0 {
		t.Errorf("every log class off still declares %d log buckets and sinks", n)
	}
}
