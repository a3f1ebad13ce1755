package aws

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// apiCredentialsSecret stores the API key, secret and URL for the region's
// token servers, which read it from Secrets Manager instead of Pulumi state.
func apiCredentialsSecret(ctx *pulumi.Context, name string, creds *components.Credentials, url pulumi.StringOutput, protect bool) (pulumi.StringOutput, error) {
	sec, err := secretsmanager.NewSecret(ctx, name+"-api-credentials", &secretsmanager.SecretArgs{
		Description:          pulumi.String("LiveKit API key and secret for token servers"),
		RecoveryWindowInDays: pulumi.Int(30),
	}, pulumi.Protect(protect))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	body := pulumi.All(creds.APIKey, creds.APISecret, url).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(map[string]string{"apiKey": v[0].(string), "apiSecret": v[1].(string), "url": v[2].(string)})
		return string(b), err
	}).(pulumi.StringOutput)
	if _, err := secretsmanager.NewSecretVersion(ctx, name+"-api-credentials", &secretsmanager.SecretVersionArgs{
		SecretId:     sec.ID(),
		SecretString: pulumi.ToSecret(body).(pulumi.StringOutput),
	}); err != nil {
		return pulumi.StringOutput{}, err
	}
	return sec.Arn, nil
}
