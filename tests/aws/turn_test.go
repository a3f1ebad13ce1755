package aws_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// TURN over TLS (#20): an NLB with a TLS listener on 443 for turn.<hostname>
// with its own DNS-validated ACM certificate, forwarding the decrypted
// stream to the tasks' TURN port; 443 open to the internet on the NLB only.

func turnLBSG(t *testing.T, p *plan.Plan) *plan.Resource {
	return child(t, p, tNetwork, tSG, "-turn-lb-sg")
}

// checkTURNFront checks the TURN/TLS front door of an AWS region, the same
// on Fargate and EKS (find locates its parts by type and name suffix): an
// internet-facing, cross-zone, deletion-protected NLB in the public
// subnets behind the TURN NLB group alone; a DNS-validated certificate for
// name alone; a TLS 1.2+ listener on 443 with it, waiting for the NLB and
// the validation, forwarding to a TCP target group on port (IP targets,
// TCP health check on the traffic port); and name as an alias A record of
// the NLB in the region's zone. It returns the listener and the ARN it
// forwards to.
func checkTURNFront(t *testing.T, p *plan.Plan, find func(typ, suffix string) *plan.Resource, name string, port int) (*plan.Resource, string) {
	t.Helper()
	nlb := find(tLB, "-turn")
	checkInternetFacing(t, p, nlb, "network", turnLBSG(t, p))
	expect(t, nlb, "enableCrossZoneLoadBalancing", true)
	expect(t, nlb, "enableDeletionProtection", true)

	cert := find(tCert, "-turn-cert")
	expect(t, cert, "domainName", name)
	expect(t, cert, "validationMethod", "DNS")
	absentOrEmpty(t, cert, "subjectAlternativeNames", "the TURN certificate names the TURN host only")
	validation := find(tCertValid, "-turn-cert")
	dependsOn(t, validation, cert, "validates the TURN certificate")

	l := find(tListener, "-turn-tls")
	expect(t, l, "port", 443)
	expect(t, l, "protocol", "TLS")
	if !tls12Policy.MatchString(str(t, l, "sslPolicy")) {
		t.Errorf("TURN listener sslPolicy %q allows TLS below 1.2", str(t, l, "sslPolicy"))
	}
	expect(t, l, "certificateArn", str(t, validation, "certificateArn"))
	dependsOn(t, l, nlb, "the TURN listener is on the TURN NLB")
	dependsOn(t, l, validation, "the listener waits for the TURN certificate")

	tg := find(tTargetGroup, "-turn")
	expect(t, tg, "port", port)
	expect(t, tg, "protocol", "TCP")
	expect(t, tg, "targetType", "ip")
	expect(t, tg, "healthCheck.protocol", "TCP")
	expect(t, tg, "healthCheck.port", "traffic-port")
	expect(t, l, "defaultActions[0].type", "forward")
	fwd := str(t, l, "defaultActions[0].targetGroupArn")
	if !strings.Contains(fwd, ":targetgroup/"+tg.Name+"/") {
		t.Errorf("TURN listener forwards to %s, want target group %s", fwd, tg.Name)
	}

	// The name clients get in turns:<name>:443 resolves to the NLB.
	rec := planq.Record(t, p, name)
	expect(t, rec, "type", "A")
	expect(t, rec, "zoneId", prodZoneID)
	expect(t, rec, "aliases[0].name", p.RawOutputs["turnNlbDnsName"])
	if dns, _ := p.RawOutputs["turnNlbDnsName"].(string); !strings.HasPrefix(dns, "livekit-turn-") || dns == p.RawOutputs["albDnsName"] {
		t.Errorf("turnNlbDnsName = %q, want the TURN NLB's name (not the ALB's)", dns)
	}
	dependsOn(t, rec, nlb, "the alias targets the TURN NLB")
	expect(t, rec, "aliases[0].evaluateTargetHealth", true)
	return l, fwd
}

func TestTURNLoadBalancer(t *testing.T) {
	for _, tc := range []struct {
		variant, name string
		port          int
	}{{"", prodTURN, 5349}, {"turnNamed", "relay.example.com", 5443}} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			l, fwd := checkTURNFront(t, p, func(typ, suffix string) *plan.Resource { return child(t, p, tMedia, typ, suffix) }, tc.name, tc.port)

			// Tasks register with it on their TURN port.
			svc := child(t, p, tMedia, tService, "")
			expect(t, svc, "loadBalancers[1].targetGroupArn", fwd)
			expect(t, svc, "loadBalancers[1].containerPort", tc.port)
			dependsOn(t, svc, l, "tasks register once the TURN listener exists")

			cfg := renderedConfig(t, p)
			if cfg.TURN == nil || cfg.TURN.Domain != tc.name || cfg.TURN.TLSPort != tc.port || !cfg.TURN.ExternalTLS {
				t.Errorf("turn = %s, want %s on %d with external_tls", describe(cfg.TURN), tc.name, tc.port)
			}
			if got := p.Outputs["turnUrl"]; got != "turns:"+tc.name+":443?transport=tcp" {
				t.Errorf("output turnUrl = %v", got)
			}
		})
	}
}

// The TURN NLB's group: 443 from the internet in, the tasks' TURN port out;
// the tasks admit the TURN port from that group only.
func TestTURNSecurityGroup(t *testing.T) {
	p := prod(t)
	sg, media := turnLBSG(t, p), mediaSG(t, p)
	absentOrEmpty(t, sg, "ingress", "rules are separate resources")
	absentOrEmpty(t, sg, "egress", "rules are separate resources")
	expect(t, sg, "vpcId", child(t, p, tNetwork, tVpc, "-vpc").ID)
	checkRules(t, "TURN NLB SG ingress", rulesOf(t, p, sg, "ingress"), []wantRule{{"tcp", 443, 443, ""}})
	checkRules(t, "TURN NLB SG egress", rulesOf(t, p, sg, "egress"), []wantRule{{"tcp", 5349, 5349, media.ID}})
	for _, r := range rulesOf(t, p, media, "ingress") {
		if r.Protocol == "tcp" && r.From <= 5349 && r.To >= 5349 && r.Peer != sg.ID {
			t.Errorf("the TURN port is open to more than the TURN NLB: %v", r)
		}
	}
}

// turnTls false: no NLB, certificate, group, record or turn block.
func TestTURNTLSOff(t *testing.T) {
	p := variantPlan(t, "noTurnTls")
	if _, ok := findChild(p, tMedia, tLB, "-turn"); ok {
		t.Error("TURN NLB declared with turnTls false")
	}
	if _, ok := findChild(p, tMedia, tCert, "-turn-cert"); ok {
		t.Error("TURN certificate declared with turnTls false")
	}
	if _, ok := findChild(p, tNetwork, tSG, "-turn-lb-sg"); ok {
		t.Error("TURN NLB security group declared with turnTls false")
	}
	for _, r := range childrenOfType(p, tMedia, tRecord) {
		if strings.HasPrefix(r.InputString("name"), "turn.") {
			t.Errorf("TURN record %s with turnTls false", r.InputString("name"))
		}
	}
	if _, ok := p.Outputs["turnUrl"]; ok {
		t.Error("turnUrl output with turnTls false")
	}
}
