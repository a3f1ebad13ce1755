package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/authorization"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// keyVaultSecretsUser is the built-in role that reads secret values, and
// nothing else, on the scope it is granted.
const keyVaultSecretsUser = "Key Vault Secrets User"

// Built-in roles a token server needs to hand out recordings as user
// delegation SAS URLs (the only SAS storage accepts with shared keys off):
// the delegator role gets the delegation key (an account-level action), and
// the SAS can grant no more than its signer may do, so the signer reads the
// container. Docs:
// https://learn.microsoft.com/rest/api/storageservices/create-user-delegation-sas#assign-permissions-with-rbac
const (
	storageBlobDelegator  = "Storage Blob Delegator"
	storageBlobDataReader = "Storage Blob Data Reader"
)

// tokenServerAccess is where the region's token servers read their
// credentials: a Key Vault secret (RBAC only, no access policies) that only
// the token-server identity may read, and only the token server's Kubernetes
// service account can act as that identity (AKS workload identity).
type tokenServerAccess struct {
	VaultURI         pulumi.StringOutput
	SecretName       pulumi.StringOutput
	IdentityClientID pulumi.StringOutput
}

func apiCredentialsVault(ctx *pulumi.Context, name string, s *stackconfig.Stack, network *azurec.Network, cluster *azurec.MediaCluster, creds *components.Credentials, recordings *azurec.Recordings) (*tokenServerAccess, error) {
	a := s.Azure
	identity, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-token-server", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: network.ResourceGroupName,
		Location:          pulumi.String(a.Location),
	})
	if err != nil {
		return nil, err
	}
	if _, err := managedidentity.NewFederatedIdentityCredential(ctx, name+"-token-server", &managedidentity.FederatedIdentityCredentialArgs{
		ResourceGroupName: network.ResourceGroupName,
		ResourceName:      identity.Name,
		Issuer:            cluster.OIDCIssuerURL,
		Subject:           pulumi.String(fmt.Sprintf("system:serviceaccount:%s:%s", regional.TokenServerNamespace, regional.TokenServerServiceAccount)),
		Audiences:         pulumi.StringArray{pulumi.String("api://AzureADTokenExchange")},
	}); err != nil {
		return nil, err
	}
	vault, err := keyvault.NewVault(ctx, name+"-kv", &keyvault.VaultArgs{
		ResourceGroupName: network.ResourceGroupName,
		Location:          pulumi.String(a.Location),
		Properties: &keyvault.VaultPropertiesArgs{
			TenantId: identity.TenantId,
			Sku:      &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
			// Azure RBAC only: no access policies, so access is exactly the
			// role assignments below.
			EnableRbacAuthorization:   pulumi.Bool(true),
			EnableSoftDelete:          pulumi.Bool(true),
			SoftDeleteRetentionInDays: pulumi.Int(90),
			EnablePurgeProtection:     pulumi.Bool(true),
			// The data plane answers only the node subnet; the secret is
			// written through ARM, which the firewall does not gate.
			NetworkAcls: &keyvault.NetworkRuleSetArgs{
				DefaultAction: pulumi.String("Deny"),
				Bypass:        pulumi.String("None"),
				VirtualNetworkRules: keyvault.VirtualNetworkRuleArray{
					&keyvault.VirtualNetworkRuleArgs{Id: network.NodeSubnetID},
				},
			},
		},
	}, pulumi.Protect(s.Protect))
	if err != nil {
		return nil, err
	}
	secret, err := keyvault.NewSecret(ctx, name+"-api-credentials", &keyvault.SecretArgs{
		ResourceGroupName: network.ResourceGroupName,
		VaultName:         vault.Name,
		SecretName:        pulumi.String("livekit-api-credentials"),
		Properties: &keyvault.SecretPropertiesArgs{
			Value:       regional.TokenServerCredentials(creds, cluster.URL, nil),
			ContentType: pulumi.String("application/json"),
		},
	})
	if err != nil {
		return nil, err
	}
	if _, err := authorization.NewAssignment(ctx, name+"-token-server", &authorization.AssignmentArgs{
		// The one secret, not the vault.
		Scope:                        secret.ID(),
		RoleDefinitionName:           pulumi.String(keyVaultSecretsUser),
		PrincipalId:                  identity.PrincipalId,
		PrincipalType:                pulumi.String("ServicePrincipal"),
		SkipServicePrincipalAadCheck: pulumi.Bool(true),
	}); err != nil {
		return nil, err
	}
	// Recordings: sign user delegation SAS URLs for the one container.
	for _, g := range []struct {
		suffix, role string
		scope        pulumi.StringOutput
	}{
		{"-recordings-delegator", storageBlobDelegator, recordings.AccountID},
		{"-recordings-reader", storageBlobDataReader, recordings.ContainerID},
	} {
		if _, err := authorization.NewAssignment(ctx, name+"-token-server"+g.suffix, &authorization.AssignmentArgs{
			Scope:                        g.scope,
			RoleDefinitionName:           pulumi.String(g.role),
			PrincipalId:                  identity.PrincipalId,
			PrincipalType:                pulumi.String("ServicePrincipal"),
			SkipServicePrincipalAadCheck: pulumi.Bool(true),
		}); err != nil {
			return nil, err
		}
	}
	return &tokenServerAccess{
		VaultURI:         vault.Properties.VaultUri(),
		SecretName:       secret.Name,
		IdentityClientID: identity.ClientId,
	}, nil
}
