package azure_test

import (
	"errors"
	"strings"
	"testing"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

const (
	tCredentialSet = "azure-native:containerregistry:CredentialSet"
	tVault         = "azure-native:keyvault:Vault"
	tKVSecret      = "azure-native:keyvault:Secret"

	userDockerHub      = "lkinfrahub"
	userDockerHubToken = "dckr_pat_userSuppliedAzureHubToken0123"
)

var dockerHubSet = map[string]string{"dockerHubUsername": userDockerHub, "dockerHubAccessToken": userDockerHubToken}

func init() {
	variants["dockerHub"] = variant{Set: dockerHubSet, Secret: []string{"dockerHubAccessToken"}}
}

// dockerHubPlans are azure-asia (AKS) and azure-aci with the Docker Hub
// keys set: both platforms read the same keys into the same mirror.
func dockerHubPlans(t *testing.T) map[string]*plan.Plan {
	return map[string]*plan.Plan{
		"azure-asia": variantPlan(t, "dockerHub"),
		"azure-aci":  aciStack.Variant(t, "dockerHub", dockerHubSet, "dockerHubAccessToken"),
	}
}

// With Docker Hub credentials, every cache rule authenticates through one
// credential set for docker.io, whose system identity reads exactly the
// two Key Vault secrets holding the account, kept secret in the plan.
func TestDockerHubCredentialSet(t *testing.T) {
	for stack, p := range dockerHubPlans(t) {
		t.Run(stack, func(t *testing.T) {
			cs := only(t, p, tCredentialSet)
			reg := p.ByType(tRegistry)[0]
			if got := str(t, cs, "registryName"); got != str(t, &reg, "registryName") {
				t.Errorf("credential set on registry %q, want the mirror", got)
			}
			if got := str(t, cs, "loginServer"); got != "docker.io" {
				t.Errorf("credential set login server %q, want docker.io", got)
			}
			if got := str(t, cs, "identity.type"); got != "SystemAssigned" {
				t.Errorf("credential set identity %q, want SystemAssigned", got)
			}
			// The vault: RBAC only, purge-protected, in the region.
			vaultName := azurec.MirrorVaultName(str(t, &reg, "registryName"))
			var vault *plan.Resource
			for _, v := range p.ByType(tVault) {
				if v.InputString("vaultName") == vaultName {
					vault = &v
				}
			}
			if vault == nil {
				t.Fatal("no mirror vault")
			}
			for path, want := range map[string]any{"properties.enableRbacAuthorization": true, "properties.enablePurgeProtection": true, "location": str(t, &reg, "location")} {
				if v, _ := vault.Input(path); v != want {
					t.Errorf("vault %s = %v, want %v", path, v, want)
				}
			}
			// The two secrets: the account's values, secret in the plan.
			secrets := map[string]plan.Resource{}
			for _, s := range p.ByType(tKVSecret) {
				if str(t, &s, "vaultName") == vaultName {
					secrets[str(t, &s, "secretName")] = s
				}
			}
			want := map[string]string{"dockerhub-username": userDockerHub, "dockerhub-access-token": userDockerHubToken}
			if len(secrets) != len(want) {
				t.Fatalf("%d vault secrets, want %d", len(secrets), len(want))
			}
			vaultURI := "https://" + vaultName + ".vault.azure.net/"
			for name, value := range want {
				s, ok := secrets[name]
				if !ok {
					t.Fatalf("no secret %s", name)
				}
				if !s.IsSecret("properties.value") {
					t.Errorf("secret %s value is plain in the plan", name)
				}
				if v, _ := s.RawInput("properties.value"); v != value {
					t.Errorf("secret %s holds %v, want the config's value", name, v)
				}
			}
			if got := cs.InputString("authCredentials[0].usernameSecretIdentifier"); got != vaultURI+"secrets/dockerhub-username" {
				t.Errorf("username secret URI %q", got)
			}
			if got := cs.InputString("authCredentials[0].passwordSecretIdentifier"); got != vaultURI+"secrets/dockerhub-access-token" {
				t.Errorf("password secret URI %q", got)
			}
			// Key Vault Secrets User on each secret alone (never the
			// vault), both for one identity: the credential set's.
			scopes, principals := map[string]bool{}, map[string]bool{}
			for _, ra := range p.ByType(tAssignment) {
				scope := str(t, &ra, "scope")
				if !strings.HasPrefix(scope, vault.ID) {
					continue
				}
				if role := str(t, &ra, "roleDefinitionName"); role != azurec.KeyVaultSecretsUser {
					t.Errorf("%q on %s", role, scope)
				}
				scopes[scope] = true
				principals[str(t, &ra, "principalId")] = true
			}
			u, tk := secrets["dockerhub-username"], secrets["dockerhub-access-token"]
			if len(scopes) != 2 || !scopes[u.ID] || !scopes[tk.ID] {
				t.Errorf("grants in the mirror vault on %v, want the two secrets %s, %s", scopes, u.ID, tk.ID)
			}
			if len(principals) != 1 || principals[""] {
				t.Errorf("grants to %v, want the credential set's one identity", principals)
			}
			// Every cache rule authenticates with the set.
			rules := p.ByType(tCacheRule)
			if len(rules) == 0 {
				t.Fatal("no cache rules")
			}
			for _, r := range rules {
				if got := str(t, &r, "credentialSetResourceId"); got != cs.ID {
					t.Errorf("cache rule %s credential set %q, want %s", r.Name, got, cs.ID)
				}
			}
			// The token reaches the plan only masked.
			planq.NoPlainSecrets(t, p, map[string]string{"Docker Hub token": userDockerHubToken})
		})
	}
}

// Without the keys (the committed stacks) the cache rules pull anonymously:
// no credential set, no vault of the mirror.
func TestDockerHubAnonymousByDefault(t *testing.T) {
	for stack, p := range map[string]*plan.Plan{"azure-asia": asia(t), "azure-aci": aci(t)} {
		if n := len(p.ByType(tCredentialSet)); n != 0 {
			t.Errorf("%s: %d credential sets without Docker Hub keys", stack, n)
		}
		for _, r := range p.ByType(tCacheRule) {
			if v, ok := r.Input("credentialSetResourceId"); ok && v != nil && v != "" {
				t.Errorf("%s: cache rule %s uses credential set %v", stack, r.Name, v)
			}
		}
	}
}

// Only one of the two keys is refused, naming both.
func TestDockerHubKeysTogether(t *testing.T) {
	for name, set := range map[string]map[string]string{
		"username only": {"dockerHubUsername": userDockerHub},
		"token only":    {"dockerHubAccessToken": userDockerHubToken},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := stackconfig.Parse("azure-asia", stackconfig.Raw{Values: variantConfig(variant{Set: set}).Config, Secret: map[string]bool{key("dockerHubAccessToken"): true}})
			var se *stackconfig.Error
			if !errors.As(err, &se) || len(se.Problems) != 1 {
				t.Fatalf("want one problem, got %v", err)
			}
			msg := se.Problems[0].String()
			for _, k := range []string{"livekit-infra:dockerHubUsername", "livekit-infra:dockerHubAccessToken"} {
				if !strings.Contains(msg, k) {
					t.Errorf("%q does not name %s", msg, k)
				}
			}
		})
	}
}
