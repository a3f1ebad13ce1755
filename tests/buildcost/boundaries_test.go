// Package buildcost holds the package-boundary rules that keep builds cheap
// (docs/build-cost.md), checked with `go list`: one cloud's tests compile
// one cloud's SDK, cloud-neutral packages import none, each kind build tag
// selects only its SDKs, and nothing pulls in the Kubernetes SDK's helm/v3
// (whose yaml package imports every Kubernetes API group). It imports no SDK
// itself, so it builds in a second. The costs themselves are measured by
// scripts/bench.sh, not asserted here.
package buildcost

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// sdkModules maps an import path prefix to the short name used here.
var sdkModules = map[string]string{
	"github.com/pulumi/pulumi-aws/":              "aws",
	"github.com/pulumi/pulumi-gcp/":              "gcp",
	"github.com/pulumi/pulumi-azure-native-sdk/": "azure-native",
	"github.com/pulumi/pulumi-azure/":            "azure",
	"github.com/pulumi/pulumi-kubernetes/":       "kubernetes",
	"github.com/pulumi/pulumi-random/":           "random",
}

// goList runs `go list` in the module root.
func goList(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		t.Fatalf("go %s: %s", strings.Join(cmd.Args[1:], " "), msg)
	}
	return string(out)
}

// deps maps each of pkgs to the packages its build depends on (its test
// binary's, when test is set and it has tests), in one `go list` call.
func deps(t *testing.T, tags string, test bool, pkgs ...string) map[string][]string {
	t.Helper()
	args := []string{"-tags=" + tags, "-f", "{{.ImportPath}} {{join .Deps \" \"}}"}
	if test {
		args = append(args, "-test")
	}
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(goList(t, append(args, pkgs...)...)), "\n") {
		f := strings.Fields(line)
		name := strings.TrimSuffix(f[0], ".test")
		// A package with tests is listed plain, as its test variants and
		// as its test binary (pkg.test); the binary's deps are the largest.
		if _, seen := out[name]; !seen || strings.HasSuffix(f[0], ".test") {
			out[name] = f[1:]
		}
	}
	return out
}

// module is this module's path.
func module(t *testing.T) string { return strings.TrimSpace(goList(t, "-m")) }

