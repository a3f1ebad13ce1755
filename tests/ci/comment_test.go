package ci

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// harness runs a github-script body the way the action does (an async
// function of require, github, context and core) against a fake API that
// answers from the scenario and records every call.
const harness = `
const fs = require('fs');
const sc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const script = fs.readFileSync(process.argv[3], 'utf8');
const calls = [];
const answer = (name, data) => async (p) => { calls.push([name, p]); return { data }; };
const github = {
  paginate: async (fn, params) => (await fn(params)).data,
  rest: {
    pulls: { list: answer('pulls.list', sc.pulls || []) },
    issues: {
      listComments: answer('issues.listComments', sc.comments || []),
      updateComment: answer('issues.updateComment', {}),
      createComment: answer('issues.createComment', {}),
    },
  },
};
const context = { repo: { owner: 'acme', repo: 'livekit-infra' }, payload: { workflow_run: sc.run } };
const core = { notice: (m) => calls.push(['notice', m]), info: () => {}, setFailed: (m) => calls.push(['setFailed', m]) };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core)
  .then(() => console.log(JSON.stringify({ calls })), (e) => console.log(JSON.stringify({ calls, error: String(e && e.message) })));
`

func nodeBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found (scripts/install-test-deps.sh installs it)")
		}
		t.Skip("node not found; run scripts/install-test-deps.sh")
	}
	return p
}

// commentScript is the github-script body of preview-comment.yml.
func commentScript(t *testing.T) string {
	t.Helper()
	for _, w := range loadWorkflows(t) {
		if w.file != "preview-comment.yml" {
			continue
		}
		for _, s := range steps(w.jobs()["comment"]) {
			if strings.HasPrefix(str(s["uses"]), "actions/github-script@") {
				with, _ := s["with"].(map[string]any)
				return str(with["script"])
			}
		}
	}
	t.Fatal("preview-comment.yml has no github-script step in job comment")
	return ""
}

type call struct {
	Name   string
	Params map[string]any
}

type scenario struct {
	run      map[string]any
	pulls    []map[string]any
	comments []map[string]any
	report   string
}

