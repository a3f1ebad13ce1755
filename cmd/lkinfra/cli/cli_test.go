package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// project writes a tiny Pulumi project with a "dev" stack to a temp dir.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Pulumi.yaml":     "name: lk\nruntime: go\nconfig:\n  bucketName:\n    default: media-bucket\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  lk:token:\n    secure: v1:AAAA:BBBB\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// bucket is an S3 bucket declared by type token, so these tests do not link
// the AWS SDK (the plan mocks answer by type).
type bucket struct {
	pulumi.CustomResourceState
	BucketRegionalDomainName pulumi.StringOutput `pulumi:"bucketRegionalDomainName"`
}

// testProgram declares one bucket whose name comes from config and whose tag
// is a config secret.
func testProgram(ctx *pulumi.Context) (pulumi.Map, error) {
	c := config.New(ctx, "")
	var b bucket
	err := ctx.RegisterResource("aws:s3/bucketV2:BucketV2", "media", pulumi.Map{
		"bucket": pulumi.String(c.Require("bucketName")),
		"tags":   pulumi.StringMap{"token": c.RequireSecret("token")},
	}, &b)
	if err != nil {
		return nil, err
	}
	return pulumi.Map{"domain": b.BucketRegionalDomainName, "token": c.RequireSecret("token")}, nil
}

func runCLI(t *testing.T, program func(*pulumi.Context) (pulumi.Map, error), args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, env{stdout: &out, stderr: &errb, program: program})
	return code, out.String(), errb.String()
}

func TestPlanTree(t *testing.T) {
	dir := project(t)
	code, out, stderr := runCLI(t, testProgram, "plan", "--stack", "dev", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"pulumi:pulumi:Stack  lk-dev  (1 children)\n",
		"  aws:s3/bucketV2:BucketV2  media\n",
		"Resources: 1 total (1 aws:s3/bucketV2:BucketV2)\n",
		`  domain: "media-bucket.s3.eu-west-1.amazonaws.com"`,
		"  token: [secret]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if stderr != "" {
		t.Errorf("unexpected stderr: %s", stderr)
	}
}

func TestPlanJSON(t *testing.T) {
	dir := project(t)
	code, out, stderr := runCLI(t, testProgram, "plan", "-stack=dev", "-json", "-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var doc struct {
		Project, Stack string
		Resources      []struct {
			Type   string
			Inputs map[string]any
		}
		Outputs map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	if doc.Project != "lk" || doc.Stack != "dev" || len(doc.Resources) != 1 {
		t.Fatalf("doc = %+v", doc)
	}
	tags, _ := doc.Resources[0].Inputs["tags"].(map[string]any)
	if doc.Resources[0].Inputs["bucket"] != "media-bucket" || tags["token"] != "[secret]" {
		t.Errorf("inputs = %v", doc.Resources[0].Inputs)
	}
	if doc.Outputs["token"] != "[secret]" {
		t.Errorf("outputs = %v", doc.Outputs)
	}
}

func TestPlanProgramError(t *testing.T) {
	dir := project(t)
	msg := "invalid configuration:\n  lk:a: must be set\n  lk:b: must be a number"
	code, out, stderr := runCLI(t, func(*pulumi.Context) (pulumi.Map, error) { return nil, errors.New(msg) },
		"plan", "--stack", "dev", "--dir", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, msg) {
		t.Errorf("stderr lacks the verbatim error:\n%s", stderr)
	}
	if out != "" {
		t.Errorf("stdout not empty on error: %s", out)
	}
}

func TestPlanMissingStack(t *testing.T) {
	dir := project(t)
	code, _, stderr := runCLI(t, testProgram, "plan", "--stack", "prod", "--dir", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, filepath.Join(dir, "Pulumi.prod.yaml")) || !strings.Contains(stderr, "dev") {
		t.Errorf("stderr = %s", stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := project(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage: lkinfra"},
		{"unknown command", []string{"deploy"}, `unknown command "deploy"`},
		{"missing stack", []string{"plan", "--dir", dir}, "--stack is required"},
		{"extra args", []string{"plan", "--stack", "dev", "extra"}, "unexpected arguments"},
		{"bad flag", []string{"plan", "--nope"}, "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, testProgram, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
			if out != "" {
				t.Errorf("stdout not empty: %s", out)
			}
		})
	}
	if !strings.Contains(func() string { _, _, e := runCLI(t, testProgram, "nope"); return e }(), "plan ") {
		t.Errorf("usage does not list the plan command")
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := runCLI(t, testProgram, "help")
	if code != 0 || !strings.Contains(out, "plan") {
		t.Errorf("help: exit %d, out %q", code, out)
	}
	code, _, stderr := runCLI(t, testProgram, "plan", "-h")
	if code != 0 || !strings.Contains(stderr, "--stack NAME") {
		t.Errorf("plan -h: exit %d, stderr %q", code, stderr)
	}
}
