package azure_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const tNetPol = "kubernetes:networking.k8s.io/v1:NetworkPolicy"

// netpol is a NetworkPolicy's spec in a comparable form.
type netpol struct {
	pods      string // podSelector.matchLabels as JSON ("{}": every pod)
	isolating []string
	ingress   string // the rules as JSON ("null": none)
	egress    string
}

func policies(t *testing.T, p *plan.Plan, namespace string) map[string]netpol {
	t.Helper()
	out := map[string]netpol{}
	for _, r := range p.ByType(tNetPol) {
		if str(t, &r, "metadata.namespace") != namespace {
			continue
		}
		js := func(path string) string {
			v, _ := r.Input(path)
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		pods := js("spec.podSelector.matchLabels")
		if pods == "null" {
			pods = "{}"
		}
		out[str(t, &r, "metadata.name")] = netpol{
			pods: pods, isolating: strs(list(t, &r, "spec.policyTypes")),
			ingress: js("spec.ingress"), egress: js("spec.egress"),
		}
	}
	return out
}

const (
	dnsRule     = `{"ports":[{"port":53,"protocol":"UDP"},{"port":53,"protocol":"TCP"}],"to":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}},"podSelector":{"matchLabels":{"k8s-app":"kube-dns"}}}]}`
	httpsRule   = `{"ports":[{"port":443,"protocol":"TCP"}]}`
	baseEgress  = `[` + dnsRule + `,` + httpsRule + `]`
	anyDNSRule  = `[{"ports":[{"port":53,"protocol":"UDP"},{"port":53,"protocol":"TCP"}]}]`
	webhookRule = `[{"ports":[{"port":"https","protocol":"TCP"}]}]`
	websecure   = `[{"ports":[{"port":"websecure","protocol":"TCP"}]}]`
	// Signaling, and the TURN stream Traefik forwards (TURN/TLS on).
	toLiveKit = `[{"ports":[{"port":7880,"protocol":"TCP"},{"port":5349,"protocol":"TCP"}],"to":[{"ipBlock":{"cidr":"` + asiaNodes + `"}}]}]`
)

// cert-manager and Traefik (the pods that do not use the host network)
// are isolated in both directions, and allowed exactly: CoreDNS and 443
// out (the API server, ACME, AWS); the webhook's port in (the API server
// calls it from the control plane); the controller's DNS-01 self check
// to the zone's nameservers; Traefik's websecure entry point in from
// anywhere and LiveKit's signaling port on the node subnet (host-network
// LiveKit) out. Nothing lets them reach Redis (6380) or anything else.
func TestNetworkPolicies(t *testing.T) {
	p := asia(t)
	deny := netpol{pods: "{}", isolating: []string{"Ingress", "Egress"}, ingress: "null", egress: "null"}
	base := netpol{pods: "{}", isolating: []string{"Egress"}, ingress: "null", egress: baseEgress}
	want := map[string]map[string]netpol{
		"cert-manager": {
			"default-deny":  deny,
			"dns-and-https": base,
			"webhook-from-api-server": {pods: `{"app.kubernetes.io/component":"webhook"}`, isolating: []string{"Ingress"},
				ingress: webhookRule, egress: "null"},
			"controller-dns01-check": {pods: `{"app.kubernetes.io/component":"controller"}`, isolating: []string{"Egress"},
				ingress: "null", egress: anyDNSRule},
		},
		"traefik": {
			"default-deny":            deny,
			"dns-and-https":           base,
			"websecure-from-anywhere": {pods: "{}", isolating: []string{"Ingress"}, ingress: websecure, egress: "null"},
			"to-livekit-signaling":    {pods: "{}", isolating: []string{"Egress"}, ingress: "null", egress: toLiveKit},
		},
	}
	for ns, wantPolicies := range want {
		got := policies(t, p, ns)
		for name, w := range wantPolicies {
			g, ok := got[name]
			if !ok {
				t.Errorf("namespace %s has no NetworkPolicy %s (has %v)", ns, name, keys(got))
				continue
			}
			if g.pods != w.pods || !slices.Equal(g.isolating, w.isolating) || g.ingress != w.ingress || g.egress != w.egress {
				t.Errorf("%s/%s:\n got %+v\nwant %+v", ns, name, g, w)
			}
		}
		for name := range got {
			if _, ok := wantPolicies[name]; !ok {
				t.Errorf("unexpected NetworkPolicy %s/%s: %+v", ns, name, got[name])
			}
		}
	}
	// The LiveKit namespace runs on the host network: a policy there
	// would select nothing and promise what it cannot keep.
	if got := policies(t, p, "livekit"); len(got) != 0 {
		t.Errorf("NetworkPolicies in the host-network livekit namespace: %v", keys(got))
	}
	// Declared with the cluster's provider, after their namespaces (the
	// Egress namespace's by the Egress component: egress_test.go).
	for _, r := range p.ByType(tNetPol) {
		if !within(p, &r, components.MediaClusterType) && !within(p, &r, tEgress) {
			t.Errorf("NetworkPolicy %s is not part of the MediaCluster", r.Name)
		}
	}
}

// Policies are only as good as their enforcement: AKS runs Azure Network
// Policy Manager only when the cluster asks for it.
func TestNetworkPolicyEnforcement(t *testing.T) {
	c := one(t, asia(t), tCluster, "livekit")
	if got := str(t, c, "networkProfile.networkPolicy"); got != "azure" {
		t.Errorf("networkProfile.networkPolicy %q, want azure (Azure Network Policy Manager)", got)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
