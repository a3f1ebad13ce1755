package azure_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Every Kubernetes object goes to the AKS cluster through the explicit
// provider built from the cluster's kubeconfig, never the ambient one.
func TestKubernetesProvider(t *testing.T) {
	p := asia(t)
	prov := one(t, p, tK8sProvider, "livekit")
	if !prov.IsSecret("kubeconfig") {
		t.Error("the provider's kubeconfig is not a secret")
	}
	raw, _ := prov.RawInput("kubeconfig")
	if s, _ := raw.(string); !strings.Contains(s, "kind: Config") || !strings.Contains(s, ".azmk8s.io") {
		t.Errorf("kubeconfig is not the decoded AKS kubeconfig: %.80q", s)
	}
	if !slices.Contains(p.Invokes, "azure-native:containerservice/v20240801:listManagedClusterUserCredentials") {
		t.Errorf("kubeconfig not read with listManagedClusterUserCredentials: %v", p.Invokes)
	}
	n := 0
	for _, r := range p.Resources {
		if !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		n++
		if !strings.HasPrefix(r.Provider, prov.URN+"::") {
			t.Errorf("%s %s uses provider %q, want the AKS provider", r.Type, r.Name, r.Provider)
		}
	}
	if n < 10 {
		t.Errorf("only %d Kubernetes resources", n)
	}
}

// The certificate covers the regional and the global hostname, issued by
// the Route 53 DNS-01 ClusterIssuer, and the Ingress serves both names with
// it.
func TestSignalingCertificate(t *testing.T) {
	p := asia(t)
	cert := one(t, p, tCertificate, "livekit-certificate")
	if got := strs(list(t, cert, "spec.dnsNames")); !slices.Equal(got, []string{asiaHostname, asiaGlobal}) {
		t.Errorf("certificate names %v, want [%s %s]", got, asiaHostname, asiaGlobal)
	}
	if str(t, cert, "spec.issuerRef.kind") != "ClusterIssuer" || str(t, cert, "spec.issuerRef.name") != "letsencrypt-route53" {
		t.Errorf("certificate issuer %s/%s", str(t, cert, "spec.issuerRef.kind"), str(t, cert, "spec.issuerRef.name"))
	}
	if got := str(t, cert, "metadata.namespace"); got != "livekit" {
		t.Errorf("certificate in namespace %s, want the LiveKit namespace", got)
	}

	iss := one(t, p, tIssuer, "livekit-issuer")
	r53 := "spec.acme.solvers[0].dns01.route53."
	if got := str(t, iss, r53+"hostedZoneID"); got != asiaZoneID {
		t.Errorf("issuer zone %s", got)
	}
	if got := str(t, iss, r53+"role"); !strings.Contains(got, "livekit-dns01") {
		t.Errorf("issuer role %s, want the DNS-01 role", got)
	}
	if got := str(t, iss, r53+"auth.kubernetes.serviceAccountRef.name"); got != "cert-manager-route53" {
		t.Errorf("issuer service account %s", got)
	}
	if _, ok := iss.Input(r53 + "secretAccessKeySecretRef"); ok {
		t.Error("issuer uses a stored AWS key")
	}
	if got := str(t, iss, "spec.acme.server"); got != "https://acme-v02.api.letsencrypt.org/directory" {
		t.Errorf("ACME server %s", got)
	}

	ing := one(t, p, tIngress, "livekit-signaling")
	if got := strs(list(t, ing, "spec.tls[0].hosts")); !slices.Equal(got, []string{asiaHostname, asiaGlobal}) {
		t.Errorf("ingress TLS hosts %v", got)
	}
	if got := str(t, ing, "spec.tls[0].secretName"); got != str(t, cert, "spec.secretName") {
		t.Errorf("ingress TLS secret %s, certificate writes %s", got, str(t, cert, "spec.secretName"))
	}
	if got := str(t, ing, "spec.ingressClassName"); got != "traefik" {
		t.Errorf("ingress class %s", got)
	}
	for i, h := range []string{asiaHostname, asiaGlobal} {
		at := "spec.rules[" + itoa(i) + "]."
		if str(t, ing, at+"host") != h || str(t, ing, at+"http.paths[0].backend.service.name") != "livekit-signal" ||
			num(t, ing, at+"http.paths[0].backend.service.port.number") != 7880 {
			t.Errorf("ingress rule %d does not send %s to livekit-signal:7880", i, h)
		}
	}
	if got := ing.InputString(`metadata.annotations["traefik.ingress.kubernetes.io/router.entrypoints"]`); got != "websecure" {
		t.Errorf("ingress entrypoint %q, want websecure only", got)
	}
}

