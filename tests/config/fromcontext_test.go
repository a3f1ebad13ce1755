package config

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// The program reads its config through stackconfig.FromContext, where
// Pulumi hands it no list of keys outside the language host: under
// `lkinfra plan` (these mocks) and lkinfra's inline programs an unknown key
// used to be silently ignored, though Parse refuses it (TestCloudAPIRules'
// "keys" class). Here the keys go through the real path.
func TestUnknownKeysRefusedThroughContext(t *testing.T) {
	readConfig := func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := stackconfig.FromContext(ctx)
		return pulumi.Map{}, err
	}
	for _, c := range []struct{ key, want string }{
		{"awsTaskCPU", "did you mean livekit-infra:awsTaskCpu"}, // wrong case
		{"awsTaskCpux", "did you mean livekit-infra:awsTaskCpu"},
		{"noSuchKeyAtAll", "is not a known key"},
	} {
		sc, err := plan.LoadStackConfig(repoRoot, "aws-prod")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := plan.Evaluate(sc, readConfig); err != nil {
			t.Fatalf("the committed aws-prod: %v", err)
		}
		sc.Config[ns+c.key] = "4096"
		_, err = plan.Evaluate(sc, readConfig)
		if err == nil || !strings.Contains(err.Error(), ns+c.key) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("aws-prod with %s set: got %v, want an error naming it with %q", c.key, err, c.want)
		}
	}
}
