package stackconfig

import (
	"encoding/json"
	"os"
	"sync"

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
	// Pulumi lists a program's config nowhere but in PULUMI_CONFIG, which
	// only the language host sets; lkinfra's offline plans and inline
	// programs note their stack files' keys instead. Either way each key is
	// a candidate read back from ctx, so typos in livekit-infra keys are
	// reported instead of ignored.
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
	notedMu.Lock()
	candidates := make([]string, 0, len(noted))
	for full := range noted {
		candidates = append(candidates, full)
	}
	notedMu.Unlock()
	for _, full := range candidates {
		if _, seen := raw.Values[full]; !seen {
			add(full)
		}
	}
	return Parse(ctx.Stack(), raw)
}

var (
	notedMu sync.Mutex
	noted   = map[string]bool{}
)

// NoteConfigKeys records full config keys that a stack run in this process
// may set (its stack file's), for FromContext to read back and check.
func NoteConfigKeys(keys map[string]string) {
	notedMu.Lock()
	defer notedMu.Unlock()
	for full := range keys {
		noted[full] = true
	}
}
