package azure_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

func redisCache(t *testing.T, p *plan.Plan) *plan.Resource {
	t.Helper()
	return one(t, p, tRedis, "livekit-redis")
}

func TestRedisCache(t *testing.T) {
	p := asia(t)
	r := redisCache(t, p)
	if !within(p, r, components.RedisCacheType) {
		t.Error("the cache is not part of the RedisCache component")
	}
	for path, want := range map[string]string{
		"skuName": "Standard", "family": "C", "redisVersion": "6", "minimumTlsVersion": "1.2", "location": asiaLocation,
	} {
		if got := str(t, r, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if got := num(t, r, "capacity"); got != 1 {
		t.Errorf("capacity %d, want 1 (C1)", got)
	}
	if boolean(t, r, "nonSslPortEnabled") {
		t.Error("the plain-text port 6379 is enabled")
	}
	if _, ok := r.Input("enableNonSslPort"); ok {
		t.Error("the deprecated enableNonSslPort is set")
	}
	if boolean(t, r, "publicNetworkAccessEnabled") {
		t.Error("Redis is reachable from the internet")
	}
	if !boolean(t, r, "redisConfiguration.authenticationEnabled") {
		t.Error("Redis AUTH is off")
	}
	// components.RedisEvictionPolicy: volatile-lru could evict LiveKit's
	// room locks, its only keys with a TTL.
	if got := str(t, r, "redisConfiguration.maxmemoryPolicy"); got != "noeviction" {
		t.Errorf("maxmemoryPolicy %q, want noeviction like every cloud", got)
	}
	if !r.Protect {
		t.Error("the cache is not protected")
	}
	if r.Protect == one(t, variantPlan(t, "unprotected"), tRedis, "livekit-redis").Protect {
		t.Error("protect=false does not unprotect the cache")
	}
	for _, k := range []string{"primaryAccessKey", "secondaryAccessKey", "primaryConnectionString"} {
		found := false
		for _, s := range r.AdditionalSecretOutputs {
			found = found || s == k
		}
		if !found {
			t.Errorf("%s is not an additional secret output: %v", k, r.AdditionalSecretOutputs)
		}
	}

	prem := redisCache(t, variantPlan(t, "sizing"))
	if str(t, prem, "skuName") != "Premium" || str(t, prem, "family") != "P" || num(t, prem, "capacity") != 2 {
		t.Errorf("sizing variant: %s %s%d", str(t, prem, "skuName"), str(t, prem, "family"), num(t, prem, "capacity"))
	}
}

// The only way in is a private endpoint in the endpoint subnet, and the
// cache's name resolves to it inside the VNet.
func TestRedisPrivateEndpoint(t *testing.T) {
	p := asia(t)
	r := redisCache(t, p)
	pe := one(t, p, tPE, "livekit-redis")
	if got := str(t, pe, "subnet.id"); got != one(t, p, tSubnet, "livekit-endpoints").ID {
		t.Errorf("private endpoint subnet %s", got)
	}
	if got := str(t, pe, "privateLinkServiceConnections[0].privateLinkServiceId"); got != r.ID {
		t.Errorf("private endpoint connects to %s, want the cache %s", got, r.ID)
	}
	if got := strs(list(t, pe, "privateLinkServiceConnections[0].groupIds")); len(got) != 1 || got[0] != "redisCache" {
		t.Errorf("private endpoint group ids %v", got)
	}
	zone := one(t, p, tPrivZone, "livekit-redis")
	if got := str(t, zone, "privateZoneName"); got != "privatelink.redis.cache.windows.net" {
		t.Errorf("private zone %s", got)
	}
	link := one(t, p, tZoneLink, "livekit-redis")
	if got := str(t, link, "virtualNetwork.id"); got != one(t, p, tVnet, "livekit").ID {
		t.Errorf("zone linked to %s, want the VNet", got)
	}
	group := one(t, p, tZoneGroup, "livekit-redis")
	if got := str(t, group, "privateEndpointName"); got != "livekit-redis" {
		t.Errorf("zone group on endpoint %s", got)
	}
	if got := str(t, group, "privateDnsZoneConfigs[0].privateDnsZoneId"); got != zone.ID {
		t.Errorf("zone group uses zone %s, want %s", got, zone.ID)
	}
}

// livekitConfig returns the rendered LiveKit config from the Kubernetes
// Secret the shared workload creates: kubernetes:core/v1:Secret
// "livekit-config", input stringData["config.yaml"].
func livekitConfig(t *testing.T, p *plan.Plan) (string, *plan.Resource) {
	t.Helper()
	sec := one(t, p, tSecret, "livekit-config")
	if !within(p, sec, tWorkload) {
		t.Errorf("config Secret is not part of the LiveKit workload")
	}
	const path = `stringData["config.yaml"]`
	if !sec.IsSecret(path) {
		t.Errorf("the config Secret's %s is not a Pulumi secret", path)
	}
	raw, ok := sec.RawInput(path)
	if !ok {
		t.Fatalf("config Secret has no %s", path)
	}
	return raw.(string), sec
}

// LiveKit talks TLS to the cache's 6380 with the access key as password; the
// certificate chains to public roots, so no CA file.
func TestRenderedConfigRedis(t *testing.T) {
	p := asia(t)
	body, _ := livekitConfig(t, p)
	c := lkcheck.ParseConfig(t, body)
	host := p.Outputs["redisHost"].(string)
	if want := host + ":6380"; c.Redis.Address != want || !strings.HasSuffix(host, ".redis.cache.windows.net") {
		t.Errorf("redis.address %q, want %q", c.Redis.Address, want)
	}
	if !c.RedisTLS() {
		t.Errorf("redis.tls %+v, want enabled", c.Redis.TLS)
	} else if c.Redis.TLS.CACertFile != "" {
		t.Errorf("redis.tls has a CA file, but Azure's certificate is publicly trusted: %+v", c.Redis.TLS)
	}
	if c.Redis.UseTLS != nil {
		t.Error("deprecated use_tls is set")
	}
	if c.Redis.Password == "" || !strings.HasSuffix(c.Redis.Password, "=") {
		t.Errorf("redis.password %q is not the cache's access key", c.Redis.Password)
	}
	if !c.RTC.UseExternalIP || c.RTC.TCPPort != 7881 || c.RTC.PortRangeStart != 50000 || c.RTC.PortRangeEnd != 60000 {
		t.Errorf("rtc %+v: want use_external_ip, 7881, 50000-60000", c.RTC)
	}
	if c.Region != asiaLocation {
		t.Errorf("region %q, want %s", c.Region, asiaLocation)
	}
	if len(c.Keys) != 1 {
		t.Errorf("keys %d, want 1", len(c.Keys))
	}
	// The rendered config goes nowhere but the Secret (and Egress's own
	// config Secret, which joins the same Redis), secret in both.
	for _, r := range p.Resources {
		if r.Type == tSecret && (r.Name == "livekit-config" || r.Name == "livekit-egress-config") {
			if !r.IsSecret(`stringData["config.yaml"]`) {
				t.Errorf("%s %s holds the Redis access key in plain", r.Type, r.Name)
			}
			continue
		}
		for path, v := range flatten(r.RawInputs, "") {
			if s, ok := v.(string); ok && strings.Contains(s, c.Redis.Password) {
				t.Errorf("%s %s input %s carries the Redis access key", r.Type, r.Name, path)
			}
		}
	}
}

func flatten(v any, prefix string) map[string]any {
	out := map[string]any{}
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			for p, x := range flatten(e, prefix+"."+k) {
				out[p] = x
			}
		}
	case []any:
		for i, e := range t {
			for p, x := range flatten(e, prefix+"["+itoa(i)+"]") {
				out[p] = x
			}
		}
	default:
		out[prefix] = v
	}
	return out
}

// LiveKit and Egress use the access key azureRedisAccessKey names, the
// primary by default: switching to the secondary before the primary is
// regenerated is what keeps a rotation without an outage (docs/azure.md).
func TestRedisAccessKey(t *testing.T) {
	for variant, which := range map[string]string{"": "primary", "secondaryKey": "secondary"} {
		p := asia(t)
		if variant != "" {
			p = variantPlan(t, variant)
		}
		want := plan.FakeAzureRedisKey("livekit-redis", which)
		body, _ := livekitConfig(t, p)
		if got := lkcheck.ParseConfig(t, body).Redis.Password; got != want {
			t.Errorf("%s: LiveKit's redis.password is not the cache's %s key", which, which)
		}
		if _, _, c := egressSecret(t, p); c.Redis.Password != want {
			t.Errorf("%s: Egress's redis.password is not the cache's %s key", which, which)
		}
	}
}
