package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/deploy"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The central metrics view's second pass of `lkinfra up`
// (internal/deploy/centralpass.go): after the global stack is up, each
// region gets the global stack's centralMetrics values in its stack file and
// is deployed again with its writer to the central view.

const (
	keyRemoteWriteURL = "livekit-infra:centralMetricsRemoteWriteUrl"
	keyWriterRoleARN  = "livekit-infra:centralMetricsWriterRoleArn"
)

// centralMetrics is the global stack's centralMetrics output, read with the
// pulumi CLI (not through lkinfra's report).
type centralMetrics struct {
	RemoteWriteURL    string            `json:"remoteWriteUrl"`
	WriterRoleARNs    map[string]string `json:"writerRoleArns"`
	RegionsNotWriting []string          `json:"regionsNotWriting"`
}

func (e *env) centralMetrics(t *testing.T, global string) centralMetrics {
	t.Helper()
	out, err := e.pulumi("stack", "output", "centralMetrics", "--json", "--stack", global)
	if err != nil {
		t.Fatalf("stack output centralMetrics: %v\n%s", err, out)
	}
	var cm centralMetrics
	if err := json.Unmarshal([]byte(out), &cm); err != nil {
		t.Fatalf("centralMetrics output %q: %v", out, err)
	}
	if !strings.HasPrefix(cm.RemoteWriteURL, "https://aps-workspaces.") {
		t.Fatalf("centralMetrics.remoteWriteUrl = %q", cm.RemoteWriteURL)
	}
	return cm
}

