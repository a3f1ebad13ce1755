package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/routing"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

const (
	testURL    = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-11111111-2222-3333-4444-555555555555/api/v1/remote_write"
	testOldURL = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-00000000-2222-3333-4444-555555555555/api/v1/remote_write"
	roleAWS    = "arn:aws:iam::123456789012:role/livekit-metrics-write-aws-prod"
	roleGCP    = "arn:aws:iam::123456789012:role/livekit-metrics-write-gcp-eu"
	keyURL     = "livekit-infra:centralMetricsRemoteWriteUrl"
	keyRole    = "livekit-infra:centralMetricsWriterRoleArn"
)

func region(name string) stackconfig.GlobalRegion {
	return stackconfig.GlobalRegion{Region: routing.Region{Name: name}, Stack: "organization/livekit-infra/" + name}
}

func keysOf(url, role string) regionKeys {
	return regionKeys{Values: map[string]string{keyURL: url, keyRole: role}, Secret: map[string]bool{}}
}

// TestCentralKeysAreTheConfigModelsKeys: the pass writes the keys the
// config model reads, under their full names.
func TestCentralKeysAreTheConfigModelsKeys(t *testing.T) {
	if !reflect.DeepEqual(centralKeys, []string{keyURL, keyRole}) {
		t.Fatalf("centralKeys = %v", centralKeys)
	}
	for _, k := range centralKeys {
		found := false
		for _, s := range stackconfig.Keys {
			if s.Full() == k {
				found = true
			}
		}
		if !found {
			t.Errorf("%s is not a key of internal/stackconfig", k)
		}
	}
}

