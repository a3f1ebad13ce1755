// Package regional turns validated settings into what every regional stack
// kind (aws, gcp, azure) shares: the cloud-neutral component args and the
// rendered LiveKit config. It imports no cloud SDK, so each cloud's stack
// package can use it without compiling the others.
package regional

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/stacks/settings"
)

// CredentialsArgs takes the API key/secret from config when set (otherwise
// they are generated). redisPassword is the configured AUTH token, nil where
// the cloud generates its own; generateRedis asks for one when unset.
func CredentialsArgs(r *settings.Region, redisPassword *settings.Secret, generateRedis bool) *components.CredentialsArgs {
	c := &components.CredentialsArgs{WithRedisPassword: generateRedis}
	if r.APIKey.IsSet() {
		c.APIKey, c.APISecret = r.APIKey.Output(), r.APISecret.Output()
	}
	if redisPassword != nil && redisPassword.IsSet() {
		c.RedisPassword = redisPassword.Output()
	}
	return c
}

// RecordingsArgs is the recordings store every cloud declares.
func RecordingsArgs(s *settings.Stack) components.RecordingsArgs {
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
func MediaClusterArgs(s *settings.Stack, config pulumi.StringInput, drainSeconds int) components.MediaClusterArgs {
	r := s.Region
	return components.MediaClusterArgs{
		Image:          r.Image,
		Config:         config,
		Hostname:       r.Hostname,
		GlobalHostname: s.GlobalHostname,
		ZoneID:         s.ZoneID,
		Media:          r.Media,
		TURNUDPPort:    r.TURNUDPPort,
		Scaling: components.Scaling{
			Min: r.Scaling.Min, Max: r.Scaling.Max, CPUTarget: r.Scaling.CPUTarget,
			ScaleOutCooldown: r.Scaling.ScaleOutCooldown, ScaleInCooldown: r.Scaling.ScaleInCooldown,
		},
		DrainSeconds:     drainSeconds,
		LogRetentionDays: r.LogRetentionDays,
		Protect:          s.Protect,
	}
}

// RenderConfig renders the region's LiveKit config inside an apply over the
// secret credentials and the cache's address and password, so the result is
// a secret. redisTLS says how nodes verify the cache (TLS is always on; a CA
// file where the cache uses a private CA); its address and password are
// filled in here. cloudRegion labels the nodes.
func RenderConfig(s *settings.Stack, cloudRegion string, creds *components.Credentials, redisAddress, redisPassword pulumi.StringOutput, redisTLS livekit.Redis) pulumi.StringOutput {
	r := s.Region
	return pulumi.All(creds.APIKey, creds.APISecret, redisAddress, redisPassword).ApplyT(func(v []any) (string, error) {
		redis := redisTLS
		redis.Address, redis.Password, redis.TLS = v[2].(string), v[3].(string), true
		return livekit.Render(livekit.Settings{
			APIKey:    v[0].(string),
			APISecret: v[1].(string),
			Redis:     redis,
			Media:     r.Media,
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

func turn(r *settings.Region) livekit.TURN {
	if r.TURNUDPPort == 0 {
		return livekit.TURN{}
	}
	return livekit.TURN{Enabled: true, Domain: r.Hostname, UDPPort: r.TURNUDPPort}
}
