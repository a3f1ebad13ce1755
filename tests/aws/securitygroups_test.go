package aws_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// sgRule is one aws:ec2/securityGroupRule, normalised.
type sgRule struct {
	Name     string
	Kind     string // ingress, egress
	Protocol string
	From, To int
	CIDRs    []string
	Peer     string // sourceSecurityGroupId
}

func (r sgRule) String() string {
	src := strings.Join(r.CIDRs, ",")
	if r.Peer != "" {
		src = "sg:" + r.Peer
	}
	return fmt.Sprintf("%s %s %d-%d %s (%s)", r.Kind, r.Protocol, r.From, r.To, src, r.Name)
}

// rulesOf returns the rules of security group sg of kind (ingress/egress).
func rulesOf(t *testing.T, p *plan.Plan, sg *plan.Resource, kind string) []sgRule {
	t.Helper()
	var out []sgRule
	for _, r := range p.ByType(tSGRule) {
		if v, _ := r.RawInput("securityGroupId"); v != sg.ID {
			continue
		}
		rule := sgRule{
			Name: r.Name, Kind: str(t, &r, "type"), Protocol: str(t, &r, "protocol"),
			From: num(t, &r, "fromPort"), To: num(t, &r, "toPort"),
			CIDRs: list(t, &r, "cidrBlocks"),
		}
		if v, ok := r.RawInput("sourceSecurityGroupId"); ok && v != nil {
			rule.Peer = fmt.Sprint(v)
		}
		if ipv6 := list(t, &r, "ipv6CidrBlocks"); len(ipv6) > 0 {
			rule.CIDRs = append(rule.CIDRs, ipv6...)
		}
		if pl := list(t, &r, "prefixListIds"); len(pl) > 0 {
			t.Errorf("rule %q uses prefix lists %v; the tests do not expect any", r.Name, pl)
		}
		if rule.Kind == kind {
			out = append(out, rule)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From < out[j].From })
	return out
}

func mediaSG(t *testing.T, p *plan.Plan) *plan.Resource {
	return child(t, p, tNetwork, tSG, "-media-sg")
}

func lbSG(t *testing.T, p *plan.Plan) *plan.Resource {
	return child(t, p, tNetwork, tSG, "-lb-sg")
}

// wantRule is an expected rule: from the internet (cidr 0.0.0.0/0) or from a
// peer security group.
type wantRule struct {
	proto    string
	from, to int
	peer     string // security group id; empty means 0.0.0.0/0
}

// checkRules asserts the group's rules of kind are exactly want.
func checkRules(t *testing.T, what string, got []sgRule, want []wantRule) {
	t.Helper()
	matched := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if g.Protocol != w.proto || g.From != w.from || g.To != w.to {
				continue
			}
			found, matched[i] = true, true
			if w.peer == "" {
				if !slices.Equal(g.CIDRs, []string{"0.0.0.0/0"}) || g.Peer != "" {
					t.Errorf("%s: rule %v should be open to 0.0.0.0/0 only", what, g)
				}
			} else {
				if g.Peer != w.peer || len(g.CIDRs) != 0 {
					t.Errorf("%s: rule %v should admit only security group %s, with no CIDR blocks", what, g, w.peer)
				}
			}
		}
		if !found {
			t.Errorf("%s: missing rule %s %d-%d (peer %q); have %v", what, w.proto, w.from, w.to, w.peer, got)
		}
	}
	for i, g := range got {
		if !matched[i] {
			t.Errorf("%s: unexpected rule %v", what, g)
		}
	}
}

// Media tasks: UDP media and ICE/TCP straight from the internet, signaling
// (7880) only from the ALB, nothing else (no 7880 or 22 from the internet).
func TestMediaSecurityGroupIngress(t *testing.T) {
	for _, tc := range []struct {
		variant string
		extra   []wantRule
		udp     [2]int
	}{
		{"", nil, [2]int{50000, 60000}},
		{"mux", nil, [2]int{7882, 7882}},
		{"turn", []wantRule{{"udp", 3478, 3478, ""}}, [2]int{50000, 60000}},
		{"noTurnTls", nil, [2]int{50000, 60000}},
	} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			media, lb := mediaSG(t, p), lbSG(t, p)
			if tc.variant != "noTurnTls" {
				// The TURN stream (TLS ended at the NLB) from the TURN NLB only.
				tc.extra = append(tc.extra, wantRule{"tcp", 5349, 5349, turnLBSG(t, p).ID})
			}
			absentOrEmpty(t, media, "ingress", "rules are separate resources so the groups can reference each other")
			want := append([]wantRule{
				{"udp", tc.udp[0], tc.udp[1], ""},
				{"tcp", 7881, 7881, ""},
				{"tcp", 7880, 7880, lb.ID},
			}, tc.extra...)
			checkRules(t, "media SG ingress", rulesOf(t, p, media, "ingress"), want)
		})
	}
}

