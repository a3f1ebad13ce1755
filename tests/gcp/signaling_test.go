package gcp_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

func TestSignalingGateway(t *testing.T) {
	p := stackPlan(t)
	ip := one(t, p, tGlobalAddr, "livekit-signal")
	expect(t, ip, map[string]any{"addressType": "EXTERNAL", "ipVersion": "IPV4"})
	if !ip.Protect {
		t.Error("the signaling IP (in DNS and clients' caches) is not protected")
	}
	cmap := one(t, p, tCertMap, "livekit-signal")

	gw := only(t, p, tGateway)
	expect(t, gw, map[string]any{
		"spec.gatewayClassName":                             "gke-l7-global-external-managed",
		"spec.addresses[0].type":                            "NamedAddress",
		"spec.addresses[0].value":                           ip.Name, // autonamed: the mock gives it its logical name
		`metadata.annotations["networking.gke.io/certmap"]`: cmap.Name,
		"metadata.namespace":                                "livekit",
	})
	listeners := input(t, gw, "spec.listeners").([]any)
	if len(listeners) != 1 {
		t.Fatalf("gateway has %d listeners, want HTTPS only", len(listeners))
	}
	l := listeners[0].(map[string]any)
	if l["protocol"] != "HTTPS" || l["port"] != 443 {
		t.Errorf("listener = %v, want HTTPS on 443", l)
	}

	route := only(t, p, tHTTPRoute)
	hosts := strs(input(t, route, "spec.hostnames"))
	if !contains(hosts, euHostname) || !contains(hosts, euGlobal) {
		t.Errorf("route hostnames = %v, want the regional and global names", hosts)
	}
	expect(t, route, map[string]any{
		"spec.parentRefs[0].name":           "livekit",
		"spec.rules[0].backendRefs[0].name": "livekit-signal",
		"spec.rules[0].backendRefs[0].port": 7880,
		// HSTS on every signaling answer (#17 item 15).
		"spec.rules[0].filters[0].type":                                "ResponseHeaderModifier",
		"spec.rules[0].filters[0].responseHeaderModifier.set[0].name":  "Strict-Transport-Security",
		"spec.rules[0].filters[0].responseHeaderModifier.set[0].value": "max-age=31536000",
	})

	// WebSockets: the backend timeout is the connection's whole lifetime.
	bp := only(t, p, tBackendPol)
	if v, _ := bp.Input("spec.default.timeoutSec"); v.(int) < 3600 {
		t.Errorf("backend timeoutSec = %v, too short for signaling WebSockets", v)
	}
	expect(t, bp, map[string]any{"spec.targetRef.kind": "Service", "spec.targetRef.name": "livekit-signal"})

	hc := only(t, p, tHealthPol)
	expect(t, hc, map[string]any{
		"spec.default.config.type":                        "HTTP",
		"spec.default.config.httpHealthCheck.requestPath": "/",
		"spec.default.config.httpHealthCheck.port":        7880,
		"spec.targetRef.name":                             "livekit-signal",
	})

	tls := only(t, p, tGatewayPol)
	pol := one(t, p, tSSLPolicy, "livekit-signal")
	// RESTRICTED: TLS 1.2 only with ECDHE and AEAD suites (#17 item 15),
	// on the signaling edge and the recordings CDN alike.
	expect(t, pol, map[string]any{"minTlsVersion": "TLS_1_2", "profile": "RESTRICTED"})
	expect(t, one(t, p, tSSLPolicy, "livekit-recordings-cdn"), map[string]any{"minTlsVersion": "TLS_1_2", "profile": "RESTRICTED"})
	expect(t, tls, map[string]any{
		"spec.default.sslPolicy": pol.Name,
		"spec.targetRef.kind":    "Gateway",
		"spec.targetRef.name":    "livekit",
	})

	pm := one(t, p, tPodMonitor, "livekit-metrics")
	expect(t, pm, map[string]any{"spec.endpoints[0].port": 6789})
}

