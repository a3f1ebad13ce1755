// Package docs keeps the user documentation (README.md, DEVELOPERS.md,
// docs/*.md) honest against the code: links and anchors resolve, every
// livekit-infra key it names exists, every lkinfra command and flag it shows
// is one the CLI has, every repository path and test it names exists, the
// per-cloud pages follow one template, and every component has a runnable
// example. It links no cloud SDK.
package docs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/cmd/lkinfra/cli"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

const root = "../.."

// doc is one markdown file, split into lines, with each line's place.
type doc struct {
	path  string // relative to the repository root
	lines []line
}

type line struct {
	n      int
	text   string
	code   bool   // inside a fenced block (fence lines included)
	fence  string // the block's info string, for code lines
	isOpen bool   // an opening or closing fence line
}

func readDocs(t *testing.T) []doc {
	t.Helper()
	paths := []string{"README.md", "DEVELOPERS.md"}
	more, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range more {
		rel, _ := filepath.Rel(root, m)
		paths = append(paths, rel)
	}
	var docs []doc
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		d := doc{path: p}
		in, info, marker := false, "", ""
		for i, text := range strings.Split(string(b), "\n") {
			trimmed := strings.TrimLeft(text, " ")
			l := line{n: i + 1, text: text, code: in, fence: info}
			switch {
			case !in && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
				in, marker, info = true, trimmed[:3], strings.TrimSpace(trimmed[3:])
				l.code, l.fence, l.isOpen = true, info, true
			case in && strings.HasPrefix(trimmed, marker) && strings.TrimSpace(trimmed[3:]) == "":
				in = false
				l.isOpen = true
			}
			d.lines = append(d.lines, l)
		}
		if in {
			t.Errorf("%s: a code block opened with %s%s is never closed", p, marker, info)
		}
		docs = append(docs, d)
	}
	return docs
}

// prose is the text of d outside fenced blocks, with inline code removed
// (kept when keepCode), line by line.
func (d doc) prose(keepCode bool) []line {
	var out []line
	for _, l := range d.lines {
		if l.code {
			continue
		}
		if !keepCode {
			l.text = inlineCode.ReplaceAllString(l.text, "``")
		}
		out = append(out, l)
	}
	return out
}

var inlineCode = regexp.MustCompile("`[^`]*`")

