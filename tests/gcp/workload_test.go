package gcp_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// renderedConfig returns the LiveKit config the pods read, and its parse:
// the Secret's config.yaml (kubernetes:core/v1:Secret "livekit-config",
// stringData["config.yaml"]), which must be a Pulumi secret.
func renderedConfig(t *testing.T, p *plan.Plan) (string, lkcheck.Config) {
	t.Helper()
	body := lkcheck.KubernetesSecretField("livekit-config", "config.yaml")(t, p)
	return body, lkcheck.ParseConfig(t, body)
}

func TestRenderedConfigUsesMemorystoreCA(t *testing.T) {
	p := stackPlan(t)
	_, c := renderedConfig(t, p)
	if !c.RedisTLS() || c.Redis.TLS.CACertFile != "/etc/livekit/redis-ca.pem" {
		t.Errorf("redis.tls = %+v, want enabled with the mounted Memorystore CA /etc/livekit/redis-ca.pem", c.Redis.TLS)
	}
	if c.Redis.UseTLS != nil {
		t.Error("deprecated use_tls is set: it trusts only system roots")
	}
	if addr := c.Redis.Address; !strings.HasSuffix(addr, ":6378") || strings.Contains(addr, "://") {
		t.Errorf("redis.address = %q, want host:6378 (Memorystore's TLS port), not a URL", addr)
	}
	if pw := c.Redis.Password; len(pw) < 16 {
		t.Errorf("redis.password = %q, want Memorystore's AUTH string", pw)
	}
	if rtc := c.RTC; !rtc.UseExternalIP || rtc.PortRangeStart != 50000 || rtc.PortRangeEnd != 60000 || rtc.TCPPort != 7881 {
		t.Errorf("rtc = %+v", rtc)
	}
	if c.Region != euRegion || c.Port != 7880 {
		t.Errorf("region/port = %v/%v", c.Region, c.Port)
	}

	// The CA file the config names is in the same Secret, with the CA
	// Memorystore reports.
	sec := one(t, p, tK8sSecret, "livekit-config")
	ca, _ := sec.RawInput(`stringData["redis-ca.pem"]`)
	if ca != plan.FakeMemorystoreCA+"\n" {
		t.Errorf("Secret redis-ca.pem = %q, want Memorystore's server CA", ca)
	}
	for _, k := range []string{`stringData["config.yaml"]`, `stringData["redis-ca.pem"]`} {
		if !sec.IsSecret(k) {
			t.Errorf("Secret %s is not a Pulumi secret", k)
		}
	}
}

func TestChartValues(t *testing.T) {
	p := stackPlan(t)
	chart := one(t, p, tChart, "livekit")
	expect(t, chart, map[string]any{
		"chart":               "livekit-server",
		"version":             "1.9.0",
		"repositoryOpts.repo": "https://helm.livekit.io",
		"name":                "livekit",
		"namespace":           "livekit",

		"values.podHostNetwork":                             true,
		"values.image.repository":                           gcpMirror + "/livekit/livekit-server",
		"values.image.tag":                                  "v1.13.5",
		"values.terminationGracePeriodSeconds":              18000,
		"values.fullnameOverride":                           "livekit-server",
		"values.autoscaling.enabled":                        true,
		"values.autoscaling.minReplicas":                    3,
		"values.autoscaling.maxReplicas":                    10,
		"values.autoscaling.targetCPUUtilizationPercentage": 70,
		"values.resources.requests.cpu":                     "3",
		"values.resources.requests.memory":                  "8Gi",
		"values.resources.limits.memory":                    "8Gi",
		"values.livekit.prometheus_port":                    6789,
		"values.livekit.port":                               7880,
		"values.livekit.rtc.tcp_port":                       7881,
		"values.livekit.rtc.port_range_start":               50000,
		"values.livekit.rtc.port_range_end":                 60000,
		"values.loadBalancer.type":                          "disable",
		"values.storeKeysInSecret.enabled":                  false,
		`values.nodeSelector["livekit-infra/role"]`:         "media",
		"values.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey": "kubernetes.io/hostname",
		`values.podAnnotations["cluster-autoscaler.kubernetes.io/safe-to-evict"]`:                       "false",
		"values.deploymentStrategy.rollingUpdate.maxUnavailable":                                        0,
	})
	if g, _ := chart.Input("values.terminationGracePeriodSeconds"); g.(int) < 3600 {
		t.Errorf("grace period %v is too short for rooms to drain", g)
	}
	// The node selector matches the LiveKit pool's label.
	pool := one(t, p, tNodePool, "livekit-media")
	if pool.InputString(`nodeConfig.labels["livekit-infra/role"]`) != chart.InputString(`values.nodeSelector["livekit-infra/role"]`) {
		t.Error("chart node selector does not match the node pool label")
	}

	// Secrets are referenced (the Secret), never inlined in the values.
	raw, c := renderedConfig(t, p)
	values := jsonOf(t, chart.RawInputs)
	if len(c.Keys) != 1 {
		t.Fatalf("rendered config has %d API keys", len(c.Keys))
	}
	for k, v := range c.Keys {
		if strings.Contains(values, v) {
			t.Error("the API secret is in the chart values")
		}
		if len(v) < 32 {
			t.Errorf("API secret for %s is %d characters", k, len(v))
		}
	}
	if strings.Contains(values, c.Redis.Password) {
		t.Error("the Memorystore AUTH string is in the chart values")
	}
	if strings.Contains(values, "BEGIN CERTIFICATE") || strings.Contains(values, raw) {
		t.Error("the config or CA is in the chart values")
	}
	for _, k := range []string{"keys", "redis", "key_file"} {
		if _, ok := chart.Input("values.livekit." + k); ok {
			t.Errorf("values.livekit.%s is set: the chart would write it into a ConfigMap", k)
		}
	}
	if len(chart.SecretPaths) != 0 {
		t.Errorf("chart inputs hold secrets at %v", chart.SecretPaths)
	}
}

