package deploy

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// The central metrics view's second pass. The global stack creates each
// region's writer role from the region's metricsWriter output, so a region
// learns the central view's URL and its role only after the global stack is
// up: `lkinfra up` then sets the two keys on every region of the run whose
// values differ and deploys that region again (docs/observability.md,
// "Deploy order").

// PassCentralMetrics marks the stack report of a region deployed again by
// the second pass.
const PassCentralMetrics = "central-metrics"

// centralMetricsOutput is the global stack's output read by the second pass
// (stacks/global.OutputCentralMetrics; not imported: it links the AWS SDK).
const centralMetricsOutput = "centralMetrics"

// What the second pass did, or would do, for one region.
const (
	// CentralSet: the keys were written to the region's stack file and the
	// region is deployed again.
	CentralSet = "set"
	// CentralPending: the keys differ but were not written (a preview,
	// --no-central-pass, or the region is not in this run).
	CentralPending = "pending"
	// CentralUnchanged: both keys already hold the global stack's values.
	CentralUnchanged = "unchanged"
	// CentralSkipped: the region does not write to the central view
	// (regionsNotWriting) or its stack file is not here.
	CentralSkipped = "skipped"
	// CentralFailed: writing the keys failed.
	CentralFailed = "failed"
)

// When a pass runs.
const (
	// StageBeforeRegions: from the global stack's outputs as deployed,
	// before the regional phase (a checkout without the keys, such as a
	// CI runner's, then deploys no region without its writer).
	StageBeforeRegions = "before-regions"
	// StageAfterGlobal: from the outputs of the global stack just
	// deployed; a region set then is deployed again.
	StageAfterGlobal = "after-global"
)

// CentralPass is the second pass for one global stack.
type CentralPass struct {
	// Global is the global stack whose centralMetrics output was read.
	Global string `json:"global"`
	// Stage is StageBeforeRegions or StageAfterGlobal (up); "" in a preview.
	Stage string `json:"stage,omitempty"`
	// RemoteWriteURL is its centralMetrics.remoteWriteUrl.
	RemoteWriteURL string `json:"remoteWriteUrl,omitempty"`
	// Note says why the pass did not look at the regions (no output yet).
	Note    string          `json:"note,omitempty"`
	Regions []CentralRegion `json:"regions,omitempty"`
}

// CentralRegion is one region of a CentralPass.
type CentralRegion struct {
	// Region is the region's name in the global stack's globalRegions.
	Region string `json:"region"`
	// Stack is the regional stack (its file is Pulumi.<last segment>.yaml).
	Stack  string `json:"stack"`
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
	// Keys are the keys whose value the pass sets (set, pending).
	Keys []KeyChange `json:"keys,omitempty"`
}

// KeyChange is one config key the second pass sets. Old is "" when the key
// is unset, SecretMask when it is a secret (then it is replaced by the
// plain value: neither key is a secret).
type KeyChange struct {
	Key string `json:"key"`
	Old string `json:"old,omitempty"`
	New string `json:"new"`
}

// centralOutput is the part of the global stack's centralMetrics output the
// pass reads.
type centralOutput struct {
	RemoteWriteURL string
	// WriterRoleARNs maps a region's name to its writer role.
	WriterRoleARNs map[string]string
	// NotWriting are the regions that export no metricsWriter.
	NotWriting []string
}

func parseCentralOutput(v any) (centralOutput, error) {
	var out centralOutput
	m, ok := v.(map[string]any)
	if !ok {
		if v == SecretMask {
			return out, fmt.Errorf("the %s output is a secret; the second pass reads only plain values", centralMetricsOutput)
		}
		return out, fmt.Errorf("the %s output is %T, want an object", centralMetricsOutput, v)
	}
	if out.RemoteWriteURL, ok = m["remoteWriteUrl"].(string); !ok || out.RemoteWriteURL == "" {
		return out, fmt.Errorf("the %s output has no remoteWriteUrl", centralMetricsOutput)
	}
	out.WriterRoleARNs = map[string]string{}
	switch w := m["writerRoleArns"].(type) {
	case nil:
	case map[string]any:
		for k, a := range w {
			s, ok := a.(string)
			if !ok || s == "" {
				return out, fmt.Errorf("the %s output's writerRoleArns.%s is %v, want a role ARN", centralMetricsOutput, k, a)
			}
			out.WriterRoleARNs[k] = s
		}
	default:
		return out, fmt.Errorf("the %s output's writerRoleArns is %T, want an object", centralMetricsOutput, w)
	}
	if l, ok := m["regionsNotWriting"].([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out.NotWriting = append(out.NotWriting, s)
			}
		}
	}
	return out, nil
}

