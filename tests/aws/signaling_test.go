package aws_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The signaling ALB: internet-facing, in the public subnets, with a long
// idle timeout for WebSockets.
func TestLoadBalancer(t *testing.T) {
	for _, tc := range []struct {
		variant string
		idle    int
	}{{"", 3600}, {"otherSizing", 1800}} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			alb := child(t, p, tMedia, tLB, "")
			checkInternetFacing(t, p, alb, "application", lbSG(t, p))
			expect(t, alb, "idleTimeout", tc.idle)
			expect(t, alb, "dropInvalidHeaderFields", true)
		})
	}
}

// checkInternetFacing checks a load balancer of type typ (application,
// network) is internet-facing, in the public subnets, behind the security
// group sg alone.
func checkInternetFacing(t *testing.T, p *plan.Plan, lb *plan.Resource, typ string, sg *plan.Resource) {
	t.Helper()
	expect(t, lb, "loadBalancerType", typ)
	expect(t, lb, "internal", false)
	public, _ := subnets(t, p)
	if got := list(t, lb, "subnets"); !slices.Equal(got, ids(public)) {
		t.Errorf("%s subnets = %v, want the public subnets %v", lb.Name, got, ids(public))
	}
	if got := list(t, lb, "securityGroups"); !slices.Equal(got, []string{sg.ID}) {
		t.Errorf("%s security groups = %v, want only %s", lb.Name, got, sg.Name)
	}
}

var tls12Policy = regexp.MustCompile(`^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)`)

// HTTPS on 443 with a TLS 1.2+ policy and the DNS-validated certificate.
func TestHTTPSListener(t *testing.T) {
	for _, tc := range []struct{ variant, policy string }{
		{"", "ELBSecurityPolicy-TLS13-1-2-2021-06"},
		{"otherSizing", "ELBSecurityPolicy-TLS13-1-3-2021-06"},
	} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			l := child(t, p, tMedia, tListener, "-https")
			expect(t, l, "port", 443)
			expect(t, l, "protocol", "HTTPS")
			expect(t, l, "sslPolicy", tc.policy)
			if !tls12Policy.MatchString(str(t, l, "sslPolicy")) {
				t.Errorf("sslPolicy %q allows TLS below 1.2", str(t, l, "sslPolicy"))
			}
			expect(t, l, "defaultActions[0].type", "forward")
			// HSTS on every signaling answer (#17 item 15), a year at least.
			expect(t, l, "routingHttpResponseStrictTransportSecurityHeaderValue", "max-age=31536000")
			validation := child(t, p, tMedia, tCertValid, "-cert")
			// Using the validation's output makes the listener wait for issuance.
			dependsOn(t, l, validation, "the listener uses the validated certificate")
			expect(t, l, "certificateArn", str(t, validation, "certificateArn"))
			dependsOn(t, l, child(t, p, tMedia, tLB, ""), "the listener is on the signaling ALB")
		})
	}
}

func TestHTTPRedirect(t *testing.T) {
	p := prod(t)
	l := child(t, p, tMedia, tListener, "-http")
	expect(t, l, "port", 80)
	expect(t, l, "protocol", "HTTP")
	expect(t, l, "defaultActions", []any{map[string]any{
		"type":     "redirect",
		"redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
	}})
	alb := child(t, p, tMedia, tLB, "")
	n := 0
	for _, l := range childrenOfType(p, tMedia, tListener) {
		if slices.Contains(l.Dependencies, alb.URN) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d listeners on the ALB, want 2 (HTTPS and the HTTP redirect)", n)
	}
}

// The target group reaches LiveKit's signaling port on each task's IP and
// checks LiveKit's real health endpoint.
func TestTargetGroup(t *testing.T) {
	p := prod(t)
	tg := child(t, p, tMedia, tTargetGroup, "")
	expect(t, tg, "port", 7880)
	expect(t, tg, "protocol", "HTTP")
	expect(t, tg, "targetType", "ip")
	expect(t, tg, "vpcId", child(t, p, tNetwork, tVpc, "-vpc").ID)
	expect(t, tg, "healthCheck.path", "/")
	expect(t, tg, "healthCheck.matcher", "200")
	if v, ok := tg.RawInput("healthCheck.enabled"); ok && v != true {
		t.Error("target group health check disabled")
	}
	if v, ok := tg.RawInput("healthCheck.port"); ok && v != "traffic-port" && v != "7880" {
		t.Errorf("health check port = %v, want the traffic port 7880", v)
	}
	if v, ok := tg.RawInput("healthCheck.protocol"); ok && v != "HTTP" {
		t.Errorf("health check protocol = %v, want HTTP", v)
	}
}

// One certificate for the regional and the global hostname, DNS-validated
// in the configured zone.
func TestSignalingCertificate(t *testing.T) {
	p := prod(t)
	cert := child(t, p, tMedia, tCert, "-cert")
	expect(t, cert, "domainName", prodHostname)
	expect(t, cert, "subjectAlternativeNames", []any{prodGlobal})
	expect(t, cert, "validationMethod", "DNS")
	validation := child(t, p, tMedia, tCertValid, "-cert")
	dependsOn(t, validation, cert, "validation waits for this certificate")
	if n := len(list(t, validation, "validationRecordFqdns")); n != 2 {
		t.Errorf("validation waits for %d records, want 2 (one per name)", n)
	}
	covered := map[string]bool{}
	for i := 0; i < 2; i++ {
		rec := child(t, p, tMedia, tRecord, fmt.Sprintf("-cert-validation-%d", i))
		expect(t, rec, "zoneId", prodZoneID)
		expect(t, rec, "type", "CNAME")
		dependsOn(t, rec, cert, "records come from the certificate's validation options")
		for _, name := range []string{prodHostname, prodGlobal} {
			if strings.HasSuffix(str(t, rec, "name"), "."+name+".") {
				covered[name] = true
			}
		}
		if len(list(t, rec, "records")) != 1 {
			t.Errorf("validation record %q: want one CNAME value", rec.Name)
		}
	}
	if len(covered) != 2 {
		t.Errorf("validation records cover %v, want both %s and %s", covered, prodHostname, prodGlobal)
	}
}

// The regional hostname aliases the ALB.
func TestSignalingDNS(t *testing.T) {
	p := prod(t)
	rec := child(t, p, tMedia, tRecord, "-dns")
	expect(t, rec, "zoneId", prodZoneID)
	expect(t, rec, "name", prodHostname)
	expect(t, rec, "type", "A")
	expect(t, rec, "aliases[0].name", p.RawOutputs["albDnsName"])
	expect(t, rec, "aliases[0].zoneId", "Z1H1FL5HABSF5") // the mock ALB's zone
	dependsOn(t, rec, child(t, p, tMedia, tLB, ""), "the alias targets the ALB")
	if aliases, _ := rec.RawInput("aliases"); len(aliases.([]any)) != 1 {
		t.Errorf("want exactly one alias target, got %v", aliases)
	}
}
