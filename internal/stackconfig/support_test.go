package stackconfig

import (
	"strings"
	"testing"
	"time"
)

var testToday = supportDay("2026-12-06")

func warningsFor(values map[string]string, now time.Time) map[string]string {
	out := map[string]string{}
	for _, w := range SupportWarnings(values, now) {
		out[w.Key] += w.Text + "\n"
	}
	return out
}

// Every pinned version is checked against the dated table: past the end,
// within WarnDays, and unknown values are named with the key and the date.
func TestSupportWarnings(t *testing.T) {
	azure := map[string]string{Namespace + ":kind": "azure"}
	got := warningsFor(azure, testToday)
	// The defaults: AKS 1.36 (ends 2027-06-30) and cert-manager v1.21 are
	// fine today; Azure Cache for Redis creation is blocked for new tenants.
	if w := got[Namespace+":azureKubernetesVersion"]; w != "" {
		t.Errorf("default AKS version warned: %s", w)
	}
	if w := got[Namespace+":azureRedisSku"]; !strings.Contains(w, "ended on 2026-03-31") || !strings.Contains(w, "Azure Managed Redis") {
		t.Errorf("azureRedisSku warning %q, want the creation block for new tenants", w)
	}

	for _, tc := range []struct {
		key, value string
		now        time.Time
		want       []string // fragments; nil: no warning
	}{
		{"azureKubernetesVersion", "1.33", testToday, []string{"AKS Kubernetes 1.33 ended on 2026-07-31", "supported-kubernetes-versions"}},
		{"azureKubernetesVersion", "1.35.4", testToday, nil},
		{"azureKubernetesVersion", "1.35", supportDay("2027-01-15"), []string{"ends on 2027-03-31", "in 75 days"}},
		{"azureKubernetesVersion", "1.36", supportDay("2027-04-01"), []string{"ends on 2027-06-30", "in 90 days"}},
		{"azureKubernetesVersion", "1.36", supportDay("2027-03-31"), nil}, // 91 days before
		{"azureKubernetesVersion", "1.38", testToday, []string{"no support dates for 1.38"}},
		{"azureCertManagerChartVersion", "v1.18.2", testToday, []string{"cert-manager 1.18 ended on 2026-03-10"}},
		{"azureCertManagerChartVersion", "v1.21.2", supportDay("2027-02-01"), []string{"ends on 2027-03-31 (estimated)"}},
		{"azureTraefikChartVersion", "41.3.0", supportDay("2028-01-01"), []string{"no end of support known as of 2026-12-06", "re-check"}},
	} {
		v := map[string]string{Namespace + ":kind": "azure", Namespace + ":" + tc.key: tc.value}
		w := warningsFor(v, tc.now)[Namespace+":"+tc.key]
		if tc.want == nil && w != "" {
			t.Errorf("%s=%s on %s: unexpected warning %q", tc.key, tc.value, tc.now.Format("2006-01-02"), w)
		}
		for _, f := range tc.want {
			if !strings.Contains(w, f) {
				t.Errorf("%s=%s on %s: warning %q lacks %q", tc.key, tc.value, tc.now.Format("2006-01-02"), w, f)
			}
		}
	}

	aws := map[string]string{Namespace + ":kind": "aws", Namespace + ":awsRedisEngineVersion": "6.2"}
	if w := warningsFor(aws, testToday)[Namespace+":awsRedisEngineVersion"]; !strings.Contains(w, "ends on 2027-01-31, in 56 days") {
		t.Errorf("ElastiCache 6.2 warning %q", w)
	}
	if w := warningsFor(map[string]string{Namespace + ":kind": "aws"}, testToday); len(w) != 0 {
		t.Errorf("aws defaults warned: %v", w)
	}
	gcp := map[string]string{Namespace + ":kind": "gcp"}
	if w := warningsFor(gcp, testToday); len(w) != 0 {
		t.Errorf("gcp defaults (channel version, REDIS_7_2, chart 1.9.0) warned: %v", w)
	}
	gcp[Namespace+":gcpKubernetesVersion"] = "1.34.9-gke.1287000"
	if w := warningsFor(gcp, testToday)[Namespace+":gcpKubernetesVersion"]; !strings.Contains(w, "GKE 1.34 ended on 2026-10-01") {
		t.Errorf("GKE 1.34 warning %q", w)
	}
}

