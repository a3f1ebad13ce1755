package stackconfig

import (
	"encoding/json"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// providerKeys are the other namespaces' keys the model reads.
var providerKeys = []string{"aws:region"}

// FromContext reads and validates the config of the stack ctx runs.
func FromContext(ctx *pulumi.Context) (*Stack, error) {
	raw := Raw{Values: map[string]string{}, Secret: map[string]bool{}}
	add := func(full string) {
		if v, ok := ctx.GetConfig(full); ok {
			raw.Values[full] = v
			raw.Secret[full] = ctx.IsConfigSecret(full)
		}
	}
	for _, k := range Keys {
		add(k.Full())
	}
	for _, k := range providerKeys {
		add(k)
	}
	// The language host passes the whole config in PULUMI_CONFIG; reading it
	// lets typos in livekit-infra keys be reported instead of ignored.
	if all := os.Getenv("PULUMI_CONFIG"); all != "" {
		var m map[string]string
		if json.Unmarshal([]byte(all), &m) == nil {
			for full := range m {
				if _, seen := raw.Values[full]; !seen {
					add(full)
				}
			}
		}
	}
	return Parse(ctx.Stack(), raw)
}
