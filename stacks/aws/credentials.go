package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// apiCredentialsSecret stores the signing key, its secret and the URL for
// the region's token servers (regional.TokenServerCredentials), which read
// it from Secrets Manager instead of Pulumi state or stack outputs. extra
// adds fields (the recordings CDN's URL-signing key).
func apiCredentialsSecret(ctx *pulumi.Context, name string, creds *components.Credentials, url pulumi.StringOutput, extra pulumi.StringMap, protect bool) (pulumi.StringOutput, error) {
	sec, err := secretsmanager.NewSecret(ctx, name+"-api-credentials", &secretsmanager.SecretArgs{
		Description:          pulumi.String("LiveKit API key and secret for token servers"),
		RecoveryWindowInDays: pulumi.Int(30),
	}, pulumi.Protect(protect))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := secretsmanager.NewSecretVersion(ctx, name+"-api-credentials", &secretsmanager.SecretVersionArgs{
		SecretId:     sec.ID(),
		SecretString: regional.TokenServerCredentials(creds, url, extra),
	}); err != nil {
		return pulumi.StringOutput{}, err
	}
	return sec.Arn, nil
}
