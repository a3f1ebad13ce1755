package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/livekit-infra/livekit-infra/internal/deploy"
)

func init() {
	register(command{
		name:    "up",
		summary: "deploy: the credentials stack, then regional stacks (concurrently), then global; prints each stack's outputs (secrets masked)",
		run:     runUp,
	})
}

// runUp implements `lkinfra up`.
func runUp(args []string, e env) int {
	f := newEngineFlags("up", "usage: lkinfra up [--stacks a,b,...] [--refresh] [--allow-destructive] [--out FILE] [--dir DIR]\n\n"+
		"Deploys in three phases: the credentials stack (the API key set every region reads), the regional stacks\n"+
		"(concurrently), then the global stack, which reads their outputs.\n"+
		"Without --allow-destructive each phase is previewed first and not deployed when a stack's preview fails\n"+
		"or a stateful resource would be replaced or deleted. A failed or held-back phase stops the phases after it.\n"+
		"Exit 0: deployed, 1: a stack failed, 3: blocking changes (nothing of that phase deployed).", e)
	f.allowDestructive = f.fs.Bool("allow-destructive", false, "deploy even when stateful resources are replaced or deleted")
	refresh := f.fs.Bool("refresh", false, "refresh each stack's state before updating it")
	if code := f.parse(args, e); code >= 0 {
		return code
	}
	ctx, cancel := signalContext()
	defer cancel()
	o := f.options(e)
	o.Refresh = *refresh
	rep, err := deploy.Up(ctx, o)
	if err != nil {
		fmt.Fprintf(e.stderr, "lkinfra up: %v\n", err)
		return exitError
	}
	if *f.asJSON || *f.out != "" {
		if err := f.writeReport(rep, e); err != nil {
			fmt.Fprintf(e.stderr, "lkinfra up: %v\n", err)
			return exitError
		}
	}
	if !*f.asJSON || *f.out != "" {
		writeUpSummary(e.stdout, rep)
	}
	return reportExit("up", rep, e)
}

// writeUpSummary prints each stack's result and outputs (already masked).
func writeUpSummary(w io.Writer, rep *deploy.Report) {
	for _, s := range rep.Stacks {
		switch {
		case s.Error != "":
			fmt.Fprintf(w, "%s: FAILED: %s\n", s.Stack, s.Error)
			continue
		case s.Skipped != "":
			fmt.Fprintf(w, "%s: NOT DEPLOYED: %s\n", s.Stack, strings.TrimPrefix(s.Skipped, "not deployed: "))
			for _, c := range s.Changes {
				if c.Blocking {
					fmt.Fprintf(w, "  blocking: %s %s (%s)\n", c.Op, c.URN, c.Stateful)
				}
			}
			continue
		}
		fmt.Fprintf(w, "%s: deployed (%d created, %d updated, %d replaced, %d deleted, %d unchanged)\n", s.Stack,
			s.Summary[deploy.OpCreate], s.Summary[deploy.OpUpdate], s.Summary[deploy.OpReplace], s.Summary[deploy.OpDelete], s.Summary[deploy.OpSame])
		keys := make([]string, 0, len(s.Outputs))
		width := 0
		for k := range s.Outputs {
			keys = append(keys, k)
			width = max(width, len(k))
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-*s  %s\n", width, k, deploy.DisplayValue(s.Outputs[k]))
		}
	}
}