// sdks is the sorted set of cloud SDK modules among packages.
func sdks(packages []string) []string {
	set := map[string]bool{}
	for _, p := range packages {
		for prefix, name := range sdkModules {
			if strings.HasPrefix(p, prefix) {
				set[name] = true
			}
		}
	}
	out := []string{}
	delete(set, "random") // pulumi-random is tiny and cloud-neutral
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// The Pulumi program (main.go) built for one kind compiles only that kind's
// SDKs; by default it has all of them. GCP and Azure use Route 53 (aws) for
// their regional records and Kubernetes for the LiveKit workload; the aws
// kind links Kubernetes for its EKS platform (components/aws/ekscluster),
// which the global kind, importing components/aws alone, does not.
func TestKindTagsSelectSDKs(t *testing.T) {
	cases := []struct {
		tags string
		want []string
	}{
		{"", []string{"aws", "azure", "azure-native", "gcp", "kubernetes"}},
		{"lkinfra_only,lkinfra_aws", []string{"aws", "kubernetes"}},
		{"lkinfra_only,lkinfra_gcp", []string{"aws", "gcp", "kubernetes"}},
		{"lkinfra_only,lkinfra_azure", []string{"aws", "azure", "azure-native", "kubernetes"}},
		{"lkinfra_only,lkinfra_global", []string{"aws"}},
		{"lkinfra_only,lkinfra_aws,lkinfra_global", []string{"aws", "kubernetes"}},
	}
	for _, c := range cases {
		if got := sdks(deps(t, c.tags, false, ".")[module(t)]); !reflect.DeepEqual(got, c.want) {
			t.Errorf("main.go with -tags=%q compiles SDKs %v, want %v", c.tags, got, c.want)
		}
	}
}

// Each cloud's tests (with their helpers) compile and link that cloud's SDK
// only, so an edit to one cloud relinks one cloud's test binary.
func TestOneCloudsTestsCompileOneCloudsSDK(t *testing.T) {
	cases := map[string][]string{
		"./tests/aws": {"aws", "kubernetes"},
		// It plans the aws region stacks, EKS's too.
		"./tests/global":    {"aws", "kubernetes"},
		"./tests/gcp":       {"aws", "gcp", "kubernetes"},
		"./tests/azure":     {"aws", "azure", "azure-native", "kubernetes"},
		"./tests/config":    {},
		"./tests/buildcost": {},
		"./stacks/kinds":    {},
		"./internal/deploy": {},
		// The CLI's own tests use stand-in programs; tests/e2e runs it on
		// the real one.
		"./cmd/lkinfra/cli": {},
		// The policy rules and the workflow checks read plans and YAML;
		// only the policy sweep (tests/policy) links every cloud.
		"./tests/policy/rules": {},
		"./tests/ci":           {},
		// promtool on the rendered alert rules: no cloud SDK.
		"./tests/observability": {},
		// The docs checks read markdown and the CLI's help.
		"./tests/docs": {},
	}
	pkgs := []string{}
	for p := range cases {
		pkgs = append(pkgs, p)
	}
	all := deps(t, "", true, pkgs...)
	mod := module(t)
	for pkg, want := range cases {
		ds := all[mod+strings.TrimPrefix(pkg, ".")]
		if got := sdks(ds); !reflect.DeepEqual(got, want) {
			t.Errorf("go test %s compiles SDKs %v, want %v", pkg, got, want)
		}
		// Nor the all-kinds stacks package, nor LiveKit's server packages
		// (their config parser links the SFU; only tests/config and
		// tests/e2e use it).
		for _, d := range ds {
			if d == mod+"/stacks" || (strings.HasPrefix(d, "github.com/livekit/livekit-server/") && pkg != "./tests/config") {
				t.Errorf("go test %s depends on %s", pkg, d)
			}
		}
	}
}

// The cloud-neutral contracts, the config model, the LiveKit renderer, the
// GeoDNS plan and the mock harness import no cloud SDK: every stack and every
// test depends on them.
func TestCloudNeutralPackagesImportNoSDK(t *testing.T) {
	pkgs := []string{
		"./components", "./components/livekit", "./components/routing", "./components/observability",
		"./internal/stackconfig", "./stacks/regional", "./stacks/kinds", "./internal/plan",
	}
	all := deps(t, "", false, pkgs...)
	for _, pkg := range pkgs {
		if got := sdks(all[module(t)+strings.TrimPrefix(pkg, ".")]); len(got) > 0 {
			t.Errorf("%s imports cloud SDKs %v", pkg, got)
		}
	}
}

func TestNoHelmV3(t *testing.T) {
	banned := []string{
		"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3",
		"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml",
	}
	for pkg, ds := range deps(t, "", true, "./...") {
		for _, p := range ds {
			if slices.Contains(banned, p) {
				t.Errorf("%s depends on %s, which imports every Kubernetes API group (~630 CPU-s cold); use helm/v4", pkg, p)
			}
		}
	}
}

// Naming a typed Kubernetes object (its ObjectMeta reaches pulumi.AnyOutput),
// pulumi.StackReference or pulumi.AnyOutput makes the compiler instantiate
// Pulumi's generic output type for every built-in type in that package:
// about 8,000 functions, 10 CPU-s, and on every edit of a package it
// depends on. So only two leaf packages, which import nothing else of this
// module, may do it; everything else goes through their plain-typed API.
var expensiveLeaves = map[string]string{
	"/components/kubernetes/objects": "typed Kubernetes objects",
	"/stacks/stackref":               "stack references",
}

func TestExpensiveTypesOnlyInLeafPackages(t *testing.T) {
	mod := module(t)
	out := goList(t, "-f", "{{.ImportPath}}|{{.Dir}}|{{join .GoFiles \" \"}}|{{join .Imports \" \"}}", "./...")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(line, "|", 4)
		pkg, dir, files, imports := f[0], f[1], strings.Fields(f[2]), strings.Fields(f[3])
		rel := strings.TrimPrefix(pkg, mod)
		if _, leaf := expensiveLeaves[rel]; leaf {
			for _, imp := range imports {
				if strings.HasPrefix(imp, mod+"/") || imp == mod {
					t.Errorf("%s imports %s: as a leaf it must not, or every edit there recompiles it", pkg, imp)
				}
			}
			continue
		}
		for _, imp := range imports {
			if kubernetesAPIGroup(imp) {
				t.Errorf("%s imports %s; declare typed Kubernetes objects through components/kubernetes/objects", pkg, imp)
			}
		}
		for _, name := range files {
			src, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range strings.Split(string(src), "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "//") {
					continue
				}
				for _, s := range []string{"pulumi.StackReference", "pulumi.NewStackReference", "pulumi.AnyOutput", "pulumi.Any("} {
					if strings.Contains(l, s) {
						t.Errorf("%s/%s:%d uses %s; read stacks through stacks/stackref, and prefer pulumi.ToOutput to pulumi.Any", rel, name, i+1, s)
					}
				}
			}
		}
	}
}

// kubernetesAPIGroup reports whether imp is one of the Kubernetes SDK's typed
// API packages (core/v1, meta/v1, apiextensions, ...), as opposed to the
// provider package and helm/v4, which are cheap to name.
func kubernetesAPIGroup(imp string) bool {
	const k = "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/"
	rest, ok := strings.CutPrefix(imp, k)
	return ok && rest != "helm/v4"
}

func TestKubernetesAPIGroupClassifier(t *testing.T) {
	for imp, want := range map[string]bool{
		"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes":               false,
		"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4":       false,
		"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1":       true,
		"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions": true,
		"github.com/pulumi/pulumi/sdk/v3/go/pulumi":                              false,
	} {
		if got := kubernetesAPIGroup(imp); got != want {
			t.Errorf("kubernetesAPIGroup(%s) = %v, want %v", imp, got, want)
		}
	}
}