func TestCentralDiff(t *testing.T) {
	out := centralOutput{RemoteWriteURL: testURL,
		WriterRoleARNs: map[string]string{"aws-prod": roleAWS, "gcp-eu": roleGCP, "old-region": "arn:aws:iam::123456789012:role/x"},
		NotWriting:     []string{"azure-aci"}}
	regions := []stackconfig.GlobalRegion{region("aws-prod"), region("gcp-eu"), region("azure-aci")}
	run := map[string]string{"aws-prod": "aws-prod", "gcp-eu": "gcp-eu", "azure-aci": "azure-aci", "global": "global"}

	cases := []struct {
		name  string
		files map[string]regionKeys
		run   map[string]string
		hold  string
		want  map[string]CentralRegion // by region; Region/Stack filled in below
	}{
		{
			name:  "first pass: both keys unset are set; the ACI region not writing is skipped",
			files: map[string]regionKeys{"aws-prod": keysOf("", ""), "gcp-eu": keysOf("", ""), "azure-aci": keysOf("", "")},
			run:   run,
			want: map[string]CentralRegion{
				"aws-prod":  {Action: CentralSet, Keys: []KeyChange{{keyURL, "", testURL}, {keyRole, "", roleAWS}}},
				"gcp-eu":    {Action: CentralSet, Keys: []KeyChange{{keyURL, "", testURL}, {keyRole, "", roleGCP}}},
				"azure-aci": {Action: CentralSkipped},
			},
		},
		{
			name:  "second run: equal keys are unchanged (idempotent)",
			files: map[string]regionKeys{"aws-prod": keysOf(testURL, roleAWS), "gcp-eu": keysOf(testURL, roleGCP), "azure-aci": keysOf("", "")},
			run:   run,
			want: map[string]CentralRegion{
				"aws-prod":  {Action: CentralUnchanged},
				"gcp-eu":    {Action: CentralUnchanged},
				"azure-aci": {Action: CentralSkipped},
			},
		},
		{
			name: "a new workspace changes only the URL; a secret value is replaced by the plain one",
			files: map[string]regionKeys{"aws-prod": keysOf(testOldURL, roleAWS),
				"gcp-eu":    {Values: map[string]string{keyURL: "v1:abc", keyRole: roleGCP}, Secret: map[string]bool{keyURL: true}},
				"azure-aci": keysOf("", "")},
			run: run,
			want: map[string]CentralRegion{
				"aws-prod":  {Action: CentralSet, Keys: []KeyChange{{keyURL, testOldURL, testURL}}},
				"gcp-eu":    {Action: CentralSet, Keys: []KeyChange{{keyURL, SecretMask, testURL}}},
				"azure-aci": {Action: CentralSkipped},
			},
		},
		{
			name:  "a region not in the run, and a held pass, are pending; an up-to-date one stays unchanged",
			files: map[string]regionKeys{"aws-prod": keysOf("", ""), "gcp-eu": keysOf("", ""), "azure-aci": keysOf("", "")},
			run:   map[string]string{"gcp-eu": "gcp-eu", "global": "global"},
			hold:  "held",
			want: map[string]CentralRegion{
				"aws-prod":  {Action: CentralPending, Keys: []KeyChange{{keyURL, "", testURL}, {keyRole, "", roleAWS}}},
				"gcp-eu":    {Action: CentralPending, Keys: []KeyChange{{keyURL, "", testURL}, {keyRole, "", roleGCP}}},
				"azure-aci": {Action: CentralSkipped},
			},
		},
		{
			name:  "a stack file that cannot be read is skipped",
			files: map[string]regionKeys{"aws-prod": {Missing: "no file"}, "gcp-eu": keysOf(testURL, roleGCP), "azure-aci": keysOf("", "")},
			run:   run,
			want: map[string]CentralRegion{
				"aws-prod":  {Action: CentralSkipped},
				"gcp-eu":    {Action: CentralUnchanged},
				"azure-aci": {Action: CentralSkipped},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := centralDiff("livekit-infra", regions, out, c.files, c.run, c.hold)
			if len(got) != 4 || got[3].Region != "old-region" || got[3].Action != CentralSkipped || !strings.Contains(got[3].Reason, "globalRegions") {
				t.Fatalf("want the three regions in order, then old-region (in the output, not the stack file) skipped; got %+v", got)
			}
			for i, name := range []string{"aws-prod", "gcp-eu", "azure-aci"} {
				g := got[i]
				w := c.want[name]
				if g.Region != name || g.Stack != "organization/livekit-infra/"+name || g.Action != w.Action || !reflect.DeepEqual(g.Keys, w.Keys) {
					t.Errorf("%s: got %+v, want action %s keys %+v", name, g, w.Action, w.Keys)
				}
				if (g.Action == CentralSkipped || g.Action == CentralPending) == (g.Reason == "") {
					t.Errorf("%s: action %s with reason %q: a skipped or pending region says why, others do not", name, g.Action, g.Reason)
				}
			}
			if aci := got[2]; !strings.Contains(aci.Reason, "regionsNotWriting") {
				t.Errorf("azure-aci reason %q, want it to name regionsNotWriting", aci.Reason)
			}
			if c.hold != "" && got[1].Reason != c.hold {
				t.Errorf("held gcp-eu reason %q, want %q", got[1].Reason, c.hold)
			}
			if _, in := c.run["aws-prod"]; !in && !strings.Contains(got[0].Reason, "lkinfra up --stacks aws-prod,") {
				t.Errorf("aws-prod outside the run: reason %q, want the command that sets it", got[0].Reason)
			}
		})
	}

	// A region without a writer role that is not listed as not writing,
	// and a stack of another project, are skipped too.
	other := stackconfig.GlobalRegion{Region: routing.Region{Name: "gcp-eu"}, Stack: "organization/other/gcp-eu"}
	got := centralDiff("livekit-infra", []stackconfig.GlobalRegion{region("new"), other},
		centralOutput{RemoteWriteURL: testURL, WriterRoleARNs: map[string]string{"gcp-eu": roleGCP}},
		map[string]regionKeys{"new": keysOf("", ""), "gcp-eu": keysOf("", "")}, map[string]string{"new": "new", "gcp-eu": "gcp-eu"}, "")
	if len(got) != 2 || got[0].Action != CentralSkipped || !strings.Contains(got[0].Reason, "deploy the global stack again") ||
		got[1].Action != CentralSkipped || !strings.Contains(got[1].Reason, "not a stack of project livekit-infra") {
		t.Errorf("got %+v", got)
	}
}

func TestParseCentralOutput(t *testing.T) {
	var v any
	doc := `{"queryUrl":"q","remoteWriteUrl":"` + testURL + `","writerRoleArns":{"aws-prod":"` + roleAWS + `"},"regionsNotWriting":["azure-aci"]}`
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	out, err := parseCentralOutput(v)
	if err != nil || out.RemoteWriteURL != testURL || out.WriterRoleARNs["aws-prod"] != roleAWS || !reflect.DeepEqual(out.NotWriting, []string{"azure-aci"}) {
		t.Errorf("parse: %+v, %v", out, err)
	}
	for _, bad := range []any{SecretMask, "x", map[string]any{"writerRoleArns": map[string]any{}},
		map[string]any{"remoteWriteUrl": testURL, "writerRoleArns": map[string]any{"a": 1}}} {
		if _, err := parseCentralOutput(bad); err == nil {
			t.Errorf("parse(%v): no error", bad)
		}
	}
}

