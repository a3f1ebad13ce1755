package azure_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// nsgRule is one inbound rule of an NSG, flattened for comparison.
type nsgRule struct {
	name, access, protocol, source, ports, dest string
	priority                                    int
}

func (r nsgRule) String() string {
	return fmt.Sprintf("%d %s %s %s from %s to %s:%s", r.priority, r.name, r.access, r.protocol, r.source, r.dest, r.ports)
}

// rules reads an NSG's inline security rules. A source or destination
// application security group is shown as "asg:<resource name>".
func rules(t *testing.T, p *plan.Plan, nsg *plan.Resource) []nsgRule {
	t.Helper()
	var out []nsgRule
	for i := range list(t, nsg, "securityRules") {
		at := func(f string) string { return fmt.Sprintf("securityRules[%d].%s", i, f) }
		if d := str(t, nsg, at("direction")); d != "Inbound" {
			t.Errorf("%s rule %d is %s: only inbound rules are declared (outbound stays Azure's default)", nsg.Name, i, d)
		}
		if sp := str(t, nsg, at("sourcePortRange")); sp != "*" {
			t.Errorf("%s rule %d source port %q, want *", nsg.Name, i, sp)
		}
		r := nsgRule{
			name: str(t, nsg, at("name")), access: str(t, nsg, at("access")), protocol: str(t, nsg, at("protocol")),
			ports: str(t, nsg, at("destinationPortRange")), priority: num(t, nsg, at("priority")),
		}
		r.source = ruleEnd(t, p, nsg, i, "source", r.name)
		r.dest = ruleEnd(t, p, nsg, i, "destination", r.name)
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].priority < out[j].priority })
	return out
}

// ruleEnd is one end ("source" or "destination") of NSG rule i: its
// application security groups as "asg:<resource name>" (comma-separated),
// or else its address prefix; a rule naming both is an error.
func ruleEnd(t *testing.T, p *plan.Plan, nsg *plan.Resource, i int, end, name string) string {
	t.Helper()
	at := func(f string) string { return fmt.Sprintf("securityRules[%d].%s%s", i, end, f) }
	asgs, ok := nsg.Input(at("ApplicationSecurityGroups"))
	if !ok {
		return str(t, nsg, at("AddressPrefix"))
	}
	var got []string
	for _, a := range asgs.([]any) {
		id := a.(map[string]any)["id"].(string)
		asg, ok := byID(p, id)
		if !ok {
			t.Fatalf("%s rule %s: %s ASG %s is unknown", nsg.Name, name, end, id)
		}
		got = append(got, "asg:"+asg.Name)
	}
	if _, both := nsg.Input(at("AddressPrefix")); both {
		t.Errorf("%s rule %s has both a %s ASG and a %s address prefix", nsg.Name, name, end, end)
	}
	return strings.Join(got, ",")
}

func assertRules(t *testing.T, got, want []nsgRule) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d rules, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d:\n got %v\nwant %v", i, got[i], want[i])
		}
	}
}

func ingressIP(t *testing.T, p *plan.Plan) string {
	t.Helper()
	ip, ok := p.Outputs["ingressIp"].(string)
	if !ok || !strings.HasPrefix(ip, "20.") {
		t.Fatalf("ingressIp output %v, want the static public IP", p.Outputs["ingressIp"])
	}
	return ip
}

// The node subnet admits exactly: the UDP media range and ICE/TCP 7881 from
// the internet to the LiveKit nodes' ASG, 443/tcp to the signaling IP, and
// nothing else from the internet. 7880 is never open.
func TestNodeNSGRules(t *testing.T) {
	p := asia(t)
	nsg := one(t, p, tNSG, "livekit-nodes")
	want := []nsgRule{
		{name: "allow-media-udp", priority: 100, access: "Allow", protocol: "Udp", source: "Internet", dest: "asg:livekit-media", ports: asiaMedia},
		{name: "allow-ice-tcp", priority: 110, access: "Allow", protocol: "Tcp", source: "Internet", dest: "asg:livekit-media", ports: "7881"},
		{name: "allow-signaling-https", priority: 130, access: "Allow", protocol: "Tcp", source: "Internet", dest: ingressIP(t, p), ports: "443"},
		{name: "deny-internet-inbound", priority: 4096, access: "Deny", protocol: "*", source: "Internet", dest: "*", ports: "*"},
	}
	got := rules(t, p, nsg)
	assertRules(t, got, want)
	for _, r := range got {
		if r.access == "Allow" && (strings.Contains(r.ports, "7880") || r.ports == "*" || r.ports == "22") {
			t.Errorf("rule %v opens signaling, SSH or every port", r)
		}
	}
}

