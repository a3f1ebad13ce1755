package ci

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const workflowDir = "../../.github/workflows"

// workflow is one parsed workflow file: the node tree (for comments) and a
// plain decoding (for everything else).
type workflow struct {
	file string
	node *yaml.Node
	doc  map[string]any
}

func loadWorkflows(t *testing.T) []workflow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(workflowDir, "*.y*ml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows in %s (%v)", workflowDir, err)
	}
	var out []workflow
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, workflow{file: filepath.Base(f), node: &n, doc: doc})
	}
	return out
}

func (w workflow) jobs() map[string]map[string]any {
	out := map[string]map[string]any{}
	jobs, _ := w.doc["jobs"].(map[string]any)
	for name, j := range jobs {
		m, _ := j.(map[string]any)
		out[name] = m
	}
	return out
}

// triggers are the workflow's events, whichever form `on:` takes.
func (w workflow) triggers() map[string]bool {
	out := map[string]bool{}
	switch on := w.doc["on"].(type) {
	case string:
		out[on] = true
	case []any:
		for _, e := range on {
			out[fmt.Sprint(e)] = true
		}
	case map[string]any:
		for e := range on {
			out[e] = true
		}
	}
	return out
}

// runsUntrustedCode: the pull request's own code or workflow definition is
// what runs (pull_request), or the run is started by one (workflow_run of
// such a run; pull_request_target).
func (w workflow) triggeredByPullRequest() bool {
	tr := w.triggers()
	return tr["pull_request"] || tr["pull_request_target"] || tr["workflow_run"]
}

