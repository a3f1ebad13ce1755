package aws_test

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
)

// ElastiCache: Multi-AZ with automatic failover, TLS in transit with AUTH,
// encrypted at rest, version and windows pinned from config.
func TestRedisReplicationGroup(t *testing.T) {
	for _, tc := range []struct {
		variant, engine, family, maint, snap string
		nodes                                int
	}{
		{"", "7.1", "redis7", "sun:05:00-sun:06:00", "03:00-04:00", 2},
		{"otherRedisVpc", "6.2", "redis6.x", "tue:02:00-tue:03:00", "22:00-23:00", 3},
	} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			rg := child(t, p, tRedisCache, tReplGroup, "")
			if n := num(t, rg, "numCacheClusters"); n < 2 || n != tc.nodes {
				t.Errorf("numCacheClusters = %d, want %d (>= 2 for failover)", n, tc.nodes)
			}
			for _, k := range []string{"automaticFailoverEnabled", "multiAzEnabled", "transitEncryptionEnabled", "atRestEncryptionEnabled"} {
				expect(t, rg, k, true)
			}
			expect(t, rg, "engine", "redis")
			expect(t, rg, "engineVersion", tc.engine)
			// Our parameter group of the engine's family, not the default
			// one (volatile-lru): components.RedisEvictionPolicy.
			pg := child(t, p, tRedisCache, "aws:elasticache/parameterGroup:ParameterGroup", "-params")
			expect(t, pg, "family", tc.family)
			if got := pg.InputString("parameters[0].name") + "=" + pg.InputString("parameters[0].value"); got != "maxmemory-policy=noeviction" {
				t.Errorf("parameter group sets %s, want maxmemory-policy=noeviction", got)
			}
			expect(t, rg, "parameterGroupName", pg.Name) // autonamed: the mock names it by its logical name
			expect(t, rg, "maintenanceWindow", tc.maint)
			expect(t, rg, "snapshotWindow", tc.snap)
			expect(t, rg, "port", 6379)
			if n, _ := rg.RawInput("snapshotRetentionLimit"); n == 0 || n == nil {
				t.Errorf("snapshotRetentionLimit = %v, want snapshots kept", n)
			}
		})
	}
}

// The AUTH token is a secret, generated (alphanumeric, ElastiCache's rules)
// unless given, and it is the password LiveKit presents.
func TestRedisAuthToken(t *testing.T) {
	p := prod(t)
	rg := child(t, p, tRedisCache, tReplGroup, "")
	if !rg.IsSecret("authToken") {
		t.Fatal("authToken is not a Pulumi secret")
	}
	if got := rg.InputString("authToken"); got != "[secret]" {
		t.Errorf("masked authToken = %q, want [secret]", got)
	}
	token := str(t, rg, "authToken")
	if !regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`).MatchString(token) {
		t.Errorf("generated authToken %q breaks ElastiCache's rules (16-128 chars, no / \" @)", token)
	}
	pw := child(t, p, tCredentials, tRandomPw, "-redis-password")
	dependsOn(t, rg, pw, "the AUTH token is the generated password")
	if n := num(t, pw, "length"); n != len(token) {
		t.Errorf("authToken has %d characters, the generated password %d", len(token), n)
	}
	if cfg := renderedConfig(t, p); cfg.Redis.Password != token {
		t.Error("LiveKit's redis.password differs from the ElastiCache AUTH token")
	}
	// A new token is added beside the old one (SET would revoke the old one
	// while tasks still start with it; docs/aws.md's rotation steps).
	expect(t, rg, "authTokenUpdateStrategy", "ROTATE")

	u := variantPlan(t, "userSecrets")
	urg := child(t, u, tRedisCache, tReplGroup, "")
	if !urg.IsSecret("authToken") {
		t.Error("user-supplied authToken is not a Pulumi secret")
	}
	if got := str(t, urg, "authToken"); got != userRedisPassword {
		t.Errorf("authToken = %q, want the configured redisPassword", got)
	}
}

// Redis lives in the private subnets, behind its own security group.
func TestRedisPlacement(t *testing.T) {
	p := prod(t)
	rg := child(t, p, tRedisCache, tReplGroup, "")
	group := child(t, p, tRedisCache, tCacheSubnet, "-subnets")
	_, private := subnets(t, p)
	if got := list(t, group, "subnetIds"); !slices.Equal(got, ids(private)) {
		t.Errorf("cache subnet group subnets = %v, want the private subnets %v", got, ids(private))
	}
	dependsOn(t, rg, group, "subnetGroupName comes from the subnet group")
	expect(t, rg, "subnetGroupName", group.Name)
	sg := child(t, p, tRedisCache, tSG, "-sg")
	if got := list(t, rg, "securityGroupIds"); !slices.Equal(got, []string{sg.ID}) {
		t.Errorf("securityGroupIds = %v, want only the Redis SG %s", got, sg.ID)
	}
}

func TestRedisProtect(t *testing.T) {
	if rg := child(t, prod(t), tRedisCache, tReplGroup, ""); !rg.Protect {
		t.Error("Redis is not protected by default")
	}
	if rg := child(t, variantPlan(t, "unprotected"), tRedisCache, tReplGroup, ""); rg.Protect {
		t.Error("Redis is protected with protect=false")
	}
}
