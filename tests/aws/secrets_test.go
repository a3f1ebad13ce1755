package aws_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// Secrets Manager holds the LiveKit config (for the tasks) and the API
// credentials (for token servers); both bodies are Pulumi secrets, both
// secrets are protected by default.
func TestSecretsManager(t *testing.T) {
	for _, tc := range []struct {
		variant string
		protect bool
	}{{"", true}, {"unprotected", false}} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			cfg := child(t, p, tMedia, tSecret, "-config")
			api, ok := p.Find(tSecret, "livekit-api-credentials")
			if !ok {
				t.Fatal("no API credentials secret")
			}
			for _, s := range []*plan.Resource{cfg, api} {
				if s.Protect != tc.protect {
					t.Errorf("secret %q: protect = %v, want %v", s.Name, s.Protect, tc.protect)
				}
				if n, _ := s.RawInput("recoveryWindowInDays"); n == 0 {
					t.Errorf("secret %q is deleted without a recovery window", s.Name)
				}
			}
			for _, sv := range []struct {
				suffix string
				secret *plan.Resource
			}{{"-config", cfg}, {"-api-credentials", api}} {
				ver, ok := p.Find(tSecretVer, "livekit"+sv.suffix)
				if !ok {
					t.Fatalf("no secret version livekit%s", sv.suffix)
				}
				if !ver.IsSecret("secretString") || ver.InputString("secretString") != plan.SecretPlaceholder {
					t.Errorf("secret version %q: secretString is not a Pulumi secret", ver.Name)
				}
				expect(t, ver, "secretId", sv.secret.ID)
				dependsOn(t, ver, sv.secret, "the version belongs to its secret")
			}
		})
	}
}

// Generated credentials (a region without credentialsStack): random
// resources whose results are secrets; the API key and secret stored for
// token servers are the ones LiveKit uses.
func TestGeneratedCredentials(t *testing.T) {
	p := variantPlan(t, "ownKey")
	randoms := append(childrenOfType(p, tCredentials, tRandomPw), childrenOfType(p, tCredentials, tRandomStr)...)
	if got := names(randoms); strings.Join(got, ",") != "livekit-api-key,livekit-api-secret,livekit-redis-password" {
		t.Errorf("generated credentials %v, want the API key, API secret and Redis password", got)
	}
	for _, r := range randoms {
		found := false
		for _, o := range r.AdditionalSecretOutputs {
			found = found || o == "result"
		}
		if !found {
			t.Errorf("%s %q: result is not a secret output (additionalSecretOutputs %v): it would sit in state in plain text", r.Type, r.Name, r.AdditionalSecretOutputs)
		}
		if v, _ := r.RawInput("special"); v != false {
			t.Errorf("%s %q: special = %v; YAML, env and ElastiCache want alphanumerics", r.Type, r.Name, v)
		}
	}
	if n := num(t, child(t, p, tCredentials, tRandomPw, "-api-secret"), "length"); n < 32 {
		t.Errorf("generated API secret length %d, LiveKit needs at least 32", n)
	}

	s := secretsOf(t, p)
	if !regexp.MustCompile(`^API[A-Za-z0-9]{12}$`).MatchString(s.APIKey) {
		t.Errorf("API key %q, want API + 12 alphanumerics", s.APIKey)
	}
	cfg := renderedConfig(t, p)
	if len(cfg.Keys) != 1 || cfg.Keys[s.APIKey] != s.APISecret {
		t.Error("LiveKit's keys differ from the API credentials stored for token servers")
	}
}

// Configured secrets replace the generated ones and stay secrets.
func TestUserSuppliedSecrets(t *testing.T) {
	p := variantPlan(t, "userSecrets")
	if rs := append(p.ByType(tRandomPw), p.ByType(tRandomStr)...); len(rs) > 0 {
		t.Errorf("random generators %v declared although every secret is configured", names(rs))
	}
	s := secretsOf(t, p)
	want := secretValues{APIKey: userAPIKey, APISecret: userAPISecret, RedisPassword: userRedisPassword}
	if s != want {
		t.Errorf("secrets in use = %+v, want the configured ones", s)
	}
	cfg := renderedConfig(t, p)
	if len(cfg.Keys) != 1 || cfg.Keys[userAPIKey] != userAPISecret {
		t.Error("LiveKit config keys are not the configured API key/secret")
	}
	if cfg.Redis.Password != userRedisPassword {
		t.Error("LiveKit config redis.password is not the configured redisPassword")
	}
	planq.NoPlainSecrets(t, p, s.all())
}

func TestNoPlainSecrets(t *testing.T) {
	p := prod(t)
	// No plain output and nowhere in the masked plan document (every
	// resource input).
	planq.NoPlainSecrets(t, p, secretsOf(t, p).all())
}
