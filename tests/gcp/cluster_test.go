package gcp_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

func TestGKECluster(t *testing.T) {
	p := stackPlan(t)
	c := only(t, p, tCluster)
	expect(t, c, map[string]any{
		// Regional: a region, not a zone, so the control plane and nodes
		// survive a zone outage.
		"location":                                                  euRegion,
		"releaseChannel.channel":                                    "REGULAR",
		"workloadIdentityConfig.workloadPool":                       euProject + ".svc.id.goog",
		"enableShieldedNodes":                                       true,
		"networkingMode":                                            "VPC_NATIVE",
		"ipAllocationPolicy.clusterSecondaryRangeName":              "pods",
		"ipAllocationPolicy.servicesSecondaryRangeName":             "services",
		"gatewayApiConfig.channel":                                  "CHANNEL_STANDARD",
		"removeDefaultNodePool":                                     true,
		"masterAuth.clientCertificateConfig.issueClientCertificate": false,
		"monitoringConfig.managedPrometheus.enabled":                true,
		// GKE refuses to delete the cluster while this is on (#17 item
		// 14: keep it on).
		"deletionProtection":                      true,
		"addonsConfig.httpLoadBalancing.disabled": false,
	})
	if !c.Protect {
		t.Error("the cluster is not protected")
	}
	if c.InputString("network") != only(t, p, tNetwork).ID || c.InputString("subnetwork") != only(t, p, tSubnet).ID {
		t.Error("the cluster is not in the stack's VPC and subnet")
	}
	// The bootstrap pool must not run as the default compute account either.
	if got := c.InputString("nodeConfig.serviceAccount"); got != nodeSA {
		t.Errorf("bootstrap node pool runs as %q, want %q", got, nodeSA)
	}
}

// nodeSA is the dedicated node service account's email.
const nodeSA = "livekit-nodes@" + euProject + ".iam.gserviceaccount.com"

func TestNodePoolPublicNodesAndAutoscaling(t *testing.T) {
	p := stackPlan(t)
	pool := one(t, p, tNodePool, "livekit-media")
	expect(t, pool, map[string]any{
		"location": euRegion,
		// Media reaches each node at its own public IP.
		"networkConfig.enablePrivateNodes":                            false,
		"autoscaling.totalMinNodeCount":                               3,
		"autoscaling.totalMaxNodeCount":                               10,
		"nodeConfig.machineType":                                      "n2-standard-4",
		"nodeConfig.workloadMetadataConfig.mode":                      "GKE_METADATA",
		"nodeConfig.shieldedInstanceConfig.enableSecureBoot":          true,
		"nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring": true,
		`nodeConfig.labels["livekit-infra/role"]`:                     "media",
		`nodeConfig.metadata["disable-legacy-endpoints"]`:             "true",
		"management.autoRepair":                                       true,
		"management.autoUpgrade":                                      true,
		"upgradeSettings.maxUnavailable":                              0,
	})
	if _, ok := pool.Input("autoscaling.minNodeCount"); ok {
		t.Error("per-zone minNodeCount set: bounds must be totals across zones")
	}
	c := only(t, p, tCluster)
	if pool.InputString("cluster") != c.ID {
		t.Errorf("node pool cluster %q, want %q", pool.InputString("cluster"), c.ID)
	}
}

