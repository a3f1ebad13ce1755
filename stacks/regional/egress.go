package regional

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// RenderEgressConfig renders the region's Egress config inside an apply over
// the signing key pair, the URL, the cache's address and password and the
// bucket (and an Azure account key; a zero output elsewhere), so the result
// is a secret. Egress signs its room joins with the region's signing key
// (one key of the set every server accepts) and joins through the region's
// own signaling URL. redisTLS says how to verify the cache, as for the
// servers; storage builds the upload block from the bucket and key.
func RenderEgressConfig(s *stackconfig.Stack, creds *components.Credentials, url, redisAddress, redisPassword pulumi.StringOutput,
	redisTLS livekit.Redis, bucket, accountKey pulumi.StringOutput, storage func(bucket, accountKey string) livekit.EgressStorage) pulumi.StringOutput {
	r := s.Region
	return pulumi.All(creds.APIKey, creds.APISecret, url, redisAddress, redisPassword, bucket, accountKey).ApplyT(func(v []any) (string, error) {
		redis := redisTLS
		redis.Address, redis.Password, redis.TLS = v[3].(string), v[4].(string), true
		key, _ := v[6].(string)
		return livekit.RenderEgress(livekit.EgressSettings{
			APIKey: v[0].(string), APISecret: v[1].(string), WSURL: v[2].(string),
			Redis: redis, Storage: storage(v[5].(string), key), CPUCost: livekit.DefaultCPUCost, LogLevel: r.LogLevel,
		})
	}).(pulumi.StringOutput)
}

// EgressArgs is the Egress contract filled from settings; cpu (cores) and
// memoryGiB are the cloud's worker size.
func EgressArgs(s *stackconfig.Stack, config pulumi.StringInput, cpu, memoryGiB float64) components.EgressArgs {
	e := s.Region.Egress
	return components.EgressArgs{
		Image:            e.Image,
		Config:           config,
		Scaling:          components.Scaling{Min: e.Min, Max: e.Max, CPUTarget: e.CPUTarget},
		CPU:              cpu,
		MemoryGiB:        memoryGiB,
		LogRetentionDays: s.Region.LogRetentionDays,
	}
}