// TestCentralPassWritesWithTheCLI: the pass sets the keys of a region that
// differs with one `pulumi config set-all --plaintext` (a script standing
// in for the CLI writes them into the stack file), reads them back, and
// leaves an up-to-date region and the CLI alone otherwise.
func TestCentralPassWritesWithTheCLI(t *testing.T) {
	r, calls := scriptedRunner(t, "",
		`"stack select --stack aws-prod") ;;`,
		// The CLI's write, as `pulumi config set-all` does it (the stand-in
		// appends the two keys to the file's config block).
		`"config set-all --stack aws-prod "*) printf '  %s: %s\n' `+keyURL+` '`+testURL+`' `+keyRole+` '`+roleAWS+`' >> Pulumi.aws-prod.yaml ;;`)
	dir := r.o.Dir
	files := map[string]string{
		"global":   "config:\n  livekit-infra:kind: global\n  livekit-infra:domain: example.com\n  livekit-infra:zoneId: Z0123456789EXAMPLE\n",
		"aws-prod": "config:\n  livekit-infra:kind: aws\n",
		"gcp-eu":   "config:\n  livekit-infra:kind: gcp\n  " + keyURL + ": " + testURL + "\n  " + keyRole + ": " + roleGCP + "\n",
		// azure-asia has no file here: the committed global stack lists it.
	}
	for s, body := range files {
		if err := os.WriteFile(filepath.Join(dir, "Pulumi."+s+".yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.o.Stacks = []string{"aws-prod", "gcp-eu", "global"}
	var progress bytes.Buffer
	r.o.Progress = &progress
	outputs := map[string]any{centralMetricsOutput: map[string]any{"remoteWriteUrl": testURL,
		"writerRoleArns": map[string]any{"aws-prod": roleAWS, "gcp-eu": roleGCP}, "regionsNotWriting": []any{"azure-asia"}}}
	cp, again, failures := r.centralPass(context.Background(), "global", StageAfterGlobal, outputs, "", map[string]string{})
	if len(failures) != 0 || !reflect.DeepEqual(again, []string{"aws-prod"}) {
		t.Fatalf("redeploy %v, failures %+v; want aws-prod only", again, failures)
	}
	actions := map[string]string{}
	for _, cr := range cp.Regions {
		actions[cr.Region] = cr.Action
	}
	if want := map[string]string{"aws-prod": CentralSet, "gcp-eu": CentralUnchanged, "azure-asia": CentralSkipped}; !reflect.DeepEqual(actions, want) {
		t.Errorf("actions %v, want %v", actions, want)
	}
	c := calls()
	if len(c) != 2 || !strings.HasPrefix(c[1], "config set-all --stack aws-prod ") ||
		!strings.Contains(c[1], "--plaintext "+keyURL+"="+testURL) || !strings.Contains(c[1], "--plaintext "+keyRole+"="+roleAWS) || strings.Contains(c[1], "--secret") {
		t.Errorf("CLI calls %q: want aws-prod selected, then one set-all of both keys as plaintext", c)
	}
	p := progress.String()
	for _, line := range []string{
		"[aws-prod] central metrics: set " + keyURL + " and " + keyRole + " in Pulumi.aws-prod.yaml from global's centralMetrics output (plain config, not secrets); deploying aws-prod again",
		"[gcp-eu] central metrics: keys up to date",
		"[azure-asia] central metrics: skipped: listed in regionsNotWriting",
	} {
		if !strings.Contains(p, line) {
			t.Errorf("progress lacks %q:\n%s", line, p)
		}
	}

	// Before the regional phase (from the outputs as deployed): an
	// up-to-date run prints nothing; a region set then is not deployed a
	// second time (the regional phase deploys it).
	progress.Reset()
	cp, again, failures = r.centralPass(context.Background(), "global", StageBeforeRegions, outputs, "", map[string]string{})
	if len(again) != 0 || len(failures) != 0 || progress.Len() != 0 || cp.Regions[0].Action != CentralUnchanged {
		t.Errorf("pre-pass, up to date: redeploy %v, failures %v, progress %q, %+v", again, failures, progress.String(), cp.Regions)
	}
	r3, _ := scriptedRunner(t, "", `"stack select --stack aws-prod") ;;`,
		`"config set-all --stack aws-prod "*) printf '  %s: %s\n' `+keyURL+` '`+testURL+`' `+keyRole+` '`+roleAWS+`' >> Pulumi.aws-prod.yaml ;;`)
	for s, body := range files {
		if err := os.WriteFile(filepath.Join(r3.o.Dir, "Pulumi."+s+".yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r3.o.Stacks = r.o.Stacks
	r3.o.Progress = &progress
	cp, again, failures = r3.centralPass(context.Background(), "global", StageBeforeRegions, outputs, "", map[string]string{})
	if len(again) != 0 || len(failures) != 0 || cp.Regions[0].Action != CentralSet ||
		strings.TrimSpace(progress.String()) != "[aws-prod] central metrics: set "+keyURL+" and "+keyRole+" in Pulumi.aws-prod.yaml from global's centralMetrics output as deployed (plain config, not secrets), before deploying aws-prod" {
		t.Errorf("pre-pass, keys missing: redeploy %v, failures %v, %+v, progress %q", again, failures, cp.Regions[0], progress.String())
	}

	// Had the CLI not written the file, the pass reports a failure instead
	// of deploying a region without its keys.
	r2, _ := scriptedRunner(t, "", `"stack select --stack aws-prod") ;;`, `"config set-all "*) ;;`)
	for s, body := range files {
		if err := os.WriteFile(filepath.Join(r2.o.Dir, "Pulumi."+s+".yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r2.o.Stacks = r.o.Stacks
	_, again, failures = r2.centralPass(context.Background(), "global", StageAfterGlobal, outputs, "", map[string]string{})
	if len(again) != 0 || len(failures) != 1 || failures[0].Stack != "aws-prod" || failures[0].Pass != PassCentralMetrics ||
		!strings.Contains(failures[0].Error, "does not hold "+keyURL) {
		t.Errorf("unwritten keys: redeploy %v, failures %+v", again, failures)
	}

	// A global stack without the output: a note, nothing looked at.
	cp, again, _ = r.centralPass(context.Background(), "global", StageAfterGlobal, map[string]any{"url": "x"}, "", map[string]string{})
	if !strings.Contains(cp.Note, "exports no centralMetrics output") || len(cp.Regions) != 0 || len(again) != 0 {
		t.Errorf("no output: %+v", cp)
	}
}

// TestCentralPassReported: the markdown and the up summary name each
// region's result, and a region deployed again is labelled as such.
func TestCentralPassReported(t *testing.T) {
	rep := &Report{Kind: KindUp, Stacks: []StackReport{
		{Stack: "aws-prod", Summary: map[string]int{}, Changes: []Change{}},
		{Stack: "aws-prod", Pass: PassCentralMetrics, Error: "up failed: boom", Summary: map[string]int{}, Changes: []Change{}},
	}, CentralMetrics: []CentralPass{{Global: "global", RemoteWriteURL: testURL, Regions: []CentralRegion{
		{Region: "aws-prod", Stack: "organization/livekit-infra/aws-prod", Action: CentralSet, Keys: []KeyChange{{keyURL, "", testURL}}},
		{Region: "azure-aci", Stack: "organization/livekit-infra/azure-aci", Action: CentralSkipped, Reason: "listed in regionsNotWriting"},
	}}}}
	md := rep.Markdown(MarkdownOptions{})
	for _, want := range []string{
		"## Deployment: 1 stack(s)",
		"| `aws-prod (central metrics pass)` |",
		"### ❌ `aws-prod (central metrics pass)` failed",
		"### 📈 Central metrics view: second pass",
		"| `aws-prod` | `organization/livekit-infra/aws-prod` | ✏️ keys set, deployed again | `" + keyURL + "`: `(unset)` → `" + testURL + "` |",
		"| `azure-aci` | `organization/livekit-infra/azure-aci` | ⏭️ skipped | listed in regionsNotWriting |",
		"not secrets",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if rep.ExitCode() != ExitFailed {
		t.Errorf("exit %d: a failed second deploy fails the command", rep.ExitCode())
	}
}