// cert-manager may only write the two _acme-challenge TXT records, and only
// the cert-manager-route53 service account of this cluster may assume it.
func TestDNS01Role(t *testing.T) {
	p := asia(t)
	oidc := one(t, p, tOIDC, "livekit-aks-oidc")
	if got := str(t, oidc, "url"); !strings.HasPrefix(got, "https://southeastasia.oic.prod-aks.azure.com/") {
		t.Errorf("OIDC provider URL %s, want the AKS issuer", got)
	}
	if got := strs(list(t, oidc, "clientIdLists")); !slices.Equal(got, []string{"sts.amazonaws.com"}) {
		t.Errorf("OIDC audiences %v", got)
	}
	role := one(t, p, tRole, "livekit-dns01")
	var trust struct {
		Statement []struct {
			Action    string
			Principal map[string]string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(str(t, role, "assumeRolePolicy")), &trust); err != nil || len(trust.Statement) != 1 {
		t.Fatalf("trust policy: %v %s", err, str(t, role, "assumeRolePolicy"))
	}
	st := trust.Statement[0]
	if st.Action != "sts:AssumeRoleWithWebIdentity" || !strings.Contains(st.Principal["Federated"], ":oidc-provider/southeastasia.oic.prod-aks.azure.com/") {
		t.Errorf("trust statement %+v", st)
	}
	subs := st.Condition["StringEquals"]
	if len(subs) != 1 {
		t.Fatalf("trust conditions %v", st.Condition)
	}
	for k, v := range subs {
		if !strings.HasSuffix(k, ":sub") || v != "system:serviceaccount:cert-manager:cert-manager-route53" {
			t.Errorf("trust condition %s=%s", k, v)
		}
	}

	var pol struct {
		Statement []struct {
			Sid       string
			Action    string
			Resource  string
			Condition map[string]map[string][]string
		}
	}
	rp := one(t, p, tRolePolicy, "livekit-dns01")
	if err := json.Unmarshal([]byte(str(t, rp, "policy")), &pol); err != nil {
		t.Fatal(err)
	}
	var write bool
	for _, s := range pol.Statement {
		if strings.HasPrefix(s.Resource, "arn:aws:route53:::hostedzone/") && s.Resource != "arn:aws:route53:::hostedzone/"+asiaZoneID {
			t.Errorf("%s reaches zone %s", s.Sid, s.Resource)
		}
		if s.Action == "route53:ChangeResourceRecordSets" {
			write = true
			c := s.Condition["ForAllValues:StringEquals"]
			if !slices.Equal(c["route53:ChangeResourceRecordSetsRecordTypes"], []string{"TXT"}) {
				t.Errorf("record types %v", c["route53:ChangeResourceRecordSetsRecordTypes"])
			}
			want := []string{"_acme-challenge." + asiaHostname, "_acme-challenge." + asiaGlobal, "_acme-challenge." + asiaTURN}
			if !slices.Equal(c["route53:ChangeResourceRecordSetsNormalizedRecordNames"], want) {
				t.Errorf("writable names %v, want %v", c["route53:ChangeResourceRecordSetsNormalizedRecordNames"], want)
			}
		}
		if strings.Contains(s.Action, "*") {
			t.Errorf("wildcard action %s", s.Action)
		}
	}
	if !write {
		t.Error("no ChangeResourceRecordSets statement")
	}
	dns := one(t, p, tAWSProvider, "livekit-dns")
	for _, r := range []*plan.Resource{oidc, role, rp} {
		if !strings.HasPrefix(r.Provider, dns.URN+"::") {
			t.Errorf("%s uses %q, want the explicit AWS provider", r.Name, r.Provider)
		}
	}

	// The cert-manager controller may mint tokens for that one account.
	kr := one(t, p, tK8sRole, "livekit-dns01-token")
	if got := strs(list(t, kr, "rules[0].resourceNames")); !slices.Equal(got, []string{"cert-manager-route53"}) ||
		!slices.Equal(strs(list(t, kr, "rules[0].verbs")), []string{"create"}) ||
		!slices.Equal(strs(list(t, kr, "rules[0].resources")), []string{"serviceaccounts/token"}) {
		t.Errorf("token role rules %v", kr.Inputs["rules"])
	}
	kb := one(t, p, tK8sBinding, "livekit-dns01-token")
	if str(t, kb, "subjects[0].name") != "cert-manager" || str(t, kb, "subjects[0].namespace") != "cert-manager" {
		t.Errorf("token role bound to %v", kb.Inputs["subjects"])
	}
}

func TestIngressController(t *testing.T) {
	p := asia(t)
	tr := one(t, p, tChart, "livekit-traefik")
	if str(t, tr, "chart") != "traefik" || str(t, tr, "version") != "41.3.0" || str(t, tr, "repositoryOpts.repo") != "https://traefik.github.io/charts" {
		t.Errorf("traefik chart %s %s from %s", str(t, tr, "chart"), str(t, tr, "version"), str(t, tr, "repositoryOpts.repo"))
	}
	ann := `values.service.annotations["service.beta.kubernetes.io/`
	if got := str(t, tr, ann+`azure-pip-name"]`); got != "livekit-ingress" {
		t.Errorf("load balancer IP name %q, want the static livekit-ingress", got)
	}
	if got := str(t, tr, ann+`azure-load-balancer-resource-group"]`); got != "livekit-ingress" {
		t.Errorf("load balancer IP resource group %q, want the IP's own livekit-ingress", got)
	}
	if got := str(t, tr, "values.service.spec.type"); got != "LoadBalancer" {
		t.Errorf("service type %s", got)
	}
	if v, _ := tr.Input("values.ports.web.expose.default"); v != false {
		t.Errorf("plain HTTP port exposed: %v", v)
	}
	if v, _ := tr.Input("values.ports.websecure.transport.respondingTimeouts.readTimeout"); v != 0 {
		t.Errorf("websecure readTimeout %v, want 0 (WebSockets)", v)
	}
	if got := str(t, tr, "values.tlsOptions.default.minVersion"); got != "VersionTLS12" {
		t.Errorf("TLS minimum %s", got)
	}
	if got := str(t, tr, `values.nodeSelector["kubernetes.azure.com/agentpool"]`); got != "system" {
		t.Errorf("traefik runs on pool %q, want system", got)
	}

	cm := one(t, p, tChart, "livekit-cert-manager")
	if str(t, cm, "chart") != "cert-manager" || str(t, cm, "version") != "v1.21.2" || str(t, cm, "repositoryOpts.repo") != "https://charts.jetstack.io" {
		t.Errorf("cert-manager chart %s %s", str(t, cm, "chart"), str(t, cm, "version"))
	}
	if v, _ := cm.Input("values.crds.enabled"); v != true {
		t.Error("cert-manager CRDs not installed by the chart")
	}
	if got := str(t, cm, "values.fullnameOverride"); got != "cert-manager" {
		t.Errorf("cert-manager name %s: the token RoleBinding names its service account cert-manager", got)
	}
}

// The regional record points at the static ingress IP, in the shared zone,
// through the explicit AWS provider used for DNS.
func TestRegionalDNSRecord(t *testing.T) {
	p := asia(t)
	rec := one(t, p, tRecord, "livekit-dns")
	if str(t, rec, "name") != asiaHostname || str(t, rec, "type") != "A" || str(t, rec, "zoneId") != asiaZoneID {
		t.Errorf("record %s %s in %s", str(t, rec, "name"), str(t, rec, "type"), str(t, rec, "zoneId"))
	}
	if got := strs(list(t, rec, "records")); !slices.Equal(got, []string{ingressIP(t, p)}) {
		t.Errorf("record targets %v, want the ingress IP", got)
	}
	if got := num(t, rec, "ttl"); got > 60 {
		t.Errorf("TTL %d", got)
	}
	dns := one(t, p, tAWSProvider, "livekit-dns")
	if !strings.HasPrefix(rec.Provider, dns.URN+"::") {
		t.Errorf("record provider %q, want %s", rec.Provider, dns.URN)
	}
	if got := str(t, dns, "region"); got != "us-east-1" {
		t.Errorf("DNS provider region %s", got)
	}
	if n := len(p.ByType(tAWSProvider)); n != 1 {
		t.Errorf("%d AWS providers, want only the DNS one", n)
	}
	for _, r := range p.Resources {
		if strings.HasPrefix(r.Type, "aws:") && !strings.HasPrefix(r.Provider, dns.URN+"::") {
			t.Errorf("%s %s uses the default AWS provider", r.Type, r.Name)
		}
	}
	if strings.Contains(asiaGlobal, "azure") || len(recordsFor(p, asiaGlobal)) != 0 {
		t.Error("the regional stack must not write the global name")
	}
}

func recordsFor(p *plan.Plan, host string) []plan.Resource {
	var out []plan.Resource
	for _, r := range p.ByType(tRecord) {
		if r.InputString("name") == host {
			out = append(out, r)
		}
	}
	return out
}

// #17 items 9 and 15: Traefik refuses handshakes without a served SNI name,
// every signaling answer carries HSTS (a headers Middleware on the
// Ingress), and the cert-manager and Traefik namespaces enforce the
// restricted Pod Security Standard.
func TestSignalingHardening(t *testing.T) {
	p := asia(t)
	tr := one(t, p, tChart, "livekit-traefik")
	if v, _ := tr.Input("values.tlsOptions.default.sniStrict"); v != true {
		t.Errorf("traefik sniStrict = %v, want true", v)
	}

	mw := one(t, p, "kubernetes:traefik.io/v1alpha1:Middleware", "livekit-hsts")
	if got := str(t, mw, "metadata.name"); got != "livekit-hsts" {
		t.Errorf("middleware name %q", got)
	}
	if got := str(t, mw, "metadata.namespace"); got != "livekit" {
		t.Errorf("middleware namespace %q, want the Ingress's (livekit)", got)
	}
	if got := num(t, mw, "spec.headers.stsSeconds"); got < 31536000 {
		t.Errorf("HSTS max-age %d, want at least a year", got)
	}
	if v, _ := mw.Input("spec.headers.forceSTSHeader"); v != true {
		t.Errorf("forceSTSHeader = %v", v)
	}
	ing := one(t, p, tIngress, "livekit-signaling")
	if got := str(t, ing, `metadata.annotations["traefik.ingress.kubernetes.io/router.middlewares"]`); got != "livekit-livekit-hsts@kubernetescrd" {
		t.Errorf("ingress middlewares %q, want livekit-livekit-hsts@kubernetescrd", got)
	}
	if !slices.Contains(ing.Dependencies, mw.URN) {
		t.Error("the Ingress does not wait for its Middleware")
	}

	for _, ns := range []string{"livekit-cert-manager", "livekit-traefik"} {
		r := one(t, p, "kubernetes:core/v1:Namespace", ns)
		for _, k := range []string{"enforce", "audit", "warn"} {
			if got := str(t, r, `metadata.labels["pod-security.kubernetes.io/`+k+`"]`); got != "restricted" {
				t.Errorf("namespace %s: pod-security %s = %q, want restricted", ns, k, got)
			}
		}
	}
	lk := one(t, p, "kubernetes:core/v1:Namespace", "livekit")
	if got := str(t, lk, `metadata.labels["pod-security.kubernetes.io/enforce"]`); got != "privileged" {
		t.Errorf("livekit namespace enforces %q: host networking needs privileged", got)
	}
}