// regionKeys is a region's stack file as the pass sees it.
type regionKeys struct {
	// Missing says why the stack file could not be read ("" when it was).
	Missing string
	// Values of the two keys ("" unset); Secret marks those set as secrets.
	Values map[string]string
	Secret map[string]bool
}

// centralKeys are the two keys, fully qualified, in the order they are
// reported.
var centralKeys = []string{
	stackconfig.Namespace + ":" + stackconfig.CentralMetricsRemoteWriteURLKey,
	stackconfig.Namespace + ":" + stackconfig.CentralMetricsWriterRoleARNKey,
}

// centralDiff decides the second pass for each region of a global stack:
// regions (globalRegions, in order), the global stack's output, each
// region's stack file by region name, and the run's stacks by file name
// (the last path segment). hold, when set, is why nothing is written
// (the regions that differ are then pending).
func centralDiff(project string, regions []stackconfig.GlobalRegion, out centralOutput, files map[string]regionKeys, run map[string]string, hold string) []CentralRegion {
	var res []CentralRegion
	known := map[string]bool{}
	for _, g := range regions {
		known[g.Name] = true
		cr := CentralRegion{Region: g.Name, Stack: g.Stack}
		parts := strings.Split(g.Stack, "/")
		file := parts[len(parts)-1]
		role, writes := out.WriterRoleARNs[g.Name]
		switch {
		case !writes && slices.Contains(out.NotWriting, g.Name):
			cr.Action, cr.Reason = CentralSkipped, "listed in regionsNotWriting: the region exports no metricsWriter (last deployed by an older version?), so it has no writer role and writes nothing centrally; its metrics and alerts stay regional until it is deployed, then the global stack"
		case !writes:
			cr.Action, cr.Reason = CentralSkipped, "no writer role for it in the global stack's centralMetrics.writerRoleArns (deployed before the region was added?): deploy the global stack again"
		case len(parts) == 3 && parts[1] != project:
			cr.Action, cr.Reason = CentralSkipped, "not a stack of project "+project+": set its keys in its own project"
		case files[g.Name].Missing != "":
			cr.Action, cr.Reason = CentralSkipped, files[g.Name].Missing
		}
		if cr.Action != "" {
			res = append(res, cr)
			continue
		}
		f := files[g.Name]
		for i, want := range []string{out.RemoteWriteURL, role} {
			k := centralKeys[i]
			switch {
			case f.Secret[k]:
				cr.Keys = append(cr.Keys, KeyChange{Key: k, Old: SecretMask, New: want})
			case f.Values[k] != want:
				cr.Keys = append(cr.Keys, KeyChange{Key: k, Old: f.Values[k], New: want})
			}
		}
		_, inRun := run[file]
		switch {
		case len(cr.Keys) == 0:
			cr.Action = CentralUnchanged
		case !inRun:
			cr.Action, cr.Reason = CentralPending, fmt.Sprintf("stack %s is not in this run: `lkinfra up --stacks %s,<global stack>` sets them", file, file)
		case hold != "":
			cr.Action, cr.Reason = CentralPending, hold
		default:
			cr.Action = CentralSet
		}
		res = append(res, cr)
	}
	var extra []string
	for name := range out.WriterRoleARNs {
		if !known[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		res = append(res, CentralRegion{Region: name, Action: CentralSkipped,
			Reason: "has a writer role in the centralMetrics output but is not in the global stack file's " + stackconfig.Namespace + ":globalRegions (removed?)"})
	}
	return res
}

// readRegionKeys reads a region's two keys from its stack file in dir.
func readRegionKeys(dir, stack string) regionKeys {
	sc, err := plan.LoadStackConfig(dir, stack)
	if err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		return regionKeys{Missing: "its stack file cannot be read here: " + first}
	}
	rk := regionKeys{Values: map[string]string{}, Secret: map[string]bool{}}
	for _, k := range centralKeys {
		rk.Values[k] = sc.Config[k]
	}
	for _, k := range sc.SecretKeys {
		rk.Secret[k] = true
	}
	return rk
}