// Every region's certificate carries the global GeoDNS name as well as its
// own, through DNS authorization, so it issues wherever GeoDNS points.
func TestSignalingCertificate(t *testing.T) {
	p := stackPlan(t)
	cert := one(t, p, tCert, "livekit-signal")
	domains := strs(input(t, cert, "managed.domains"))
	if len(domains) != 2 || !contains(domains, euHostname) || !contains(domains, euGlobal) {
		t.Errorf("certificate domains = %v, want %s and %s", domains, euHostname, euGlobal)
	}
	auths := strs(input(t, cert, "managed.dnsAuthorizations"))
	if len(auths) != 2 {
		t.Errorf("certificate has %d DNS authorizations, want one per domain", len(auths))
	}
	var authDomains []string
	for _, a := range p.ByType(tDNSAuth) {
		if !descendantOf(p, &a, tMedia) || strings.HasPrefix(a.Name, "livekit-turn") {
			continue // TURN's own certificate: tests/gcp/turn_test.go
		}
		if !contains(auths, a.ID) {
			t.Errorf("DNS authorization %s is not used by the certificate", a.Name)
		}
		if a.InputString("type") != "PER_PROJECT_RECORD" {
			t.Errorf("DNS authorization %s type %q", a.Name, a.InputString("type"))
		}
		authDomains = append(authDomains, a.InputString("domain"))
	}
	if strings.Join(sortStrings(authDomains), ",") != strings.Join(domains, ",") {
		t.Errorf("authorized domains %v, certificate domains %v", authDomains, domains)
	}

	var entries []string
	cmap := one(t, p, tCertMap, "livekit-signal")
	for _, e := range p.ByType(tCertMapEntry) {
		if e.InputString("map") != cmap.Name {
			continue
		}
		if !contains(strs(input(t, &e, "certificates")), cert.ID) {
			t.Errorf("map entry %s does not serve the certificate", e.Name)
		}
		entries = append(entries, e.InputString("hostname"))
	}
	if strings.Join(sortStrings(entries), ",") != strings.Join(domains, ",") {
		t.Errorf("certificate map entries for %v, want %v", entries, domains)
	}
}

// All records go into the product's Route 53 zone through the explicit AWS
// provider used only for DNS.
func TestRoute53RecordsThroughDNSProvider(t *testing.T) {
	p := stackPlan(t)
	var dns *plan.Resource
	for _, pr := range p.ByType(tAWSProvider) {
		if pr.Name == "dns" {
			dns = &pr
		}
	}
	if dns == nil {
		t.Fatal("no explicit AWS provider for DNS")
	}
	if dns.InputString("region") != "us-east-1" {
		t.Errorf("DNS provider region %q", dns.InputString("region"))
	}
	records := p.ByType(tRecord)
	if len(records) == 0 {
		t.Fatal("no Route 53 records")
	}
	for _, r := range records {
		if providerURN(r.Provider) != dns.URN {
			t.Errorf("record %s uses provider %q, want the DNS provider", r.Name, r.Provider)
		}
		if r.InputString("zoneId") != euZoneID {
			t.Errorf("record %s in zone %q", r.Name, r.InputString("zoneId"))
		}
	}
	// Nothing but Route 53 uses the AWS provider.
	for _, r := range p.Resources {
		if strings.HasPrefix(r.Type, "aws:") && r.Type != tRecord {
			t.Errorf("AWS resource %s %s in the GCP stack", r.Type, r.Name)
		}
	}

	a := one(t, p, tRecord, "livekit-dns")
	expect(t, a, map[string]any{"name": euHostname, "type": "A", "ttl": 60, "records": []any{p.Outputs["ingressIp"]}})
	if ip, _ := p.Outputs["ingressIp"].(string); !strings.HasPrefix(ip, "34.") {
		t.Errorf("A record points at %q, want the signaling IP", ip)
	}

	// One CNAME per DNS authorization, with Google's record.
	for i, auth := range []string{"livekit-signal-auth-0", "livekit-signal-auth-1"} {
		rec := one(t, p, tRecord, auth)
		if rec.InputString("type") != "CNAME" {
			t.Errorf("authorization record %d type %q", i, rec.InputString("type"))
		}
		if !strings.HasPrefix(rec.InputString("name"), "_acme-challenge_") || !strings.HasSuffix(rec.InputString("records[0]"), ".authorize.certificatemanager.goog.") {
			t.Errorf("authorization record %s = %s -> %s", auth, rec.InputString("name"), rec.InputString("records[0]"))
		}
	}
	// The global hostname's traffic records belong to the global stack.
	for _, r := range records {
		if r.InputString("name") == euGlobal {
			t.Errorf("the regional stack writes the global name's %s record", r.InputString("type"))
		}
	}
}