func runComment(t *testing.T, sc scenario) (calls []call, errMsg string) {
	t.Helper()
	node := nodeBin(t)
	dir := t.TempDir()
	report := filepath.Join(dir, "preview.md")
	must(t, os.WriteFile(report, []byte(sc.report), 0o644))
	// An artifact from an untrusted run may carry anything beside the
	// report, e.g. the pr-number file older versions trusted.
	must(t, os.WriteFile(filepath.Join(dir, "pr-number"), []byte("1\n"), 0o644))
	in, err := json.Marshal(map[string]any{"run": sc.run, "pulls": sc.pulls, "comments": sc.comments})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "scenario.json"), in, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "script.js"), []byte(commentScript(t)), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "harness.js"), []byte(harness), 0o644))
	cmd := exec.Command(node, filepath.Join(dir, "harness.js"), filepath.Join(dir, "scenario.json"), filepath.Join(dir, "script.js"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REPORT="+report)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var res struct {
		Calls [][2]json.RawMessage
		Error string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("harness output: %v\n%s", err, out)
	}
	for _, c := range res.Calls {
		var name string
		var params map[string]any
		must(t, json.Unmarshal(c[0], &name))
		_ = json.Unmarshal(c[1], &params)
		calls = append(calls, call{name, params})
	}
	return calls, res.Error
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const (
	headSHA  = "0123456789abcdef0123456789abcdef01234567"
	otherSHA = "fedcba9876543210fedcba9876543210fedcba98"
	marker   = "<!-- lkinfra-preview -->"
)

func run(headRepo, branch string) map[string]any {
	return map[string]any{
		"id": 42, "event": "pull_request", "head_sha": headSHA, "head_branch": branch,
		"head_repository": map[string]any{"full_name": headRepo},
		// What a fork's run claims; never used.
		"pull_requests": []any{map[string]any{"number": 1}},
	}
}

func pull(number int, sha, headRepo string) map[string]any {
	return map[string]any{
		"number": number,
		"head":   map[string]any{"sha": sha, "repo": map[string]any{"full_name": headRepo}},
		"base":   map[string]any{"repo": map[string]any{"full_name": "acme/livekit-infra"}},
	}
}

func comment(id int, login, typ, body string) map[string]any {
	return map[string]any{"id": id, "body": body, "user": map[string]any{"login": login, "type": typ}}
}

func writes(calls []call) []call {
	var out []call
	for _, c := range calls {
		if c.Name == "issues.updateComment" || c.Name == "issues.createComment" {
			out = append(out, c)
		}
	}
	return out
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func TestPreviewCommentFindsThePullRequestFromTheHeadCommit(t *testing.T) {
	calls, errMsg := runComment(t, scenario{
		run:    run("mallory/livekit-infra", "feature"),
		pulls:  []map[string]any{pull(3, otherSHA, "mallory/livekit-infra"), pull(9, headSHA, "mallory/livekit-infra")},
		report: marker + "\nplan diff\n",
	})
	if errMsg != "" {
		t.Fatal(errMsg)
	}
	if calls[0].Name != "pulls.list" || calls[0].Params["head"] != "mallory:feature" {
		t.Errorf("first call = %+v, want pulls.list with head mallory:feature", calls[0])
	}
	w := writes(calls)
	if len(w) != 1 || w[0].Name != "issues.createComment" || num(w[0].Params["issue_number"]) != 9 {
		t.Errorf("writes = %+v, want one new comment on #9 (the pull request at the run's head commit; not #1 from the artifact)", w)
	}
}

func TestPreviewCommentRejectsAMismatch(t *testing.T) {
	// The branch's pull request has moved on to another commit: the report
	// is not about it.
	calls, errMsg := runComment(t, scenario{
		run:    run("acme/livekit-infra", "feature"),
		pulls:  []map[string]any{pull(7, otherSHA, "acme/livekit-infra")},
		report: marker + "\n",
	})
	if w := writes(calls); len(w) > 0 || errMsg != "" {
		t.Errorf("writes = %+v, error %q; want nothing posted", w, errMsg)
	}
	// A pull request from another repository's branch of the same name.
	calls, _ = runComment(t, scenario{
		run:    run("acme/livekit-infra", "feature"),
		pulls:  []map[string]any{pull(8, headSHA, "mallory/livekit-infra")},
		report: marker + "\n",
	})
	if w := writes(calls); len(w) > 0 {
		t.Errorf("writes = %+v for another repository's pull request", w)
	}
	// Two candidates: refuse to guess.
	calls, errMsg = runComment(t, scenario{
		run:    run("acme/livekit-infra", "feature"),
		pulls:  []map[string]any{pull(7, headSHA, "acme/livekit-infra"), pull(8, headSHA, "acme/livekit-infra")},
		report: marker + "\n",
	})
	if w := writes(calls); len(w) > 0 || !strings.Contains(errMsg, "refusing") {
		t.Errorf("writes = %+v, error %q; want a refusal", w, errMsg)
	}
}

func TestPreviewCommentEditsOnlyTheBotsComment(t *testing.T) {
	calls, errMsg := runComment(t, scenario{
		run:   run("acme/livekit-infra", "feature"),
		pulls: []map[string]any{pull(7, headSHA, "acme/livekit-infra")},
		comments: []map[string]any{
			comment(1, "mallory", "User", marker+"\nbait"),
			comment(2, "other-app[bot]", "Bot", marker+"\nbait"),
			comment(3, "github-actions[bot]", "Bot", marker+"\nold report"),
		},
		report: marker + "\nnew report\n",
	})
	if errMsg != "" {
		t.Fatal(errMsg)
	}
	w := writes(calls)
	if len(w) != 1 || w[0].Name != "issues.updateComment" || num(w[0].Params["comment_id"]) != 3 {
		t.Errorf("writes = %+v, want comment 3 (the bot's) updated", w)
	}
	// Only others' comments carry the marker: a new comment, nothing edited.
	calls, _ = runComment(t, scenario{
		run:      run("acme/livekit-infra", "feature"),
		pulls:    []map[string]any{pull(7, headSHA, "acme/livekit-infra")},
		comments: []map[string]any{comment(1, "mallory", "User", marker), comment(2, "other-app[bot]", "Bot", marker)},
		report:   marker + "\n",
	})
	if w := writes(calls); len(w) != 1 || w[0].Name != "issues.createComment" {
		t.Errorf("writes = %+v, want one new comment", w)
	}
}

func TestPreviewCommentPostsOnlyReports(t *testing.T) {
	calls, errMsg := runComment(t, scenario{
		run:    run("acme/livekit-infra", "feature"),
		pulls:  []map[string]any{pull(7, headSHA, "acme/livekit-infra")},
		report: "@everyone see https://example.invalid\n",
	})
	if w := writes(calls); len(w) > 0 || errMsg == "" {
		t.Errorf("writes = %+v, error %q; want the artifact rejected", w, errMsg)
	}
}
