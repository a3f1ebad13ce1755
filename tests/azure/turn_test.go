package azure_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/azure"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

const (
	asiaTURN   = "turn.azure-asia.example.com"
	tRouteTCP  = "kubernetes:traefik.io/v1alpha1:IngressRouteTCP"
	tNSGRuleIn = "securityRules"
)

// TURN/TLS on AKS (#20), from the real Pulumi.azure-asia.yaml: Traefik,
// already on 443 at the ingress IP, ends TLS for the TURN name (a
// cert-manager certificate for that name, Traefik's default TLS options:
// 1.2+, strict SNI) in a TCP router matching HostSNI(<TURN name>) and
// forwards the plain stream to the LiveKit pods' TURN port; the TURN name
// points at the ingress IP; the NSG opens 443 from the internet to the
// ingress IP only and the TURN port to nobody outside the VNet.
func TestTURNRoute(t *testing.T) {
	p := asia(t)
	cert := one(t, p, tCertificate, "livekit-turn-certificate")
	if got := strs(list(t, cert, "spec.dnsNames")); !slices.Equal(got, []string{asiaTURN}) {
		t.Errorf("TURN certificate names %v, want [%s]", got, asiaTURN)
	}
	if got := str(t, cert, "spec.secretName"); got != azure.TURNTLSSecretName {
		t.Errorf("TURN certificate secret %q", got)
	}
	if got := str(t, cert, "spec.issuerRef.name"); got != azure.ClusterIssuerName {
		t.Errorf("TURN certificate issuer %q", got)
	}

	route := one(t, p, tRouteTCP, "livekit-turn-route")
	if got := strs(list(t, route, "spec.entryPoints")); !slices.Equal(got, []string{"websecure"}) {
		t.Errorf("TURN route entry points %v, want websecure (443)", got)
	}
	if got := str(t, route, "spec.routes[0].match"); got != "HostSNI(`"+asiaTURN+"`)" {
		t.Errorf("TURN route matches %q", got)
	}
	if got := str(t, route, "spec.tls.secretName"); got != azure.TURNTLSSecretName {
		t.Errorf("TURN route TLS secret %q: Traefik must end TLS (external_tls)", got)
	}
	if _, ok := route.Input("spec.tls.passthrough"); ok {
		t.Error("TURN route passes TLS through; LiveKit expects the plain stream (external_tls)")
	}
	if got := str(t, route, "spec.routes[0].services[0].name"); got != lkk8s.TURNServiceName {
		t.Errorf("TURN route service %q", got)
	}
	if got := num(t, route, "spec.routes[0].services[0].port"); got != 5349 {
		t.Errorf("TURN route port %d, want 5349", got)
	}
	svc := one(t, p, tService, "livekit-turn")
	if got := num(t, svc, "spec.ports[0].port"); got != 5349 {
		t.Errorf("TURN Service port %d", got)
	}
	if got := str(t, svc, "spec.type"); got != "ClusterIP" {
		t.Errorf("TURN Service type %q, want ClusterIP (Traefik is the front door)", got)
	}

	// Traefik's TLS options (default for every router): TLS 1.2+, strict SNI.
	traefik := one(t, p, tChart, "livekit-traefik")
	if got := str(t, traefik, "values.tlsOptions.default.minVersion"); got != "VersionTLS12" {
		t.Errorf("Traefik minVersion %q", got)
	}
	if !boolean(t, traefik, "values.tlsOptions.default.sniStrict") {
		t.Error("Traefik answers handshakes without a known SNI")
	}
	if got := num(t, traefik, "values.ports.websecure.transport.respondingTimeouts.readTimeout"); got != 0 {
		t.Errorf("websecure readTimeout %d: Traefik 3 would cut TURN streams after it", got)
	}

	// DNS: the TURN name is the ingress IP, like the signaling name.
	rec := planq.Record(t, p, asiaTURN)
	sig := one(t, p, tRecord, "livekit-dns")
	if got, want := strs(list(t, rec, "records")), strs(list(t, sig, "records")); !slices.Equal(got, want) || str(t, rec, "type") != "A" {
		t.Errorf("TURN record %v, want A %v (the ingress IP)", got, want)
	}

	// The node subnet's NSG: 443 from the internet to the ingress IP only;
	// the TURN port is never open to the internet.
	nsg := one(t, p, tNSG, "livekit-nodes")
	for _, r := range list(t, nsg, tNSGRuleIn) {
		m := r.(map[string]any)
		if m["access"] != "Allow" || m["sourceAddressPrefix"] != "Internet" {
			continue
		}
		ports, _ := m["destinationPortRange"].(string)
		if ports == "443" && m["destinationAddressPrefix"] == nil {
			t.Errorf("rule %v opens 443 to more than the ingress IP", m["name"])
		}
		if ports == "5349" || ports == "*" {
			t.Errorf("rule %v opens the TURN port to the internet", m["name"])
		}
	}
	pool := one(t, p, tPool, "livekit-media")
	for _, hp := range list(t, pool, "networkProfile.allowedHostPorts") {
		m := hp.(map[string]any)
		if s, e := m["portStart"].(int), m["portEnd"].(int); s <= 5349 && e >= 5349 && m["protocol"] == "TCP" {
			t.Error("the LiveKit pool's public IPs allow the TURN port")
		}
	}

	body := lkcheck.SecretInput(t, one(t, p, tSecret, "livekit-config"), `stringData["config.yaml"]`)
	lkcheck.CheckTURNOverTLS(t, p, body, asiaTURN, 5349)
	if !strings.HasPrefix(str(t, rec, "name"), "turn.") {
		t.Errorf("record name %q", str(t, rec, "name"))
	}
}
