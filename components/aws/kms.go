package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// keyPolicy is a customer managed key's policy: the account administers the
// key (KeyAdministratorActions, no use of it) and the use statements say
// who may encrypt or decrypt with it, under which conditions.
func keyPolicy(account string, use ...map[string]any) (string, error) {
	admin := map[string]any{"Sid": "AccountAdministers", "Effect": "Allow",
		"Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"},
		"Action":    KeyAdministratorActions, "Resource": "*"}
	return globalPolicyJSON(append([]map[string]any{admin}, use...))
}

// newKey declares a customer managed key with yearly rotation and the
// longest deletion window: what it encrypts is lost with it.
func newKey(ctx *pulumi.Context, name, description string, policy pulumi.StringInput, opts ...pulumi.ResourceOption) (*kms.Key, error) {
	return kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:          pulumi.String(description),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               policy,
	}, opts...)
}
