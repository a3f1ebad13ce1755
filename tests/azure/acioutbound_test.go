package azure_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	azurestack "github.com/livekit-infra/livekit-infra/stacks/azure"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// aciNAT checks the container groups' way out in p: one NAT gateway
// (livekit-nat, its own static Standard IP, never the media IP) on each
// subnet in groupSubnets and on no other subnet (the firewall's and the
// gateway's keep their own paths), no route table sending 0.0.0.0/0
// elsewhere, and no group with a public address. It returns the gateway.
func aciNAT(t *testing.T, p *plan.Plan, groupSubnets ...string) *plan.Resource {
	t.Helper()
	nats := p.ByType(tNATGateway)
	if len(nats) != 1 || nats[0].Name != "livekit-nat" {
		t.Fatalf("NAT gateways %v, want exactly livekit-nat (one for every container group subnet)", names(nats))
	}
	nat := &nats[0]
	ip := one(t, p, tPIP, "livekit-nat")
	planq.Masked.Expect(t, nat, "publicIpAddresses[0].id", ip.ID)
	planq.Masked.Expect(t, ip, "sku.name", "Standard")
	planq.Masked.Expect(t, ip, "publicIPAllocationMethod", "Static")
	if n := len(list(t, nat, "publicIpAddresses")); n != 1 {
		t.Errorf("the NAT gateway has %d addresses, want its one", n)
	}
	if ip.ID == one(t, p, tPIP, "livekit-media").ID {
		t.Error("the NAT gateway uses the media IP: the firewall's DNAT address must stay the firewall's")
	}
	want := map[string]bool{}
	for _, s := range groupSubnets {
		want[s] = true
	}
	for _, s := range p.ByType(tSubnet) {
		id, on := s.Input("natGateway.id")
		switch {
		case want[s.Name] && (!on || id != nat.ID):
			t.Errorf("subnet %s holds container groups but is not out through the NAT gateway (natGateway %v): it would rest on default outbound access", s.Name, id)
		case !want[s.Name] && on:
			t.Errorf("subnet %s has a NAT gateway; only the container group subnets %v do", s.Name, groupSubnets)
		}
		if rt, ok := s.Input("routeTable"); ok {
			t.Errorf("subnet %s has a route table (%v): its internet route must stay the NAT gateway's", s.Name, rt)
		}
		delete(want, s.Name)
	}
	for s := range want {
		t.Errorf("no subnet %s", s)
	}
	for _, g := range p.ByType(tACIGroup) {
		planq.Masked.Expect(t, &g, "ipAddressType", "Private")
		if _, ok := g.Input("dnsNameLabel"); ok {
			t.Errorf("group %s has a DNS name label", g.Name)
		}
	}
	return nat
}

// The container groups' outbound path (docs/azure.md, "The way out"): a VNet
// container group must use a NAT gateway, so the LiveKit groups' subnet
// (whose metrics agent writes to Azure Monitor and AWS over HTTPS) and the
// Egress subnet share one; the gateway and firewall subnets have none, no
// group is public, and the LiveKit groups' NSG is TestACINetworkRules'
// list, unchanged (a NAT gateway admits no inbound flow).
func TestACIOutbound(t *testing.T) {
	aciNAT(t, aci(t), "livekit-nodes", "livekit-egress")
}

// egress false: the Egress subnet goes, the NAT gateway stays for the
// LiveKit groups, and `lkinfra cost` prices it.
func TestACIOutboundWithoutEgress(t *testing.T) {
	sc := aciStack.Config(map[string]string{"egress": "false"})
	p, err := plan.Evaluate(sc, azurestack.Program)
	if err != nil {
		t.Fatal(err)
	}
	nat := aciNAT(t, p, "livekit-nodes")
	cat, err := cost.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := cat.Estimate(p, cost.Options{Regions: cost.RegionsFromConfig(sc.Config), Config: sc.Config})
	var hourly float64
	for _, c := range e.Components {
		for _, r := range c.Resources {
			if r.Type == tNATGateway && r.Name == nat.Name {
				for _, l := range r.Lines {
					if l.Usage == "" {
						hourly += l.Monthly.Min
					}
				}
			}
		}
	}
	// $0.045 a gateway-hour (internal/cost/prices/azure-southeastasia.yaml).
	if hourly < 30 || hourly > 35 {
		t.Errorf("the NAT gateway's hours are priced at $%.2f a month, want about $33 (0.045 x 730)", hourly)
	}
}
