package kinds_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/kinds"
)

func projectDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestProgramDispatchesByKind(t *testing.T) {
	var got []string
	set := kinds.Set{}
	for _, k := range []stackconfig.Kind{stackconfig.KindAWS, stackconfig.KindGCP} {
		set[k] = func(ctx *pulumi.Context, s *stackconfig.Stack) (pulumi.Map, error) {
			got = append(got, string(k)+":"+s.Name)
			return pulumi.Map{"kind": pulumi.String(string(k))}, nil
		}
	}
	for _, stack := range []string{"aws-prod", "gcp-eu"} {
		sc, err := plan.LoadStackConfig(projectDir(t), stack)
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.Evaluate(sc, set.Program)
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		if want := strings.SplitN(stack, "-", 2)[0]; p.Outputs["kind"] != want {
			t.Errorf("%s: ran kind %v, want %s", stack, p.Outputs["kind"], want)
		}
	}
	if want := []string{"aws:aws-prod", "gcp:gcp-eu"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
}

// A binary built with -tags=lkinfra_only,lkinfra_aws must refuse a gcp stack with an
// error that says how to get a binary that can deploy it.
func TestKindNotCompiledIn(t *testing.T) {
	set := kinds.Set{stackconfig.KindAWS: func(*pulumi.Context, *stackconfig.Stack) (pulumi.Map, error) {
		t.Error("aws func called for a gcp stack")
		return nil, nil
	}}
	sc, err := plan.LoadStackConfig(projectDir(t), "gcp-eu")
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Evaluate(sc, set.Program)
	if err == nil {
		t.Fatal("gcp stack on an aws-only build: no error")
	}
	for _, want := range []string{`stack "gcp-eu"`, `kind "gcp"`, "includes only aws", "lkinfra_gcp"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// Invalid config fails before any kind runs, with the settings error.
func TestProgramValidatesFirst(t *testing.T) {
	set := kinds.Set{stackconfig.KindAWS: func(*pulumi.Context, *stackconfig.Stack) (pulumi.Map, error) {
		t.Error("kind func called despite invalid config")
		return nil, nil
	}}
	sc, err := plan.LoadStackConfig(projectDir(t), "aws-prod")
	if err != nil {
		t.Fatal(err)
	}
	sc.Config["livekit-infra:kind"] = "aws-typo"
	if _, err := plan.Evaluate(sc, set.Program); err == nil || !strings.Contains(err.Error(), "aws-typo") {
		t.Errorf("error = %v, want one naming the bad kind", err)
	}
	if got := (kinds.Set{stackconfig.KindGlobal: nil, stackconfig.KindAWS: nil}).Names(); !reflect.DeepEqual(got, []string{"aws", "global"}) {
		t.Errorf("Names() = %v", got)
	}
}
