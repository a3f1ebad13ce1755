package gcp_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The only inbound rules: media (UDP range, ICE/TCP) from anywhere, and
// signaling from Google's load balancers, both to LiveKit nodes only.
func TestFirewallSourcesAndPorts(t *testing.T) {
	p := stackPlan(t)
	var rules []plan.Resource
	for _, r := range p.ByType(tFirewall) {
		if r.InputString("direction") != "EGRESS" {
			rules = append(rules, r)
		}
	}
	if len(rules) != 3 {
		t.Fatalf("%d inbound firewall rules, want exactly 3 (media, signaling, TURN/TLS)", len(rules))
	}
	pool := one(t, p, tNodePool, "livekit-media")
	nodeTags := strs(input(t, pool, "nodeConfig.tags"))

	type allow struct{ proto, ports string }
	allows := func(r string) []allow {
		fw := one(t, p, tFirewall, r)
		var out []allow
		a, _ := fw.Input("allows")
		for _, e := range a.([]any) {
			m := e.(map[string]any)
			for _, port := range strs(m["ports"]) {
				out = append(out, allow{m["protocol"].(string), port})
			}
			if len(strs(m["ports"])) == 0 {
				out = append(out, allow{m["protocol"].(string), "(all)"})
			}
		}
		return out
	}

	media := one(t, p, tFirewall, "livekit-media")
	expect(t, media, map[string]any{"direction": "INGRESS", "sourceRanges": []any{"0.0.0.0/0"}})
	got := allows("livekit-media")
	want := []allow{{"udp", "50000-60000"}, {"tcp", "7881"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("media rule allows %v, want exactly %v", got, want)
	}

	signal := one(t, p, tFirewall, "livekit-signal")
	src := strs(input(t, signal, "sourceRanges"))
	if len(src) != 2 || src[0] != "130.211.0.0/22" || src[1] != "35.191.0.0/16" {
		t.Errorf("signaling sources = %v, want only Google's LB/health-check ranges", src)
	}
	if got := allows("livekit-signal"); len(got) != 1 || got[0] != (allow{"tcp", "7880"}) {
		t.Errorf("signaling rule allows %v, want tcp 7880 only", got)
	}

	turn := one(t, p, tFirewall, "livekit-turn-from-proxies")
	if src := strs(input(t, turn, "sourceRanges")); len(src) != 2 || src[0] != "130.211.0.0/22" || src[1] != "35.191.0.0/16" {
		t.Errorf("TURN sources = %v, want only Google's proxy/health-check ranges", src)
	}
	if got := allows("livekit-turn-from-proxies"); len(got) != 1 || got[0] != (allow{"tcp", "5349"}) {
		t.Errorf("TURN rule allows %v, want tcp 5349 only", got)
	}

	for _, r := range rules {
		tags := strs(input(t, &r, "targetTags"))
		if len(tags) != 1 || !contains(nodeTags, tags[0]) {
			t.Errorf("rule %s targets %v; it must target the LiveKit nodes' tag (node pool tags %v)", r.Name, tags, nodeTags)
		}
		if _, ok := r.Input("targetServiceAccounts"); ok {
			t.Errorf("rule %s mixes targets", r.Name)
		}
		if _, ok := r.Input("denies"); ok {
			t.Errorf("rule %s has deny entries; nothing is expected", r.Name)
		}
		for _, a := range allows(r.Name) {
			if a.ports == "(all)" || a.proto == "all" {
				t.Errorf("rule %s opens every %s port", r.Name, a.proto)
			}
			if a.ports == "22" || a.ports == "3389" {
				t.Errorf("rule %s opens %s/%s", r.Name, a.proto, a.ports)
			}
		}
	}
	// 7880 is never open to the internet.
	for _, a := range allows("livekit-media") {
		if a.ports == "7880" {
			t.Error("signaling port 7880 is open to 0.0.0.0/0")
		}
	}
}

func TestFirewallTURNPort(t *testing.T) {
	p, err := euStack.With(map[string]string{"turnUdpPort": "3478"})
	if err != nil {
		t.Fatal(err)
	}
	fw := one(t, p, tFirewall, "livekit-media")
	found := false
	for _, e := range input(t, fw, "allows").([]any) {
		m := e.(map[string]any)
		if m["protocol"] == "udp" && contains(strs(m["ports"]), "3478") {
			found = true
		}
	}
	if !found {
		t.Error("TURN/UDP 3478 is not opened on the media rule")
	}
}

func TestNetworkVPCNativeSubnetNATAndPrivateServiceAccess(t *testing.T) {
	p := stackPlan(t)
	vpc := only(t, p, tNetwork)
	expect(t, vpc, map[string]any{"autoCreateSubnetworks": false})

	subnet := only(t, p, tSubnet)
	expect(t, subnet, map[string]any{
		"ipCidrRange":                      "10.10.0.0/20",
		"region":                           euRegion,
		"privateIpGoogleAccess":            true,
		"secondaryIpRanges[0].rangeName":   "pods",
		"secondaryIpRanges[0].ipCidrRange": "10.20.0.0/16",
		"secondaryIpRanges[1].rangeName":   "services",
		"secondaryIpRanges[1].ipCidrRange": "10.24.0.0/20",
	})
	if subnet.InputString("network") != vpc.ID {
		t.Errorf("subnet network %q, want the VPC %q", subnet.InputString("network"), vpc.ID)
	}

	router := only(t, p, tRouter)
	nat := only(t, p, tNat)
	expect(t, nat, map[string]any{
		"router": router.Name, "region": euRegion,
		"sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
		"natIpAllocateOption":           "AUTO_ONLY",
	})

	psaRange := one(t, p, tGlobalAddr, "livekit-private-services")
	expect(t, psaRange, map[string]any{
		"purpose": "VPC_PEERING", "addressType": "INTERNAL", "address": "10.30.0.0", "prefixLength": 20, "network": vpc.ID,
	})
	conn := only(t, p, tPSA)
	expect(t, conn, map[string]any{
		"service": "servicenetworking.googleapis.com", "network": vpc.ID,
		"reservedPeeringRanges": []any{"livekit-private-services"},
	})
}

// Memorystore answers the whole authorized VPC, so the VPC itself refuses
// to send into the private services range: Redis's TLS port (the port
// LiveKit's config dials) from the LiveKit nodes' tag is allowed, and a
// lower-priority deny covers every other instance and port. Without the
// two egress rules any VM or node pool in the VPC could open Redis.
func TestRedisReachableFromLiveKitNodesOnly(t *testing.T) {
	p := stackPlan(t)
	const psa = "10.30.0.0/20" // livekit-private-services: 10.30.0.0, /20
	nodeTags := strs(input(t, one(t, p, tNodePool, "livekit-media"), "nodeConfig.tags"))
	egressTags := strs(input(t, one(t, p, tNodePool, "livekit-egress"), "nodeConfig.tags"))

	var egress []plan.Resource
	for _, r := range p.ByType(tFirewall) {
		if r.InputString("direction") == "EGRESS" {
			egress = append(egress, r)
		}
	}
	if len(egress) != 2 {
		t.Fatalf("%d egress firewall rules, want 2 (Redis from LiveKit nodes, deny the rest of the range)", len(egress))
	}

	allow := one(t, p, tFirewall, "livekit-redis")
	expect(t, allow, map[string]any{
		"direction": "EGRESS", "destinationRanges": []any{psa},
		"allows": []any{map[string]any{"protocol": "tcp", "ports": []any{"6378"}}},
	})
	// The LiveKit nodes' tag and the Egress pool's (Egress takes its jobs
	// over Redis), nothing else.
	if tags := strs(input(t, allow, "targetTags")); len(tags) != 2 || len(nodeTags) != 1 || len(egressTags) != 1 ||
		!contains(tags, nodeTags[0]) || !contains(tags, egressTags[0]) {
		t.Errorf("Redis allow targets %v, want exactly the LiveKit pool's tag %v and the Egress pool's %v", tags, nodeTags, egressTags)
	}
	if _, ok := allow.Input("denies"); ok {
		t.Error("the Redis allow rule also denies")
	}

	deny := one(t, p, tFirewall, "livekit-private-services-deny")
	expect(t, deny, map[string]any{
		"direction": "EGRESS", "destinationRanges": []any{psa},
		"denies": []any{map[string]any{"protocol": "all"}},
	})
	for _, k := range []string{"targetTags", "targetServiceAccounts", "allows"} {
		if v, ok := deny.Input(k); ok {
			t.Errorf("the deny must cover every instance and protocol, but has %s %v", k, v)
		}
	}
	// Lower number wins: the LiveKit allow must be evaluated first.
	if a, d := input(t, allow, "priority").(int), input(t, deny, "priority").(int); a >= d {
		t.Errorf("allow priority %d is not ahead of deny priority %d", a, d)
	}
}
