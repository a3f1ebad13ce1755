package azure_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// Token servers read their credentials from Key Vault: Azure RBAC only (no
// access policies), purge protection, a firewall that admits only the node
// subnet, and one role assignment, Key Vault Secrets User on the one secret,
// for an identity that only the token server's Kubernetes service account
// can federate into.
func TestTokenServerKeyVault(t *testing.T) {
	p := asia(t)
	kv := one(t, p, "azure-native:keyvault:Vault", "livekit-kv")
	if !boolean(t, kv, "properties.enableRbacAuthorization") {
		t.Error("vault uses access policies; want Azure RBAC only")
	}
	if _, ok := kv.Input("properties.accessPolicies"); ok {
		t.Error("vault has access policies")
	}
	if !boolean(t, kv, "properties.enablePurgeProtection") || !boolean(t, kv, "properties.enableSoftDelete") {
		t.Error("vault without soft delete and purge protection")
	}
	if got := num(t, kv, "properties.softDeleteRetentionInDays"); got != 90 {
		t.Errorf("soft delete retention %d days, want 90", got)
	}
	if got := str(t, kv, "properties.networkAcls.defaultAction"); got != "Deny" {
		t.Errorf("vault firewall default %s, want Deny", got)
	}
	if got := str(t, kv, "properties.networkAcls.bypass"); got != "None" {
		t.Errorf("vault firewall bypass %s, want None", got)
	}
	nodes := one(t, p, tSubnet, "livekit-nodes")
	rules := list(t, kv, "properties.networkAcls.virtualNetworkRules")
	if len(rules) != 1 || rules[0].(map[string]any)["id"] != nodes.ID {
		t.Errorf("vault network rules %v, want only the node subnet %s", rules, nodes.ID)
	}
	if eps := list(t, nodes, "serviceEndpoints"); len(eps) != 1 || eps[0].(map[string]any)["service"] != "Microsoft.KeyVault" {
		t.Errorf("node subnet service endpoints %v, want Microsoft.KeyVault (the vault's firewall rule needs it)", eps)
	}
	if tenant := str(t, kv, "properties.tenantId"); !strings.Contains(tenant, "-") {
		t.Errorf("vault tenant %q", tenant)
	}
	if !kv.Protect {
		t.Error("the vault is not protected")
	}

	sec := one(t, p, "azure-native:keyvault:Secret", "livekit-api-credentials")
	body, _ := livekitConfig(t, p)
	if doc := lkcheck.TokenServerDoc(t, sec, "properties.value", body); doc["url"] != "wss://azure-asia.example.com" {
		t.Errorf("url %q, want the region's wss URL", doc["url"])
	}

	identity := one(t, p, tIdentity, "livekit-token-server")
	var grants int
	for i, ra := range p.ByType(tAssignment) {
		if ra.Name != "livekit-token-server" {
			continue
		}
		grants++
		r := &p.ByType(tAssignment)[i]
		if got := str(t, r, "roleDefinitionName"); got != "Key Vault Secrets User" {
			t.Errorf("token server role %s, want Key Vault Secrets User", got)
		}
		if got := str(t, r, "scope"); got != sec.ID {
			t.Errorf("token server role scope %s, want the one secret %s", got, sec.ID)
		}
	}
	if grants != 1 {
		t.Errorf("%d token-server role assignments, want 1", grants)
	}
	fic := one(t, p, "azure-native:managedidentity:FederatedIdentityCredential", "livekit-token-server")
	if got := str(t, fic, "subject"); got != "system:serviceaccount:livekit:livekit-token-server" {
		t.Errorf("federated subject %s, want the token server's service account", got)
	}
	if got := str(t, fic, "issuer"); !strings.Contains(got, "oic.prod-aks.azure.com") {
		t.Errorf("federated issuer %s, want the cluster's OIDC issuer", got)
	}
	if got := strs(list(t, fic, "audiences")); len(got) != 1 || got[0] != "api://AzureADTokenExchange" {
		t.Errorf("audiences %v", got)
	}
	if got := str(t, fic, "resourceName"); got != identity.InputString("resourceName") && !strings.Contains(got, "livekit-token-server") {
		t.Errorf("federated credential on %s, want the token-server identity", got)
	}
	for _, k := range []string{"apiCredentialsVault", "apiCredentialsSecret", "tokenServerClientId"} {
		if s, _ := p.Outputs[k].(string); s == "" || p.OutputIsSecret(k) {
			t.Errorf("output %s = %v, want a plain reference for token servers", k, p.Outputs[k])
		}
	}
}
