// Package lkcheck records the LiveKit config each committed regional stack
// renders, so that LiveKit's own strict parser can judge it without linking
// a cloud SDK. Each cloud's tests (tests/aws, ...) evaluate their stack under
// the mocks and compare the rendered config with a golden file in
// tests/config/testdata/rendered (CheckGolden); tests/config parses every
// golden file with github.com/livekit/livekit-server/pkg/config at the pinned
// version. This way neither the per-cloud test binaries link LiveKit's SFU
// packages nor does tests/config link any cloud SDK (docs/build-cost.md).
package lkcheck

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

const ns = stackconfig.Namespace + ":"

// StackRaw loads a stack the way `lkinfra plan` does and hands its config
// to the model.
func StackRaw(t testing.TB, dir, stack string) (*plan.StackConfig, stackconfig.Raw) {
	t.Helper()
	sc, err := plan.LoadStackConfig(dir, stack)
	if err != nil {
		t.Fatalf("LoadStackConfig(%s): %v", stack, err)
	}
	secret := map[string]bool{}
	for _, k := range sc.SecretKeys {
		secret[k] = true
	}
	return sc, stackconfig.Raw{Values: sc.Config, Secret: secret}
}

// ConfigSource returns a stack's rendered LiveKit config (the
// LIVEKIT_CONFIG body) from its plan, after checking it is kept secret.
type ConfigSource func(t testing.TB, p *plan.Plan) string

// SecretInput reads a resource input that must be a secret: it holds the API
// secret and the Redis password.
func SecretInput(t testing.TB, r *plan.Resource, property string) string {
	t.Helper()
	if !r.IsSecret(property) {
		t.Errorf("%s %s: %s is not a secret; it holds the API secret and Redis password", r.Type, r.Name, property)
	}
	if v := r.InputString(property); v != plan.SecretPlaceholder {
		t.Errorf("%s %s: the masked %s reads %q", r.Type, r.Name, property, v)
	}
	raw, ok := r.RawInput(property)
	body, isString := raw.(string)
	if !ok || !isString || body == "" {
		t.Fatalf("%s %s: %s = %#v, want the YAML config", r.Type, r.Name, property, raw)
	}
	return body
}

// SecretsManagerSecretString finds the Secrets Manager version that carries
// the config (an ECS task reads it as a secret env var).
func SecretsManagerSecretString(name string) ConfigSource {
	return secretOf("aws:secretsmanager/secretVersion:SecretVersion", name, "secretString")
}

// KubernetesSecretField finds the Kubernetes Secret that carries the config
// on GKE/AKS (components/kubernetes mounts it and points LIVEKIT_CONFIG at
// it).
func KubernetesSecretField(name, key string) ConfigSource {
	return secretOf("kubernetes:core/v1:Secret", name, fmt.Sprintf("stringData[%q]", key))
}

// secretOf reads the config from the secret input property of the
// resource of type typ named name.
func secretOf(typ, name, property string) ConfigSource {
	return func(t testing.TB, p *plan.Plan) string {
		t.Helper()
		r, ok := p.Find(typ, name)
		if !ok {
			t.Fatalf("no %s named %q", typ, name)
		}
		return SecretInput(t, r, property)
	}
}

// RenderedConfig evaluates a stack under the mocks and returns its LiveKit
// config.
func RenderedConfig(t testing.TB, sc *plan.StackConfig, program func(*pulumi.Context) (pulumi.Map, error), config ConfigSource) string {
	t.Helper()
	p, err := plan.Evaluate(sc, program)
	if err != nil {
		t.Fatalf("evaluating %s: %v", sc.Stack, err)
	}
	return config(t, p)
}

