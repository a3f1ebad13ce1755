package azure_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	azurestack "github.com/livekit-infra/livekit-infra/stacks/azure"
)

func TestRecordingsStorage(t *testing.T) {
	p := asia(t)
	acct := one(t, p, tAccount, "livekit-recordings")
	if !within(p, acct, tRecordings) {
		t.Error("storage account is not part of the Recordings component")
	}
	for path, want := range map[string]string{
		"minimumTlsVersion": "TLS1_2", "kind": "StorageV2", "sku.name": "Standard_ZRS", "location": asiaLocation,
		"encryption.keySource": "Microsoft.Storage",
	} {
		if got := str(t, acct, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	for path, want := range map[string]bool{
		"enableHttpsTrafficOnly":           true,
		"allowBlobPublicAccess":            false,
		"allowCrossTenantReplication":      false,
		"encryption.services.blob.enabled": true,
	} {
		if got := boolean(t, acct, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	name := str(t, acct, "accountName")
	if len(name) < 3 || len(name) > 24 || strings.ToLower(name) != name || strings.ContainsAny(name, "-_.") {
		t.Errorf("account name %q is not a valid storage account name", name)
	}
	if got := p.Outputs["recordingsAccount"]; got != name {
		t.Errorf("recordingsAccount output %v, want %s", got, name)
	}
	if !acct.Protect {
		t.Error("storage account is not protected")
	}

	svc := one(t, p, tBlobSvc, "livekit-recordings")
	if !boolean(t, svc, "isVersioningEnabled") {
		t.Error("blob versioning is off")
	}
	if !boolean(t, svc, "deleteRetentionPolicy.enabled") || num(t, svc, "deleteRetentionPolicy.days") < 7 {
		t.Error("blob soft delete is off or shorter than 7 days")
	}
	c := one(t, p, tContainer, "livekit-recordings")
	if got := str(t, c, "publicAccess"); got != "None" {
		t.Errorf("container public access %q, want None", got)
	}
	if got := str(t, c, "containerName"); got != "recordings" || p.Outputs["recordingsContainer"] != "recordings" {
		t.Errorf("container %q, output %v", got, p.Outputs["recordingsContainer"])
	}
	if str(t, c, "accountName") != name || str(t, svc, "accountName") != name {
		t.Error("container or blob service on another account")
	}

	pol := one(t, p, tMgmtPolicy, "livekit-recordings")
	rule := "policy.rules[0].definition.actions."
	if got, _ := pol.Input(rule + "baseBlob.tierToCool.daysAfterModificationGreaterThan"); got != 30 {
		t.Errorf("tier to cool after %v days, want 30", got)
	}
	if got, _ := pol.Input(rule + "baseBlob.delete.daysAfterModificationGreaterThan"); got != 365 {
		t.Errorf("delete after %v days, want 365", got)
	}
	if got, _ := pol.Input(rule + "version.delete.daysAfterCreationGreaterThan"); got != 30 {
		t.Errorf("old versions deleted after %v days, want 30", got)
	}
}

// Front Door serves the private container under recordings.<hostname> with
// a managed TLS 1.2 certificate; its DNS records go to Route 53 through the
// explicit provider.
func TestRecordingsCDN(t *testing.T) {
	p := asia(t)
	cdnHost := "recordings." + asiaHostname
	if got := p.Outputs["recordingsCdn"]; got != cdnHost {
		t.Errorf("recordingsCdn output %v, want %s", got, cdnHost)
	}
	if got := str(t, one(t, p, tAFDProfile, "livekit-recordings"), "skuName"); got != "Standard_AzureFrontDoor" {
		t.Errorf("Front Door SKU %s", got)
	}
	origin := one(t, p, tAFDOrigin, "livekit-recordings")
	acct := str(t, one(t, p, tAccount, "livekit-recordings"), "accountName")
	if got := str(t, origin, "hostName"); got != acct+".blob.core.windows.net" {
		t.Errorf("origin host %s", got)
	}
	if !boolean(t, origin, "certificateNameCheckEnabled") {
		t.Error("origin certificate name check is off")
	}
	domain := one(t, p, tAFDDomain, "livekit-recordings")
	if str(t, domain, "hostName") != cdnHost || str(t, domain, "tls.minimumTlsVersion") != "TLS12" || str(t, domain, "tls.certificateType") != "ManagedCertificate" {
		t.Errorf("custom domain %s tls %s/%s", str(t, domain, "hostName"), str(t, domain, "tls.certificateType"), str(t, domain, "tls.minimumTlsVersion"))
	}
	route := one(t, p, tAFDRoute, "livekit-recordings")
	if str(t, route, "forwardingProtocol") != "HttpsOnly" || !boolean(t, route, "httpsRedirectEnabled") || boolean(t, route, "linkToDefaultDomain") {
		t.Error("route must forward HTTPS only, redirect HTTP, and not serve the azurefd.net name")
	}
	if got := str(t, route, "cache.queryStringCachingBehavior"); got != "UseQueryString" {
		t.Errorf("query string caching %s: SAS tokens must reach storage", got)
	}
	if got := str(t, route, "cdnFrontdoorOriginPath"); got != "/recordings" {
		t.Errorf("origin path %s", got)
	}

	dns := one(t, p, tAWSProvider, "livekit-dns")
	for name, typ := range map[string]string{"livekit-recordings-cdn-dns": "CNAME", "livekit-recordings-cdn-validation": "TXT"} {
		rec := one(t, p, tRecord, name)
		if str(t, rec, "type") != typ || str(t, rec, "zoneId") != asiaZoneID {
			t.Errorf("%s: %s in %s", name, str(t, rec, "type"), str(t, rec, "zoneId"))
		}
		if !strings.HasPrefix(rec.Provider, dns.URN+"::") {
			t.Errorf("%s uses provider %q, want the explicit DNS provider", name, rec.Provider)
		}
	}
	if got := str(t, one(t, p, tRecord, "livekit-recordings-cdn-validation"), "name"); got != "_dnsauth."+cdnHost {
		t.Errorf("validation record %s", got)
	}
	if got := strs(list(t, one(t, p, tRecord, "livekit-recordings-cdn-dns"), "records")); len(got) != 1 || !strings.HasSuffix(got[0], ".azurefd.net") {
		t.Errorf("CNAME target %v", got)
	}

	np := variantPlan(t, "noCdn")
	for _, typ := range []string{tAFDProfile, tAFDEndpoint, tAFDOrigin, tAFDDomain, tAFDRoute} {
		if rs := np.ByType(typ); len(rs) != 0 {
			t.Errorf("recordingsCdn=false still declares %s", typ)
		}
	}
	if got := np.Outputs["recordingsCdn"]; got != "" {
		t.Errorf("recordingsCdn output %v without CDN", got)
	}
	if rs := recordsNamed(np, "livekit-recordings-cdn-dns"); len(rs) != 0 {
		t.Error("CDN DNS record without CDN")
	}
}

func recordsNamed(p *plan.Plan, name string) []plan.Resource {
	var out []plan.Resource
	for _, r := range p.ByType(tRecord) {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// #17 item 12: the recordings account takes identities only by default (no
// shared keys, so no account-key SAS); token servers sign user delegation
// SAS URLs with their workload identity (delegator on the account, reader
// on the one container); azureRecordingsSharedKey is the explicit opt-in
// LiveKit Egress needs (it uploads with the account key).
func TestRecordingsIdentityAccess(t *testing.T) {
	p := asia(t)
	acct := one(t, p, tAccount, "livekit-recordings")
	if got := boolean(t, acct, "allowSharedKeyAccess"); got {
		t.Error("allowSharedKeyAccess is on by default: account keys and account-key SAS work")
	}
	if got := boolean(t, acct, "defaultToOAuthAuthentication"); !got {
		t.Error("defaultToOAuthAuthentication is off")
	}
	container := one(t, p, tContainer, "livekit-recordings")
	identity := one(t, p, tIdentity, "livekit-token-server")
	for name, want := range map[string]struct{ role, scope string }{
		"livekit-token-server-recordings-delegator": {"Storage Blob Delegator", acct.ID},
		"livekit-token-server-recordings-reader":    {"Storage Blob Data Reader", container.ID},
	} {
		ra := one(t, p, tAssignment, name)
		if got := str(t, ra, "roleDefinitionName"); got != want.role {
			t.Errorf("%s: role %s, want %s", name, got, want.role)
		}
		if got := str(t, ra, "scope"); got != want.scope {
			t.Errorf("%s: scope %s, want %s", name, got, want.scope)
		}
		if !slices.Contains(ra.Dependencies, identity.URN) {
			t.Errorf("%s is not granted to the token-server identity", name)
		}
	}
	for _, ra := range p.ByType(tAssignment) {
		if role := ra.InputString("roleDefinitionName"); strings.Contains(role, "Storage") && !strings.HasPrefix(ra.Name, "livekit-token-server-recordings-") {
			t.Errorf("%s %q grants %s: only the token server reads recordings through Entra ID", ra.Type, ra.Name, role)
		}
	}

	sc := variantConfig(variant{set: map[string]string{"azureRecordingsSharedKey": "true"}})
	withKey, err := plan.Evaluate(sc, azurestack.Program)
	if err != nil {
		t.Fatal(err)
	}
	if got := boolean(t, one(t, withKey, tAccount, "livekit-recordings"), "allowSharedKeyAccess"); !got {
		t.Error("azureRecordingsSharedKey=true leaves shared keys off: LiveKit Egress cannot upload")
	}
}
