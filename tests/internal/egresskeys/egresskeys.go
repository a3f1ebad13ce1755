// Package egresskeys checks a rendered LiveKit Egress config against the
// key set of the pinned Egress version (keys-<version>.txt, extracted from
// Egress's config structs; its header says where). Egress parses its config
// with plain yaml.Unmarshal, which ignores unknown keys, so a misspelt key
// would silently do nothing: the tests use this instead of a parser.
package egresskeys

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

//go:embed keys-v1.14.1.txt
var keysFile string

// Version is the Egress release the key set was read from; it must be the
// one the product deploys (livekit.EgressVersion).
const Version = "v1.14.1"

// Keys returns the key set: dotted paths, "a.b.*" for free-form maps.
func Keys() map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(keysFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out[line] = true
	}
	return out
}

// Paths flattens a YAML document into the dotted paths of its leaves.
func Paths(doc string) ([]string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		return nil, err
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("egress config is not a YAML mapping")
	}
	var out []string
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			out = append(out, prefix)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if prefix != "" {
				k = prefix + "." + k
			}
			walk(k, n.Content[i+1])
		}
	}
	walk("", root.Content[0])
	sort.Strings(out)
	return out, nil
}

// Unknown returns the paths of doc that Egress's key set does not have.
func Unknown(doc string) ([]string, error) {
	if Version != livekit.EgressVersion {
		return nil, fmt.Errorf("the key set is of Egress %s, the product deploys %s: extract the new version's keys", Version, livekit.EgressVersion)
	}
	keys := Keys()
	paths, err := Paths(doc)
	if err != nil {
		return nil, err
	}
	var bad []string
	for _, p := range paths {
		if keys[p] || mapKey(keys, p) {
			continue
		}
		bad = append(bad, p)
	}
	return bad, nil
}

// mapKey reports whether a prefix of p is a free-form map ("x.*").
func mapKey(keys map[string]bool, p string) bool {
	for i := strings.LastIndex(p, "."); i > 0; i = strings.LastIndex(p[:i], ".") {
		if keys[p[:i]+".*"] {
			return true
		}
	}
	return false
}

// Config is the subset of a rendered Egress config the region tests read.
type Config struct {
	APIKey    string `yaml:"api_key"`
	APISecret string `yaml:"api_secret"`
	WSURL     string `yaml:"ws_url"`
	Redis     struct {
		Address  string `yaml:"address"`
		Password string `yaml:"password"`
		TLS      struct {
			Enabled    bool   `yaml:"enabled"`
			CACertFile string `yaml:"ca_cert_file"`
		} `yaml:"tls"`
	} `yaml:"redis"`
	HealthPort     int `yaml:"health_port"`
	PrometheusPort int `yaml:"prometheus_port"`
	// Storage is one provider's section ("s3", "gcp", "azure") by name.
	Storage map[string]map[string]any `yaml:"storage"`
	CPUCost map[string]float64        `yaml:"cpu_cost"`
}

// Read parses a rendered Egress config for a test, failing it when the
// config is not YAML, and reports every key Egress Version does not read.
func Read(t testing.TB, doc string) Config {
	t.Helper()
	bad, err := Unknown(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("keys Egress %s does not read: %v", Version, bad)
	}
	c, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Parse reads a rendered Egress config.
func Parse(doc string) (Config, error) {
	var c Config
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		return c, fmt.Errorf("Egress config is not YAML: %w", err)
	}
	return c, nil
}
