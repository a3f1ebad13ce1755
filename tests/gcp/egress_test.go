package gcp_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/egresskeys"
)

const (
	tEgress       = "livekit-infra:index:Egress"
	tSAIAMMember  = "gcp:serviceaccount/iAMMember:IAMMember"
	egressNS      = "livekit-egress"
	egressKSA     = "egress"
	egressCAPath  = "/etc/egress/redis-ca.pem"
	egressMachine = "n2-standard-8"
)

// egressSecret is the Egress config Secret: the config (and Memorystore's
// CA) as Pulumi secrets.
func egressSecret(t *testing.T, p *plan.Plan) (*plan.Resource, string, egresskeys.Config) {
	t.Helper()
	sec := one(t, p, tK8sSecret, "livekit-egress-config")
	if !descendantOf(p, sec, tEgress) {
		t.Errorf("the Egress config Secret is not part of the Egress component")
	}
	for _, k := range []string{`stringData["config.yaml"]`, `stringData["redis-ca.pem"]`} {
		if !sec.IsSecret(k) {
			t.Errorf("Egress Secret %s is not a Pulumi secret", k)
		}
	}
	raw, ok := sec.RawInput(`stringData["config.yaml"]`)
	if !ok {
		t.Fatal("the Egress Secret has no config.yaml")
	}
	c := egresskeys.Read(t, raw.(string))
	return sec, raw.(string), c
}

// gcp-eu runs Egress: the config lives in a Kubernetes Secret (a Pulumi
// secret), every rendered key is one Egress v1.14.1 reads, Redis is
// Memorystore over TLS with its CA mounted from the same Secret, and GCS
// is written with Workload Identity (no credentials_json).
func TestEgressConfigSecret(t *testing.T) {
	p := stackPlan(t)
	sec, _, c := egressSecret(t, p)
	if got := sec.InputString("metadata.namespace"); got != egressNS {
		t.Errorf("Egress Secret namespace %q, want %q", got, egressNS)
	}

	_, lk := renderedConfig(t, p)
	if lk.Keys[c.APIKey] != c.APISecret || c.APIKey == "" {
		t.Errorf("Egress signs with %q, which the servers do not accept", c.APIKey)
	}
	if c.WSURL != "wss://"+euHostname {
		t.Errorf("ws_url %q, want wss://%s", c.WSURL, euHostname)
	}
	if c.Redis.Address != lk.Redis.Address || c.Redis.Password != lk.Redis.Password || c.Redis.Password == "" {
		t.Errorf("Egress redis %s, want the servers' Memorystore %v with its AUTH string", c.Redis.Address, lk.Redis.Address)
	}
	if !c.Redis.TLS.Enabled || c.Redis.TLS.CACertFile != egressCAPath {
		t.Errorf("Egress redis TLS %+v, want enabled with Memorystore's CA at %s", c.Redis.TLS, egressCAPath)
	}
	if ca, _ := sec.RawInput(`stringData["redis-ca.pem"]`); ca != plan.FakeMemorystoreCA+"\n" {
		t.Errorf("Egress Secret redis-ca.pem = %q, want Memorystore's server CA", ca)
	}
	bucket, _ := p.Outputs["recordingsBucket"].(string)
	gcs := c.Storage["gcp"]
	if len(c.Storage) != 1 || gcs == nil || gcs["bucket"] != bucket || bucket == "" {
		t.Errorf("storage %v, want only gcp.bucket %q", c.Storage, bucket)
	}
	if _, ok := gcs["credentials_json"]; ok {
		t.Error("storage.gcp has credentials_json: Egress must use Workload Identity")
	}
	if c.HealthPort != livekit.EgressHealthPort || c.PrometheusPort != livekit.EgressPrometheusPort {
		t.Errorf("health/prometheus ports %d/%d", c.HealthPort, c.PrometheusPort)
	}

	// Nothing secret reaches the chart's values (its ConfigMap).
	chart := one(t, p, tChart, "livekit-egress")
	values := jsonOf(t, chart.RawInputs)
	for _, s := range []string{c.APISecret, c.Redis.Password} {
		if strings.Contains(values, s) {
			t.Errorf("the egress chart's inputs contain a secret")
		}
	}
}

