package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RedisEvictionPolicy is every cloud's maxmemory-policy. LiveKit v1.13.5
// keeps its node registry, room-to-node map, rooms and participants in
// Redis hashes without TTLs (pkg/routing/redisrouter.go, pkg/service/
// redisstore.go); the only keys with a TTL are room locks (SetNX). So
// volatile-* policies could evict exactly the locks, letting two nodes
// create the same room, and allkeys-* would drop routing state silently.
// noeviction makes a full cache fail writes loudly (and alarm) instead.
const RedisEvictionPolicy = "noeviction"

// MinMemorystoreGB and MaxMemorystoreGB bound a Memorystore for Redis
// instance's capacity (Standard tier); the GCP RedisCache and the config
// model (gcpRedisMemoryGb) check the same bounds.
const MinMemorystoreGB, MaxMemorystoreGB = 1, 300

// RedisCacheArgs is what every cloud's RedisCache accepts. The AUTH password
// is not part of it: Memorystore and Azure generate their own, so only the
// AWS cache, where ElastiCache takes the token we choose, asks for one
// (aws.RedisCacheArgs.AuthToken); every cloud returns it as
// RedisCacheOutputs.Password. Each region runs
// its own Redis, so rooms are region-local; a far-away or shared Redis
// breaks signaling relay and couples outages (livekit#3456, livekit#3858).
type RedisCacheArgs struct {
	// EngineVersion pins the Redis version (cloud-specific spelling).
	EngineVersion string
	// Protect guards the cache against accidental deletion.
	Protect bool
}

// Validate rejects incomplete args.
func (a *RedisCacheArgs) Validate(name string) error {
	return Validate("RedisCache", name, a, (*RedisCacheArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *RedisCacheArgs) Check(e *ArgErrors) {
	if a.EngineVersion == "" {
		e.Add("EngineVersion is required: pin the Redis version")
	}
}

// RedisCacheOutputs is the outputs every cloud's RedisCache returns: what a LiveKit
// node needs to connect. TLS is always on.
// Each cloud's component embeds it beside pulumi.ResourceState (the SDK
// hangs when ResourceState is embedded two levels deep).
type RedisCacheOutputs struct {
	// Address is host:port of the primary endpoint (not a URL: livekit#3834).
	Address pulumi.StringOutput
	// Password is the AUTH secret (a Pulumi secret).
	Password pulumi.StringOutput
	// CACert is the PEM CA bundle for a cache with a private CA (Memorystore);
	// empty when the cache's certificate chains to public roots.
	CACert pulumi.StringOutput
}
