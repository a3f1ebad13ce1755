// Package regional turns validated settings into what every regional stack
// kind (aws, gcp, azure) shares: the cloud-neutral component args and the
// rendered LiveKit config. It imports no cloud SDK, so each cloud's stack
// package can use it without compiling the others.
package regional

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/credentials"
	"github.com/livekit-infra/livekit-infra/stacks/stackref"
)

// Credentials declares the region's secrets. With credentialsStack set, the
// nodes serve that stack's shared key set; otherwise the region's own key
// from config, or a generated one. redisPassword is the configured AUTH
// token, nil where the cloud generates its own; generateRedis asks for one
// when unset.
func Credentials(ctx *pulumi.Context, s *stackconfig.Stack, name string, redisPassword *stackconfig.Secret, generateRedis bool) (*components.Credentials, error) {
	r := s.Region
	args := &components.CredentialsArgs{WithRedisPassword: generateRedis}
	switch {
	case r.CredentialsStack != "":
		ref, err := stackref.New(ctx, r.CredentialsStack)
		if err != nil {
			return nil, fmt.Errorf("%s:credentialsStack %s: %w", stackconfig.Namespace, r.CredentialsStack, err)
		}
		args.KeySet, args.SigningKey = sharedKeys(ref, r.CredentialsStack)
	case r.APIKey.IsSet():
		args.APIKey, args.APISecret = r.APIKey.Output(), r.APISecret.Output()
	}
	if redisPassword != nil && redisPassword.IsSet() {
		args.RedisPassword = redisPassword.Output()
	}
	return components.NewCredentials(ctx, name, args)
}

// sharedKeys reads the credentials stack's key set and signing key, failing
// with what to do when the stack is missing or not deployed yet.
func sharedKeys(ref *stackref.Ref, stack string) (pulumi.StringMapOutput, pulumi.StringOutput) {
	key := stackconfig.Namespace + ":credentialsStack"
	missing := func(out string) error {
		return fmt.Errorf("%s is %q, but that stack has no output %q: deploy the credentials stack before the regions (lkinfra up --stacks %s), or correct %s",
			key, stack, out, stack, key)
	}
	keys := ref.Output(credentials.OutputKeys).ApplyT(func(v any) (map[string]string, error) {
		m, ok := v.(map[string]any)
		if !ok || len(m) == 0 {
			return nil, missing(credentials.OutputKeys)
		}
		set := livekit.KeySet{}
		for id, sec := range m {
			str, ok := sec.(string)
			if !ok {
				return nil, fmt.Errorf("%s %q: output %q holds a %T for key %q, want a string", key, stack, credentials.OutputKeys, sec, id)
			}
			set[id] = str
		}
		if err := set.Validate(); err != nil {
			return nil, fmt.Errorf("%s %q: %w", key, stack, err)
		}
		return set, nil
	}).(pulumi.StringMapOutput)
	signing := ref.Output(credentials.OutputSigningKey).ApplyT(func(v any) (string, error) {
		id, ok := v.(string)
		if !ok || id == "" {
			return "", missing(credentials.OutputSigningKey)
		}
		return id, nil
	}).(pulumi.StringOutput)
	return keys, signing
}

// RecordingsArgs is the recordings store every cloud declares.
func RecordingsArgs(s *stackconfig.Stack) components.RecordingsArgs {
	r := s.Region
	return components.RecordingsArgs{
		CDN:            r.Recordings.CDN,
		CDNHostname:    "recordings." + r.Hostname,
		ZoneID:         s.ZoneID,
		TransitionDays: r.Recordings.TransitionDays,
		ExpireDays:     r.Recordings.ExpireDays,
		Protect:        s.Protect,
	}
}