// The official egress chart, pinned, in its own namespace, on the Egress
// pool (node selector + toleration), sized as configured, autoscaled
// within egressMin/MaxInstances, with the health and metrics ports.
func TestEgressChart(t *testing.T) {
	p := stackPlan(t)
	chart := one(t, p, tChart, "livekit-egress")
	expect(t, chart, map[string]any{
		"chart":               "egress",
		"version":             "1.9.0",
		"repositoryOpts.repo": "https://helm.livekit.io",
		"name":                "egress",
		"namespace":           egressNS,

		"values.autoscaling.enabled":                        true,
		"values.autoscaling.minReplicas":                    1,
		"values.autoscaling.maxReplicas":                    4,
		"values.autoscaling.targetCPUUtilizationPercentage": 60,
		"values.resources.requests.cpu":                     "4",
		"values.resources.requests.memory":                  "8Gi",
		"values.resources.limits.memory":                    "8Gi",
		"values.egress.health_port":                         livekit.EgressHealthPort,
		"values.egress.prometheus_port":                     livekit.EgressPrometheusPort,
		`values.nodeSelector["livekit-infra/role"]`:         "egress",
		"values.tolerations[0].key":                         "livekit-infra/egress",
		"values.tolerations[0].effect":                      "NoSchedule",
		"values.serviceAccount.create":                      true,
		"values.serviceAccount.name":                        egressKSA,
	})
	if g, _ := chart.Input("values.terminationGracePeriodSeconds"); g.(int) < 600 {
		t.Errorf("grace period %v cuts recordings short", g)
	}
	// By digest through the region's Artifact Registry mirror.
	img := chart.InputString("values.image.repository") + ":" + chart.InputString("values.image.tag")
	if want := gcpMirror + "/livekit/egress:" + livekit.EgressVersion + "@" + livekit.EgressImageDigest; img != want {
		t.Errorf("egress chart image %q, want %q", img, want)
	}
	// The pool the selector names carries the taint the pods tolerate.
	pool := one(t, p, tNodePool, "livekit-egress")
	if pool.InputString(`nodeConfig.labels["livekit-infra/role"]`) != "egress" {
		t.Error("the Egress pool lacks the label the chart selects")
	}
	expect(t, pool, map[string]any{
		"nodeConfig.taints[0].key":    "livekit-infra/egress",
		"nodeConfig.taints[0].value":  "true",
		"nodeConfig.taints[0].effect": "NO_SCHEDULE",
		"nodeConfig.machineType":      egressMachine,
		// One Egress pod per node: the pool scales with the pods.
		"autoscaling.totalMinNodeCount":          1,
		"autoscaling.totalMaxNodeCount":          4,
		"nodeConfig.workloadMetadataConfig.mode": "GKE_METADATA",
	})
	// GMP scrapes the metrics port of exactly the chart's pods.
	pm := one(t, p, tPodMonitor, "livekit-egress-metrics")
	expect(t, pm, map[string]any{
		"metadata.namespace":                                      egressNS,
		"spec.endpoints[0].port":                                  livekit.EgressPrometheusPort,
		"spec.endpoints[0].path":                                  "/metrics",
		`spec.selector.matchLabels["app.kubernetes.io/name"]`:     "egress",
		`spec.selector.matchLabels["app.kubernetes.io/instance"]`: "egress",
	})
	// The chart waits for its pool, on the cluster's provider.
	media := one(t, p, tChart, "livekit")
	if providerURN(chart.Provider) != providerURN(media.Provider) {
		t.Errorf("egress chart provider %q, want the cluster's %q", chart.Provider, media.Provider)
	}
}

