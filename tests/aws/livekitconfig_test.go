package aws_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// renderedConfig parses the LiveKit config the tasks receive: the body of
// the config secret's version. (LiveKit's own strict parser checks the same
// renderer in tests/config.)
func renderedConfig(t *testing.T, p *plan.Plan) lkcheck.Config {
	t.Helper()
	return lkcheck.ParseConfig(t, str(t, child(t, p, tMedia, tSecretVer, "-config"), "secretString"))
}

func TestLiveKitConfig(t *testing.T) {
	p := prod(t)
	cfg := renderedConfig(t, p)
	if cfg.Port != 7880 {
		t.Errorf("port = %d, want 7880 (the target group's port)", cfg.Port)
	}
	if cfg.Region != prodRegion {
		t.Errorf("region = %q, want %s", cfg.Region, prodRegion)
	}
	if !cfg.RTC.UseExternalIP {
		t.Error("rtc.use_external_ip is false: tasks would advertise their private IPs")
	}
	if cfg.RTC.TCPPort != 7881 {
		t.Errorf("rtc.tcp_port = %d, want 7881", cfg.RTC.TCPPort)
	}
	if cfg.RTC.PortRangeStart != 50000 || cfg.RTC.PortRangeEnd != 60000 || cfg.RTC.UDPPort != 0 {
		t.Errorf("rtc UDP = range %d-%d / udp_port %d, want range 50000-60000", cfg.RTC.PortRangeStart, cfg.RTC.PortRangeEnd, cfg.RTC.UDPPort)
	}
	// TURN/TLS by default: the NLB ends TLS and forwards to tls_port.
	if cfg.TURN == nil || !cfg.TURN.Enabled || cfg.TURN.TLSPort != 5349 || !cfg.TURN.ExternalTLS ||
		cfg.TURN.Domain != prodTURN || cfg.TURN.UDPPort != 0 {
		t.Errorf("turn = %s, want TURN/TLS on 5349 behind the NLB (external_tls) for %s, no TURN/UDP", describe(cfg.TURN), prodTURN)
	}
}

// LiveKit reaches the ElastiCache primary over TLS with the AUTH token.
func TestLiveKitConfigRedis(t *testing.T) {
	p := prod(t)
	cfg := renderedConfig(t, p)
	endpoint, _ := p.RawOutputs["redisEndpoint"].(string)
	if cfg.Redis.Address != endpoint || !strings.HasPrefix(endpoint, "master.") || !strings.HasSuffix(endpoint, ".cache.amazonaws.com:6379") {
		t.Errorf("redis.address = %q, want the ElastiCache primary endpoint host:6379 (output redisEndpoint %q)", cfg.Redis.Address, endpoint)
	}
	if strings.Contains(cfg.Redis.Address, "://") {
		t.Errorf("redis.address %q is a URL; LiveKit wants host:port (livekit#3834)", cfg.Redis.Address)
	}
	if cfg.Redis.TLS == nil || !cfg.Redis.TLS.Enabled || cfg.Redis.TLS.Insecure {
		t.Errorf("redis.tls = %+v, want enabled and verifying (transit encryption is on)", cfg.Redis.TLS)
	}
	if cfg.Redis.UseTLS != nil {
		t.Error("redis.use_tls is deprecated; use the tls block")
	}
	rg := child(t, p, tRedisCache, tReplGroup, "")
	if cfg.Redis.Password == "" || cfg.Redis.Password != str(t, rg, "authToken") {
		t.Error("redis.password is not the ElastiCache AUTH token")
	}
	ver := child(t, p, tMedia, tSecretVer, "-config")
	dependsOn(t, ver, rg, "the config names the replication group's endpoint")
}

func TestLiveKitConfigVariants(t *testing.T) {
	t.Run("mux", func(t *testing.T) {
		cfg := renderedConfig(t, variantPlan(t, "mux"))
		if cfg.RTC.UDPPort != 7882 || cfg.RTC.PortRangeStart != 0 || cfg.RTC.PortRangeEnd != 0 {
			t.Errorf("rtc = %+v, want udp_port 7882 and no range", cfg.RTC)
		}
	})
	t.Run("turn", func(t *testing.T) {
		cfg := renderedConfig(t, variantPlan(t, "turn"))
		if cfg.TURN == nil || !cfg.TURN.Enabled || cfg.TURN.UDPPort != 3478 || cfg.TURN.TLSPort != 5349 || cfg.TURN.Domain != prodTURN {
			t.Errorf("turn = %s, want enabled on 3478/udp and TLS for %s", describe(cfg.TURN), prodTURN)
		}
	})
	t.Run("noTurnTls", func(t *testing.T) {
		if cfg := renderedConfig(t, variantPlan(t, "noTurnTls")); cfg.TURN != nil {
			t.Errorf("turn = %s with turnTls false and no turnUdpPort, want no turn block", describe(cfg.TURN))
		}
	})
	t.Run("turnNamed", func(t *testing.T) {
		cfg := renderedConfig(t, variantPlan(t, "turnNamed"))
		if cfg.TURN == nil || cfg.TURN.Domain != "relay.example.com" || cfg.TURN.TLSPort != 5443 || !cfg.TURN.ExternalTLS {
			t.Errorf("turn = %s, want relay.example.com on 5443 (external_tls)", describe(cfg.TURN))
		}
	})
}

func describe(v any) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%+v", v)
}