// MediaClusterArgs is the LiveKit cluster contract filled from settings;
// drainSeconds is the cloud's drain bound (Fargate caps it at 120 s).
func MediaClusterArgs(s *stackconfig.Stack, config pulumi.StringInput, drainSeconds int) components.MediaClusterArgs {
	r := s.Region
	return components.MediaClusterArgs{
		Image:            r.Image,
		Config:           config,
		Hostname:         r.Hostname,
		GlobalHostname:   s.GlobalHostname,
		ZoneID:           s.ZoneID,
		Media:            r.Media,
		TURNUDPPort:      r.TURNUDPPort,
		TURNTLSPort:      TURNTLSPort(r),
		TURNHostname:     r.TURNHostname,
		Scaling:          r.Scaling,
		DrainSeconds:     drainSeconds,
		LogRetentionDays: r.LogRetentionDays,
		Protect:          s.Protect,
	}
}

// TURNTLSPort is the node port the TURN/TLS load balancer forwards to, 0
// when TURN/TLS is off.
func TURNTLSPort(r *stackconfig.Region) int {
	if !r.TURNTLS {
		return 0
	}
	return r.TURNTLSPort
}

// TURNURL is the TURN/TLS ICE server URL LiveKit advertises to clients
// (turns:<name>:443?transport=tcp), for the stack outputs.
func TURNURL(r *stackconfig.Region) string {
	return "turns:" + r.TURNHostname + ":443?transport=tcp"
}

// RenderConfig renders the region's LiveKit config inside an apply over the
// secret key set and the cache's address and password, so the result is a
// secret. redisTLS says how nodes verify the cache (TLS is always on; a CA
// file where the cache uses a private CA); its address and password are
// filled in here. cloudRegion labels the nodes.
func RenderConfig(s *stackconfig.Stack, cloudRegion string, creds *components.Credentials, redisAddress, redisPassword pulumi.StringOutput, redisTLS livekit.Redis) pulumi.StringOutput {
	r := s.Region
	return pulumi.All(creds.Keys, redisAddress, redisPassword).ApplyT(func(v []any) (string, error) {
		redis := redisTLS
		redis.Address, redis.Password, redis.TLS = v[1].(string), v[2].(string), true
		return livekit.Render(livekit.Settings{
			Keys:  livekit.KeySet(v[0].(map[string]string)),
			Redis: redis,
			Media: r.Media,
			// Each node advertises its own public IP, discovered via STUN.
			UseExternalIP:   true,
			Region:          cloudRegion,
			SysloadLimit:    r.SysloadLimit,
			MaxParticipants: r.MaxParticipants,
			EmptyTimeout:    r.EmptyTimeout,
			LogLevel:        r.LogLevel,
			TURN:            turn(r),
		})
	}).(pulumi.StringOutput)
}

// turn is the region's TURN server. TLS always ends at the load balancer in
// front of the nodes (external_tls): every cloud's certificate service holds
// the TURN name's certificate, none reaches the pod.
func turn(r *stackconfig.Region) livekit.TURN {
	if !r.TURNEnabled() {
		return livekit.TURN{}
	}
	t := livekit.TURN{Enabled: true, Domain: r.TURNHostname, UDPPort: r.TURNUDPPort}
	if r.TURNTLS {
		t.TLSPort, t.ExternalTLS = r.TURNTLSPort, true
	}
	return t
}

// TokenServerCredentials is the JSON document every cloud's secret store
// holds for token servers: {"apiKey", "apiSecret", "url"}, the key they sign
// with and the region's URL, plus extra fields a cloud adds (the GCP CDN's
// URL-signing key). It is a secret; stack outputs never carry it.
func TokenServerCredentials(creds *components.Credentials, url pulumi.StringOutput, extra pulumi.StringMap) pulumi.StringOutput {
	fields := pulumi.StringMap{"apiKey": creds.APIKey, "apiSecret": creds.APISecret, "url": url}
	for k, v := range extra {
		fields[k] = v
	}
	body := fields.ToStringMapOutput().ApplyT(func(m map[string]string) (string, error) {
		b, err := json.Marshal(m)
		return string(b), err
	}).(pulumi.StringOutput)
	return pulumi.ToSecret(body).(pulumi.StringOutput)
}