func steps(job map[string]any) []map[string]any {
	var out []map[string]any
	ss, _ := job["steps"].([]any)
	for _, s := range ss {
		m, _ := s.(map[string]any)
		out = append(out, m)
	}
	return out
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// text is a value as YAML, for searching expressions in it.
func text(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every job's permissions, exactly. A new job, or a new permission, is a
// deliberate change made here too.
var wantPermissions = map[string]map[string]string{
	"deploy.yml/deploy":           {"contents": "read", "id-token": "write"},
	"drift.yml/drift":             {"contents": "read", "id-token": "write"},
	"drift.yml/issue":             {"issues": "write"},
	"preview.yml/plan-diff":       {"contents": "read"},
	"preview.yml/preview-live":    {"contents": "read", "id-token": "write"},
	"preview-comment.yml/comment": {"actions": "read", "pull-requests": "write"},
}

// The jobs that hold a cloud identity, and which: their identity variables
// (vars.*_<ROLE>_*) name this role and no other.
var identityJobs = map[string]string{
	"deploy.yml/deploy":        "DEPLOY",
	"drift.yml/drift":          "DRIFT",
	"preview.yml/preview-live": "PREVIEW",
}

// Secrets a job may read. Only the deploy job, in the production
// environment (where the passphrase is an environment secret); none of the
// others: a pull request can edit workflows, and with them read any
// repository secret.
var allowedSecrets = map[string][]string{
	"deploy.yml/deploy": {"PULUMI_CONFIG_PASSPHRASE"},
}

var (
	refPattern = regexp.MustCompile(`\b(vars|secrets)\.([A-Za-z0-9_]+)`)
	// Variables that name a cloud or Pulumi identity (not tenant,
	// subscription, region or organization, which grant nothing).
	identityVar = regexp.MustCompile(`^(AWS|GCP|AZURE|PULUMI)_\w*(ROLE|CLIENT_ID|SERVICE_ACCOUNT|WORKLOAD_IDENTITY|TEAM)`)
	roleInName  = regexp.MustCompile(`_(DEPLOY|DRIFT|PREVIEW)_`)
	pinned      = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$`)
	tagComment  = regexp.MustCompile(`^#\s*v\d+(\.\d+)*\b`)
)

// refs lists the vars.X and secrets.X a job can see: its own and the
// workflow-level env.
func refs(t *testing.T, w workflow, job map[string]any) (vars, secrets []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range refPattern.FindAllStringSubmatch(text(t, job)+text(t, w.doc["env"]), -1) {
		key := m[1] + "." + m[2]
		if seen[key] {
			continue
		}
		seen[key] = true
		if m[1] == "vars" {
			vars = append(vars, m[2])
		} else {
			secrets = append(secrets, m[2])
		}
	}
	sort.Strings(vars)
	sort.Strings(secrets)
	return vars, secrets
}

func TestWorkflowPermissionsAreExplicitAndLeast(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range loadWorkflows(t) {
		// Nothing by default: each job asks for what it needs.
		if p, ok := w.doc["permissions"]; !ok || !reflect.DeepEqual(p, map[string]any{}) {
			t.Errorf("%s: workflow permissions = %v, want {} (each job declares its own)", w.file, p)
		}
		for name, job := range w.jobs() {
			id := w.file + "/" + name
			seen[id] = true
			want, ok := wantPermissions[id]
			if !ok {
				t.Errorf("%s: job not in wantPermissions; add it with the permissions it needs", id)
				continue
			}
			got := map[string]string{}
			perms, isMap := job["permissions"].(map[string]any)
			if !isMap {
				t.Errorf("%s: permissions = %v, want an explicit map", id, job["permissions"])
				continue
			}
			for k, v := range perms {
				got[k] = str(v)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: permissions = %v, want %v", id, got, want)
			}
		}
	}
	for id := range wantPermissions {
		if !seen[id] {
			t.Errorf("%s: expected job not found", id)
		}
	}
}

func TestIdentitiesOnlyInTheirJobs(t *testing.T) {
	for _, w := range loadWorkflows(t) {
		for name, job := range w.jobs() {
			id := w.file + "/" + name
			perms, _ := job["permissions"].(map[string]any)
			role, hasIdentity := identityJobs[id]
			if str(perms["id-token"]) == "write" && !hasIdentity {
				t.Errorf("%s: id-token: write in a job without an intended identity", id)
			}
			vars, secrets := refs(t, w, job)
			for _, v := range vars {
				if !identityVar.MatchString(v) {
					continue
				}
				m := roleInName.FindStringSubmatch(v)
				switch {
				case !hasIdentity:
					t.Errorf("%s: names identity variable %s but holds no identity", id, v)
				case m == nil:
					t.Errorf("%s: identity variable %s is not specific to a role (want *_%s_*)", id, v, role)
				case m[1] != role:
					t.Errorf("%s: the %s job names the %s identity (%s)", id, role, m[1], v)
				}
			}
			for _, s := range secrets {
				allowed := false
				for _, a := range allowedSecrets[id] {
					allowed = allowed || a == s
				}
				if !allowed {
					t.Errorf("%s: reads secrets.%s", id, s)
				}
			}
			env := str(job["environment"])
			if m, ok := job["environment"].(map[string]any); ok {
				env = str(m["name"])
			}
			// The deploy identities trust only the production
			// environment's subject; the others trust a subject an
			// environment would change (pull_request, main's ref).
			switch {
			case role == "DEPLOY" && env != "production":
				t.Errorf("%s: environment = %q, want production", id, env)
			case role != "DEPLOY" && env != "":
				t.Errorf("%s: environment %q changes the OIDC subject its identity trusts", id, env)
			}
		}
	}
}

// Jobs of pull-request workflows run code anyone with push access (or a
// fork) controls: no secret, no passphrase, no deploy or drift identity.
func TestPullRequestJobsSeeNoProductionCredentials(t *testing.T) {
	n := 0
	for _, w := range loadWorkflows(t) {
		if !w.triggeredByPullRequest() {
			continue
		}
		for name, job := range w.jobs() {
			n++
			id := w.file + "/" + name
			vars, secrets := refs(t, w, job)
			if len(secrets) > 0 {
				t.Errorf("%s: reads secrets %v", id, secrets)
			}
			for _, v := range vars {
				if m := roleInName.FindStringSubmatch(v); m != nil && m[1] != "PREVIEW" {
					t.Errorf("%s: names the %s identity (%s)", id, m[1], v)
				}
			}
			if strings.Contains(text(t, job), "PULUMI_CONFIG_PASSPHRASE") {
				t.Errorf("%s: sets PULUMI_CONFIG_PASSPHRASE", id)
			}
		}
	}
	if n == 0 {
		t.Fatal("no pull-request jobs found")
	}
}

// A workflow_run (or pull_request_target) job runs with the base
// repository's token: it must not run the pull request's code at all.
func TestPrivilegedPullRequestWorkflowsRunNoCode(t *testing.T) {
	for _, w := range loadWorkflows(t) {
		tr := w.triggers()
		if !tr["workflow_run"] && !tr["pull_request_target"] {
			continue
		}
		for name, job := range w.jobs() {
			for _, s := range steps(job) {
				if strings.HasPrefix(str(s["uses"]), "actions/checkout@") {
					t.Errorf("%s/%s: checks out code", w.file, name)
				}
				if _, ok := s["run"]; ok {
					t.Errorf("%s/%s: has a run step %q", w.file, name, str(s["name"]))
				}
			}
		}
	}
}

func TestActionsPinnedToCommitsWithTagComment(t *testing.T) {
	n := 0
	for _, w := range loadWorkflows(t) {
		walk(w.node, func(key, val *yaml.Node) {
			if key.Value != "uses" {
				return
			}
			n++
			if !pinned.MatchString(val.Value) {
				t.Errorf("%s:%d: uses %q, want owner/repo@<40-hex commit>", w.file, val.Line, val.Value)
			}
			comment := strings.TrimSpace(val.LineComment + key.LineComment)
			if !tagComment.MatchString(comment) {
				t.Errorf("%s:%d: uses %s without its tag in a comment (# vX.Y.Z), got %q", w.file, val.Line, val.Value, comment)
			}
		})
	}
	if n == 0 {
		t.Fatal("no uses: found")
	}
}

// walk calls fn for every key/value pair of every mapping under n.
func walk(n *yaml.Node, fn func(key, val *yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			fn(n.Content[i], n.Content[i+1])
		}
	}
	for _, c := range n.Content {
		walk(c, fn)
	}
}

// The checkout action stores the job's token in .git/config unless told not
// to, where any later step (the pull request's code, a build script) reads it.
func TestCheckoutPersistsNoCredentials(t *testing.T) {
	n := 0
	for _, w := range loadWorkflows(t) {
		for name, job := range w.jobs() {
			for _, s := range steps(job) {
				if !strings.HasPrefix(str(s["uses"]), "actions/checkout@") {
					continue
				}
				n++
				with, _ := s["with"].(map[string]any)
				if v, ok := with["persist-credentials"]; !ok || str(v) != "false" {
					t.Errorf("%s/%s: checkout without persist-credentials: false", w.file, name)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no checkout steps found")
	}
}

// ${{ }} in a run script is pasted into the shell before it runs: a branch
// name or input becomes code. Values go through env instead.
func TestRunScriptsExpandNoExpressions(t *testing.T) {
	for _, w := range loadWorkflows(t) {
		for name, job := range w.jobs() {
			for _, s := range steps(job) {
				if strings.Contains(str(s["run"]), "${{") {
					t.Errorf("%s/%s: step %q expands an expression in its script; pass it through env", w.file, name, str(s["name"]))
				}
			}
		}
	}
}

func TestDependabotUpdatesActions(t *testing.T) {
	data, err := os.ReadFile("../../.github/dependabot.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `yaml:"version"`
		Updates []struct {
			Ecosystem string `yaml:"package-ecosystem"`
			Directory string `yaml:"directory"`
		} `yaml:"updates"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, u := range cfg.Updates {
		if u.Ecosystem == "github-actions" && u.Directory == "/" {
			return
		}
	}
	t.Errorf("dependabot.yml has no github-actions update for /: %+v", cfg.Updates)
}
