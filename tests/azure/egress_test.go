package azure_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/egresskeys"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

const (
	tEgress      = "livekit-infra:index:Egress"
	egressNS     = "livekit-egress"
	egressVMSize = "Standard_D8s_v3"
	asiaPods     = "10.244.0.0/16"
)

// #22: azure-asia runs Egress by default (egress auto), and its recordings
// account accepts shared keys because of it, the one exception to
// identity-only access (Egress v1.14.1 uploads with the account key only).
// azureRecordingsSharedKey false keeps the account identity-only and egress
// auto off, which the plan says; egress true with it is refused naming
// both keys; egress false turns shared keys off again.
func TestEgressByDefault(t *testing.T) {
	p := asia(t)
	if n := len(p.ByType(tEgress)); n != 1 {
		t.Fatalf("azure-asia declares %d Egress, want 1 (egress auto)", n)
	}
	if !boolean(t, one(t, p, tAccount, "livekit-recordings"), "allowSharedKeyAccess") {
		t.Error("Egress runs but the account refuses shared keys: it cannot upload")
	}
	if w := stackconfig.RecordingsWarnings(asiaStack.Config(nil).Config); slices.ContainsFunc(w, func(w stackconfig.SupportWarning) bool {
		return w.Key == key("azureRecordingsSharedKey")
	}) {
		t.Errorf("azure-asia warns that Egress is off: %v", w)
	}

	off := variantPlan(t, "noSharedKey")
	if n := len(off.ByType(tEgress)); n != 0 {
		t.Errorf("azureRecordingsSharedKey false still declares %d Egress", n)
	}
	if boolean(t, one(t, off, tAccount, "livekit-recordings"), "allowSharedKeyAccess") {
		t.Error("azureRecordingsSharedKey false leaves shared keys on")
	}
	w := stackconfig.RecordingsWarnings(variantConfig(variants["noSharedKey"]).Config)
	if !slices.ContainsFunc(w, func(w stackconfig.SupportWarning) bool {
		return w.Key == key("azureRecordingsSharedKey") && strings.Contains(w.Text, "Egress off") && strings.Contains(w.Text, key("egress"))
	}) {
		t.Errorf("egress auto silently off without shared keys: warnings %v", w)
	}

	_, err := asiaStack.With(map[string]string{"egress": "true", "azureRecordingsSharedKey": "false"})
	if err == nil || !strings.Contains(err.Error(), key("egress")) || !strings.Contains(err.Error(), key("azureRecordingsSharedKey")) {
		t.Errorf("egress true with shared keys refused: %v", err)
	}
	noEgress, err := asiaStack.With(map[string]string{"egress": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if len(noEgress.ByType(tEgress)) != 0 || boolean(t, one(t, noEgress, tAccount, "livekit-recordings"), "allowSharedKeyAccess") {
		t.Error("egress false: Egress declared or shared keys still on (they serve Egress only)")
	}
}

// egressSecret is the Egress component's config Secret, in the Egress
// namespace, its config.yaml (a Pulumi secret) and the config read as
// Egress reads it.
func egressSecret(t *testing.T, p *plan.Plan) (*plan.Resource, string, egresskeys.Config) {
	t.Helper()
	sec := one(t, p, tSecret, "livekit-egress-config")
	if !within(p, sec, tEgress) || str(t, sec, "metadata.namespace") != egressNS {
		t.Errorf("the Egress Secret is not the Egress component's, in %s", egressNS)
	}
	body := lkcheck.SecretInput(t, sec, `stringData["config.yaml"]`)
	return sec, body, egresskeys.Read(t, body)
}

// The config is a Kubernetes Secret (a Pulumi secret) whose keys all
// belong to Egress v1.14.1: the region's Redis over TLS (public CA, no CA
// file), the API key the servers accept, and Azure Blob with the
// recordings account's key and container.
func TestEgressConfigSecret(t *testing.T) {
	p := asia(t)
	_, _, c := egressSecret(t, p)
	if c.WSURL != "wss://"+asiaHostname || !strings.HasSuffix(c.Redis.Address, ":6380") || c.Redis.Password == "" {
		t.Errorf("ws_url %q, redis %q: want the region's URL and Azure Cache for Redis's TLS port with its key", c.WSURL, c.Redis.Address)
	}
	if !c.Redis.TLS.Enabled || c.Redis.TLS.CACertFile != "" {
		t.Errorf("redis.tls = %v, want enabled with the system roots", c.Redis.TLS)
	}
	az := c.Storage["azure"]
	acct := one(t, p, tAccount, "livekit-recordings")
	if len(c.Storage) != 1 || az["account_name"] != str(t, acct, "accountName") || az["account_key"] != any(plan.FakeStorageAccountKey) || az["container_name"] != "recordings" {
		t.Errorf("storage = %v, want the recordings account %s with its key and container", c.Storage, str(t, acct, "accountName"))
	}
	chart := one(t, p, tChart, "livekit-egress")
	for _, s := range []string{plan.FakeStorageAccountKey, c.Redis.Password} {
		if strings.Contains(planq.JSONOf(t, chart.RawInputs), s) {
			t.Error("the egress chart's inputs contain a secret")
		}
	}
	if strings.Contains(planq.JSONOf(t, p.Outputs), plan.FakeStorageAccountKey) {
		t.Error("a stack output carries the storage account key")
	}
}

// The chart, pinned, on the Egress pool: no public IPs, tainted, in the
// Egress ASG, one 4-CPU pod per Standard_D8s_v3 node, bounds 1-4; image
// by digest through the region's ACR mirror.
func TestEgressPoolAndChart(t *testing.T) {
	p := asia(t)
	pool := one(t, p, tPool, "livekit-egress")
	if boolean(t, pool, "enableNodePublicIP") {
		t.Error("Egress nodes have public IPs")
	}
	if got := str(t, pool, "vmSize"); got != egressVMSize {
		t.Errorf("Egress pool vmSize %s", got)
	}
	if num(t, pool, "minCount") != 1 || num(t, pool, "maxCount") != 4 || !boolean(t, pool, "enableAutoScaling") {
		t.Errorf("Egress pool bounds %d-%d", num(t, pool, "minCount"), num(t, pool, "maxCount"))
	}
	if got := strs(list(t, pool, "nodeTaints")); !slices.Equal(got, []string{"livekit-infra/egress=true:NoSchedule"}) {
		t.Errorf("Egress pool taints %v", got)
	}
	egressASG := one(t, p, tASG, "livekit-egress")
	if got := strs(list(t, pool, "networkProfile.applicationSecurityGroups")); !slices.Equal(got, []string{egressASG.ID}) {
		t.Errorf("Egress pool ASGs %v, want the Egress ASG %s", got, egressASG.ID)
	}
	chart := one(t, p, tChart, "livekit-egress")
	for path, want := range map[string]any{
		"chart": "egress", "version": "1.9.0", "namespace": egressNS,
		`values.nodeSelector["kubernetes.azure.com/agentpool"]`: "egress",
		"values.tolerations[0].key":                             "livekit-infra/egress",
		"values.resources.requests.cpu":                         "4",
		"values.autoscaling.minReplicas":                        1,
		"values.autoscaling.maxReplicas":                        4,
		"values.egress.health_port":                             livekit.EgressHealthPort,
		"values.egress.prometheus_port":                         livekit.EgressPrometheusPort,
	} {
		if got, _ := chart.Input(path); got != want {
			t.Errorf("egress chart %s = %v, want %v", path, got, want)
		}
	}
	img := str(t, chart, "values.image.repository") + ":" + str(t, chart, "values.image.tag")
	if !strings.HasSuffix(img, "/livekit/egress:"+livekit.EgressVersion+"@"+livekit.EgressImageDigest) || !strings.Contains(img, ".azurecr.io/") {
		t.Errorf("egress image %q, want the ACR mirror's copy by digest", img)
	}
}

// Redis's private endpoint admits the LiveKit ASG and the Egress ASG on
// 6380 and nothing else; no NSG rule lets the internet reach Egress.
func TestEgressRedisAndNoInbound(t *testing.T) {
	p := asia(t)
	media, egress := one(t, p, tASG, "livekit-media").ID, one(t, p, tASG, "livekit-egress").ID
	var sources []string
	for _, r := range list(t, one(t, p, tNSG, "livekit-endpoints"), "securityRules") {
		rule := r.(map[string]any)
		if rule["access"] != "Allow" {
			continue
		}
		// The recordings account's blob private endpoint (Private Link):
		// 443 from the node subnet (recordings_test.go).
		if rule["name"] == "allow-blob-https-from-nodes" {
			continue
		}
		if rule["destinationPortRange"] != "6380" {
			t.Errorf("endpoint rule %v allows more than Redis's TLS port", rule["name"])
		}
		for _, a := range rule["sourceApplicationSecurityGroups"].([]any) {
			sources = append(sources, a.(map[string]any)["id"].(string))
		}
	}
	slices.Sort(sources)
	want := []string{media, egress}
	slices.Sort(want)
	if !slices.Equal(sources, want) {
		t.Errorf("Redis admits ASGs %v, want the LiveKit and Egress ASGs %v", sources, want)
	}
	for _, r := range list(t, one(t, p, tNSG, "livekit-nodes"), "securityRules") {
		rule := r.(map[string]any)
		dst, _ := rule["destinationApplicationSecurityGroups"].([]any)
		for _, a := range dst {
			if a.(map[string]any)["id"] == egress && rule["access"] == "Allow" {
				t.Errorf("node rule %v admits traffic to the Egress nodes", rule["name"])
			}
		}
	}
}

// The Egress namespace is isolated both ways: DNS and 443 out (signaling,
// Blob Storage), Redis's TLS port on the endpoint subnet, the LiveKit
// nodes' media ports; in, the health port from the pod and node ranges
// (kubelet probes) and the metrics port from the metrics add-on's
// collector only (the ama-metrics replica set in kube-system).
func TestEgressNetworkPolicies(t *testing.T) {
	p := asia(t)
	got := policies(t, p, egressNS)
	const (
		out = `[{"ports":[{"port":6380,"protocol":"TCP"}],"to":[{"ipBlock":{"cidr":"` + asiaEndpoints + `"}}]},` +
			`{"ports":[{"endPort":60000,"port":50000,"protocol":"UDP"},{"port":7881,"protocol":"TCP"}]}]`
		in = `[{"from":[{"ipBlock":{"cidr":"` + asiaPods + `"}},{"ipBlock":{"cidr":"` + asiaNodes + `"}}],` +
			`"ports":[{"port":8080,"protocol":"TCP"}]},` +
			`{"from":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}},"podSelector":{"matchLabels":{"rsName":"ama-metrics"}}}],` +
			`"ports":[{"port":9090,"protocol":"TCP"}]}]`
	)
	want := map[string]netpol{
		"default-deny":              {pods: "{}", isolating: []string{"Ingress", "Egress"}, ingress: "null", egress: "null"},
		"dns-and-https":             {pods: "{}", isolating: []string{"Egress"}, ingress: "null", egress: baseEgress},
		"egress-redis-and-media":    {pods: "{}", isolating: []string{"Egress"}, ingress: "null", egress: out},
		"egress-health-and-metrics": {pods: "{}", isolating: []string{"Ingress"}, ingress: in, egress: "null"},
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok || g.pods != w.pods || !slices.Equal(g.isolating, w.isolating) || g.ingress != w.ingress || g.egress != w.egress {
			t.Errorf("%s/%s:\n got %+v\nwant %+v", egressNS, name, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s has policies %v", egressNS, keys(got))
	}
}

// Bad Egress input names the key: a node size the 4-CPU pod does not fit.
func TestEgressVMSizeTooSmall(t *testing.T) {
	_, err := asiaStack.With(map[string]string{"azureEgressVmSize": "Standard_D4s_v3"})
	if err == nil || !strings.Contains(err.Error(), key("egressPodCpu")) || !strings.Contains(err.Error(), "Standard_D4s_v3") {
		t.Errorf("a 4-vCPU Egress node was accepted or not named: %v", err)
	}
}