func TestNodeServiceAccountLeastPrivilege(t *testing.T) {
	p := stackPlan(t)
	sa := one(t, p, tSA, "livekit-nodes")
	email := nodeSA
	pool := one(t, p, tNodePool, "livekit-media")
	if got := pool.InputString("nodeConfig.serviceAccount"); got != email {
		t.Errorf("node pool service account = %q, want the dedicated %q", got, email)
	}
	if strings.Contains(pool.InputString("nodeConfig.serviceAccount"), "compute@developer") {
		t.Error("nodes run as the default compute service account (Editor)")
	}
	scopes := strs(input(t, pool, "nodeConfig.oauthScopes"))
	if contains(scopes, "https://www.googleapis.com/auth/cloud-platform") {
		t.Errorf("node scopes include cloud-platform: %v", scopes)
	}

	var roles []string
	for _, m := range p.ByType(tIAMMember) {
		if m.InputString("member") != "serviceAccount:"+email {
			continue
		}
		if m.InputString("project") != euProject {
			t.Errorf("grant %s in project %q", m.Name, m.InputString("project"))
		}
		roles = append(roles, m.InputString("role"))
	}
	want := []string{"roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/monitoring.viewer", "roles/stackdriver.resourceMetadata.writer"}
	if strings.Join(sortStrings(roles), ",") != strings.Join(want, ",") {
		t.Errorf("node roles = %v, want exactly %v", roles, want)
	}
	for _, m := range p.ByType(tIAMMember) {
		switch r := m.InputString("role"); r {
		case "roles/editor", "roles/owner", "roles/container.admin", "roles/iam.serviceAccountUser", "roles/storage.admin":
			t.Errorf("broad role %s granted to %s", r, m.InputString("member"))
		}
	}
	if sa.InputString("accountId") != "livekit-nodes" {
		t.Errorf("service account id %q", sa.InputString("accountId"))
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestMemorystore(t *testing.T) {
	p := stackPlan(t)
	r := only(t, p, tRedis)
	psa := one(t, p, tGlobalAddr, "livekit-private-services")
	expect(t, r, map[string]any{
		"tier":                  "STANDARD_HA",
		"memorySizeGb":          5,
		"authEnabled":           true,
		"transitEncryptionMode": "SERVER_AUTHENTICATION",
		"connectMode":           "PRIVATE_SERVICE_ACCESS",
		"region":                euRegion,
		"reservedIpRange":       psa.Name, // autonamed: the mock names it by its logical name
		"authorizedNetwork":     only(t, p, tNetwork).ID,
		// components.RedisEvictionPolicy, the same in every cloud.
		`redisConfigs["maxmemory-policy"]`: "noeviction",
	})
	if v := r.InputString("redisVersion"); !strings.HasPrefix(v, "REDIS_7") {
		t.Errorf("redisVersion = %q, want Redis 7", v)
	}
	if !r.Protect {
		t.Error("Memorystore is not protected")
	}
	conn := only(t, p, tPSA)
	if !contains(r.Dependencies, conn.URN) {
		t.Errorf("Memorystore does not wait for the private service access peering (deps %v)", r.Dependencies)
	}
	if !contains(r.AdditionalSecretOutputs, "authString") {
		t.Error("authString is not forced secret")
	}
}

func TestProtectOff(t *testing.T) {
	p, err := euStack.With(map[string]string{"protect": "false"})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{tRedis, tCluster, tBucket} {
		if only(t, p, typ).Protect {
			t.Errorf("%s protected with protect=false", typ)
		}
	}
	if got, _ := only(t, p, tCluster).Input("deletionProtection"); got != false {
		t.Errorf("cluster deletionProtection = %v with protect=false", got)
	}
}

// #17 item 7: the control plane's public endpoint accepts only the
// configured networks (gcp-eu lists the documentation range). An empty list
// is refused unless gcpAllowPublicApi opts in explicitly, which `lkinfra
// plan` then warns about; both at once, or 0.0.0.0/0, are refused too.
func TestGKEControlPlaneAccess(t *testing.T) {
	c := only(t, stackPlan(t), tCluster)
	blocks, _ := c.Input("masterAuthorizedNetworksConfig.cidrBlocks")
	list, _ := blocks.([]any)
	if len(list) != 1 || list[0].(map[string]any)["cidrBlock"] != "203.0.113.0/24" {
		t.Errorf("master authorized networks %v, want exactly [203.0.113.0/24]", blocks)
	}

	for _, tc := range []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"empty without opt-in", map[string]string{"gcpMasterAuthorizedNetworks": "[]"},
			[]string{"livekit-infra:gcpMasterAuthorizedNetworks = []", "must list the CIDRs", "livekit-infra:gcpAllowPublicApi: true"}},
		{"list and opt-in", map[string]string{"gcpAllowPublicApi": "true"},
			[]string{"livekit-infra:gcpAllowPublicApi = true", "contradicts livekit-infra:gcpMasterAuthorizedNetworks (203.0.113.0/24)"}},
		{"everywhere", map[string]string{"gcpMasterAuthorizedNetworks": `["0.0.0.0/0"]`},
			[]string{`livekit-infra:gcpMasterAuthorizedNetworks = "0.0.0.0/0"`, "admits every address"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := euStack.With(tc.set)
			if err == nil {
				t.Fatal("accepted")
			}
			if n := strings.Count(err.Error(), "\n  - "); n != 1 {
				t.Errorf("%d problems, want 1:\n%v", n, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}

	openCfg := map[string]string{"gcpMasterAuthorizedNetworks": "[]", "gcpAllowPublicApi": "true"}
	open, err := euStack.With(openCfg)
	if err != nil {
		t.Fatalf("the explicit opt-in: %v", err)
	}
	if _, ok := only(t, open, tCluster).Input("masterAuthorizedNetworksConfig"); ok {
		t.Error("the opt-in still sets authorized networks")
	}
	if w := stackconfig.ExposureWarnings(euStack.Config(nil).Config); len(w) != 0 {
		t.Errorf("gcp-eu warns %v", w)
	}
	if w := stackconfig.ExposureWarnings(euStack.Config(openCfg).Config); len(w) != 1 || !strings.Contains(w[0].String(), "livekit-infra:gcpAllowPublicApi = true: the GKE control plane's public endpoint accepts connections from any address") {
		t.Errorf("opt-in warnings %v", w)
	}
}
