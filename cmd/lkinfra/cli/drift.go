package cli

import (
	"fmt"

	"github.com/livekit-infra/livekit-infra/internal/deploy"
)

func init() {
	register(command{
		name:    "drift",
		summary: "refresh every stack in preview-only mode; non-zero exit and a list when resources drifted",
		run:     runDrift,
	})
}

// runDrift implements `lkinfra drift`.
func runDrift(args []string, e env) int {
	f := newEngineFlags("drift", "usage: lkinfra drift [--stacks a,b,...] [--json] [--out FILE] [--dir DIR]\n\n"+
		"Refreshes every existing stack in preview-only mode (state is not written) and lists the resources whose\n"+
		"real state differs from what Pulumi recorded, with the changed properties.\n"+
		"Exit 0: no drift, 1: a stack failed, 3: drift found.", e)
	if code := f.parse(args, e); code >= 0 {
		return code
	}
	rep := f.run(e, deploy.Drift, f.options(e), true)
	if rep == nil {
		return exitError
	}
	for _, b := range driftList(rep) {
		fmt.Fprintln(e.stderr, b)
	}
	return reportExit("drift", rep, e)
}

func driftList(rep *deploy.Report) []string {
	var out []string
	for _, s := range rep.Stacks {
		for _, c := range s.Changes {
			props := ""
			for i, p := range c.Properties {
				if i > 0 {
					props += ", "
				}
				props += p.Path
			}
			if props != "" {
				props = " (" + props + ")"
			}
			out = append(out, fmt.Sprintf("drift: %s: %s %s%s", s.Stack, c.Op, c.URN, props))
		}
	}
	return out
}
