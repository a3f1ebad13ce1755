package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// withAPICredentials returns a copy of sc with the API key and secret set as
// secrets (as `pulumi config set --secret` would).
func withAPICredentials(sc *plan.StackConfig, key, secret string) *plan.StackConfig {
	out := &plan.StackConfig{Project: sc.Project, Stack: sc.Stack, Config: map[string]string{}}
	for k, v := range sc.Config {
		out.Config[k] = v
	}
	out.SecretKeys = append(out.SecretKeys, sc.SecretKeys...)
	// A region with its own key reads no credentials stack.
	delete(out.Config, stackconfig.Namespace+":credentialsStack")
	for k, v := range map[string]string{stackconfig.Namespace + ":apiKey": key, stackconfig.Namespace + ":apiSecret": secret} {
		out.Config[k] = v
		if !out.IsSecret(k) {
			out.SecretKeys = append(out.SecretKeys, k)
		}
	}
	return out
}

// TestShortAPISecretIsAConfigError: LiveKit only logs an API secret shorter
// than 32 characters and starts anyway; the program must refuse it as its own
// config error, naming the key and the minimum, before declaring anything.
func TestShortAPISecretIsAConfigError(t *testing.T) {
	const key = "APIe2eShortSecret"
	for _, rs := range regionStacks {
		t.Run(rs.Stack, func(t *testing.T) {
			base := loadStack(t, rs.Stack)
			for _, n := range []int{20, livekit.MinSecretLength - 1} {
				t.Run(fmt.Sprintf("%d characters", n), func(t *testing.T) {
					secret := randomToken(t, 16)[:n/2] + strings.Repeat("Z", n-n/2)
					p, err := plan.Evaluate(withAPICredentials(base, key, secret), rs.Program)
					if err == nil {
						t.Fatalf("a %d-character API secret was accepted; want a config error", n)
					}
					msg := err.Error()
					for _, want := range []string{stackconfig.Namespace + ":apiSecret", fmt.Sprint(livekit.MinSecretLength), fmt.Sprintf("has %d characters", n)} {
						if !strings.Contains(msg, want) {
							t.Errorf("error does not mention %q:\n%s", want, msg)
						}
					}
					if strings.Contains(msg, secret) {
						t.Errorf("the error message contains the secret value:\n%s", msg)
					}
					var cfgErr *stackconfig.Error
					if !errors.As(err, &cfgErr) {
						t.Fatalf("error is %T, want the program's *stackconfig.Error:\n%s", err, msg)
					}
					if len(cfgErr.Problems) != 1 || cfgErr.Problems[0].Key != stackconfig.Namespace+":apiSecret" {
						t.Errorf("problems = %v, want exactly one, for %s:apiSecret", cfgErr.Problems, stackconfig.Namespace)
					}
					if p == nil {
						t.Fatal("plan.Evaluate returned no plan")
					}
					if len(p.Resources) != 0 {
						var names []string
						for _, r := range p.Resources {
							names = append(names, r.Type+" "+r.Name)
						}
						t.Errorf("%d resources were declared before the config error, want none:\n  %s",
							len(p.Resources), strings.Join(names, "\n  "))
					}
				})
			}
			// Control: at the minimum the same stack evaluates, so the
			// failures above are about the length alone.
			t.Run(fmt.Sprintf("%d characters is accepted", livekit.MinSecretLength), func(t *testing.T) {
				secret := randomToken(t, livekit.MinSecretLength/2)
				p, err := plan.Evaluate(withAPICredentials(base, key, secret), rs.Program)
				if err != nil {
					t.Fatalf("a %d-character API secret was refused: %v", len(secret), err)
				}
				// The given credentials, not generated ones, reach the nodes.
				rendered, err := rs.Config.Find(p)
				if err != nil {
					t.Fatalf("LiveKit config (%s): %v", rs.Config.Where, err)
				}
				if k, s := configKeys(t, parseConfig(t, rendered)); k != key || s != secret {
					t.Errorf("rendered keys are not the configured %s:apiKey/apiSecret", stackconfig.Namespace)
				}
			})
		})
	}
}
