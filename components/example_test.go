package components_test

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// A region's secrets when no key set is shared: a generated API key and
// secret and a Redis password, all Pulumi secrets; only the key set's
// fingerprint is published in plain text, for the global stack to compare.
func ExampleNewCredentials() {
	p, err := plan.Evaluate(&plan.StackConfig{Project: "example", Stack: "dev"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		creds, err := components.NewCredentials(ctx, "livekit-credentials", &components.CredentialsArgs{WithRedisPassword: true})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{
			"apiSecret":     creds.APISecret,
			"redisPassword": creds.RedisPassword,
			"fingerprint":   creds.Fingerprint,
		}, nil
	})
	if err != nil {
		panic(err)
	}
	secret := append([]string(nil), p.SecretOutputs...)
	sort.Strings(secret)
	fmt.Println("secret outputs:", secret)
	fmt.Println("generators:", len(p.ByType("random:index/randomPassword:RandomPassword")), "passwords,", len(p.ByType("random:index/randomString:RandomString")), "key id")
	// Output:
	// secret outputs: [apiSecret redisPassword]
	// generators: 2 passwords, 1 key id
}
