package e2e

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The extractors for Kubernetes-based regions (GKE, AKS) have no row yet;
// these synthetic plans show they find what they must and refuse what they
// must, so adding a row does not start with untested code.

func syntheticResource(typ, name string, raw map[string]any, secretPaths ...string) plan.Resource {
	return plan.Resource{Type: typ, Name: name, Custom: true, RawInputs: raw, Inputs: raw, SecretPaths: secretPaths}
}

func TestKubernetesSecretField(t *testing.T) {
	const cfg = "port: 7880\n"
	src := kubernetesSecretField("livekit-config", "config.yaml")
	for name, tc := range map[string]struct {
		res     plan.Resource
		want    string
		wantErr string
	}{
		"stringData": {
			res:  syntheticResource("kubernetes:core/v1:Secret", "livekit-config", map[string]any{"stringData": map[string]any{"config.yaml": cfg}}, "stringData"),
			want: cfg,
		},
		"base64 data": {
			res:  syntheticResource("kubernetes:core/v1:Secret", "livekit-config", map[string]any{"data": map[string]any{"config.yaml": base64.StdEncoding.EncodeToString([]byte(cfg))}}, `data["config.yaml"]`),
			want: cfg,
		},
		"not a secret": {
			res:     syntheticResource("kubernetes:core/v1:Secret", "livekit-config", map[string]any{"stringData": map[string]any{"config.yaml": cfg}}),
			wantErr: "not a Pulumi secret",
		},
		"other key": {
			res:     syntheticResource("kubernetes:core/v1:Secret", "livekit-config", map[string]any{"stringData": map[string]any{"other": cfg}}, "stringData"),
			wantErr: "neither stringData nor data",
		},
		"other secret": {
			res:     syntheticResource("kubernetes:core/v1:Secret", "other", map[string]any{"stringData": map[string]any{"config.yaml": cfg}}, "stringData"),
			wantErr: "found 0",
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := src.Find(&plan.Plan{Resources: []plan.Resource{tc.res}})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestHealthCheckExtractors(t *testing.T) {
	p := &plan.Plan{Resources: []plan.Resource{
		syntheticResource("kubernetes:apps/v1:Deployment", "livekit", map[string]any{
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{
					"name":           "livekit-server",
					"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/", "port": 7880}},
					"livenessProbe":  map[string]any{"httpGet": map[string]any{"path": "/health", "port": "http"}},
					"startupProbe":   map[string]any{"tcpSocket": map[string]any{"port": 7880}},
				},
			}}}},
		}),
		syntheticResource("aws:route53/healthCheck:HealthCheck", "eu", map[string]any{"type": "HTTPS", "resourcePath": "/", "port": 443}),
		syntheticResource("aws:route53/healthCheck:HealthCheck", "calc", map[string]any{"type": "CALCULATED"}),
		syntheticResource("kubernetes:networking.gke.io/v1:HealthCheckPolicy", "livekit-health-check", map[string]any{
			"spec": map[string]any{"default": map[string]any{"config": map[string]any{
				"type": "HTTP", "httpHealthCheck": map[string]any{"port": 7880, "requestPath": "/"},
			}}},
		}),
	}}

	gke, err := gkeHealthCheckPolicies(p)
	if err != nil || len(gke) != 1 || gke[0].Path != "/" || gke[0].Port != 7880 {
		t.Fatalf("GKE health check policies = %+v, %v; want GET / on 7880", gke, err)
	}
	tcp := &plan.Plan{Resources: []plan.Resource{syntheticResource("kubernetes:networking.gke.io/v1:HealthCheckPolicy", "x", map[string]any{
		"spec": map[string]any{"default": map[string]any{"config": map[string]any{"type": "TCP"}}},
	})}}
	if _, err := gkeHealthCheckPolicies(tcp); err == nil {
		t.Error("a TCP HealthCheckPolicy was accepted: it would keep a node without Redis (406) in service")
	}

	probes, err := kubernetesProbes(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(probes) != 2 {
		t.Fatalf("probes = %+v, want the two httpGet probes", probes)
	}
	byPath := map[string]healthCheck{}
	for _, hc := range probes {
		byPath[hc.Path] = hc
	}
	if hc := byPath["/"]; hc.Port != 7880 || !strings.Contains(hc.Source, "readinessProbe") {
		t.Errorf("readiness probe = %+v", hc)
	}
	if hc := byPath["/health"]; hc.Port != 0 || !strings.Contains(hc.Source, "livenessProbe") {
		t.Errorf("liveness probe (named port) = %+v", hc)
	}

	r53, err := route53HealthChecks(p)
	if err != nil || len(r53) != 1 || r53[0].Path != "/" || r53[0].Port != 0 {
		t.Fatalf("route 53 checks = %+v, %v; want the HTTPS one on / without a node port", r53, err)
	}

	// A region whose probes use /health is refused before anything boots.
	rs := regionStack{Stack: "synthetic", HealthChecks: []healthCheckSource{
		{Name: "Kubernetes probes", Required: true, Extract: kubernetesProbes},
		{Name: "ALB target group health check", Required: true, Extract: albTargetGroupChecks},
	}}
	_, err = regionHealthChecks(rs, p)
	if err == nil || !strings.Contains(err.Error(), `"/health" is a 404`) || !strings.Contains(err.Error(), "ALB target group health check: the plan declares none") {
		t.Fatalf("regionHealthChecks: %v; want the /health probe and the missing ALB check reported", err)
	}
}

func TestMatcherAccepts(t *testing.T) {
	for m, want := range map[string]bool{"200": true, "200,202": true, "200-299": true, "201-299": false, "404": false, "": false} {
		if got := matcherAccepts(m, 200); got != want {
			t.Errorf("matcherAccepts(%q, 200) = %v, want %v", m, got, want)
		}
	}
}