// The ALB admits HTTPS and the HTTP redirect from the internet and may only
// reach LiveKit's signaling port on the media tasks.
func TestLoadBalancerSecurityGroup(t *testing.T) {
	p := prod(t)
	media, lb := mediaSG(t, p), lbSG(t, p)
	absentOrEmpty(t, lb, "ingress", "rules are separate resources")
	absentOrEmpty(t, lb, "egress", "rules are separate resources")
	checkRules(t, "LB SG ingress", rulesOf(t, p, lb, "ingress"), []wantRule{{"tcp", 80, 80, ""}, {"tcp", 443, 443, ""}})
	checkRules(t, "LB SG egress", rulesOf(t, p, lb, "egress"), []wantRule{{"tcp", 7880, 7880, media.ID}})
}

// Both groups are in the network's VPC.
func TestSecurityGroupsInVPC(t *testing.T) {
	p := prod(t)
	vpc := child(t, p, tNetwork, tVpc, "-vpc")
	for _, sg := range []*plan.Resource{mediaSG(t, p), lbSG(t, p), child(t, p, tRedisCache, tSG, "-sg")} {
		expect(t, sg, "vpcId", vpc.ID)
	}
}

// TURN is opened only when configured.
func TestTURNRuleOnlyWhenConfigured(t *testing.T) {
	p := prod(t)
	for _, r := range rulesOf(t, p, mediaSG(t, p), "ingress") {
		if r.From <= 3478 && r.To >= 3478 {
			t.Errorf("TURN port 3478 open without turnUdpPort: %v", r)
		}
	}
}

// Redis admits 6379 only from the media tasks and the Egress workers (which
// take their jobs over it), and sends nothing; without Egress, from the
// media tasks alone.
func TestRedisSecurityGroup(t *testing.T) {
	for _, variant := range []string{"", "noEgress"} {
		p := prodOr(t, variant)
		sg := child(t, p, tRedisCache, tSG, "-sg")
		wantFrom := [][]string{{mediaSG(t, p).ID}}
		if variant == "" {
			wantFrom = append(wantFrom, []string{egressSG(t, p).ID})
		} else if _, ok := findChild(p, tNetwork, tSG, "-egress-sg"); ok {
			t.Errorf("%s: an Egress security group exists with egress false", variant)
		}
		ing, _ := sg.RawInput("ingress")
		rules, _ := ing.([]any)
		if len(rules) != len(wantFrom) {
			t.Fatalf("%s: Redis SG has %d inline ingress rules, want %d: %v", variant, len(rules), len(wantFrom), ing)
		}
		for i, raw := range rules {
			r, _ := raw.(map[string]any)
			want := map[string]any{"protocol": "tcp", "fromPort": 6379, "toPort": 6379}
			for k, v := range want {
				if r[k] != v {
					t.Errorf("%s: Redis SG ingress %s = %v, want %v", variant, k, r[k], v)
				}
			}
			if got := asStrings(t, "Redis SG ingress securityGroups", r["securityGroups"]); !slices.Equal(got, wantFrom[i]) {
				t.Errorf("%s: Redis SG ingress %d from security groups %v, want only %v", variant, i, got, wantFrom[i])
			}
			testRedisRuleNoOthers(t, r)
		}
		absentOrEmpty(t, sg, "egress", "Redis only answers")
		if extra := rulesOf(t, p, sg, "ingress"); len(extra) > 0 {
			t.Errorf("extra ingress rules on the Redis SG: %v", extra)
		}
		if extra := rulesOf(t, p, sg, "egress"); len(extra) > 0 {
			t.Errorf("egress rules on the Redis SG: %v", extra)
		}
	}
}

func testRedisRuleNoOthers(t *testing.T, r map[string]any) {
	t.Helper()
	for _, k := range []string{"cidrBlocks", "ipv6CidrBlocks", "prefixListIds"} {
		if v := r[k]; v != nil && len(v.([]any)) > 0 {
			t.Errorf("Redis SG ingress has %s %v; want none", k, v)
		}
	}
	if v := r["self"]; v == true {
		t.Errorf("Redis SG ingress admits itself")
	}
}