// stackFileKeys reads the two keys from a stack file of the project
// directory, as the CLI and the program read it.
func (e *env) stackFileKeys(t *testing.T, stack string) (url, role string, secret bool) {
	t.Helper()
	sc, err := plan.LoadStackConfig(e.dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range sc.SecretKeys {
		if k == keyRemoteWriteURL || k == keyWriterRoleARN {
			secret = true
		}
	}
	return sc.Config[keyRemoteWriteURL], sc.Config[keyWriterRoleARN], secret
}

// checkCentralPass: the first `up` of regions and global pointed every
// region at the central view: the keys in each stack file equal the global
// stack's outputs (plain, the file's comments kept), each region was
// deployed again, and its state holds its writer to the central view.
func checkCentralPass(t *testing.T, e *env, rep *deploy.Report, global string) {
	t.Helper()
	cm := e.centralMetrics(t, global)
	var pass *deploy.CentralPass
	for i := range rep.CentralMetrics {
		if rep.CentralMetrics[i].Global == global {
			pass = &rep.CentralMetrics[i]
		}
	}
	if pass == nil || pass.RemoteWriteURL != cm.RemoteWriteURL {
		t.Fatalf("report's central metrics pass for %s: %+v; want one from remote write %s", global, pass, cm.RemoteWriteURL)
	}
	again := map[string]deploy.StackReport{}
	for _, s := range rep.Stacks {
		if s.Pass == deploy.PassCentralMetrics {
			again[s.Stack] = s
		}
	}
	for _, region := range e.regional {
		role := cm.WriterRoleARNs[region]
		if !strings.HasPrefix(role, "arn:aws:iam::") {
			t.Errorf("%s: writer role %q in the global stack's output; want an IAM role ARN", region, role)
			continue
		}
		var cr *deploy.CentralRegion
		for i := range pass.Regions {
			if pass.Regions[i].Region == region {
				cr = &pass.Regions[i]
			}
		}
		if cr == nil || cr.Action != deploy.CentralSet || len(cr.Keys) != 2 {
			t.Errorf("%s: pass %+v, want both keys set", region, cr)
		}
		url, gotRole, secret := e.stackFileKeys(t, region)
		if url != cm.RemoteWriteURL || gotRole != role || secret {
			t.Errorf("Pulumi.%s.yaml: %s=%q %s=%q (secret %v); want the global stack's %q and %q, plain",
				region, keyRemoteWriteURL, url, keyWriterRoleARN, gotRole, secret, cm.RemoteWriteURL, role)
		}
		checkCommentsKept(t, e, region)
		s, ok := again[region]
		if !ok || s.Error != "" || s.Skipped != "" || len(s.Changes) == 0 {
			t.Errorf("%s: second deploy %+v, %v; want it deployed with changes (its writer)", region, s, ok)
		}
		checkWriterInState(t, e, region, cm.RemoteWriteURL, role)
	}
	if len(again) != len(e.regional) {
		t.Errorf("%d regions deployed again, want %d: %v", len(again), len(e.regional), again)
	}
}

// checkCommentsKept: `pulumi config set-all` rewrote the stack file
// without dropping the committed file's comments (they document the keys).
func checkCommentsKept(t *testing.T, e *env, stack string) {
	t.Helper()
	orig, err := os.ReadFile(filepath.Join(e.root, "Pulumi."+stack+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	now, err := os.ReadFile(filepath.Join(e.dir, "Pulumi."+stack+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(orig), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "#") && len(l) > 2 {
			n++
			if !strings.Contains(string(now), l) {
				t.Errorf("Pulumi.%s.yaml lost the comment %q", stack, l)
				return
			}
		}
	}
	if n == 0 {
		t.Errorf("Pulumi.%s.yaml has no comment to keep; the check is vacuous", stack)
	}
}

// checkWriterInState finds the region's writer to the central view in its
// state (secrets decrypted): on AWS the ADOT sidecar's exporter to the URL,
// signed by assuming the writer role, and the task role's grant to assume
// it; on GKE and AKS the metrics agent, whose Prometheus remote-writes to
// the URL with a web identity for the writer role.
func checkWriterInState(t *testing.T, e *env, stack, url, role string) {
	t.Helper()
	out, err := e.pulumi("stack", "export", "--show-secrets", "--stack", stack)
	if err != nil {
		t.Fatalf("stack export %s: %v\n%s", stack, err, out)
	}
	var dep struct {
		Deployment struct {
			Resources []struct {
				URN     string         `json:"urn"`
				Type    string         `json:"type"`
				Parent  string         `json:"parent"`
				Inputs  map[string]any `json:"inputs"`
				Outputs map[string]any `json:"outputs"`
			} `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(out), &dep); err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(stack, "aws-"):
		exporter, grant := false, false
		for _, r := range dep.Deployment.Resources {
			switch {
			case r.Type == "aws:ssm/parameter:Parameter" && strings.HasSuffix(r.URN, "-collector"):
				var cfg struct {
					Exporters  map[string]map[string]any `yaml:"exporters"`
					Extensions map[string]map[string]any `yaml:"extensions"`
				}
				if err := yaml.Unmarshal([]byte(plaintext(r.Inputs["value"])), &cfg); err != nil {
					t.Fatalf("%s: collector config: %v", r.URN, err)
				}
				for name, ex := range cfg.Exporters {
					auth, _ := ex["auth"].(map[string]any)
					ext := cfg.Extensions[asString(auth["authenticator"])]
					assume, _ := ext["assume_role"].(map[string]any)
					if ex["endpoint"] == url && assume["arn"] == role {
						exporter = true
						t.Logf("%s: exporter %s to the central view, assuming %s", stack, name, role)
					}
				}
			case r.Type == "aws:iam/rolePolicy:RolePolicy" && strings.HasSuffix(r.URN, "-task-metrics"):
				var doc struct {
					Statement []struct {
						Action   any `json:"Action"`
						Resource any `json:"Resource"`
					} `json:"Statement"`
				}
				if err := json.Unmarshal([]byte(asString(r.Inputs["policy"])), &doc); err != nil {
					t.Fatalf("%s: policy: %v", r.URN, err)
				}
				for _, s := range doc.Statement {
					if strings.Contains(asJSON(s.Action), "sts:AssumeRole") && asJSON(s.Resource) == asJSON([]any{role}) {
						grant = true
					}
				}
			}
		}
		if !exporter || !grant {
			t.Errorf("%s state: central exporter %v, task role's sts:AssumeRole on exactly %s %v; want both", stack, exporter, role, grant)
		}
	default:
		agent := ""
		for _, r := range dep.Deployment.Resources {
			if r.Type == "livekit-infra:index:MetricsAgent" {
				agent = r.URN
			}
		}
		if agent == "" {
			t.Errorf("%s state: no livekit-infra:index:MetricsAgent", stack)
			return
		}
		// The agent's Prometheus config (a ConfigMap of the component)
		// writes to the URL; its chart's pod has the writer role as the
		// web identity's AWS_ROLE_ARN.
		writes, signs := false, false
		env := asJSON(map[string]string{"name": "AWS_ROLE_ARN", "value": role})
		for _, r := range dep.Deployment.Resources {
			if r.Parent != agent {
				continue
			}
			if r.Type == "kubernetes:helm.sh/v4:Chart" {
				signs = signs || strings.Contains(asJSON(r.Inputs)+asJSON(r.Outputs), env)
			}
			if r.Type == "kubernetes:core/v1:ConfigMap" {
				data, _ := r.Inputs["data"].(map[string]any)
				for _, v := range data {
					var cfg struct {
						RemoteWrite []struct {
							URL string `yaml:"url"`
						} `yaml:"remote_write"`
					}
					if yaml.Unmarshal([]byte(plaintext(v)), &cfg) == nil {
						for _, rw := range cfg.RemoteWrite {
							writes = writes || rw.URL == url
						}
					}
				}
			}
		}
		if !writes || !signs {
			t.Errorf("%s state: the metrics agent's config remote-writes to %s: %v; its chart's AWS_ROLE_ARN is %s: %v", stack, url, writes, role, signs)
		}
	}
}

// plaintext is a state value as a string: a decrypted secret's plaintext
// (JSON-encoded) or the string itself.
func plaintext(v any) string {
	if m, ok := v.(map[string]any); ok {
		if pt, ok := m["plaintext"].(string); ok {
			var s string
			if json.Unmarshal([]byte(pt), &s) == nil {
				return s
			}
			return pt
		}
	}
	return asString(v)
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// checkSecondUpNoOp: a second `up` sets nothing, deploys no region again,
// changes no resource and leaves every stack file as it was.
func checkSecondUpNoOp(t *testing.T, e *env, rep *deploy.Report, before map[string][]byte) {
	t.Helper()
	for _, s := range rep.Stacks {
		if s.Pass != "" {
			t.Errorf("%s deployed again by the second run", s.Label())
		}
		for _, op := range []string{deploy.OpCreate, deploy.OpUpdate, deploy.OpReplace, deploy.OpDelete} {
			if s.Summary[op] != 0 {
				t.Errorf("%s: %d %s on the second run: %+v", s.Stack, s.Summary[op], op, s.Changes)
			}
		}
	}
	for _, cp := range rep.CentralMetrics {
		if cp.Note != "" {
			continue
		}
		for _, cr := range cp.Regions {
			if cr.Action != deploy.CentralUnchanged {
				t.Errorf("second run: %s's region %s: %+v, want unchanged", cp.Global, cr.Region, cr)
			}
		}
	}
	for f, b := range before {
		if now, err := os.ReadFile(f); err != nil || string(now) != string(b) {
			t.Errorf("%s changed on the second run (%v)", f, err)
		}
	}
}

// stackFiles reads every stack file of the project directory.
func (e *env) stackFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(e.dir, "Pulumi.*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("stack files: %v %v", files, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// dropKeys removes keys from a stack file of the project directory, as a
// checkout of stack files that were never committed with them (a CI
// runner's) has it.
func (e *env) dropKeys(t *testing.T, stack string, keys ...string) {
	t.Helper()
	path := filepath.Join(e.dir, "Pulumi."+stack+".yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var cfg *yaml.Node
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "config" {
			cfg = root.Content[i+1]
		}
	}
	if cfg == nil {
		t.Fatalf("%s has no config", path)
	}
	kept := cfg.Content[:0]
	dropped := 0
	for i := 0; i+1 < len(cfg.Content); i += 2 {
		if contains(keys, cfg.Content[i].Value) {
			dropped++
			continue
		}
		kept = append(kept, cfg.Content[i], cfg.Content[i+1])
	}
	if dropped != len(keys) {
		t.Fatalf("%s: dropped %d of %v", path, dropped, keys)
	}
	cfg.Content = kept
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
