package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/stackref"
)

// fakeRegions plans aws stacks (outputs derived from config) and fails for
// every other kind, as a stack whose program fails does.
func fakeRegions(ctx *pulumi.Context) (pulumi.Map, error) {
	s, err := stackconfig.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if s.Kind != stackconfig.KindAWS {
		return nil, errors.New("kind " + string(s.Kind) + " failed in this test's program")
	}
	h := s.Region.Hostname
	return pulumi.Map{
		"hostname": pulumi.String(h), "url": pulumi.String("wss://" + h), "healthUrl": pulumi.String("https://" + h + "/"),
		"globalHostname": pulumi.String(s.GlobalHostname), "cloud": pulumi.String("aws"), "region": pulumi.String(s.AWS.Region),
		"apiKeySecretArn": pulumi.ToSecret(pulumi.String("arn:aws:secretsmanager:us-west-2:123456789012:secret:k")),
	}, nil
}

// readRegions stands in for the global program (stacks/global, which links
// the AWS SDK; tests/e2e plans the real one through the CLI): it reads each
// configured region's url through a StackReference, as that program does.
func readRegions(ctx *pulumi.Context) (pulumi.Map, error) {
	s, err := stackconfig.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	urls := pulumi.Map{}
	for _, r := range s.Global.Regions {
		ref, err := stackref.New(ctx, r.Stack)
		if err != nil {
			return nil, err
		}
		parts := strings.Split(r.Stack, "/")
		urls[parts[len(parts)-1]] = ref.Output("url")
	}
	return pulumi.Map{"regionUrls": urls}, nil
}

func TestStackReferencesOfGlobal(t *testing.T) {
	sc, err := plan.LoadStackConfig("../../..", "global")
	if err != nil {
		t.Fatal(err)
	}
	opts, notes := stackReferences("../../..", sc, fakeRegions)
	if len(opts) != 3 || len(notes) != 3 {
		t.Fatalf("%d options, notes %q; want one per region", len(opts), notes)
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{
		"organization/livekit-infra/aws-prod: answered with the outputs of a plan of stack aws-prod",
		"organization/livekit-infra/gcp-eu: stack gcp-eu cannot be planned (kind gcp failed in this test's program); answered with outputs synthesized from Pulumi.gcp-eu.yaml",
		"organization/livekit-infra/azure-asia: stack azure-asia cannot be planned",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}
	p, err := plan.Evaluate(sc, readRegions, opts...)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"aws-prod": "wss://aws-prod.example.com", "gcp-eu": "wss://gcp-eu.example.com", "azure-asia": "wss://azure-asia.example.com"}
	got, _ := p.Outputs["regionUrls"].(map[string]any)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("regionUrls[%s] = %v, want %v", k, got[k], v)
		}
	}
}

func TestStackReferencesOnlyForGlobal(t *testing.T) {
	sc, err := plan.LoadStackConfig("../../..", "aws-prod")
	if err != nil {
		t.Fatal(err)
	}
	if opts, notes := stackReferences("../../..", sc, fakeRegions); len(opts) != 0 || len(notes) != 0 {
		t.Fatalf("a regional stack got stack references: %v", notes)
	}
}