// Offline turns off rtc.use_external_ip (which makes LiveKit do a STUN
// lookup) and changes nothing else: the YAML is round-tripped and compared.
func Offline(t testing.TB, body string) string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("rendered config is not YAML: %v\n%s", err, body)
	}
	root := doc.Content[0]
	rtc := mapValue(root, "rtc")
	if rtc == nil {
		t.Fatalf("rendered config has no rtc section:\n%s", body)
	}
	ext := mapValue(rtc, "use_external_ip")
	if ext == nil || ext.Value != "true" {
		t.Fatalf("rtc.use_external_ip = %v, want true in the cloud: each node must advertise its own public IP", ext)
	}
	ext.Value = "false"
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}

	var before, after map[string]any
	if err := yaml.Unmarshal([]byte(body), &before); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(out, &after); err != nil {
		t.Fatal(err)
	}
	before["rtc"].(map[string]any)["use_external_ip"] = false
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("the round trip changed more than rtc.use_external_ip:\n%s\n---\n%s", body, out)
	}
	return string(out)
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Variant is one configuration of a committed stack whose rendered config is
// recorded: the stack file as committed, or with the options a stack file
// may change.
type Variant struct {
	Name     string // file name part: "committed" or "options"
	Config   *plan.StackConfig
	Settings *stackconfig.Stack
}

// Variants returns the committed stack and the same stack with muxed media,
// TURN, limits, log level and its own API key brought as secure: values
// (instead of the credentials stack's shared key set).
func Variants(t testing.TB, repoRoot, stack string) []Variant {
	t.Helper()
	sc, raw := StackRaw(t, repoRoot, stack)
	committed, err := stackconfig.Parse(sc.Stack, raw)
	if err != nil {
		t.Fatalf("%s: %v", stack, err)
	}
	osc, _ := StackRaw(t, repoRoot, stack)
	osc.Config = maps.Clone(osc.Config)
	for k, v := range map[string]string{
		ns + "mediaUdpPorts":       "7882",
		ns + "turnUdpPort":         "3478",
		ns + "maxParticipants":     "250",
		ns + "emptyTimeout":        "60",
		ns + "sysloadLimitPercent": "80",
		ns + "logLevel":            "debug",
		// A region that brings its own key instead of the shared set.
		ns + "credentialsStack": "",
		ns + "apiKey":           stackconfig.Placeholder,
		ns + "apiSecret":        stackconfig.Placeholder,
	} {
		osc.Config[k] = v
	}
	osc.SecretKeys = append(append([]string(nil), osc.SecretKeys...), ns+"apiKey", ns+"apiSecret")
	options, err := stackconfig.Parse(osc.Stack, stackconfig.Raw{Values: osc.Config, Secret: map[string]bool{ns + "apiKey": true, ns + "apiSecret": true}})
	if err != nil {
		t.Fatalf("%s with options: %v", stack, err)
	}
	return []Variant{{"committed", sc, committed}, {"options", osc, options}}
}

// GoldenPath is where a variant's rendered config is recorded.
func GoldenPath(repoRoot, stack, variant string) string {
	return filepath.Join(repoRoot, "tests", "config", "testdata", "rendered", stack+"."+variant+".yaml")
}

var update = flag.Bool("update-rendered", false, "rewrite tests/config/testdata/rendered from the stacks")

// CheckGolden evaluates every variant of a committed stack and compares the
// LiveKit config it renders (with rtc.use_external_ip off, see Offline) with
// its golden file; -update-rendered rewrites the files.
func CheckGolden(t *testing.T, repoRoot, stack string, program func(*pulumi.Context) (pulumi.Map, error), config ConfigSource) {
	for _, v := range Variants(t, repoRoot, stack) {
		t.Run(v.Name, func(t *testing.T) {
			body := Offline(t, RenderedConfig(t, v.Config, program, config))
			Golden(t, GoldenPath(repoRoot, stack, v.Name), body, "go test ./tests/... -run LiveKitConfigGolden -update-rendered")
		})
	}
}

// Golden compares a rendered LiveKit config with its golden file at path
// (tests/config parses every one with LiveKit's parser), or records it
// there under -update-rendered; rerun is the command that records it.
func Golden(t testing.TB, path, body, rerun string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (record it with: %s)", err, rerun)
	}
	if string(want) != body {
		t.Errorf("the rendered LiveKit config differs from %s; if the change is intended, run\n  %s\n"+
			"and commit the file (tests/config parses it with LiveKit's parser).\ngot:\n%s\nwant:\n%s", path, rerun, body, want)
	}
}
