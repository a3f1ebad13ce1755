package azure

import (
	"crypto/sha256"
	"encoding/hex"

	acr "github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/authorization"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/core"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// KeyVaultSecretsUser is the built-in role that reads secret values.
const KeyVaultSecretsUser = "Key Vault Secrets User"

// Secret names of the Docker Hub account in the mirror's vault.
const (
	dockerHubUserSecret  = "dockerhub-username"
	dockerHubTokenSecret = "dockerhub-access-token"
)

// MirrorVaultName derives the mirror vault's name from its registry's
// (vault names are global, 3-24 characters).
func MirrorVaultName(registryName string) string {
	h := sha256.Sum256([]byte("dockerhub/" + registryName))
	return "lkhub" + hex.EncodeToString(h[:])[:18]
}

// dockerHubCredentialSet stores the Docker Hub account as two Key Vault
// secrets and declares the ACR credential set that reads them with its
// system-assigned identity, granted Key Vault Secrets User on the two
// secrets only. It returns the set and the grants the cache rules wait for.
func dockerHubCredentialSet(ctx *pulumi.Context, name string, args *RegistryMirrorArgs, m *RegistryMirror, reg *acr.Registry) (*acr.CredentialSet, []pulumi.Resource, error) {
	parent := pulumi.Parent(m)
	vaultName := MirrorVaultName(args.RegistryName)
	vault, err := keyvault.NewVault(ctx, name+"-kv", &keyvault.VaultArgs{
		VaultName:         pulumi.String(vaultName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Properties: &keyvault.VaultPropertiesArgs{
			TenantId: core.GetClientConfigOutput(ctx, parent).TenantId(),
			Sku:      &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
			// Azure RBAC only: access is exactly the role assignments.
			EnableRbacAuthorization:   pulumi.Bool(true),
			EnableSoftDelete:          pulumi.Bool(true),
			SoftDeleteRetentionInDays: pulumi.Int(90),
			EnablePurgeProtection:     pulumi.Bool(true),
			// Public endpoint, RBAC-gated: Microsoft documents no trusted-
			// service or private path by which ACR's artifact cache reads a
			// credential set's secrets, so a firewalled vault would leave
			// the set unhealthy (docs/registry-mirror.md, Limits).
			PublicNetworkAccess: pulumi.String("Enabled"),
		},
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, nil, err
	}
	secret := func(suffix, secretName string, value pulumi.StringInput) (*keyvault.Secret, error) {
		return keyvault.NewSecret(ctx, name+"-"+suffix, &keyvault.SecretArgs{
			ResourceGroupName: args.ResourceGroupName,
			VaultName:         vault.Name,
			SecretName:        pulumi.String(secretName),
			Properties:        &keyvault.SecretPropertiesArgs{Value: pulumi.ToSecret(value).(pulumi.StringOutput)},
		}, parent)
	}
	user, err := secret("dockerhub-username", dockerHubUserSecret, pulumi.String(args.DockerHubUsername))
	if err != nil {
		return nil, nil, err
	}
	token, err := secret("dockerhub-token", dockerHubTokenSecret, args.DockerHubToken)
	if err != nil {
		return nil, nil, err
	}
	// Version-less secret URIs: ACR reads the current version, so a
	// rotated token needs no change here.
	uri := func(secretName string) pulumi.StringOutput {
		return pulumi.Sprintf("%ssecrets/%s", vault.Properties.VaultUri(), secretName)
	}
	cs, err := acr.NewCredentialSet(ctx, name+"-dockerhub", &acr.CredentialSetArgs{
		CredentialSetName: pulumi.String("dockerhub"),
		RegistryName:      pulumi.String(args.RegistryName),
		ResourceGroupName: args.ResourceGroupName,
		LoginServer:       pulumi.String("docker.io"),
		Identity:          &acr.IdentityPropertiesArgs{Type: acr.ResourceIdentityTypeSystemAssigned},
		AuthCredentials: acr.AuthCredentialArray{&acr.AuthCredentialArgs{
			Name:                     pulumi.String(string(acr.CredentialNameCredential1)),
			UsernameSecretIdentifier: uri(dockerHubUserSecret),
			PasswordSecretIdentifier: uri(dockerHubTokenSecret),
		}},
	}, parent, pulumi.DependsOn([]pulumi.Resource{reg, user, token}))
	if err != nil {
		return nil, nil, err
	}
	principal := cs.Identity.PrincipalId().Elem()
	var grants []pulumi.Resource
	for _, s := range []struct {
		suffix string
		secret *keyvault.Secret
	}{{"dockerhub-username-reader", user}, {"dockerhub-token-reader", token}} {
		// Each secret, not the vault.
		ra, err := authorization.NewAssignment(ctx, name+"-"+s.suffix, &authorization.AssignmentArgs{
			Scope:                        s.secret.ID(),
			RoleDefinitionName:           pulumi.String(KeyVaultSecretsUser),
			PrincipalId:                  principal,
			PrincipalType:                pulumi.String("ServicePrincipal"),
			SkipServicePrincipalAadCheck: pulumi.Bool(true),
		}, parent)
		if err != nil {
			return nil, nil, err
		}
		grants = append(grants, ra)
	}
	return cs, append(grants, cs), nil
}
