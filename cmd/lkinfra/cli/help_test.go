package cli

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestHelpNamesEveryFlag: `lkinfra <command> -h` names every flag the
// command accepts in any of its modes. A flag can switch a command into a
// mode with flags of its own (as --diff once did for plan, whose plain -h
// then hid --diff and its flags), so each command is probed with -h after
// every candidate flag: the flags of every command's flag sets and every
// "-name"/"--name" literal in this package's source (how a command that
// scans its arguments before parsing names a flag). The flags of every
// flag set a probe makes are what the command accepts.
func TestHelpNamesEveryFlag(t *testing.T) {
	if len(commands) < 5 {
		t.Fatalf("only %d commands registered", len(commands))
	}
	probe := func(name string, args ...string) (help string, sets []*flag.FlagSet) {
		var out, errb bytes.Buffer
		run(append([]string{name}, args...), env{stdout: &out, stderr: &errb, program: testProgram, flagSets: &sets})
		return out.String() + errb.String(), sets
	}
	candidates := flagLiterals(t)
	for name := range commands {
		_, sets := probe(name, "-h")
		for _, fs := range sets {
			fs.VisitAll(func(f *flag.Flag) { candidates[f.Name] = true })
		}
	}
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			help, sets := probe(name, "-h")
			if len(sets) == 0 {
				t.Fatalf("lkinfra %s -h made no flag set", name)
			}
			accepted := map[string]bool{}
			for c := range candidates {
				for _, arg := range []string{"-" + c, "-" + c + "=x"} {
					_, more := probe(name, arg, "-h")
					sets = append(sets, more...)
				}
			}
			for _, fs := range sets {
				fs.VisitAll(func(f *flag.Flag) { accepted[f.Name] = true })
			}
			var missing []string
			for f := range accepted {
				if !strings.Contains(help, "  -"+f+" ") && !strings.Contains(help, "  -"+f+"\n") {
					missing = append(missing, "--"+f)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("lkinfra %s -h does not name %s, which it accepts:\n%s", name, strings.Join(missing, ", "), help)
			}
		})
	}
}

// flagLiterals are the "-name"/"--name" string literals of this package's
// non-test source.
func flagLiterals(t *testing.T) map[string]bool {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^--?([a-z][a-z-]*)$`)
	out := map[string]bool{}
	for _, p := range pkgs {
		for path, f := range p.Files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						if m := re.FindStringSubmatch(s); m != nil {
							out[m[1]] = true
						}
					}
				}
				return true
			})
		}
	}
	if !out["help"] {
		t.Fatalf("no flag literal found (want at least \"--help\" of cli.go): %v", out)
	}
	return out
}