// The Egress pool has private nodes (no public address, nothing from the
// internet can reach them) and no firewall rule admits the internet to
// its tag; the LiveKit pool keeps its public IPs.
func TestEgressNoInbound(t *testing.T) {
	p := stackPlan(t)
	pool := one(t, p, tNodePool, "livekit-egress")
	if v, _ := pool.Input("networkConfig.enablePrivateNodes"); v != true {
		t.Errorf("Egress pool enablePrivateNodes = %v, want true", v)
	}
	tags := strs(input(t, pool, "nodeConfig.tags"))
	if len(tags) != 1 {
		t.Fatalf("Egress pool tags %v, want one", tags)
	}
	for _, fw := range p.ByType(tFirewall) {
		if fw.InputString("direction") != "INGRESS" {
			continue
		}
		targets := strs(fw.RawInputs["targetTags"])
		if len(targets) == 0 || contains(targets, tags[0]) {
			t.Errorf("ingress rule %s reaches the Egress nodes (targets %v, sources %v)", fw.Name, targets, fw.RawInputs["sourceRanges"])
		}
	}
}

// Workload Identity: a Google service account bound to exactly the chart's
// Kubernetes service account, with object creation on the recordings bucket
// only, and no project role and no key.
func TestEgressWritesOnlyItsBucket(t *testing.T) {
	p := stackPlan(t)
	bucket, _ := p.Outputs["recordingsBucket"].(string)
	sa := one(t, p, tSA, "livekit-egress")
	email := sa.InputString("accountId") + "@" + euProject + ".iam.gserviceaccount.com"
	member := "serviceAccount:" + email
	var grants []string
	for _, g := range p.ByType(tBucketIAM) {
		if g.InputString("member") == member {
			grants = append(grants, g.InputString("bucket")+" "+g.InputString("role"))
		}
	}
	if want := []string{bucket + " roles/storage.objectCreator"}; !slices.Equal(grants, want) {
		t.Errorf("Egress bucket grants %v, want %v", grants, want)
	}
	for _, g := range p.ByType(tIAMMember) {
		if g.InputString("member") == member {
			t.Errorf("Egress has project role %s", g.InputString("role"))
		}
	}
	if n := len(p.ByType("gcp:serviceaccount/key:Key")); n != 0 {
		t.Errorf("%d service account keys: Egress needs none", n)
	}
	wi := one(t, p, tSAIAMMember, "livekit-egress-workload-identity")
	expect(t, wi, map[string]any{
		"role":   "roles/iam.workloadIdentityUser",
		"member": "serviceAccount:" + euProject + ".svc.id.goog[" + egressNS + "/" + egressKSA + "]",
	})
	chart := one(t, p, tChart, "livekit-egress")
	if got := chart.InputString(`values.serviceAccount.annotations["iam.gke.io/gcp-service-account"]`); got != email {
		t.Errorf("KSA annotation %q, want %q", got, email)
	}
}

// Egress's own errors name the key: a pod too small for LiveKit's
// recommendation, one too big for its node, bounds inverted.
func TestEgressSettingsErrors(t *testing.T) {
	for _, tc := range []struct {
		set  map[string]string
		want []string
	}{
		{map[string]string{"egressPodCpu": "2"}, []string{"livekit-infra:egressPodCpu", "at least 4"}},
		{map[string]string{"egressPodMemory": "2Gi"}, []string{"livekit-infra:egressPodMemory", "at least 4Gi"}},
		{map[string]string{"gcpEgressMachineType": "n2-standard-4"}, []string{"livekit-infra:egressPodCpu", "n2-standard-4"}},
		{map[string]string{"egressMinInstances": "5", "egressMaxInstances": "2"}, []string{"livekit-infra:egressMaxInstances", "egressMinInstances (5)"}},
		{map[string]string{"egressChartVersion": "^1.9"}, []string{"livekit-infra:egressChartVersion", "exact"}},
		{map[string]string{"egressImage": "livekit/egress:v1.14.1"}, []string{"livekit-infra:egressImage"}},
	} {
		_, err := euStack.With(tc.set)
		if err == nil {
			t.Errorf("%v: planned", tc.set)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error lacks %q:\n%v", tc.set, w, err)
			}
		}
	}
	// egress false: no Egress at all.
	p, err := euStack.With(map[string]string{"egress": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.ByType(tEgress)); n != 0 {
		t.Errorf("egress false still declares %d Egress", n)
	}
}
