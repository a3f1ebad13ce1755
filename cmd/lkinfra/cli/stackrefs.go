package cli

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/credentials"
)

// stackReferences answers the StackReferences of a global stack offline.
// Each referenced regional stack of this project whose Pulumi.<stack>.yaml
// is in dir is planned first and its outputs are used; when it cannot be
// planned (its config is invalid, or its kind is not compiled into this
// build), its outputs are synthesized from its stack file (hostname, url,
// healthUrl). A regional stack's own reference to the credentials stack is
// answered by plan.Evaluate.
// notes says which stacks were answered how. Other stacks get no options.
func stackReferences(dir string, sc *plan.StackConfig, program func(*pulumi.Context) (pulumi.Map, error)) (opts []plan.Option, notes []string) {
	s, err := stackconfig.Parse(sc.Stack, sc.Raw())
	if err != nil || s.Kind != stackconfig.KindGlobal || s.Global == nil {
		return nil, nil
	}
	for _, r := range s.Global.Regions {
		parts := strings.Split(r.Stack, "/")
		stack := parts[len(parts)-1]
		if len(parts) == 3 && parts[1] != sc.Project {
			notes = append(notes, fmt.Sprintf("stack reference %s: not a stack of project %s; its outputs are unknown", r.Stack, sc.Project))
			continue
		}
		rsc, err := plan.LoadStackConfig(dir, stack)
		if err != nil {
			notes = append(notes, fmt.Sprintf("stack reference %s: %v; its outputs are unknown", r.Stack, err))
			continue
		}
		rp, err := plan.Evaluate(rsc, program)
		if err == nil {
			notes = append(notes, fmt.Sprintf("stack reference %s: answered with the outputs of a plan of stack %s", r.Stack, stack))
			opts = append(opts, plan.WithStackReference(r.Stack, rp.ReferenceOutputs()))
			continue
		}
		first, _, _ := strings.Cut(err.Error(), "\n")
		notes = append(notes, fmt.Sprintf("stack reference %s: stack %s cannot be planned (%s); answered with outputs synthesized from Pulumi.%s.yaml", r.Stack, stack, first, stack))
		opts = append(opts, plan.WithStackReference(r.Stack, synthesizedOutputs(dir, rsc)))
	}
	return opts, notes
}

// synthesizedOutputs are the outputs every regional stack exports that can
// be derived from its config alone, and the fingerprint of the key set of
// its credentials stack, planned from its stack file in dir.
func synthesizedOutputs(dir string, sc *plan.StackConfig) map[string]any {
	ns := stackconfig.Namespace + ":"
	kind := sc.Config[ns+"kind"]
	domain := strings.ToLower(sc.Config[ns+"domain"])
	hostname := strings.ToLower(sc.Config[ns+"hostname"])
	global := strings.ToLower(sc.Config[ns+"globalHostname"])
	var fingerprint any
	if s, err := stackconfig.Parse(sc.Stack, sc.Raw()); err == nil {
		global = s.GlobalHostname
		if s.Region != nil {
			hostname = s.Region.Hostname
			if cs := s.Region.CredentialsStack; cs != "" {
				fingerprint = plan.CredentialsOutputs(dir, sc.Project, sc.Stack, cs)[credentials.OutputFingerprint]
			}
		}
	}
	if hostname == "" && domain != "" {
		hostname = sc.Stack + "." + domain
	}
	if global == "" && domain != "" {
		global = "livekit." + domain
	}
	url, health := components.URLs(hostname)
	out := map[string]any{
		components.OutputCloud:           kind,
		components.OutputHostname:        hostname,
		components.OutputURL:             url,
		components.OutputHealthURL:       health,
		components.OutputHealthCheckPath: livekit.HealthPath,
		components.OutputGlobalHostname:  global,
	}
	if fingerprint != nil {
		out[components.OutputAPIKeyFingerprint] = fingerprint
	}
	for _, k := range []string{"aws:region", "gcp:region", "azure-native:location"} {
		if v := sc.Config[k]; v != "" {
			out[components.OutputRegion] = v
			break
		}
	}
	return out
}
