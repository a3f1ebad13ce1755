package components

import (
	"fmt"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// CredentialsArgs gives the secrets a region needs. Unset values are
// generated and kept in state as Pulumi secrets, so a fresh stack deploys
// without any `pulumi config set --secret` ceremony.
type CredentialsArgs struct {
	// KeySet is a shared API key set (key id to secret), read from the
	// credentials stack, and SigningKey the id token servers sign with.
	// Both or neither, and not together with APIKey/APISecret.
	KeySet     pulumi.StringMapInput
	SigningKey pulumi.StringInput
	// APIKey and APISecret are the region's own key; both or neither.
	// Without them and without KeySet, a key is generated.
	APIKey, APISecret pulumi.StringInput
	// RedisPassword is the Redis AUTH token, when the cloud lets us choose it.
	RedisPassword pulumi.StringInput
	// WithRedisPassword generates a Redis password when RedisPassword is nil.
	WithRedisPassword bool
}

// Credentials holds the region's secrets, all Pulumi secrets, and the
// fingerprint of its key set, which is not.
type Credentials struct {
	pulumi.ResourceState

	// Keys is the key set the nodes accept.
	Keys pulumi.StringMapOutput
	// APIKey and APISecret are the key token servers sign with.
	APIKey    pulumi.StringOutput
	APISecret pulumi.StringOutput
	// Fingerprint identifies Keys without revealing it
	// (livekit.KeySet.Fingerprint): equal in every region that accepts the
	// same tokens.
	Fingerprint   pulumi.StringOutput
	RedisPassword pulumi.StringOutput
}

// Validate rejects contradictory args.
func (a *CredentialsArgs) Validate(name string) error {
	return Validate("Credentials", name, a, (*CredentialsArgs).Check)
}

// Check adds the contract's problems to e.
func (a *CredentialsArgs) Check(e *ArgErrors) {
	if (a.APIKey == nil) != (a.APISecret == nil) {
		e.Add("give both APIKey and APISecret, or neither to generate them")
	}
	if (a.KeySet == nil) != (a.SigningKey == nil) {
		e.Add("give both KeySet and SigningKey, or neither")
	}
	if a.KeySet != nil && a.APIKey != nil {
		e.Add("give either KeySet (the shared key set) or APIKey/APISecret (the region's own key), not both")
	}
}

// NewCredentials declares the generators for whatever is not given.
func NewCredentials(ctx *pulumi.Context, name string, args *CredentialsArgs, opts ...pulumi.ResourceOption) (*Credentials, error) {
	if args == nil {
		args = &CredentialsArgs{}
	}
	c := &Credentials{}
	parent, err := Register(ctx, CredentialsType, name, c, args, (*CredentialsArgs).Check, opts...)
	if err != nil {
		return nil, err
	}
	secret := func(in pulumi.StringInput) pulumi.StringOutput {
		return pulumi.ToSecret(in.ToStringOutput()).(pulumi.StringOutput)
	}

	switch {
	case args.KeySet != nil:
		c.Keys = pulumi.ToSecret(args.KeySet.ToStringMapOutput()).(pulumi.StringMapOutput)
		c.APIKey = secret(args.SigningKey)
		c.APISecret = secret(pulumi.All(c.Keys, c.APIKey).ApplyT(func(v []any) (string, error) {
			keys, id := v[0].(map[string]string), v[1].(string)
			s, ok := keys[id]
			if !ok {
				return "", fmt.Errorf("credentials %q: the signing key %q is not in the key set %v", name, id, livekit.KeySet(keys).IDs())
			}
			return s, nil
		}).(pulumi.StringOutput))
	case args.APIKey != nil:
		c.APIKey, c.APISecret = secret(args.APIKey), secret(args.APISecret)
	default:
		// LiveKit keys are conventionally "API" + random alphanumerics.
		// RandomString's result is plain in state unless marked secret; the
		// key is handled as a secret everywhere else.
		key, err := random.NewRandomString(ctx, name+"-api-key", &random.RandomStringArgs{
			Length: pulumi.Int(12), Special: pulumi.Bool(false), Upper: pulumi.Bool(true), Lower: pulumi.Bool(true), Numeric: pulumi.Bool(true),
		}, parent, pulumi.AdditionalSecretOutputs([]string{"result"}))
		if err != nil {
			return nil, fmt.Errorf("credentials %q: api key: %w", name, err)
		}
		// 48 alphanumerics: above LiveKit's 32-character minimum, and safe in
		// YAML and env vars without quoting.
		sec, err := random.NewRandomPassword(ctx, name+"-api-secret", &random.RandomPasswordArgs{
			Length: pulumi.Int(48), Special: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("credentials %q: api secret: %w", name, err)
		}
		c.APIKey = secret(pulumi.Sprintf("API%s", key.Result))
		c.APISecret = secret(sec.Result)
	}
	if args.KeySet == nil {
		c.Keys = pulumi.ToSecret(pulumi.All(c.APIKey, c.APISecret).ApplyT(func(v []any) map[string]string {
			return map[string]string{v[0].(string): v[1].(string)}
		})).(pulumi.StringMapOutput)
	}
	// The fingerprint is an HMAC per key (no secret can be recovered from
	// it), so it is published in plain text for the global stack to compare.
	c.Fingerprint = pulumi.Unsecret(c.Keys.ApplyT(func(keys map[string]string) string {
		return livekit.KeySet(keys).Fingerprint()
	})).(pulumi.StringOutput)

	switch {
	case args.RedisPassword != nil:
		c.RedisPassword = secret(args.RedisPassword)
	case args.WithRedisPassword:
		// ElastiCache AUTH tokens allow only ! & # $ ^ < > - as special
		// characters (random's special set has others): alphanumerics only.
		pw, err := random.NewRandomPassword(ctx, name+"-redis-password", &random.RandomPasswordArgs{
			Length: pulumi.Int(40), Special: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("credentials %q: redis password: %w", name, err)
		}
		c.RedisPassword = secret(pw.Result)
	default:
		c.RedisPassword = secret(pulumi.String(""))
	}

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"keys": c.Keys, "apiKey": c.APIKey, "apiSecret": c.APISecret, "fingerprint": c.Fingerprint, "redisPassword": c.RedisPassword,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
