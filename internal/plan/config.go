package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// SecretPlaceholder is the value given to a config key whose value is (or
// contains) a `secure:` ciphertext. Ciphertexts cannot be decrypted offline,
// so the settings model treats exactly this value as "set, but unreadable".
// Secret inputs and outputs in a Plan are masked with the same string.
const SecretPlaceholder = "[secret]"

// UnknownPlaceholder replaces values that are not known during evaluation
// (computed values of a dry run).
const UnknownPlaceholder = "[unknown]"

// StackConfig is the configuration of one stack as the Pulumi CLI would hand
// it to the Go language host: fully-qualified keys ("project:key",
// "aws:region") mapped to strings. Structured values (objects, arrays) are
// JSON-encoded. Keys whose value is or contains a `secure:` ciphertext hold
// SecretPlaceholder (inside the JSON for structured values) and are listed in
// SecretKeys.
type StackConfig struct {
	Project    string
	Stack      string
	Config     map[string]string
	SecretKeys []string
	// Dir is the project directory it was loaded from (LoadStackConfig),
	// where Evaluate finds the credentials stack a regional stack
	// references. Empty for configs built by hand.
	Dir string
}

// Raw is the config as stackconfig.Parse reads it: a copy of the values
// and which keys are secret.
func (sc *StackConfig) Raw() stackconfig.Raw {
	raw := stackconfig.Raw{Values: map[string]string{}, Secret: map[string]bool{}}
	for k, v := range sc.Config {
		raw.Values[k] = v
	}
	for _, k := range sc.SecretKeys {
		raw.Secret[k] = true
	}
	return raw
}

// IsSecret reports whether key (fully qualified) is a secret config key.
func (sc *StackConfig) IsSecret(key string) bool {
	for _, k := range sc.SecretKeys {
		if k == key {
			return true
		}
	}
	return false
}

// projectFile is the part of Pulumi.yaml this package reads.
type projectFile struct {
	Name           string               `yaml:"name"`
	StackConfigDir string               `yaml:"stackConfigDir"`
	Config         map[string]yaml.Node `yaml:"config"`
}

// stackFile is the part of Pulumi.<stack>.yaml this package reads.
type stackFile struct {
	Config map[string]any `yaml:"config"`
}

// LoadStackConfig reads <projectDir>/Pulumi.yaml and the stack's
// Pulumi.<stack>.yaml (in the project's stackConfigDir, if set) and merges
// them the way the Pulumi CLI does: a project-level `config:` entry's
// `default` (for project keys) or `value` (for provider keys like aws:region),
// or its short-hand scalar/array value, applies when the stack file does not
// set the key. Keys without a namespace get the project name as namespace.
//
// stack may be fully qualified ("org/project/dev"); its last segment names
// the file.
func LoadStackConfig(projectDir, stack string) (*StackConfig, error) {
	if stack == "" {
		return nil, errors.New("no stack name given")
	}
	if i := strings.LastIndex(stack, "/"); i >= 0 {
		stack = stack[i+1:]
	}

	projPath := filepath.Join(projectDir, "Pulumi.yaml")
	data, err := os.ReadFile(projPath)
	if errors.Is(err, os.ErrNotExist) {
		alt := filepath.Join(projectDir, "Pulumi.yml")
		if d2, err2 := os.ReadFile(alt); err2 == nil {
			projPath, data, err = alt, d2, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading project file: %w", err)
	}
	var proj projectFile
	if err := yaml.Unmarshal(data, &proj); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", projPath, err)
	}
	if proj.Name == "" {
		return nil, fmt.Errorf("%s: missing project 'name'", projPath)
	}

	sc := &StackConfig{Project: proj.Name, Stack: stack, Config: map[string]string{}, Dir: projectDir}
	secret := map[string]bool{}

	// Stack file.
	stackDir := filepath.Dir(projPath)
	if proj.StackConfigDir != "" {
		stackDir = filepath.Join(stackDir, proj.StackConfigDir)
	}
	stackPath := filepath.Join(stackDir, "Pulumi."+stack+".yaml")
	sdata, err := os.ReadFile(stackPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("stack %q: config file %s does not exist; stacks with a config file in %s: %s",
			stack, stackPath, stackDir, describeStacks(existingStacks(stackDir)))
	}
	if err != nil {
		return nil, fmt.Errorf("reading stack file: %w", err)
	}
	var sf stackFile
	if err := yaml.Unmarshal(sdata, &sf); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", stackPath, err)
	}
	for k, v := range sf.Config {
		key, err := qualifyKey(proj.Name, k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", stackPath, err)
		}
		if _, dup := sc.Config[key]; dup {
			return nil, fmt.Errorf("%s: config key %q is set twice (as %q and its namespaced form)", stackPath, key, k)
		}
		s, isSecret, err := configString(v)
		if err != nil {
			return nil, fmt.Errorf("%s: config key %q: %w", stackPath, k, err)
		}
		sc.Config[key] = s
		if isSecret {
			secret[key] = true
		}
	}

	// Project-level defaults.
	for k, node := range proj.Config {
		key, err := qualifyKey(proj.Name, k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", projPath, err)
		}
		if _, set := sc.Config[key]; set {
			continue
		}
		v, ok, err := projectDefault(&node)
		if err != nil {
			return nil, fmt.Errorf("%s: config key %q: %w", projPath, k, err)
		}
		if !ok {
			continue
		}
		s, isSecret, err := configString(v)
		if err != nil {
			return nil, fmt.Errorf("%s: config key %q: %w", projPath, k, err)
		}
		sc.Config[key] = s
		if isSecret {
			secret[key] = true
		}
	}

	sc.SecretKeys = slices.Sorted(maps.Keys(secret))
	return sc, nil
}

