package azure

import (
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/redis"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// RedisPrivateZone is the private DNS zone Azure Cache for Redis private
// endpoints register in: <cache>.redis.cache.windows.net is a CNAME to
// <cache>.privatelink.redis.cache.windows.net, which this zone resolves to
// the endpoint's private address inside the VNet.
const RedisPrivateZone = "privatelink.redis.cache.windows.net"

// RedisCacheArgs adds the Azure sizing and placement to the contract.
type RedisCacheArgs struct {
	components.RedisCacheArgs

	ResourceGroupName pulumi.StringInput
	Location          string
	// SKU is Basic, Standard or Premium; Family C (Basic/Standard) or P;
	// Capacity the size within the family (C0-C6, P1-P5).
	SKU, Family string
	Capacity    int
	// VnetID gets the private DNS zone link; EndpointSubnetID holds the
	// private endpoint (its NSG admits the node subnet on 6380 only).
	VnetID, EndpointSubnetID pulumi.StringInput
	// AccessKey is the access key returned as the password: AccessKeyPrimary
	// (the default when empty) or AccessKeySecondary. Both keys are valid at
	// once, so clients move to one before the other is regenerated.
	AccessKey string
}

// The cache's two access keys (RedisCacheArgs.AccessKey).
const (
	AccessKeyPrimary   = "primary"
	AccessKeySecondary = "secondary"
)

// RedisCache is Azure Cache for Redis, reachable only through a private
// endpoint in the VNet.
type RedisCache struct {
	pulumi.ResourceState
	components.RedisCacheOutputs

	// Host is the cache's host name (its certificate's name).
	Host pulumi.StringOutput
	// CacheID is the Azure resource ID.
	CacheID pulumi.StringOutput
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RedisCacheArgs) check(e *components.ArgErrors) {
	a.RedisCacheArgs.Check(e)
	switch {
	case a.SKU != "Basic" && a.SKU != "Standard" && a.SKU != "Premium":
		e.Add("SKU %q must be Basic, Standard or Premium", a.SKU)
	case (a.SKU == "Premium") != (a.Family == "P"):
		e.Add("Family %q does not match SKU %s (P for Premium, C otherwise)", a.Family, a.SKU)
	}
	if a.Capacity < 0 || a.Capacity > 6 || (a.Family == "P" && a.Capacity < 1) {
		e.Add("Capacity %d is not a size of family %s", a.Capacity, a.Family)
	}
	if a.AccessKey != "" && a.AccessKey != AccessKeyPrimary && a.AccessKey != AccessKeySecondary {
		e.Add("AccessKey %q must be %s or %s", a.AccessKey, AccessKeyPrimary, AccessKeySecondary)
	}
	if a.EngineVersion != "6" {
		e.Add("EngineVersion %q: Azure Cache for Redis offers Redis 6 (4 is retired)", a.EngineVersion)
	}
	e.Require(components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil},
		components.Field{Name: "Location", Missing: a.Location == ""}, components.Field{Name: "VnetID", Missing: a.VnetID == nil},
		components.Field{Name: "EndpointSubnetID", Missing: a.EndpointSubnetID == nil})
}

// NewRedisCache declares the cache (TLS 1.2+ on 6380 only, public network
// access off), its private endpoint and the private DNS that makes the
// cache's public name resolve to that endpoint inside the VNet.
func NewRedisCache(ctx *pulumi.Context, name string, args *RedisCacheArgs, opts ...pulumi.ResourceOption) (*RedisCache, error) {
	r := &RedisCache{}
	parent, err := components.Register(ctx, components.RedisCacheType, name, r, args, (*RedisCacheArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	loc := pulumi.String(args.Location)

	cache, err := redis.NewCache(ctx, name, &redis.CacheArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          loc,
		SkuName:           pulumi.String(args.SKU),
		Family:            pulumi.String(args.Family),
		Capacity:          pulumi.Int(args.Capacity),
		RedisVersion:      pulumi.String(args.EngineVersion),
		// TLS only: the plain port 6379 stays closed, and old TLS versions
		// are refused.
		NonSslPortEnabled: pulumi.Bool(false),
		MinimumTlsVersion: pulumi.String("1.2"),
		// Reachable only through the private endpoint below.
		PublicNetworkAccessEnabled: pulumi.Bool(false),
		RedisConfiguration: &redis.CacheRedisConfigurationArgs{
			// Access keys are the AUTH password LiveKit uses.
			AuthenticationEnabled: pulumi.Bool(true),
			// components.RedisEvictionPolicy: LiveKit's state has no TTLs.
			MaxmemoryPolicy: pulumi.String(components.RedisEvictionPolicy),
		},
		// Patching restarts a node; early Sunday UTC is the quietest time.
		PatchSchedules: redis.CachePatchScheduleArray{&redis.CachePatchScheduleArgs{
			DayOfWeek: pulumi.String("Sunday"), StartHourUtc: pulumi.Int(5), MaintenanceWindow: pulumi.String("PT5H"),
		}},
		Tags: pulumi.StringMap{"app": pulumi.String("livekit")},
	}, parent, pulumi.Protect(args.Protect),
		pulumi.AdditionalSecretOutputs([]string{"primaryAccessKey", "secondaryAccessKey", "primaryConnectionString", "secondaryConnectionString"}))
	if err != nil {
		return nil, err
	}

	if err := newPrivateLink(ctx, name, privateLink{
		ResourceGroupName: args.ResourceGroupName, Location: args.Location, SubnetID: args.EndpointSubnetID, VnetID: args.VnetID,
		TargetID: cache.ID(), GroupID: "redisCache", Zone: RedisPrivateZone, ZoneConfig: "redis",
	}, parent); err != nil {
		return nil, err
	}

	r.Host = cache.Hostname
	r.CacheID = cache.ID().ToStringOutput()
	// host:port, not a rediss:// URL (livekit#3834). The certificate carries
	// the public name and chains to public roots, so LiveKit's TLS needs no
	// CA file even though the address resolves privately.
	r.Address = pulumi.Sprintf("%s:%d", cache.Hostname, cache.SslPort)
	key := cache.PrimaryAccessKey
	if args.AccessKey == AccessKeySecondary {
		key = cache.SecondaryAccessKey
	}
	r.Password = pulumi.ToSecret(key).(pulumi.StringOutput)
	r.CACert = pulumi.String("").ToStringOutput()
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"address": r.Address, "password": r.Password, "caCert": r.CACert, "host": r.Host, "cacheId": r.CacheID,
	}); err != nil {
		return nil, err
	}
	return r, nil
}
