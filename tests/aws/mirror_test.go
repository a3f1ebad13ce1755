package aws_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

const (
	tMirror  = "livekit-infra:index:RegistryMirror"
	tPTCRule = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
)

func init() {
	variants["mirrorOff"] = variant{Set: map[string]string{"registryMirror": "false"}}
	variants["dockerHub"] = variant{
		Set:    map[string]string{"dockerHubUsername": "lkinfra", "dockerHubAccessToken": dockerHubToken},
		Secret: []string{"dockerHubAccessToken"},
	}
}

const dockerHubToken = "dckr_pat_userSuppliedToken0123456789"

// ecrMirror is the registry and prefix the plan's pull-through cache rule
// serves: <account>.dkr.ecr.<region>.amazonaws.com/<prefix>.
func ecrMirror(t *testing.T, p *plan.Plan) string {
	t.Helper()
	rule := child(t, p, tMirror, tPTCRule, "")
	return plan.FakeAccountID + ".dkr.ecr.us-west-2.amazonaws.com/" + str(t, rule, "ecrRepositoryPrefix")
}

// mirrorRepositories is the ARN of every repository the rule creates.
func mirrorRepositories(t *testing.T, p *plan.Plan) string {
	t.Helper()
	rule := child(t, p, tMirror, tPTCRule, "")
	return "arn:aws:ecr:us-west-2:" + plan.FakeAccountID + ":repository/" + str(t, rule, "ecrRepositoryPrefix") + "/*"
}

var digestRef = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

// Every container of the LiveKit server's and the Egress service's task
// definitions pulls from the region's ECR pull-through cache, by digest:
// never from Docker Hub.
func TestLiveKitImageFromMirrorByDigest(t *testing.T) {
	for _, name := range []string{"", "digest", "mux", "turn"} {
		p := prodOr(t, name)
		mirror := ecrMirror(t, p)
		defs := append(childrenOfType(p, tMedia, tTaskDef), childrenOfType(p, tEgress, tTaskDef)...)
		if len(defs) == 0 {
			t.Fatalf("%q: no task definition", name)
		}
		for _, td := range defs {
			var cs []containerDef
			jsonInput(t, &td, "containerDefinitions", &cs)
			for _, c := range cs {
				if !strings.HasPrefix(c.Image, mirror+"/") || !digestRef.MatchString(c.Image) {
					t.Errorf("%q: container %s image %q, want %s/...@sha256:<digest>", name, c.Name, c.Image, mirror)
				}
			}
		}
	}
}

// The rule caches Docker Hub under a stack-specific prefix, with its
// credentials in a Secrets Manager secret named ecr-pullthroughcache/...
// (ECR accepts no other name).
func TestPullThroughCacheRule(t *testing.T) {
	p := prod(t)
	rule := child(t, p, tMirror, tPTCRule, "")
	expect(t, rule, "upstreamRegistryUrl", "registry-1.docker.io")
	expect(t, rule, "ecrRepositoryPrefix", "docker-hub/aws-prod")
	secret := child(t, p, tMirror, tSecret, "-docker-hub")
	if n := str(t, secret, "name"); !strings.HasPrefix(n, "ecr-pullthroughcache/") {
		t.Errorf("credentials secret name %q lacks the ecr-pullthroughcache/ prefix ECR requires", n)
	}
	if got := str(t, rule, "credentialArn"); got != secret.ID && !strings.Contains(got, str(t, secret, "name")) {
		t.Errorf("rule credentialArn %q is not the credentials secret %s", got, secret.ID)
	}
	if out, _ := p.Outputs["image"].(string); out != ecrMirror(t, p)+"/"+livekit.Image {
		t.Errorf("output image %q, want the mirrored %s", out, livekit.Image)
	}
	// Without the token in config the secret is left for the operator to
	// fill: no version holds a made-up value.
	if vs := childrenOfType(p, tMirror, tSecretVer); len(vs) != 0 {
		t.Errorf("credentials secret has %d versions without dockerHubAccessToken, want none", len(vs))
	}
}

// With the token in config, the secret holds {"username","accessToken"} as
// a Pulumi secret, and nothing else in the plan reveals the token.
func TestDockerHubCredentialsStaySecret(t *testing.T) {
	p := variantPlan(t, "dockerHub")
	v := child(t, p, tMirror, tSecretVer, "-docker-hub")
	if !v.IsSecret("secretString") {
		t.Error("secretString is not a Pulumi secret")
	}
	var doc map[string]string
	jsonInput(t, v, "secretString", &doc)
	if doc["username"] != "lkinfra" || doc["accessToken"] != dockerHubToken || len(doc) != 2 {
		t.Errorf("secretString keys %v, want exactly username=lkinfra and the token", keys(doc))
	}
	planq.NoPlainSecrets(t, p, map[string]string{"Docker Hub token": dockerHubToken})
}

// registryMirror: false pulls Docker Hub directly: no rule, no ECR grant.
func TestMirrorOff(t *testing.T) {
	p := variantPlan(t, "mirrorOff")
	if rs := p.ByType(tPTCRule); len(rs) != 0 {
		t.Errorf("%d pull-through cache rules with registryMirror false", len(rs))
	}
	if got, want := livekitContainer(t, p).Image, "docker.io/"+livekit.Image; got != want {
		t.Errorf("image %q, want %q", got, want)
	}
	g := grants(t, "execution role", rolePolicy(t, p, "-execution"))
	for a := range g {
		if strings.HasPrefix(a, "ecr:") {
			t.Errorf("execution role may %s without a mirror", a)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