func TestNodeNSGRulesFollowMediaPlan(t *testing.T) {
	mux := rules(t, variantPlan(t, "mux"), one(t, variantPlan(t, "mux"), tNSG, "livekit-nodes"))
	if mux[0].name != "allow-media-udp" || mux[0].ports != "7882" || mux[0].protocol != "Udp" {
		t.Errorf("muxed media: first rule %v, want UDP 7882", mux[0])
	}
	turnPlan := variantPlan(t, "turn")
	turn := rules(t, turnPlan, one(t, turnPlan, tNSG, "livekit-nodes"))
	want := nsgRule{name: "allow-turn-udp", priority: 120, access: "Allow", protocol: "Udp", source: "Internet", dest: "asg:livekit-media", ports: "3478"}
	if len(turn) != 5 || turn[2] != want {
		t.Errorf("with TURN: rules %v, want %v third", turn, want)
	}
	base := rules(t, asia(t), one(t, asia(t), tNSG, "livekit-nodes"))
	for _, r := range base {
		if r.name == "allow-turn-udp" {
			t.Errorf("TURN is off by default but %v is open", r)
		}
	}
}

// Redis's private endpoint accepts 6380/tcp from the LiveKit nodes only:
// the media ASG their pool joins, not the node subnet, which holds the
// system pool too; and from the Egress nodes (on by default). The
// recordings account's blob endpoint (azureRecordingsPrivateLink) takes
// 443 from the node subnet. Nothing else of the VNet or the internet.
func TestEndpointNSGRules(t *testing.T) {
	p := asia(t)
	want := []nsgRule{
		{name: "allow-redis-tls-from-livekit", priority: 100, access: "Allow", protocol: "Tcp", source: "asg:livekit-media", dest: asiaEndpoints, ports: "6380"},
		{name: "allow-redis-tls-from-egress", priority: 101, access: "Allow", protocol: "Tcp", source: "asg:livekit-egress", dest: asiaEndpoints, ports: "6380"},
		{name: "allow-blob-https-from-nodes", priority: 110, access: "Allow", protocol: "Tcp", source: asiaNodes, dest: asiaEndpoints, ports: "443"},
		{name: "deny-vnet-inbound", priority: 4000, access: "Deny", protocol: "*", source: "VirtualNetwork", dest: "*", ports: "*"},
		{name: "deny-internet-inbound", priority: 4096, access: "Deny", protocol: "*", source: "Internet", dest: "*", ports: "*"},
	}
	assertRules(t, rules(t, p, one(t, p, tNSG, "livekit-endpoints")), want)
	open := variantPlan(t, "publicRecordings")
	assertRules(t, rules(t, open, one(t, open, tNSG, "livekit-endpoints")), append(want[:2:2], want[3:]...))
}

// The ASG source is the pool's: the one the LiveKit pool joins and the
// media rules target. The 40-node pool of the sizing variant (41 with its
// surge node) still fits the 50 members an ASG may have behind a private
// endpoint's NSG; a 60-node pool does not, and Redis falls back to the
// node subnet rather than risk refused connections.
func TestEndpointNSGRedisSourceFollowsPoolSize(t *testing.T) {
	p := asia(t)
	pool := one(t, p, tPool, "livekit-media")
	poolASGs := strs(list(t, pool, "networkProfile.applicationSecurityGroups"))
	asg := one(t, p, tASG, "livekit-media")
	if len(poolASGs) != 1 || poolASGs[0] != asg.ID {
		t.Fatalf("LiveKit pool ASGs %v, want [%s]", poolASGs, asg.ID)
	}
	if _, ok := one(t, p, tCluster, "livekit").Input("agentPoolProfiles[0].networkProfile.applicationSecurityGroups"); ok {
		t.Error("the system pool joins an ASG: it would reach Redis")
	}
	sizing := variantPlan(t, "sizing")
	if got := rules(t, sizing, one(t, sizing, tNSG, "livekit-endpoints"))[0]; got.source != "asg:livekit-media" {
		t.Errorf("40-node pool: Redis rule %v, want from the media ASG", got)
	}
	big := variantPlan(t, "bigPool")
	want := nsgRule{name: "allow-redis-tls-from-nodes", priority: 100, access: "Allow", protocol: "Tcp", source: asiaNodes, dest: asiaEndpoints, ports: "6380"}
	if got := rules(t, big, one(t, big, tNSG, "livekit-endpoints"))[0]; got != want {
		t.Errorf("60-node pool: Redis rule %v, want %v", got, want)
	}
}

