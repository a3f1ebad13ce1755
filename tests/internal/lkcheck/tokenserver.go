package lkcheck

import (
	"encoding/json"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// TokenServerDoc reads the token servers' credentials document
// (regional.TokenServerCredentials) from a secret input of r, checks it is
// a Pulumi secret, and checks that its apiKey/apiSecret is a key the nodes
// accept: one of the rendered LiveKit config's keys, with that secret.
func TokenServerDoc(t testing.TB, r *plan.Resource, property, rendered string) map[string]string {
	t.Helper()
	if !r.IsSecret(property) {
		t.Fatalf("%s %s: %s is not a Pulumi secret", r.Type, r.Name, property)
	}
	raw, _ := r.RawInput(property)
	body, _ := raw.(string)
	var doc map[string]string
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("%s %s: %s is not a JSON object of strings: %v", r.Type, r.Name, property, err)
	}
	var cfg struct {
		Keys map[string]string `yaml:"keys"`
	}
	if err := yaml.Unmarshal([]byte(rendered), &cfg); err != nil {
		t.Fatalf("rendered config: %v", err)
	}
	if doc["apiKey"] == "" || cfg.Keys[doc["apiKey"]] != doc["apiSecret"] {
		t.Errorf("%s %s: the token servers' key %q is not a key the nodes accept with that secret", r.Type, r.Name, doc["apiKey"])
	}
	return doc
}