// projectDefault returns the value a Pulumi.yaml `config:` entry supplies:
// short-hand scalars and arrays are the value itself; a mapping is a type
// declaration whose `default` or `value` is used (Pulumi rejects both).
func projectDefault(node *yaml.Node) (any, bool, error) {
	if node.Kind != yaml.MappingNode {
		var v any
		if err := node.Decode(&v); err != nil {
			return nil, false, err
		}
		return v, v != nil, nil
	}
	var decl struct {
		Default any `yaml:"default"`
		Value   any `yaml:"value"`
	}
	if err := node.Decode(&decl); err != nil {
		return nil, false, err
	}
	if decl.Default != nil && decl.Value != nil {
		return nil, false, errors.New("cannot have both a 'default' and a 'value' attribute")
	}
	if decl.Value != nil {
		return decl.Value, true, nil
	}
	return decl.Default, decl.Default != nil, nil
}

func qualifyKey(project, k string) (string, error) {
	switch strings.Count(k, ":") {
	case 0:
		return project + ":" + k, nil
	case 1:
		return k, nil
	case 2:
		// Legacy "<ns>:config:<name>" form.
		parts := strings.Split(k, ":")
		if parts[1] == "config" {
			return parts[0] + ":" + parts[2], nil
		}
	}
	return "", fmt.Errorf("could not parse %q as a configuration key (keys are of the form <namespace>:<name>)", k)
}

// configString converts a decoded YAML config value to the string the
// language host receives, following Pulumi's rules (sdk/go/common/resource/
// config/object.go): strings as-is, bools/numbers as their JSON form, objects
// and arrays as JSON with `secure:` ciphertexts replaced by SecretPlaceholder.
// isSecret reports whether the value is or contains a ciphertext.
func configString(v any) (s string, isSecret bool, err error) {
	if isSecureValue(v) {
		return SecretPlaceholder, true, nil
	}
	switch t := v.(type) {
	case string:
		return t, false, nil
	case bool:
		return strconv.FormatBool(t), false, nil
	case time.Time:
		return t.String(), false, nil
	case map[string]any, map[any]any, []any, nil:
		plain, sec, err := plainConfig(v)
		if err != nil {
			return "", false, err
		}
		b, err := json.Marshal(plain)
		if err != nil {
			return "", false, err
		}
		return string(b), sec, nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", false, err
		}
		return string(b), false, nil
	}
}

// plainConfig replaces nested secure values with the placeholder and
// normalises map keys to strings.
func plainConfig(v any) (any, bool, error) {
	if isSecureValue(v) {
		return SecretPlaceholder, true, nil
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		sec := false
		for k, e := range t {
			p, s, err := plainConfig(e)
			if err != nil {
				return nil, false, err
			}
			out[k], sec = p, sec || s
		}
		return out, sec, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprintf("%v", k)] = e
		}
		return plainConfig(m)
	case []any:
		out := make([]any, len(t))
		sec := false
		for i, e := range t {
			p, s, err := plainConfig(e)
			if err != nil {
				return nil, false, err
			}
			out[i], sec = p, sec || s
		}
		return out, sec, nil
	case time.Time:
		return t.String(), false, nil
	default:
		return v, false, nil
	}
}

// isSecureValue mirrors Pulumi: a map of exactly one string-valued "secure" key.
func isSecureValue(v any) bool {
	switch m := v.(type) {
	case map[string]any:
		if len(m) == 1 {
			_, ok := m["secure"].(string)
			return ok
		}
	case map[any]any:
		if len(m) == 1 {
			_, ok := m["secure"].(string)
			return ok
		}
	}
	return false
}

func existingStacks(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var names []string
	for _, m := range matches {
		base := filepath.Base(m)
		name := strings.TrimSuffix(strings.TrimPrefix(base, "Pulumi."), ".yaml")
		if name != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func describeStacks(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
