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
		summary: "deploy: the credentials stack, then regional stacks (concurrently), then global, then the regions pointed at its central metrics view; prints each stack's outputs (secrets masked)",
		run:     runUp,
	})
}

// runUp implements `lkinfra up`.
func runUp(args []string, e env) int {
	f := newEngineFlags("up", "usage: lkinfra up [--stacks a,b,...] [--refresh] [--allow-destructive] [--no-central-pass] [--out FILE] [--dir DIR]\n\n"+
		"Deploys in three phases: the credentials stack (the API key set every region reads), the regional stacks\n"+
		"(concurrently), then the global stack, which reads their outputs.\n"+
		"Then the central metrics view's second pass: for each region of the run with a writer role in the global\n"+
		"stack's centralMetrics output whose livekit-infra:centralMetricsRemoteWriteUrl or centralMetricsWriterRoleArn\n"+
		"differs, sets both in its stack file (plain config: a URL and a role ARN, not secrets; commit the file) and\n"+
		"deploys the region again, previewed first like a phase. Regions already up to date, not writing centrally\n"+
		"(regionsNotWriting) or not in --stacks are listed and left alone; a second run changes nothing.\n"+
		"Without --allow-destructive each phase is previewed first and not deployed when a stack's preview fails\n"+
		"or a stateful resource would be replaced or deleted. A failed or held-back phase stops the phases after it.\n"+
		"Exit 0: deployed, 1: a stack failed, 3: blocking changes (nothing of that phase deployed).", e)
	f.allowDestructive = f.fs.Bool("allow-destructive", false, "deploy even when stateful resources are replaced or deleted")
	refresh := f.fs.Bool("refresh", false, "refresh each stack's state before updating it")
	noCentral := f.fs.Bool("no-central-pass", false, "do not write the central metrics keys into the regions' stack files nor deploy them again; only list what would be set")
	if code := f.parse(args, e); code >= 0 {
		return code
	}
	o := f.options(e)
	o.Refresh = *refresh
	o.NoCentralPass = *noCentral
	// The report only when asked for: the summary below is up's own.
	rep := f.run(e, deploy.Up, o, *f.asJSON || *f.out != "")
	if rep == nil {
		return exitError
	}
	if !*f.asJSON || *f.out != "" {
		writeUpSummary(e.stdout, rep)
	}
	return reportExit("up", rep, e)
}

// writeUpSummary prints each stack's result and outputs (already masked),
// then the central metrics pass and the regions it deployed again.
func writeUpSummary(w io.Writer, rep *deploy.Report) {
	for _, s := range rep.Stacks {
		if s.Pass == "" {
			writeStackSummary(w, s)
		}
	}
	writeCentralSummary(w, rep.CentralMetrics)
	for _, s := range rep.Stacks {
		if s.Pass != "" {
			writeStackSummary(w, s)
		}
	}
}

func writeStackSummary(w io.Writer, s deploy.StackReport) {
	switch {
	case s.Error != "":
		fmt.Fprintf(w, "%s: FAILED: %s\n", s.Label(), s.Error)
		return
	case s.Skipped != "":
		fmt.Fprintf(w, "%s: NOT DEPLOYED: %s\n", s.Label(), strings.TrimPrefix(s.Skipped, "not deployed: "))
		for _, c := range s.Changes {
			if c.Blocking {
				fmt.Fprintf(w, "  blocking: %s %s (%s)\n", c.Op, c.URN, c.Stateful)
			}
		}
		return
	}
	fmt.Fprintf(w, "%s: deployed (%d created, %d updated, %d replaced, %d deleted, %d unchanged)\n", s.Label(),
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

// writeCentralSummary prints one line per region of each global stack's
// central metrics pass.
func writeCentralSummary(w io.Writer, passes []deploy.CentralPass) {
	for _, cp := range passes {
		if cp.Note != "" {
			fmt.Fprintf(w, "central metrics (%s): %s\n", cp.Global, cp.Note)
			continue
		}
		when := "after its deploy"
		if cp.Stage == deploy.StageBeforeRegions {
			when = "as deployed, before the regions"
		}
		fmt.Fprintf(w, "central metrics (%s's output %s, remote write %s):\n", cp.Global, when, cp.RemoteWriteURL)
		for _, cr := range cp.Regions {
			var keys []string
			for _, k := range cr.Keys {
				keys = append(keys, k.Key+"="+k.New)
			}
			switch cr.Action {
			case deploy.CentralSet:
				then := "deployed again below"
				if cp.Stage == deploy.StageBeforeRegions {
					then = "then deployed with them"
				}
				fmt.Fprintf(w, "  %s: set %s in its stack file (plain config, not secrets: commit it); %s\n", cr.Region, strings.Join(keys, " "), then)
			case deploy.CentralPending:
				fmt.Fprintf(w, "  %s: NOT SET: %s (%s)\n", cr.Region, strings.Join(keys, " "), cr.Reason)
			case deploy.CentralUnchanged:
				fmt.Fprintf(w, "  %s: up to date\n", cr.Region)
			case deploy.CentralFailed:
				fmt.Fprintf(w, "  %s: FAILED: %s\n", cr.Region, cr.Reason)
			default:
				fmt.Fprintf(w, "  %s: skipped: %s\n", cr.Region, cr.Reason)
			}
		}
	}
}
