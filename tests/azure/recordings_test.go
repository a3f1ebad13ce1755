package azure_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

func TestRecordingsStorage(t *testing.T) {
	p := asia(t)
	acct := one(t, p, tAccount, "livekit-recordings")
	if !within(p, acct, components.RecordingsType) {
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
	// Premium: Private Link origins are Premium only (azureRecordingsPrivateLink).
	if got := str(t, one(t, p, tAFDProfile, "livekit-recordings"), "skuName"); got != "Premium_AzureFrontDoor" {
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

// #17 item 12: the recordings account takes identities only, except the
// account key of LiveKit Egress (on by default, #22): shared keys (and so
// account-key SAS) work only while Egress runs; token servers sign user
// delegation SAS URLs with their workload identity (delegator on the
// account, reader on the one container).
func TestRecordingsIdentityAccess(t *testing.T) {
	p := asia(t)
	acct := one(t, p, tAccount, "livekit-recordings")
	if got := boolean(t, one(t, variantPlan(t, "noSharedKey"), tAccount, "livekit-recordings"), "allowSharedKeyAccess"); got {
		t.Error("allowSharedKeyAccess is on without Egress: account keys and account-key SAS work")
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

	if got := boolean(t, acct, "allowSharedKeyAccess"); !got {
		t.Error("Egress runs (default) but shared keys are off: it cannot upload")
	}
}

// #17 item 12 network rules (the default, azureRecordingsPrivateLink): the
// account refuses the internet (public network access off, network rules
// deny, no Azure-services bypass); its blob service has a private endpoint
// in the endpoint subnet whose name resolves privately inside the VNet;
// the endpoint subnet admits the node subnet on 443 only (Egress uploads,
// token servers' delegation keys); Front Door is Premium with a Private
// Link origin on the account's blob service, and the stack output says how
// to approve its connection. The opt-out is Front Door Standard on an open
// account; Private Link without the CDN is refused naming both keys.
func TestRecordingsPrivateLink(t *testing.T) {
	p := asia(t)
	acct := one(t, p, tAccount, "livekit-recordings")
	if got := str(t, acct, "publicNetworkAccess"); got != "Disabled" {
		t.Errorf("publicNetworkAccess %q, want Disabled", got)
	}
	if got, by := str(t, acct, "networkRuleSet.defaultAction"), str(t, acct, "networkRuleSet.bypass"); got != "Deny" || by != "None" {
		t.Errorf("networkRuleSet defaultAction %q bypass %q, want Deny and None", got, by)
	}
	if rules := acct.InputString("networkRuleSet.ipRules"); rules != "" {
		t.Errorf("network rules admit addresses: %s", rules)
	}

	pe := one(t, p, tPE, "livekit-recordings")
	if !within(p, pe, components.RecordingsType) {
		t.Error("the blob private endpoint is not the Recordings component's")
	}
	subnet := one(t, p, tSubnet, "livekit-endpoints")
	if got := str(t, pe, "subnet.id"); got != subnet.ID {
		t.Errorf("blob private endpoint in subnet %s, want the endpoint subnet %s", got, subnet.ID)
	}
	conns := list(t, pe, "privateLinkServiceConnections")
	if len(conns) != 1 {
		t.Fatalf("blob private endpoint connections %v", conns)
	}
	c := conns[0].(map[string]any)
	if c["privateLinkServiceId"] != acct.ID || !slices.Equal(strs(c["groupIds"].([]any)), []string{"blob"}) {
		t.Errorf("blob private endpoint connects to %v %v, want the recordings account's blob service", c["privateLinkServiceId"], c["groupIds"])
	}
	zone := one(t, p, tPrivZone, "livekit-recordings")
	if got := str(t, zone, "privateZoneName"); got != "privatelink.blob.core.windows.net" {
		t.Errorf("private zone %s", got)
	}
	link := one(t, p, tZoneLink, "livekit-recordings")
	if got := str(t, link, "virtualNetwork.id"); got != one(t, p, tVnet, "livekit").ID || str(t, link, "privateZoneName") != "privatelink.blob.core.windows.net" {
		t.Errorf("the blob zone is linked to %s, want the region's VNet", got)
	}
	group := one(t, p, tZoneGroup, "livekit-recordings")
	if !slices.Contains(group.Dependencies, pe.URN) {
		t.Error("the blob zone group is not the blob private endpoint's")
	}
	if cfg := list(t, group, "privateDnsZoneConfigs"); len(cfg) != 1 || cfg[0].(map[string]any)["privateDnsZoneId"] != zone.ID {
		t.Errorf("zone group configs %v, want the blob zone", cfg)
	}

	var blob map[string]any
	for _, r := range list(t, one(t, p, tNSG, "livekit-endpoints"), "securityRules") {
		if rule := r.(map[string]any); rule["name"] == "allow-blob-https-from-nodes" {
			blob = rule
		}
	}
	if blob == nil || blob["access"] != "Allow" || blob["protocol"] != "Tcp" || blob["destinationPortRange"] != "443" ||
		blob["sourceAddressPrefix"] != asiaNodes || blob["destinationAddressPrefix"] != asiaEndpoints {
		t.Errorf("endpoint subnet rule for the blob endpoint %v, want 443/tcp from %s to %s", blob, asiaNodes, asiaEndpoints)
	}

	origin := one(t, p, tAFDOrigin, "livekit-recordings")
	if got := str(t, origin, "privateLink.privateLinkTargetId"); got != acct.ID {
		t.Errorf("Front Door Private Link target %s, want the recordings account %s", got, acct.ID)
	}
	if got, loc := str(t, origin, "privateLink.targetType"), str(t, origin, "privateLink.location"); got != "blob" || loc != asiaLocation {
		t.Errorf("Front Door Private Link target type %q in %q, want blob in %s", got, loc, asiaLocation)
	}
	approve, _ := p.Outputs["recordingsPrivateLinkApproval"].(string)
	for _, want := range []string{"az network private-endpoint-connection approve", "--name " + str(t, acct, "accountName"), "Microsoft.Storage/storageAccounts", "Pending"} {
		if !strings.Contains(approve, want) {
			t.Errorf("recordingsPrivateLinkApproval %q lacks %q", approve, want)
		}
	}
	if w := stackconfig.RecordingsWarnings(asiaStack.Config(nil).Config); !slices.ContainsFunc(w, func(w stackconfig.SupportWarning) bool {
		return w.Key == key("azureRecordingsPrivateLink") && strings.Contains(w.Text, "recordingsPrivateLinkApproval")
	}) {
		t.Errorf("the plan does not name the approval step: %v", w)
	}

	open := variantPlan(t, "publicRecordings")
	oa := one(t, open, tAccount, "livekit-recordings")
	if got := str(t, oa, "publicNetworkAccess"); got != "Enabled" || oa.InputString("networkRuleSet.defaultAction") != "" {
		t.Errorf("azureRecordingsPrivateLink false: publicNetworkAccess %q, network rules %q", got, oa.InputString("networkRuleSet.defaultAction"))
	}
	if got := str(t, one(t, open, tAFDProfile, "livekit-recordings"), "skuName"); got != "Standard_AzureFrontDoor" {
		t.Errorf("azureRecordingsPrivateLink false: Front Door SKU %s, want Standard", got)
	}
	if one(t, open, tAFDOrigin, "livekit-recordings").InputString("privateLink.privateLinkTargetId") != "" {
		t.Error("azureRecordingsPrivateLink false: the origin is still a Private Link origin")
	}
	for _, r := range open.ByType(tPE) {
		if r.Name == "livekit-recordings" {
			t.Error("azureRecordingsPrivateLink false: a blob private endpoint is declared")
		}
	}
	for _, r := range list(t, one(t, open, tNSG, "livekit-endpoints"), "securityRules") {
		if r.(map[string]any)["name"] == "allow-blob-https-from-nodes" {
			t.Error("azureRecordingsPrivateLink false: the endpoint subnet still admits 443")
		}
	}
	if got, _ := open.Outputs["recordingsPrivateLinkApproval"].(string); got != "" {
		t.Errorf("approval command without Private Link: %q", got)
	}

	_, err := asiaStack.With(map[string]string{"recordingsCdn": "false"})
	if err == nil || !strings.Contains(err.Error(), key("azureRecordingsPrivateLink")) || !strings.Contains(err.Error(), key("recordingsCdn")) {
		t.Errorf("Private Link without the CDN: %v", err)
	}
}

// The storage account key (read from ARM, a Pulumi secret) appears in one
// place only: Egress's config Secret, as a secret. No other input of any
// resource (Key Vault included) and no output holds it.
func TestStorageKeyStaysSecret(t *testing.T) {
	p := asia(t)
	holders := 0
	for i := range p.Resources {
		r := &p.Resources[i]
		if !strings.Contains(planq.JSONOf(t, r.RawInputs), plan.FakeStorageAccountKey) {
			continue
		}
		holders++
		if r.Type != tSecret || r.Name != "livekit-egress-config" || !r.IsSecret(`stringData["config.yaml"]`) {
			t.Errorf("%s %q holds the storage account key", r.Type, r.Name)
		}
	}
	if holders != 1 {
		t.Errorf("the storage account key is in %d resources, want Egress's config Secret only", holders)
	}
	if strings.Contains(planq.JSONOf(t, p.Outputs), plan.FakeStorageAccountKey) {
		t.Error("a stack output carries the storage account key")
	}
}
