package components

import (
	"fmt"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// CredentialsArgs gives the secrets a region needs. Unset values are
// generated and kept in state as Pulumi secrets, so a fresh stack deploys
// without any `pulumi config set --secret` ceremony.
type CredentialsArgs struct {
	// APIKey and APISecret are LiveKit's; both or neither.
	APIKey, APISecret pulumi.StringInput
	// RedisPassword is the Redis AUTH token, when the cloud lets us choose it.
	RedisPassword pulumi.StringInput
	// WithRedisPassword generates a Redis password when RedisPassword is nil.
	WithRedisPassword bool
}

// Credentials holds the region's secrets, all Pulumi secrets.
type Credentials struct {
	pulumi.ResourceState

	APIKey        pulumi.StringOutput
	APISecret     pulumi.StringOutput
	RedisPassword pulumi.StringOutput
}

// NewCredentials declares the generators for whatever is not given.
func NewCredentials(ctx *pulumi.Context, name string, args *CredentialsArgs, opts ...pulumi.ResourceOption) (*Credentials, error) {
	if args == nil {
		args = &CredentialsArgs{}
	}
	if (args.APIKey == nil) != (args.APISecret == nil) {
		return nil, fmt.Errorf("Credentials %q: give both APIKey and APISecret, or neither to generate them", name)
	}
	c := &Credentials{}
	if err := ctx.RegisterComponentResource(CredentialsType, name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	secret := func(in pulumi.StringInput) pulumi.StringOutput {
		return pulumi.ToSecret(in.ToStringOutput()).(pulumi.StringOutput)
	}

	if args.APIKey != nil {
		c.APIKey, c.APISecret = secret(args.APIKey), secret(args.APISecret)
	} else {
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

	switch {
	case args.RedisPassword != nil:
		c.RedisPassword = secret(args.RedisPassword)
	case args.WithRedisPassword:
		// ElastiCache AUTH tokens forbid / " @ and spaces: alphanumerics only.
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
		"apiKey": c.APIKey, "apiSecret": c.APISecret, "redisPassword": c.RedisPassword,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
