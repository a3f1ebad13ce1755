package aws_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// subnets returns the network's public and private subnets, in zone order.
func subnets(t *testing.T, p *plan.Plan) (public, private []*plan.Resource) {
	t.Helper()
	for i := 0; i < 3; i++ {
		public = append(public, child(t, p, tNetwork, tSubnet, fmt.Sprintf("-public-%d", i)))
		private = append(private, child(t, p, tNetwork, tSubnet, fmt.Sprintf("-private-%d", i)))
	}
	if n := len(childrenOfType(p, tNetwork, tSubnet)); n != 6 {
		t.Errorf("network has %d subnets, want 6 (3 public + 3 private)", n)
	}
	return public, private
}

func ids(rs []*plan.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestNetworkVPC(t *testing.T) {
	for _, tc := range []struct{ variant, cidr string }{{"", prodVpcCIDR}, {"otherRedisVpc", "10.42.0.0/20"}} {
		p := prodOr(t, tc.variant)
		vpc := child(t, p, tNetwork, tVpc, "-vpc")
		expect(t, vpc, "cidrBlock", tc.cidr)
		// ECS tasks resolve Secrets Manager, ElastiCache and STUN names.
		expect(t, vpc, "enableDnsSupport", true)
		expect(t, vpc, "enableDnsHostnames", true)
	}
}

// Three public and three private subnets, one of each per zone, inside the
// VPC and not overlapping.
func TestNetworkSubnets(t *testing.T) {
	for _, variant := range []string{"", "otherRedisVpc"} {
		t.Run("variant="+variant, func(t *testing.T) {
			p := prodOr(t, variant)
			vpcCIDR := netip.MustParsePrefix(str(t, child(t, p, tNetwork, tVpc, "-vpc"), "cidrBlock"))
			public, private := subnets(t, p)
			for _, group := range [][]*plan.Resource{public, private} {
				zones := map[string]bool{}
				for _, s := range group {
					z := str(t, s, "availabilityZone")
					if zones[z] {
						t.Errorf("subnet %q: zone %s used twice in its tier", s.Name, z)
					}
					zones[z] = true
				}
				if len(zones) != 3 {
					t.Errorf("subnets %v span %d zones, want 3", ids(group), len(zones))
				}
			}
			all := append(append([]*plan.Resource{}, public...), private...)
			prefixes := make([]netip.Prefix, len(all))
			for i, s := range all {
				pfx, err := netip.ParsePrefix(str(t, s, "cidrBlock"))
				if err != nil {
					t.Fatalf("subnet %q: %v", s.Name, err)
				}
				prefixes[i] = pfx
				if !vpcCIDR.Contains(pfx.Addr()) || pfx.Bits() < vpcCIDR.Bits() {
					t.Errorf("subnet %q %s is not inside the VPC %s", s.Name, pfx, vpcCIDR)
				}
				if str(t, s, "vpcId") != child(t, p, tNetwork, tVpc, "-vpc").ID {
					t.Errorf("subnet %q is not in the network's VPC", s.Name)
				}
			}
			for i := range prefixes {
				for j := i + 1; j < len(prefixes); j++ {
					if prefixes[i].Overlaps(prefixes[j]) {
						t.Errorf("subnets %q %s and %q %s overlap", all[i].Name, prefixes[i], all[j].Name, prefixes[j])
					}
				}
			}
		})
	}
}

// routeTableOf returns the route table associated with subnet.
func routeTableOf(t *testing.T, p *plan.Plan, subnet *plan.Resource) *plan.Resource {
	t.Helper()
	var found []*plan.Resource
	for _, a := range childrenOfType(p, tNetwork, tRTAssoc) {
		if v, _ := a.RawInput("subnetId"); v == subnet.ID {
			rt, ok := byID(p, str(t, &a, "routeTableId"))
			if !ok || rt.Type != tRouteTable {
				t.Fatalf("association %q points at unknown route table %v", a.Name, v)
			}
			found = append(found, rt)
		}
	}
	if len(found) != 1 {
		t.Fatalf("subnet %q has %d route table associations, want 1", subnet.Name, len(found))
	}
	return found[0]
}

// defaultRoute returns the 0.0.0.0/0 route of a route table (nil if none).
func defaultRoute(t *testing.T, rt *plan.Resource) map[string]any {
	t.Helper()
	routes, _ := rt.RawInput("routes")
	rs, _ := routes.([]any)
	var def map[string]any
	for _, r := range rs {
		m, _ := r.(map[string]any)
		if m["cidrBlock"] == "0.0.0.0/0" {
			if def != nil {
				t.Errorf("route table %q has two default routes", rt.Name)
			}
			def = m
		}
	}
	return def
}

// Public subnets route to the internet gateway (tasks and the ALB live
// there and need their public IPs reachable).
func TestNetworkPublicRouting(t *testing.T) {
	p := prod(t)
	igw := child(t, p, tNetwork, tIgw, "-igw")
	expect(t, igw, "vpcId", child(t, p, tNetwork, tVpc, "-vpc").ID)
	public, _ := subnets(t, p)
	for _, s := range public {
		rt := routeTableOf(t, p, s)
		def := defaultRoute(t, rt)
		if def == nil || def["gatewayId"] != igw.ID {
			t.Errorf("public subnet %q: route table %q default route = %v, want the internet gateway %s", s.Name, rt.Name, def, igw.ID)
		}
	}
}

// NAT gateways: none by default (the private subnets hold only ElastiCache,
// which needs no internet), one shared with `single`, one per zone with
// `perAz`; each private subnet's default route uses one when present.
func TestNetworkNAT(t *testing.T) {
	for _, tc := range []struct {
		variant string
		nats    int
	}{{"", 0}, {"natSingle", 1}, {"natPerAz", 3}} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			eips := childrenOfType(p, tNetwork, tEip)
			nats := childrenOfType(p, tNetwork, tNat)
			if len(eips) != tc.nats || len(nats) != tc.nats {
				t.Fatalf("got %d EIPs and %d NAT gateways, want %d of each", len(eips), len(nats), tc.nats)
			}
			public, private := subnets(t, p)
			natIDs := map[string]bool{}
			usedZones := map[string]bool{}
			for _, n := range nats {
				natIDs[n.ID] = true
				eip, ok := byID(p, str(t, &n, "allocationId"))
				if !ok || eip.Type != tEip {
					t.Errorf("NAT %q: allocationId is not one of the network's EIPs", n.Name)
				} else {
					expect(t, eip, "domain", "vpc")
				}
				sub, ok := byID(p, str(t, &n, "subnetId"))
				if !ok || !slices.Contains(ids(public), sub.ID) {
					t.Errorf("NAT %q is not in a public subnet", n.Name)
				} else {
					usedZones[str(t, sub, "availabilityZone")] = true
				}
			}
			if len(usedZones) != tc.nats {
				t.Errorf("NAT gateways sit in %d zones, want %d (one per zone)", len(usedZones), tc.nats)
			}
			for _, s := range private {
				rt := routeTableOf(t, p, s)
				def := defaultRoute(t, rt)
				switch {
				case tc.nats == 0 && def != nil:
					t.Errorf("private subnet %q has a default route %v with no NAT", s.Name, def)
				case tc.nats > 0 && (def == nil || !natIDs[fmt.Sprint(def["natGatewayId"])]):
					t.Errorf("private subnet %q: default route %v, want a NAT gateway", s.Name, def)
				case def != nil && def["gatewayId"] != nil:
					t.Errorf("private subnet %q routes to the internet gateway", s.Name)
				}
			}
		})
	}
}

// The VPC's default security group is stripped of its allow-all rules.
func TestNetworkDefaultSecurityGroupStripped(t *testing.T) {
	p := prod(t)
	sg := child(t, p, tNetwork, tDefaultSG, "-default-sg")
	expect(t, sg, "vpcId", child(t, p, tNetwork, tVpc, "-vpc").ID)
	absentOrEmpty(t, sg, "ingress", "the default group must admit nothing")
	absentOrEmpty(t, sg, "egress", "the default group must allow nothing")
}