// slug is GitHub's anchor for a heading: lower case, punctuation dropped,
// spaces to hyphens.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r > 127:
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// anchors are the heading anchors of d, with GitHub's -1, -2 suffixes for
// repeated headings.
func (d doc) anchors() map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, l := range d.prose(true) {
		m := headingRe.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		s := slug(m[2])
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

var headingRe = regexp.MustCompile(`^(#{1,6}) +(.+?) *#*$`)

// A heading inside a code block is the mark of a page cut in the wrong
// place (the README split left "## Configuration" inside an error example).
func TestNoHeadingInsideCodeBlocks(t *testing.T) {
	for _, d := range readDocs(t) {
		for _, l := range d.lines {
			if l.code && !l.isOpen && regexp.MustCompile(`^#{2,6} [A-Z]`).MatchString(l.text) {
				t.Errorf("%s:%d: a heading inside a code block: %q", d.path, l.n, l.text)
			}
		}
	}
}

var linkRe = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// Every relative link resolves to a file, and every anchor to a heading.
func TestRelativeLinksResolve(t *testing.T) {
	docs := readDocs(t)
	byPath := map[string]doc{}
	for _, d := range docs {
		byPath[d.path] = d
	}
	links := 0
	for _, d := range docs {
		for _, l := range d.prose(false) {
			for _, m := range linkRe.FindAllStringSubmatch(l.text, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				links++
				file, anchor, _ := strings.Cut(target, "#")
				resolved := d.path
				if file != "" {
					resolved = filepath.Clean(filepath.Join(filepath.Dir(d.path), file))
					if _, err := os.Stat(filepath.Join(root, resolved)); err != nil {
						t.Errorf("%s:%d: link to %s: no such file %s", d.path, l.n, target, resolved)
						continue
					}
				}
				if anchor == "" {
					continue
				}
				td, ok := byPath[resolved]
				if !ok {
					t.Errorf("%s:%d: link to %s: an anchor into a file this test does not read", d.path, l.n, target)
					continue
				}
				if !td.anchors()[anchor] {
					t.Errorf("%s:%d: link to %s: %s has no heading #%s", d.path, l.n, target, resolved, anchor)
				}
			}
		}
	}
	if links < 50 {
		t.Fatalf("found only %d relative links: is the link pattern still right?", links)
	}
}

var keyRe = regexp.MustCompile(`livekit-infra:([A-Za-z][A-Za-z0-9]*)`)

// cloudKeyRe is a backticked word shaped like a config key of one cloud or
// kind (outputs and cost assumptions have other shapes).
var cloudKeyRe = regexp.MustCompile("`((?:aws|gcp|azure|global|alert|budget|centralMetrics|dockerHub)[A-Z][A-Za-z0-9]*)`")

// backticked is a backticked lowerCamel word, checked against the keys'
// spelling (capitalised words are types and components: `Egress`).
var backticked = regexp.MustCompile("`([a-z][A-Za-z0-9]*)`")

// Every livekit-infra key the docs name (livekit-infra:X, a backticked
// awsX/gcpX/azureX/... word, or a backticked word that is a key but for its
// case) is a key of internal/stackconfig, hence of Pulumi.yaml
// (TestPulumiYAML keeps those two in sync).
func TestConfigKeysExist(t *testing.T) {
	known := map[string]bool{"index": true} // livekit-infra:index:X is a type token
	folded := map[string]bool{}
	for _, k := range stackconfig.Keys {
		known[k.Name] = true
		folded[strings.ToLower(k.Name)] = true
	}
	checked := 0
	for _, d := range readDocs(t) {
		for _, l := range d.lines {
			var names []string
			for _, m := range keyRe.FindAllStringSubmatch(l.text, -1) {
				names = append(names, m[1])
			}
			if !l.code {
				for _, m := range cloudKeyRe.FindAllStringSubmatch(l.text, -1) {
					names = append(names, m[1])
				}
				for _, m := range backticked.FindAllStringSubmatch(l.text, -1) {
					if folded[strings.ToLower(m[1])] {
						names = append(names, m[1])
					}
				}
			}
			for _, name := range names {
				checked++
				if known[name] {
					continue
				}
				hint := ""
				if to, renamed := stackconfig.RenamedKeys[name]; renamed {
					hint = " (renamed to " + to + ")"
				}
				for k := range known {
					if strings.EqualFold(k, name) {
						hint = " (did you mean " + k + "?)"
					}
				}
				t.Errorf("%s:%d: %s is not a livekit-infra config key%s", d.path, l.n, name, hint)
			}
		}
	}
	if checked < 200 {
		t.Fatalf("checked only %d key mentions: are the patterns still right?", checked)
	}
}

// help is what `lkinfra <args> -h` prints; a command the CLI lacks fails.
func help(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := cli.Main(append(args, "-h"), &out, &errOut, nil); code != 0 {
		t.Fatalf("lkinfra %s -h: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String() + errOut.String()
}

// lkinfraRe is an lkinfra invocation in code: the binary (lkinfra,
// bin/lkinfra, ./cmd/lkinfra) and the rest of the command.
var lkinfraRe = regexp.MustCompile(`(?:^|[\s/(])lkinfra ([a-z][a-z-]*)((?: +[^\s` + "`" + `|#;&)]+)*)`)

var flagRe = regexp.MustCompile(`(?:^| )--?([a-z][a-z-]*)`)

// Every lkinfra command the docs show exists, with every flag shown; the
// stacks named after --stack/--stacks are committed stack files.
func TestLkinfraCommandsExist(t *testing.T) {
	top := help(t)
	helps := map[string]string{}
	flagsOf := func(sub string) string {
		if h, ok := helps[sub]; ok {
			return h
		}
		if !strings.Contains(top, "\n  "+sub+" ") && sub != "help" {
			return ""
		}
		h := help(t, sub)
		helps[sub] = h
		return h
	}
	stacks := committedStacks(t)
	shown := map[string]bool{}
	for _, d := range readDocs(t) {
		for _, l := range d.lines {
			var spans []string
			if l.code {
				spans = []string{l.text}
			} else {
				for _, m := range inlineCode.FindAllString(l.text, -1) {
					spans = append(spans, strings.Trim(m, "`"))
				}
			}
			for _, span := range spans {
				for _, m := range lkinfraRe.FindAllStringSubmatch(span, -1) {
					sub, rest := m[1], m[2]
					shown[sub] = true
					h := flagsOf(sub)
					if h == "" {
						t.Errorf("%s:%d: lkinfra %s: no such command (%q)", d.path, l.n, sub, strings.TrimSpace(m[0]))
						continue
					}
					fields := strings.Fields(rest)
					// No lkinfra command takes a positional argument: a stack
					// shown as one (`lkinfra cost <stack>`) fails with
					// "--stack is required".
					if len(fields) > 0 && (strings.HasPrefix(fields[0], "<") || stacks[fields[0]]) {
						t.Errorf("%s:%d: lkinfra %s %s: a stack is passed as --stack NAME (or --stacks a,b), never positionally", d.path, l.n, sub, fields[0])
					}
					for i, f := range fields {
						fm := flagRe.FindStringSubmatch(f)
						if fm == nil || !strings.HasPrefix(f, "-") {
							continue
						}
						name := strings.SplitN(fm[1], "=", 2)[0]
						if !strings.Contains(h, "  -"+name+" ") && !strings.Contains(h, "  -"+name+"\n") {
							t.Errorf("%s:%d: lkinfra %s has no flag --%s", d.path, l.n, sub, name)
						}
						if (name == "stack" || name == "stacks") && i+1 < len(fields) {
							for _, s := range strings.Split(fields[i+1], ",") {
								if regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(s) && !stacks[s] {
									t.Errorf("%s:%d: lkinfra %s --%s %s: no Pulumi.%s.yaml", d.path, l.n, sub, name, s, s)
								}
							}
						}
					}
				}
			}
		}
	}
	for _, sub := range []string{"plan", "cost", "preview", "up", "drift"} {
		if !shown[sub] {
			t.Errorf("no page shows lkinfra %s", sub)
		}
	}
}

func committedStacks(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stack files: %v", err)
	}
	out := map[string]bool{}
	for _, f := range files {
		out[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")] = true
	}
	return out
}

// The README names every committed stack (a user learns of it there), and
// `lkinfra up -h` names the default stack list docs/ci.md gives.
func TestReadmeNamesEveryStack(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for s := range committedStacks(t) {
		if !strings.Contains(string(readme), "`"+s+"`") {
			t.Errorf("README.md never names the committed stack `%s`", s)
		}
	}
	m := regexp.MustCompile(`\(default "([a-z,-]+)"\)`).FindStringSubmatch(help(t, "up"))
	if m == nil {
		t.Fatal("lkinfra up -h shows no default stack list")
	}
	ci, err := os.ReadFile(filepath.Join(root, "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "The default stack list is `"+m[1]+"`") {
		t.Errorf("docs/ci.md does not give lkinfra's default stack list `%s`", m[1])
	}
}

// The per-cloud pages follow one template: the same sections in the same
// order, a platform of their own (EKS, Container Instances) as one more
// section before the tests.
func TestPerCloudPagesFollowOneTemplate(t *testing.T) {
	template := []string{"What it deploys", "Prerequisites", "Deploying", "Configuration", "Outputs", "Operating", "Design notes", "Tests"}
	platforms := map[string]string{
		"docs/aws.md":   "EKS (`awsPlatform: eks`)",
		"docs/azure.md": "Container Instances (`azurePlatform: aci`)",
	}
	pages := map[string]bool{"docs/aws.md": true, "docs/gcp.md": true, "docs/azure.md": true, "docs/global.md": true}
	for _, d := range readDocs(t) {
		if !pages[d.path] {
			continue
		}
		delete(pages, d.path)
		var got []string
		for _, l := range d.prose(true) {
			if m := headingRe.FindStringSubmatch(l.text); m != nil && m[1] == "##" {
				got = append(got, m[2])
			}
		}
		want := slices.Clone(template)
		if p, ok := platforms[d.path]; ok {
			want = slices.Insert(want, len(want)-1, p)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: sections %q, want %q", d.path, got, want)
		}
	}
	for p := range pages {
		t.Errorf("%s is missing", p)
	}
}

var (
	typeTokenRe = regexp.MustCompile(`"livekit-infra:index:([A-Za-z]+)"`)
	exampleRe   = regexp.MustCompile(`(?m)^func (Example[A-Za-z_]*)\(\)`)
	exampleRow  = regexp.MustCompile("^\\| `([A-Za-z]+)` \\|(.*)\\|$")
)

// Every component (each livekit-infra:index type token the code declares)
// has a row in DEVELOPERS.md's examples table, and every example the row
// names exists: an Example function of components/example*_test.go or
// components/<cloud>/example*_test.go (`go test` runs it and checks its
// Output), or a committed stack file.
func TestEveryComponentHasAnExample(t *testing.T) {
	components := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(root, "components"), func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		for _, m := range typeTokenRe.FindAllStringSubmatch(string(b), -1) {
			components[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	examples := map[string]bool{} // "aws.ExampleNewNetwork"
	for pkg, dir := range map[string]string{"components": "components", "aws": "components/aws", "gcp": "components/gcp",
		"azure": "components/azure", "kubernetes": "components/kubernetes"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "example*_test.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no example*_test.go (%v)", dir, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range exampleRe.FindAllStringSubmatch(string(b), -1) {
				examples[pkg+"."+m[1]] = true
			}
		}
	}
	dev, err := os.ReadFile(filepath.Join(root, "DEVELOPERS.md"))
	if err != nil {
		t.Fatal(err)
	}
	stacks := committedStacks(t)
	rows := map[string]bool{}
	inSection := false
	for _, text := range strings.Split(string(dev), "\n") {
		if strings.HasPrefix(text, "## ") {
			inSection = text == "## Examples"
		}
		m := exampleRow.FindStringSubmatch(text)
		if !inSection || m == nil {
			continue
		}
		rows[m[1]] = true
		named := 0
		for _, ref := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[2], -1) {
			switch r := ref[1]; {
			case strings.Contains(r, ".Example"):
				named++
				if !examples[r] {
					t.Errorf("DEVELOPERS.md examples: %s names %s, which no example*_test.go of components/ has", m[1], r)
				}
			case strings.HasPrefix(r, "Pulumi.") && strings.HasSuffix(r, ".yaml"):
				named++
				if s := strings.TrimSuffix(strings.TrimPrefix(r, "Pulumi."), ".yaml"); !stacks[s] {
					t.Errorf("DEVELOPERS.md examples: %s names %s, which is not a committed stack", m[1], r)
				}
			}
		}
		if named == 0 {
			t.Errorf("DEVELOPERS.md examples: %s names no Example function and no stack file", m[1])
		}
	}
	var missing []string
	for c := range components {
		if !rows[c] {
			missing = append(missing, c)
		}
	}
	sort.Strings(missing)
	if len(components) < 10 {
		t.Fatalf("found only %d components: is the type token pattern still right?", len(components))
	}
	for _, c := range missing {
		t.Errorf("component %s has no row in DEVELOPERS.md's ## Examples table", c)
	}
	for r := range rows {
		if !components[r] {
			t.Errorf("DEVELOPERS.md's ## Examples table lists %s, which no component declares", r)
		}
	}
}

// codeSpans are the code of d: whole lines of fenced blocks, and inline
// code spans elsewhere.
func (d doc) codeSpans() []line {
	var out []line
	for _, l := range d.lines {
		if l.code {
			out = append(out, l)
			continue
		}
		for _, m := range inlineCode.FindAllString(l.text, -1) {
			out = append(out, line{n: l.n, text: strings.Trim(m, "`")})
		}
	}
	return out
}

var (
	repoPathRe = regexp.MustCompile(`^(?:components|internal|stacks|tests|cmd|scripts|docs|\.github|\.ci)(?:/[A-Za-z0-9_.-]+)*/?$`)
	goIdentRe  = regexp.MustCompile(`\.[A-Z][A-Za-z0-9]*(?:\.[A-Z][A-Za-z0-9]*)*$`)
	testNameRe = regexp.MustCompile(`^(?:Test|Example|Fuzz)[A-Z0-9_]\w*$`)
	runFlagRe  = regexp.MustCompile(`-(?:test\.)?run[ =]'?"?([A-Za-z0-9_|^$]+)`)
	goTestRe   = regexp.MustCompile(`go test ((?:\./[\w/.-]+ ?)+)`)
)

// Every repository path the docs show in code (`components/aws/network.go`,
// `stacks/regional.Observability`) exists, every package `go test` is shown
// on is a directory, and every test they name (`TestFailover`, -run X) is
// a test function of this repository.
func TestPathsAndTestsExist(t *testing.T) {
	tests := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		for _, m := range regexp.MustCompile(`(?m)^func ((?:Test|Example|Fuzz)\w*)\(`).FindAllStringSubmatch(string(b), -1) {
			tests[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hasTest := func(pattern string) bool {
		for name := range tests {
			if strings.Contains(name, pattern) {
				return true
			}
		}
		return false
	}
	paths, named := 0, 0
	for _, d := range readDocs(t) {
		for _, l := range d.codeSpans() {
			if !l.code && repoPathRe.MatchString(goIdentRe.ReplaceAllString(l.text, "")) {
				paths++
				p := strings.TrimSuffix(goIdentRe.ReplaceAllString(l.text, ""), "/")
				if _, err := os.Stat(filepath.Join(root, p)); err != nil {
					t.Errorf("%s:%d: `%s`: no such file or directory %s", d.path, l.n, l.text, p)
				}
			}
			if !l.code && testNameRe.MatchString(l.text) {
				named++
				if !tests[l.text] {
					t.Errorf("%s:%d: `%s`: no such test function", d.path, l.n, l.text)
				}
			}
			for _, m := range runFlagRe.FindAllStringSubmatch(l.text, -1) {
				for _, part := range strings.Split(m[1], "|") {
					// An all-caps part is a placeholder (-test.run=X).
					if part = strings.Trim(part, "^$"); part != "" && strings.ToUpper(part) != part && !hasTest(part) {
						t.Errorf("%s:%d: -run %s matches no test function", d.path, l.n, part)
					}
				}
			}
			for _, m := range goTestRe.FindAllStringSubmatch(l.text, -1) {
				for _, pkg := range strings.Fields(m[1]) {
					dir := strings.TrimSuffix(strings.TrimSuffix(pkg, "/..."), "/")
					if st, err := os.Stat(filepath.Join(root, dir)); err != nil || !st.IsDir() {
						t.Errorf("%s:%d: go test %s: no such package directory", d.path, l.n, pkg)
					}
				}
			}
		}
	}
	if paths < 50 || named < 10 {
		t.Fatalf("checked only %d paths and %d test names: are the patterns still right?", paths, named)
	}
}