// centralPass runs the second pass for the global stack from its outputs:
// it writes the keys of the regions to set (unless hold says why not) and
// returns the pass and the regional stacks (as named in the run) to deploy
// again. claimed holds the regions set by another global stack of this
// run (a region writes to one central view).
func (r *runner) centralPass(ctx context.Context, global, stage string, outputs map[string]any, hold string, claimed map[string]string) (CentralPass, []string, []StackReport) {
	cp := CentralPass{Global: global, Stage: stage}
	v, ok := outputs[centralMetricsOutput]
	if !ok {
		cp.Note = fmt.Sprintf("stack %s exports no %s output (not deployed yet, or by a version without the central view): no region's keys were looked at", global, centralMetricsOutput)
		r.progressf("[%s] central metrics: %s\n", global, cp.Note)
		return cp, nil, nil
	}
	out, err := parseCentralOutput(v)
	if err != nil {
		cp.Note = err.Error()
		r.progressf("[%s] central metrics: %s\n", global, cp.Note)
		return cp, nil, nil
	}
	cp.RemoteWriteURL = out.RemoteWriteURL
	sc, err := plan.LoadStackConfig(r.o.Dir, global)
	var s *stackconfig.Stack
	if err == nil {
		s, err = stackconfig.Parse(sc.Stack, sc.Raw())
	}
	if err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		cp.Note = "the global stack's regions cannot be read from its stack file: " + first
		r.progressf("[%s] central metrics: %s\n", global, cp.Note)
		return cp, nil, nil
	}
	if s.Global == nil {
		cp.Note = fmt.Sprintf("stack %s is not of kind global", global)
		return cp, nil, nil
	}
	run := map[string]string{}
	for _, name := range r.o.Stacks {
		run[name[strings.LastIndex(name, "/")+1:]] = name
	}
	files := map[string]regionKeys{}
	for _, g := range s.Global.Regions {
		files[g.Name] = readRegionKeys(r.o.Dir, g.Stack)
	}
	cp.Regions = centralDiff(sc.Project, s.Global.Regions, out, files, run, hold)
	var redeploy []string
	var failures []StackReport
	for i := range cp.Regions {
		cr := &cp.Regions[i]
		file := cr.Stack[strings.LastIndex(cr.Stack, "/")+1:]
		if cr.Action == CentralSet {
			if other, ok := claimed[file]; ok {
				cr.Action, cr.Reason = CentralSkipped, "already pointed at global stack "+other+"'s central view in this run: a region writes to one central view"
			}
		}
		if cr.Action != CentralSet {
			if stage == StageBeforeRegions {
				// The pass after the global stack reports them.
				continue
			}
			switch cr.Action {
			case CentralPending:
				r.progressf("[%s] central metrics: would set %s (%s)\n", file, keyList(cr.Keys), cr.Reason)
			case CentralUnchanged:
				r.progressf("[%s] central metrics: keys up to date\n", file)
			default:
				r.progressf("[%s] central metrics: skipped: %s\n", cr.Region, cr.Reason)
			}
			continue
		}
		name := run[file]
		if err := r.writeCentralKeys(ctx, name, file, cr.Keys); err != nil {
			cr.Action, cr.Reason = CentralFailed, err.Error()
			fr := failed(name, fmt.Errorf("central metrics: %w", err))
			fr.Pass = PassCentralMetrics
			failures = append(failures, fr)
			r.progressf("[%s] central metrics: FAILED: %v\n", name, err)
			continue
		}
		claimed[file] = global
		if stage == StageBeforeRegions {
			cr.Reason = "set from the global stack's outputs as deployed, before the regional phase deployed the region"
			r.progressf("[%s] central metrics: set %s in Pulumi.%s.yaml from %s's %s output as deployed (plain config, not secrets), before deploying %s\n",
				name, keyList(cr.Keys), file, global, centralMetricsOutput, name)
			continue
		}
		redeploy = append(redeploy, name)
		r.progressf("[%s] central metrics: set %s in Pulumi.%s.yaml from %s's %s output (plain config, not secrets); deploying %s again\n",
			name, keyList(cr.Keys), file, global, centralMetricsOutput, name)
	}
	return cp, redeploy, failures
}

