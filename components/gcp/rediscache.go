package gcp

import (
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/redis"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// RedisCAFile is the file name of Memorystore's server CA bundle in the
// LiveKit pod (see components/kubernetes.FilePath).
const RedisCAFile = "redis-ca.pem"

// RedisCacheArgs adds the Memorystore specifics to the contract.
// Memorystore generates its own AUTH string (RedisCacheOutputs.Password).
type RedisCacheArgs struct {
	components.RedisCacheArgs

	Region string
	// NetworkID is the VPC the instance is reachable from, through private
	// service access on PrivateServiceRange.
	NetworkID           pulumi.StringInput
	PrivateServiceRange pulumi.StringInput
	// PrivateServiceConnection must exist before the instance.
	PrivateServiceConnection pulumi.Resource
	MemoryGB                 int
}

// RedisCache is a Memorystore for Redis instance: Standard tier (a replica
// in another zone with automatic failover), AUTH and TLS.
type RedisCache struct {
	pulumi.ResourceState
	components.RedisCacheOutputs

	Host pulumi.StringOutput
	Port pulumi.IntOutput
	// InstanceID is projects/P/locations/R/instances/N, the instance_id
	// Cloud Monitoring labels its metrics with.
	InstanceID pulumi.StringOutput
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RedisCacheArgs) check(e *components.ArgErrors) {
	a.RedisCacheArgs.Check(e)
	if !strings.HasPrefix(a.EngineVersion, "REDIS_7_") {
		e.Add("EngineVersion %q must be a Memorystore Redis 7 version (REDIS_7_0, REDIS_7_2)", a.EngineVersion)
	}
	e.Require(components.Field{Name: "NetworkID", Missing: a.NetworkID == nil},
		components.Field{Name: "PrivateServiceRange", Missing: a.PrivateServiceRange == nil}, components.Field{Name: "Region", Missing: a.Region == ""})
	if a.MemoryGB < components.MinMemorystoreGB || a.MemoryGB > components.MaxMemorystoreGB {
		e.Add("MemoryGB %d must be %d-%d", a.MemoryGB, components.MinMemorystoreGB, components.MaxMemorystoreGB)
	}
}

// NewRedisCache declares the Memorystore instance.
func NewRedisCache(ctx *pulumi.Context, name string, args *RedisCacheArgs, opts ...pulumi.ResourceOption) (*RedisCache, error) {
	r := &RedisCache{}
	parent, err := components.Register(ctx, components.RedisCacheType, name, r, args, (*RedisCacheArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	deps := []pulumi.Resource{}
	if args.PrivateServiceConnection != nil {
		deps = append(deps, args.PrivateServiceConnection)
	}

	inst, err := redis.NewInstance(ctx, name, &redis.InstanceArgs{
		DisplayName:       pulumi.String("LiveKit " + name),
		Region:            pulumi.String(args.Region),
		Tier:              pulumi.String("STANDARD_HA"),
		MemorySizeGb:      pulumi.Int(args.MemoryGB),
		RedisVersion:      pulumi.String(args.EngineVersion),
		AuthorizedNetwork: args.NetworkID,
		ConnectMode:       pulumi.String("PRIVATE_SERVICE_ACCESS"),
		ReservedIpRange:   args.PrivateServiceRange,
		AuthEnabled:       pulumi.Bool(true),
		// TLS with Memorystore's own CA: clients must be given that CA
		// (serverCaCerts); system roots do not verify it.
		TransitEncryptionMode: pulumi.String("SERVER_AUTHENTICATION"),
		RedisConfigs:          pulumi.StringMap{"maxmemory-policy": pulumi.String(components.RedisEvictionPolicy)},
		MaintenancePolicy: &redis.InstanceMaintenancePolicyArgs{
			WeeklyMaintenanceWindows: redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowArray{
				&redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowArgs{
					Day:       pulumi.String("SUNDAY"),
					StartTime: &redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowStartTimeArgs{Hours: pulumi.Int(5)},
				},
			},
		},
		Labels: pulumi.StringMap{"app": pulumi.String("livekit")},
	}, parent, pulumi.Protect(args.Protect), pulumi.DependsOn(deps),
		pulumi.AdditionalSecretOutputs([]string{"authString"}))
	if err != nil {
		return nil, err
	}

	r.Host = inst.Host
	r.InstanceID = inst.ID().ToStringOutput()
	r.Port = inst.Port
	r.Address = pulumi.Sprintf("%s:%d", inst.Host, inst.Port)
	r.Password = pulumi.ToSecret(inst.AuthString).(pulumi.StringOutput)
	// During a CA rotation Memorystore lists the old and the new CA; trust
	// both so nodes keep connecting across the switch.
	r.CACert = inst.ServerCaCerts.ApplyT(func(certs []redis.InstanceServerCaCert) string {
		var pem []string
		for _, c := range certs {
			if c.Cert != nil && strings.TrimSpace(*c.Cert) != "" {
				pem = append(pem, strings.TrimSpace(*c.Cert))
			}
		}
		if len(pem) == 0 {
			return ""
		}
		return strings.Join(pem, "\n") + "\n"
	}).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"address": r.Address, "password": r.Password, "caCert": r.CACert,
	}); err != nil {
		return nil, err
	}
	return r, nil
}
