package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// tokenServerAccess is where the region's token servers read their
// credentials: a Secret Manager secret only a dedicated service account may
// read, which only the token server's Kubernetes service account may
// impersonate (GKE Workload Identity).
type tokenServerAccess struct {
	SecretID       pulumi.StringOutput
	ServiceAccount pulumi.StringOutput
}

// extra holds the recordings CDN's URL-signing key, which token servers
// also need and which must not be a stack output either.
func apiCredentialsSecret(ctx *pulumi.Context, name string, s *stackconfig.Stack, creds *components.Credentials, url pulumi.StringOutput, extra pulumi.StringMap) (*tokenServerAccess, error) {
	g := s.GCP
	sec, err := secretmanager.NewSecret(ctx, name+"-api-credentials", &secretmanager.SecretArgs{
		Project:  pulumi.String(g.Project),
		SecretId: pulumi.String(regional.CloudName("livekit-api", s.Name, 255)),
		// The key stays in the region, like everything else it serves.
		Replication: &secretmanager.SecretReplicationArgs{
			UserManaged: &secretmanager.SecretReplicationUserManagedArgs{
				Replicas: secretmanager.SecretReplicationUserManagedReplicaArray{
					&secretmanager.SecretReplicationUserManagedReplicaArgs{Location: pulumi.String(g.Region)},
				},
			},
		},
		Labels: pulumi.StringMap{"app": pulumi.String("livekit")},
	}, pulumi.Protect(s.Protect))
	if err != nil {
		return nil, err
	}
	if _, err := secretmanager.NewSecretVersion(ctx, name+"-api-credentials", &secretmanager.SecretVersionArgs{
		Secret:     sec.ID(),
		SecretData: regional.TokenServerCredentials(creds, url, extra),
	}); err != nil {
		return nil, err
	}
	sa, err := serviceaccount.NewAccount(ctx, name+"-token-server", &serviceaccount.AccountArgs{
		Project:     pulumi.String(g.Project),
		AccountId:   pulumi.String(regional.CloudName("lk-token", s.Name, 30)),
		DisplayName: pulumi.String("LiveKit token server"),
		Description: pulumi.String("Reads the LiveKit API credentials secret, nothing else"),
	})
	if err != nil {
		return nil, err
	}
	if _, err := secretmanager.NewSecretIamMember(ctx, name+"-token-server", &secretmanager.SecretIamMemberArgs{
		Project:  pulumi.String(g.Project),
		SecretId: sec.SecretId,
		Role:     pulumi.String("roles/secretmanager.secretAccessor"),
		Member:   pulumi.Sprintf("serviceAccount:%s", sa.Email),
	}); err != nil {
		return nil, err
	}
	if _, err := serviceaccount.NewIAMMember(ctx, name+"-token-server-wi", &serviceaccount.IAMMemberArgs{
		ServiceAccountId: sa.Name,
		Role:             pulumi.String("roles/iam.workloadIdentityUser"),
		Member: pulumi.String(fmt.Sprintf("serviceAccount:%s.svc.id.goog[%s/%s]",
			g.Project, regional.TokenServerNamespace, regional.TokenServerServiceAccount)),
	}); err != nil {
		return nil, err
	}
	return &tokenServerAccess{SecretID: sec.ID().ToStringOutput(), ServiceAccount: sa.Email}, nil
}