// Every table entry names a key of its kind, a source and a check date.
func TestSupportTableComplete(t *testing.T) {
	known := map[string]bool{}
	for _, ks := range supportKeys {
		for _, k := range ks {
			if _, ok := KeyByName(k); !ok {
				t.Errorf("supportKeys lists unknown key %s", k)
			}
			known[k] = true
		}
	}
	for _, s := range SupportTable {
		if !known[s.Key] || s.Source == "" || s.Checked.IsZero() || s.Match == "" || s.What == "" {
			t.Errorf("incomplete support entry %+v", s)
		}
	}
	// Every default of a checked key has an entry (a new default needs its
	// dates).
	for kind, ks := range supportKeys {
		for _, k := range ks {
			key, _ := KeyByName(k)
			if d, _ := key.Default.(string); d != "" {
				for _, w := range SupportWarnings(map[string]string{Namespace + ":kind": string(kind)}, testToday) {
					if w.Key == key.Full() && strings.Contains(w.Text, "no support dates") {
						t.Errorf("default %s=%s has no support dates", k, d)
					}
				}
			}
		}
	}
}

// AKS's documented example: 8 GB and 30 pods reserve 650 MB plus the 100Mi
// eviction threshold (node-resource-reservations); before 1.29, 25% of the
// first 4 GB and 20% of the next 4, plus 750Mi.
func TestReservations(t *testing.T) {
	cpu, mem := aksReserved(node{vcpus: 2, memMiB: 8192}, 30, 36)
	if cpu != 100 || mem != 620+100 {
		t.Errorf("AKS 1.36, 2 vCPU/8 GiB, 30 pods: %dm, %d MiB; want 100m, 720 MiB", cpu, mem)
	}
	if _, mem := aksReserved(node{vcpus: 2, memMiB: 4096}, 70, 36); mem != 1024+100 {
		t.Errorf("AKS 4 GiB with 70 pods reserves %d MiB, want 25%% (1024) + 100", mem)
	}
	if _, mem := aksReserved(node{vcpus: 2, memMiB: 8192}, 30, 28); mem != 1024+820+750 {
		t.Errorf("AKS 1.28 8 GiB reserves %d MiB, want 1024+820+750", mem)
	}
	// GKE: 4 vCPU: 60+10+10 m; 16 GiB: 25% of 4 + 20% of 4 + 10% of 8 GiB
	// (2662.4, rounded up) + 100.
	if cpu, mem := gkeReserved(node{vcpus: 4, memMiB: 16384}); cpu != 80 || mem != 2663+100 {
		t.Errorf("GKE 4 vCPU/16 GiB reserves %dm, %d MiB", cpu, mem)
	}
	if n, ok := azureNode("Standard_D4s_v3"); !ok || n.vcpus != 4 || n.memMiB != 16384 {
		t.Errorf("Standard_D4s_v3 = %+v %v", n, ok)
	}
	if n, ok := azureNode("Standard_F8s_v2"); !ok || n.vcpus != 8 || n.memMiB != 16384 {
		t.Errorf("Standard_F8s_v2 = %+v %v", n, ok)
	}
}

// The committed pod sizes fit; one that does not is rejected naming the key,
// the value and what fits.
func TestPodFitsNode(t *testing.T) {
	base := map[string]string{
		Namespace + ":kind": "azure", Namespace + ":domain": "example.com", Namespace + ":zoneId": "Z0123456789EXAMPLE",
		"azure-native:location": "southeastasia",
		// The API server's allowed ranges are required (#17 item 6).
		Namespace + ":azureApiAuthorizedIpRanges": `["203.0.113.0/24"]`,
		// TURN/TLS is not built on AKS yet (#20), so it must be off.
		Namespace + ":turnTls": "false",
	}
	if _, err := Parse("azure-asia", Raw{Values: base}); err != nil {
		t.Fatalf("azure defaults (3 CPU, 8Gi on Standard_D4s_v3): %v", err)
	}
	for key, value := range map[string]string{"azurePodCpu": "3500m", "azurePodMemory": "15Gi"} {
		v := map[string]string{}
		for k, x := range base {
			v[k] = x
		}
		v[Namespace+":"+key] = value
		_, err := Parse("azure-asia", Raw{Values: v})
		if err == nil {
			t.Fatalf("%s=%s on Standard_D4s_v3 accepted", key, value)
		}
		for _, f := range []string{Namespace + ":" + key, `"` + value + `"`, "does not fit Standard_D4s_v3", "at most", "azureVmSize", "ama-logs"} {
			if !strings.Contains(err.Error(), f) {
				t.Errorf("%s=%s: error lacks %q:\n%v", key, value, f, err)
			}
		}
	}
}
