// Package credentials is the credentials stack kind: the one LiveKit API key
// set that every region serves. Regions read it through a StackReference
// (livekit-infra:credentialsStack), so a token minted for the global
// hostname is accepted wherever GeoDNS sends its client, including after a
// failover. Deploy it first: credentials, then the regions, then global.
package credentials

import (
	"fmt"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/kinds"
)

// The outputs the regional stacks read.
const (
	// OutputKeys is the key set, key id to secret: a Pulumi secret, read
	// only by the regional stacks' StackReferences. Token servers read the
	// signing key from their region's secret store instead.
	OutputKeys = "apiKeys"
	// OutputSigningKey is the id token servers sign with.
	OutputSigningKey = "apiSigningKey"
	// OutputFingerprint is livekit.KeySet.Fingerprint of the set (plain).
	OutputFingerprint = "apiKeyFingerprint"
)

// Program reads and validates the stack config, then declares the stack.
var Program = kinds.Program(stackconfig.KindCredentials, Stack)

// Stack declares one generated secret per key id. Each is named after its
// id, so adding or removing a key never regenerates the others.
func Stack(ctx *pulumi.Context, s *stackconfig.Stack) (pulumi.Map, error) {
	c := s.Credentials
	if c == nil {
		return nil, fmt.Errorf("stack %q: no credentials settings", s.Name)
	}
	secrets := pulumi.StringMap{}
	for _, id := range c.KeyIDs {
		// 48 alphanumerics: above LiveKit's 32-character minimum, and safe
		// in YAML and LIVEKIT_KEYS without quoting.
		sec, err := random.NewRandomPassword(ctx, "livekit-api-secret-"+id, &random.RandomPasswordArgs{
			Length: pulumi.Int(48), Special: pulumi.Bool(false),
		})
		if err != nil {
			return nil, fmt.Errorf("api key %s: %w", id, err)
		}
		secrets[id] = sec.Result
	}
	keys := pulumi.ToSecret(secrets.ToStringMapOutput()).(pulumi.StringMapOutput)
	fingerprint := pulumi.Unsecret(keys.ApplyT(func(m map[string]string) string {
		return livekit.KeySet(m).Fingerprint()
	})).(pulumi.StringOutput)
	return pulumi.Map{
		OutputKeys:        keys,
		OutputSigningKey:  pulumi.String(c.SigningKey),
		OutputFingerprint: fingerprint,
		"apiKeyIds":       pulumi.ToStringArray(c.KeyIDs),
	}, nil
}