func TestWorkloadOnTheClusterProvider(t *testing.T) {
	p := stackPlan(t)
	prov := only(t, p, tK8sProvider)
	kc, _ := prov.RawInput("kubeconfig")
	kcs, _ := kc.(string)
	if !strings.Contains(kcs, `"command":"gke-gcloud-auth-plugin"`) || !strings.Contains(kcs, `"server":"https://34.76.`) || !strings.Contains(kcs, "certificate-authority-data") {
		t.Errorf("kubeconfig does not target the cluster with gke-gcloud-auth-plugin: %s", kcs)
	}
	if strings.Contains(kcs, "token") || strings.Contains(kcs, "client-key") {
		t.Error("kubeconfig carries credentials")
	}
	for _, typ := range []string{tChart, tK8sSecret, tK8sService, tK8sNamespace, tPDB, tGateway, tHTTPRoute, tBackendPol, tHealthPol, tGatewayPol, tPodMonitor} {
		for _, r := range p.ByType(typ) {
			if providerURN(r.Provider) != prov.URN {
				t.Errorf("%s %s uses provider %q, want the cluster's %q", typ, r.Name, r.Provider, prov.URN)
			}
		}
	}
	if !contains(prov.Dependencies, one(t, p, tNodePool, "livekit-media").URN) {
		t.Error("the kubernetes provider does not wait for the node pool")
	}
}

func TestPodDisruptionBudgetAndService(t *testing.T) {
	p := stackPlan(t)
	pdb := only(t, p, tPDB)
	expect(t, pdb, map[string]any{
		"spec.maxUnavailable": 1,
		`spec.selector.matchLabels["app.kubernetes.io/name"]`:     "livekit-server",
		`spec.selector.matchLabels["app.kubernetes.io/instance"]`: "livekit",
		"metadata.namespace": "livekit",
	})
	svc := only(t, p, tK8sService)
	expect(t, svc, map[string]any{
		"metadata.name":            "livekit-signal",
		"spec.type":                "ClusterIP",
		"spec.ports[0].port":       7880,
		"spec.ports[0].targetPort": 7880,
		`spec.selector["app.kubernetes.io/instance"]`: "livekit",
	})
	if ports, _ := svc.Input("spec.ports"); len(ports.([]any)) != 1 {
		t.Errorf("signaling Service exposes %d ports, want only 7880", len(ports.([]any)))
	}
}

// An image pinned by digest (#17 item 15) is accepted: the chart gets the
// repository (its "repository:tag" cannot carry a digest) and the
// Deployment transform sets the exact reference (components/kubernetes
// tests). Before, the workload refused any "@".
func TestImageByDigest(t *testing.T) {
	for _, image := range []string{
		"livekit/livekit-server@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"livekit/livekit-server:v1.13.5@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	} {
		p, err := euStack.With(map[string]string{"image": image})
		if err != nil {
			t.Errorf("image %s: %v", image, err)
			continue
		}
		chart := one(t, p, "kubernetes:helm.sh/v4:Chart", "livekit")
		if got := chart.InputString("values.image.repository"); got != gcpMirror+"/livekit/livekit-server" {
			t.Errorf("image %s: chart repository %q", image, got)
		}
	}
}
