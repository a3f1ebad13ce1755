package aws_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// A changed config rolls the Fargate services. ECS reads the config secret
// only when a task starts, and registers no new task definition revision
// while the container JSON is unchanged, so each main container carries the
// digest of the exact body its secret version holds: a new body (a new API
// key, a Redis password) is a new revision, and the service replaces every
// task with one that reads it. The digest is plain, so the reviewable
// container JSON stays free of secrets.
func TestConfigChangeRollsTasks(t *testing.T) {
	services := []struct {
		name      string
		comp      string
		container func(*testing.T, *plan.Plan) containerDef
	}{
		{"livekit", tMedia, livekitContainer},
		{"egress", tEgress, egressContainer},
	}
	digests := map[string]map[string]string{}
	for _, variant := range []string{"", "userSecrets", "natSingle"} {
		p := prodOr(t, variant)
		digests[variant] = map[string]string{}
		for _, svc := range services {
			t.Run(fmt.Sprintf("%s/variant=%q", svc.name, variant), func(t *testing.T) {
				body := str(t, child(t, p, svc.comp, tSecretVer, "-config"), "secretString")
				got := svc.container(t, p).DockerLabels[components.ConfigDigestKey]
				// components.ConfigDigest's framing of one value.
				sum := sha256.Sum256([]byte(strconv.Itoa(len(body)) + ":" + body + "\n"))
				if want := hex.EncodeToString(sum[:]); got != want {
					t.Errorf("label %s = %q, want the digest of the secret's body %q", components.ConfigDigestKey, got, want)
				}
				if td := child(t, p, svc.comp, tTaskDef, ""); td.IsSecret("containerDefinitions") {
					t.Error("containerDefinitions became a secret: the digest must be unsecreted")
				}
				digests[variant][svc.name] = got
			})
		}
	}
	for _, svc := range services {
		if digests[""][svc.name] == digests["userSecrets"][svc.name] {
			t.Errorf("%s: other credentials leave the task definition unchanged, so no task would read them", svc.name)
		}
		if digests[""][svc.name] != digests["natSingle"][svc.name] {
			t.Errorf("%s: a change that leaves the config alone changed the digest, rolling every task for nothing", svc.name)
		}
	}
}