func TestSubnets(t *testing.T) {
	p := asia(t)
	vnet := one(t, p, tVnet, "livekit")
	if got := strs(list(t, vnet, "addressSpace.addressPrefixes")); len(got) != 1 || got[0] != asiaVnet {
		t.Errorf("VNet address space %v, want [%s]", got, asiaVnet)
	}
	for name, want := range map[string]struct{ cidr, nsg string }{
		"livekit-nodes":     {asiaNodes, "livekit-nodes"},
		"livekit-endpoints": {asiaEndpoints, "livekit-endpoints"},
	} {
		s := one(t, p, tSubnet, name)
		if got := str(t, s, "addressPrefix"); got != want.cidr {
			t.Errorf("subnet %s: %s, want %s", name, got, want.cidr)
		}
		if got := str(t, s, "virtualNetworkName"); got != "livekit" {
			t.Errorf("subnet %s in VNet %q", name, got)
		}
		nsg, ok := byID(p, str(t, s, "networkSecurityGroup.id"))
		if !ok || nsg.Type != tNSG || nsg.Name != want.nsg {
			t.Errorf("subnet %s NSG %v, want %s", name, nsg, want.nsg)
		}
	}
	// Without network policies the NSG would not apply to private endpoints.
	if got := str(t, one(t, p, tSubnet, "livekit-endpoints"), "privateEndpointNetworkPolicies"); got != "Enabled" {
		t.Errorf("endpoint subnet privateEndpointNetworkPolicies %q, want Enabled", got)
	}
}

func TestIngressIP(t *testing.T) {
	p := asia(t)
	pip := one(t, p, tPIP, "livekit-ingress")
	if got := str(t, pip, "publicIPAllocationMethod"); got != "Static" {
		t.Errorf("ingress IP allocation %s, want Static (DNS points at it)", got)
	}
	if got := str(t, pip, "sku.name"); got != "Standard" {
		t.Errorf("ingress IP SKU %s, want Standard (the AKS load balancer's SKU)", got)
	}
	if got := strs(list(t, pip, "zones")); strings.Join(got, ",") != "1,2,3" {
		t.Errorf("ingress IP zones %v, want 1,2,3", got)
	}
	if _, ok := one(t, variantPlan(t, "noZones"), tPIP, "livekit-ingress").Input("zones"); ok {
		t.Error("without zones the ingress IP must not name any")
	}
	for _, r := range []*plan.Resource{one(t, p, tVnet, "livekit"), pip, one(t, p, tNSG, "livekit-nodes")} {
		if got := str(t, r, "location"); got != asiaLocation {
			t.Errorf("%s %s in %s, want %s", r.Type, r.Name, got, asiaLocation)
		}
		if !within(p, r, components.NetworkType) {
			t.Errorf("%s %s is not part of the Network component", r.Type, r.Name)
		}
	}
}

// The ingress IP's resource group holds the IP and nothing else: the AKS
// identity's Network Contributor on that group (Microsoft's static-IP
// guide) must not reach the VNet, subnets or NSGs. Both groups are
// protected and locked against deletion.
func TestIngressIPHasItsOwnGroup(t *testing.T) {
	p := asia(t)
	rg := one(t, p, tRG, "livekit-ingress")
	var inside []string
	for _, r := range p.Resources {
		if r.Custom && r.InputString("resourceGroupName") == rg.Name {
			inside = append(inside, r.Type+"/"+r.Name)
		}
	}
	if len(inside) != 1 || inside[0] != tPIP+"/livekit-ingress" {
		t.Errorf("resources in %s: %v, want only the ingress IP", rg.Name, inside)
	}
	if !rg.Protect || !one(t, p, tRG, "livekit").Protect {
		t.Error("a resource group is not protected")
	}
	locked := map[string]bool{}
	for _, l := range p.ByType("azure:management/lock:Lock") {
		if target, ok := byID(p, l.InputString("scope")); ok && l.InputString("lockLevel") == "CanNotDelete" {
			locked[target.Name] = true
		}
	}
	if !locked["livekit"] || !locked["livekit-ingress"] {
		t.Errorf("CanNotDelete locks on %v, want both resource groups", locked)
	}
}
