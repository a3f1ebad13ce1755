package gcp_test

import (
	"strings"
	"testing"

	gcpc "github.com/livekit-infra/livekit-infra/components/gcp"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

const (
	tNamedPort  = "gcp:compute/instanceGroupNamedPort:InstanceGroupNamedPort"
	tHealthChk  = "gcp:compute/healthCheck:HealthCheck"
	tBackendSvc = "gcp:compute/backendService:BackendService"
	tSSLProxy   = "gcp:compute/targetSSLProxy:TargetSSLProxy"
	euTURN      = "turn.gcp-eu.example.com"
)

// TURN/TLS on GKE (#20), from the real Pulumi.gcp-eu.yaml: a global
// external proxy Network Load Balancer (target SSL proxy, TLS 1.2+,
// Certificate Manager certificate for the TURN name) on 443 of its own
// global IP, a TCP backend service on the LiveKit pool's instance groups
// through the named port of turnTlsPort, a TCP health check on that port,
// the port open to Google's proxies only, and the TURN name in Route 53.
func TestTURNProxy(t *testing.T) {
	p := stackPlan(t)
	hc := one(t, p, tHealthChk, "livekit-turn")
	expect(t, hc, map[string]any{"tcpHealthCheck.port": 5349})
	bs := one(t, p, tBackendSvc, "livekit-turn")
	expect(t, bs, map[string]any{
		"loadBalancingScheme": "EXTERNAL_MANAGED",
		"protocol":            "TCP",
		"portName":            gcpc.TURNPortName,
		"timeoutSec":          gcpc.TURNIdleTimeoutSec,
		"healthChecks":        hc.ID,
	})
	// The backends are the pool's instance groups (the mock's pool has one
	// per zone of three), not their managers.
	var groups []string
	for _, b := range input(t, bs, "backends").([]any) {
		groups = append(groups, b.(map[string]any)["group"].(string))
	}
	if len(groups) != gcpc.PoolZones {
		t.Fatalf("backends %v, want the pool's %d instance groups", groups, gcpc.PoolZones)
	}
	for _, g := range groups {
		if !strings.Contains(g, "/instanceGroups/gke-") {
			t.Errorf("backend %q is not a GKE instance group", g)
		}
	}
	named := p.ByType(tNamedPort)
	if len(named) != gcpc.PoolZones {
		t.Fatalf("%d named ports, want one per instance group (%d)", len(named), gcpc.PoolZones)
	}
	for i, np := range named {
		expect(t, &np, map[string]any{"name": gcpc.TURNPortName, "port": 5349})
		g := np.InputString("group")
		if !contains(groups, g) {
			t.Errorf("named port %d on %q, not one of the pool's groups %v", i, g, groups)
		}
		if z := np.InputString("zone"); !strings.Contains(g, "/zones/"+z+"/") {
			t.Errorf("named port %d: zone %q does not hold group %s", i, z, g)
		}
	}

	cert := one(t, p, tCert, "livekit-turn")
	if d := strs(input(t, cert, "managed.domains")); len(d) != 1 || d[0] != euTURN {
		t.Errorf("TURN certificate domains = %v, want [%s]", d, euTURN)
	}
	cmap := one(t, p, tCertMap, "livekit-turn")
	proxy := one(t, p, tSSLProxy, "livekit-turn")
	expect(t, proxy, map[string]any{
		"backendService": bs.ID,
		"certificateMap": "//certificatemanager.googleapis.com/" + cmap.ID,
	})
	policy := one(t, p, tSSLPolicy, "livekit-signal")
	expect(t, policy, map[string]any{"minTlsVersion": "TLS_1_2"})
	expect(t, proxy, map[string]any{"sslPolicy": policy.ID})

	ip := one(t, p, tGlobalAddr, "livekit-turn")
	if !ip.Protect {
		t.Error("the TURN IP (in DNS and clients' caches) is not protected")
	}
	fr := one(t, p, tFwdRule, "livekit-turn")
	expect(t, fr, map[string]any{
		"portRange": "443", "ipProtocol": "TCP", "loadBalancingScheme": "EXTERNAL_MANAGED", "target": proxy.ID,
	})
	addr := fr.InputString("ipAddress")
	if addr == "" || addr == one(t, p, tGlobalAddr, "livekit-signal").ID {
		t.Errorf("TURN forwarding rule address %q", addr)
	}

	rec := planq.Record(t, p, euTURN)
	expect(t, rec, map[string]any{"type": "A", "records": []any{addr}})

	// The pods listen on the TURN port (a host port of the chart) with
	// TLS ended at the proxy; the config says so to LiveKit.
	chart := one(t, p, tChart, "livekit")
	expect(t, chart, map[string]any{
		"values.livekit.turn.tls_port": 5349, "values.livekit.turn.external_tls": true,
		"values.livekit.turn.loadBalancerType": "disable",
	})
	body := lkcheck.SecretInput(t, one(t, p, "kubernetes:core/v1:Secret", "livekit-config"), `stringData["config.yaml"]`)
	lkcheck.CheckTURNOverTLS(t, p, body, euTURN, 5349)
}
