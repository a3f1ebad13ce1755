package observability

import (
	"reflect"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
)

// An AMP remote-write URL as the global stack's centralMetrics output gives
// it, and a region's writer role.
const (
	centralURL = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/api/v1/remote_write"
	writerRole = "arn:aws:iam::123456789012:role/livekit-metrics-write-gcp-eu"
)

// Every committed region renders a remote write to the central view that
// promtool accepts: as an agent in its cluster (GKE, AKS) and as a
// regional Prometheus that also evaluates the rules.
func TestPromtoolCheckCentralRemoteWrite(t *testing.T) {
	for _, stack := range regionStacks {
		r := stackRegion(t, stack)
		// Static targets: Debian's promtool is built without Kubernetes
		// service discovery (the agent's pod job in a cluster).
		jobs, err := observability.ScrapeConfigs(observability.Targets{Metrics: []string{"10.0.0.1:6789"}})
		if err != nil {
			t.Fatal(err)
		}
		agent, err := r.AgentPrometheus(jobs, observability.Central{URL: centralURL, RoleARN: writerRole})
		if err != nil {
			t.Fatal(err)
		}
		regionalCfg, err := r.RegionalPrometheusWriting(observability.Targets{Metrics: []string{"10.0.0.1:6789"}}, "", observability.Central{URL: centralURL, RoleARN: writerRole, AssumeRole: true})
		if err != nil {
			t.Fatal(err)
		}
		for name, cfg := range map[string]observability.PrometheusConfig{"agent": agent, "regional": regionalCfg} {
			if !reflect.DeepEqual(cfg.Global.ExternalLabels, r.Labels()) {
				t.Errorf("%s %s: external labels %v, want %v (every series labelled)", stack, name, cfg.Global.ExternalLabels, r.Labels())
			}
			body, err := observability.MarshalYAML(cfg)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFile(t, dir, "prometheus.yml", body)
			if out, err := runPromtool(t, dir, "check", "config", "prometheus.yml"); err != nil {
				t.Errorf("%s %s: promtool check config: %v\n%s\n%s", stack, name, err, out, body)
			}
			for _, want := range []string{"url: " + centralURL, "region: us-east-1", "stack: " + stack, "cloud: " + r.Cloud, "region: " + r.Region} {
				if !strings.Contains(body, want) {
					t.Errorf("%s %s config lacks %q:\n%s", stack, name, want, body)
				}
			}
		}
		// A web identity signs as its writer role; an AWS collector assumes it.
		if agent.RemoteWrite[0].SigV4.RoleARN != "" || regionalCfg.RemoteWrite[0].SigV4.RoleARN != writerRole {
			t.Errorf("%s: role_arn agent %q, regional %q", stack, agent.RemoteWrite[0].SigV4.RoleARN, regionalCfg.RemoteWrite[0].SigV4.RoleARN)
		}
	}
}

// promtool refuses a broken remote write (an unknown field), so the check
// above can fail.
func TestPromtoolCheckRemoteWriteCanFail(t *testing.T) {
	r := stackRegion(t, "gcp-eu")
	cfg, err := r.RegionalPrometheusWriting(observability.Targets{Metrics: []string{"10.0.0.1:6789"}}, "", observability.Central{URL: centralURL, RoleARN: writerRole})
	if err != nil {
		t.Fatal(err)
	}
	body, err := observability.MarshalYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(body, "sigv4:", "sigv5:", 1)
	dir := t.TempDir()
	writeFile(t, dir, "prometheus.yml", broken)
	if out, err := runPromtool(t, dir, "check", "config", "prometheus.yml"); err == nil {
		t.Errorf("promtool accepted %q:\n%s", "sigv5", out)
	}
}

// The renderer refuses what would leak or misroute the region's series.
func TestCentralRemoteWriteRefusals(t *testing.T) {
	for _, c := range []struct {
		c    observability.Central
		want string
	}{
		{observability.Central{URL: "https://example.com/api/v1/write", RoleARN: writerRole}, "not an AMP workspace"},
		{observability.Central{URL: strings.Replace(centralURL, "https", "http", 1), RoleARN: writerRole}, "not an AMP workspace"},
		{observability.Central{URL: centralURL}, "writer role"},
		{observability.Central{URL: "http://10.0.0.5:9090/api/v1/write", Unsigned: true}, "loopback"},
	} {
		if _, err := c.c.RemoteWrite(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.c, err, c.want)
		}
	}
	rw, err := observability.Central{URL: centralURL, RoleARN: writerRole}.RemoteWrite()
	if err != nil {
		t.Fatal(err)
	}
	if len(rw.WriteRelabelConfigs) != 1 || rw.WriteRelabelConfigs[0].Action != "keep" || rw.WriteRelabelConfigs[0].Regex != observability.CentralKeep {
		t.Errorf("write relabel %+v, want the central keep rule", rw.WriteRelabelConfigs)
	}
}