func keyList(ks []KeyChange) string {
	var n []string
	for _, k := range ks {
		n = append(n, k.Key)
	}
	return strings.Join(n, " and ")
}

// writeCentralKeys sets the keys on the stack with the Automation API
// (`pulumi config set-all --plaintext`, which writes the stack file) and
// reads the file back.
func (r *runner) writeCentralKeys(ctx context.Context, name, file string, keys []KeyChange) error {
	st, err := r.stack(ctx, name, true)
	if err != nil {
		return fmt.Errorf("selecting stack: %w", err)
	}
	cm := auto.ConfigMap{}
	for _, k := range keys {
		cm[k.Key] = auto.ConfigValue{Value: k.New}
	}
	if err := st.SetAllConfig(ctx, cm); err != nil {
		return fmt.Errorf("setting %s: %w", keyList(keys), err)
	}
	got := readRegionKeys(r.o.Dir, file)
	for _, k := range keys {
		if got.Missing != "" || got.Values[k.Key] != k.New || got.Secret[k.Key] {
			return fmt.Errorf("Pulumi.%s.yaml in %s does not hold %s = %q after `pulumi config set-all`", file, r.o.Dir, k.Key, k.New)
		}
	}
	return nil
}

func (r *runner) progressf(format string, args ...any) {
	if r.o.Progress == nil {
		return
	}
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	fmt.Fprintf(r.o.Progress, format, args...)
}

// centralSection renders the second pass of each global stack.
func (r *Report) centralSection() string {
	if len(r.CentralMetrics) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### 📈 Central metrics view: second pass\n\n")
	for _, cp := range r.CentralMetrics {
		if cp.Note != "" {
			fmt.Fprintf(&b, "`%s`: %s\n\n", escapeCell(cp.Global), cp.Note)
			continue
		}
		when := ""
		if cp.Stage == StageBeforeRegions {
			when = " as deployed before this run, set before the regional phase"
		}
		fmt.Fprintf(&b, "From `%s`'s `%s` output%s (remote write `%s`).", escapeCell(cp.Global), centralMetricsOutput, when, escapeCell(cp.RemoteWriteURL))
		for _, cr := range cp.Regions {
			if cr.Action == CentralSet {
				b.WriteString(" The keys set are plain config in the regions' stack files (a URL and a role ARN, not secrets): commit the stack files.")
				break
			}
		}
		b.WriteString("\n\n")
		b.WriteString("| Region | Stack | Result | Detail |\n|---|---|---|---|\n")
		for _, cr := range cp.Regions {
			var result string
			switch cr.Action {
			case CentralSet:
				result = "✏️ keys set, deployed again"
				if cp.Stage == StageBeforeRegions {
					result = "✏️ keys set, then deployed"
				}
			case CentralPending:
				result = "🕓 to set"
			case CentralUnchanged:
				result = "✅ up to date"
			case CentralFailed:
				result = "❌ failed"
			default:
				result = "⏭️ skipped"
			}
			var detail []string
			for _, k := range cr.Keys {
				old := k.Old
				if old == "" {
					old = "(unset)"
				}
				detail = append(detail, fmt.Sprintf("`%s`: `%s` → `%s`", escapeCell(k.Key), escapeCell(old), escapeCell(k.New)))
			}
			if cr.Reason != "" {
				detail = append(detail, escapeCell(cr.Reason))
			}
			if len(detail) == 0 {
				detail = []string{"—"}
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", escapeCell(cr.Region), escapeCell(cr.Stack), result, strings.Join(detail, "<br>"))
		}
		b.WriteString("\n")
	}
	return b.String()
}
