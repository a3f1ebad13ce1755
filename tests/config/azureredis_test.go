package config

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// azureRedisAccessKey names one of the cache's two keys; anything else is
// refused naming the key, and it belongs to azure stacks only.
func TestAzureRedisAccessKey(t *testing.T) {
	cases := []struct {
		name, stack, value string
		key                string
		want               []string // empty: accepted
	}{
		{name: "secondary on AKS", stack: "azure-asia", value: "secondary"},
		{name: "secondary on Container Instances", stack: "azure-aci", value: "secondary"},
		{name: "a name Azure does not use", stack: "azure-asia", value: "Primary",
			key: ns + "azureRedisAccessKey", want: []string{`"Primary"`, "must be one of primary, secondary"}},
		{name: "on an aws stack", stack: "aws-prod", value: "secondary",
			key: ns + "azureRedisAccessKey", want: []string{"a key of azure stacks"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := stackconfig.Parse(c.stack, committedRaw(t, c.stack, map[string]string{ns + "azureRedisAccessKey": c.value}))
			wantVerdict(t, err, c.key, c.want)
			if err == nil && s.Azure.Redis.AccessKey != c.value {
				t.Errorf("AccessKey %q, want %q", s.Azure.Redis.AccessKey, c.value)
			}
		})
	}
	s, err := stackconfig.Parse("azure-asia", committedRaw(t, "azure-asia", nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Azure.Redis.AccessKey != "primary" {
		t.Errorf("default AccessKey %q, want primary", s.Azure.Redis.AccessKey)
	}
}
