package plan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const projectYAML = `name: livekit-infra
runtime: go
description: test project
config:
  kind:
    type: string
    default: aws
  livekit-infra:tier: small
  livekit-infra:replicas:
    type: integer
    default: 1
  aws:profile:
    value: plan-profile
  livekit-infra:declaredOnly:
    type: string
`

const devYAML = `config:
  aws:region: eu-central-1
  livekit-infra:replicas: 3
  livekit-infra:enabled: true
  livekit-infra:ratio: 1.5
  livekit-infra:domain: rtc.example.com
  livekit-infra:adminToken:
    secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
  livekit-infra:redis:
    nodes: 2
    auth:
      secure: v1:CCCCCCCCCCCCCCCC:DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD
  livekit-infra:zones:
    - a
    - b
  livekit-infra:plain:
    nested:
      list: [1, "two", false]
`

func writeProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(projectYAML), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(devYAML), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "Pulumi.prod.yaml"), []byte("config: {}\n"), 0o644))
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func loadDev(t *testing.T) *plan.StackConfig {
	t.Helper()
	sc, err := plan.LoadStackConfig(writeProject(t), "dev")
	if err != nil {
		t.Fatalf("LoadStackConfig: %v", err)
	}
	return sc
}

func TestLoadStackConfig(t *testing.T) {
	sc := loadDev(t)
	if sc.Project != "livekit-infra" || sc.Stack != "dev" {
		t.Fatalf("project/stack = %q/%q", sc.Project, sc.Stack)
	}
	want := map[string]string{
		"aws:region":               "eu-central-1",
		"aws:profile":              "plan-profile", // Pulumi.yaml value for a provider key
		"livekit-infra:kind":       "aws",          // Pulumi.yaml default, un-namespaced key
		"livekit-infra:tier":       "small",        // Pulumi.yaml short-hand
		"livekit-infra:replicas":   "3",            // stack file wins over default
		"livekit-infra:enabled":    "true",
		"livekit-infra:ratio":      "1.5",
		"livekit-infra:domain":     "rtc.example.com",
		"livekit-infra:adminToken": plan.SecretPlaceholder,
		"livekit-infra:redis":      `{"auth":"[secret]","nodes":2}`,
		"livekit-infra:zones":      `["a","b"]`,
		"livekit-infra:plain":      `{"nested":{"list":[1,"two",false]}}`,
	}
	if !reflect.DeepEqual(sc.Config, want) {
		t.Errorf("Config mismatch\n got: %#v\nwant: %#v", sc.Config, want)
	}
	if _, ok := sc.Config["livekit-infra:declaredOnly"]; ok {
		t.Errorf("a declaration without default must not set a value")
	}
	wantSecret := []string{"livekit-infra:adminToken", "livekit-infra:redis"}
	if !reflect.DeepEqual(sc.SecretKeys, wantSecret) {
		t.Errorf("SecretKeys = %v, want %v", sc.SecretKeys, wantSecret)
	}
	if !sc.IsSecret("livekit-infra:redis") || sc.IsSecret("livekit-infra:domain") {
		t.Errorf("IsSecret wrong")
	}
	for k, v := range sc.Config {
		if strings.Contains(v, "v1:") {
			t.Errorf("ciphertext leaked into %s: %s", k, v)
		}
	}
}

func TestLoadStackConfigErrors(t *testing.T) {
	dir := writeProject(t)
	_, err := plan.LoadStackConfig(dir, "staging")
	if err == nil {
		t.Fatal("expected error for missing stack file")
	}
	msg := err.Error()
	for _, want := range []string{filepath.Join(dir, "Pulumi.staging.yaml"), "dev, prod", `"staging"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}

	empty := t.TempDir()
	_, err = plan.LoadStackConfig(empty, "dev")
	if err == nil || !strings.Contains(err.Error(), "Pulumi.yaml") {
		t.Errorf("missing Pulumi.yaml: err = %v", err)
	}

	must(t, os.WriteFile(filepath.Join(empty, "Pulumi.yaml"), []byte("name: p\n"), 0o644))
	_, err = plan.LoadStackConfig(empty, "dev")
	if err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("no stacks at all: err = %v", err)
	}

	must(t, os.WriteFile(filepath.Join(empty, "Pulumi.dev.yaml"), []byte("config:\n  a:b:c:d: 1\n"), 0o644))
	_, err = plan.LoadStackConfig(empty, "dev")
	if err == nil || !strings.Contains(err.Error(), "a:b:c:d") {
		t.Errorf("bad key: err = %v", err)
	}

	// Fully-qualified stack names use their last segment.
	sc, err := plan.LoadStackConfig(dir, "acme/livekit-infra/dev")
	if err != nil || sc.Stack != "dev" {
		t.Errorf("qualified stack: %v %v", sc, err)
	}
}

// testComponent is the component the test program parents its resources to.
type testComponent struct {
	pulumi.ResourceState
}

const testType = "livekit-infra:index:Test"

// testProgram is a small self-contained program exercising components,
// options, secrets (from config, from a resource, nested in inputs) and
// outputs.
func testProgram(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg := config.New(ctx, "")
	kind := cfg.Require("kind")
	adminToken := cfg.RequireSecret("adminToken")
	domain := cfg.Require("domain")

	comp := &testComponent{}
	if err := ctx.RegisterComponentResource(testType, "test", comp); err != nil {
		return nil, err
	}
	pw, err := random.NewRandomPassword(ctx, "redis-auth", &random.RandomPasswordArgs{
		Length:  pulumi.Int(24),
		Special: pulumi.Bool(false),
	}, pulumi.Parent(comp))
	if err != nil {
		return nil, err
	}
	bucket, err := s3.NewBucketV2(ctx, "media", &s3.BucketV2Args{
		Tags: pulumi.StringMap{
			"kind":     pulumi.String(kind),
			"token":    adminToken,
			"password": pw.Result,
		},
	}, pulumi.Parent(comp), pulumi.Protect(true), pulumi.IgnoreChanges([]string{"tags"}))
	if err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{"bucket": bucket.Bucket}); err != nil {
		return nil, err
	}

	// Top-level resources exercising the mocks.
	azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{})
	if err != nil {
		return nil, err
	}
	useast1, err := aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
	if err != nil {
		return nil, err
	}
	cert, err := acm.NewCertificate(ctx, "cdn-cert", &acm.CertificateArgs{
		DomainName:              pulumi.String(domain),
		SubjectAlternativeNames: pulumi.StringArray{pulumi.String("*." + domain)},
		ValidationMethod:        pulumi.String("DNS"),
	}, pulumi.Provider(useast1))
	if err != nil {
		return nil, err
	}
	alb, err := lb.NewLoadBalancer(ctx, "signal", &lb.LoadBalancerArgs{
		LoadBalancerType: pulumi.String("application"),
	})
	if err != nil {
		return nil, err
	}
	ref, err := pulumi.NewStackReference(ctx, "acme/livekit-infra/global", nil)
	if err != nil {
		return nil, err
	}

	return pulumi.Map{
		"kind":       pulumi.String(kind),
		"bucketName": bucket.Bucket,
		"bucketArn":  bucket.Arn,
		"password":   pw.Result,
		"nested": pulumi.Map{
			"count": pulumi.Int(2),
			"list":  pulumi.StringArray{pulumi.String("a"), pulumi.String("b")},
		},
		"azs":          pulumi.ToStringArray(azs.Names),
		"certArn":      cert.Arn,
		"dvoCount":     cert.DomainValidationOptions.ApplyT(func(d []acm.CertificateDomainValidationOption) int { return len(d) }),
		"albDns":       alb.DnsName,
		"globalZoneId": ref.GetStringOutput(pulumi.String("zoneId")),
		"globalSecret": ref.GetOutput(pulumi.String("apiSecret")),
	}, nil
}

func evaluate(t *testing.T) *plan.Plan {
	t.Helper()
	p, err := plan.Evaluate(loadDev(t), testProgram,
		plan.WithStackReference("acme/livekit-infra/global", map[string]any{
			"zoneId":    "ZGLOBAL123",
			"apiSecret": resource.MakeSecret(resource.NewProperty("global-s3cr3t")),
		}))
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return p
}

func TestEvaluateResources(t *testing.T) {
	p := evaluate(t)

	comp, ok := p.Find(testType, "test")
	if !ok {
		t.Fatalf("component not recorded; resources: %v", types(p))
	}
	if comp.Custom {
		t.Errorf("component recorded as custom")
	}
	if comp.Parent != p.StackURN {
		t.Errorf("component parent = %q, want stack %q", comp.Parent, p.StackURN)
	}
	wantStack := "urn:pulumi:dev::livekit-infra::pulumi:pulumi:Stack::livekit-infra-dev"
	if p.StackURN != wantStack {
		t.Errorf("StackURN = %q", p.StackURN)
	}

	bucket, ok := p.Find("aws:s3/bucketV2:BucketV2", "media")
	if !ok {
		t.Fatal("bucket not recorded")
	}
	if bucket.Parent != comp.URN {
		t.Errorf("bucket parent = %q, want %q", bucket.Parent, comp.URN)
	}
	if want := "urn:pulumi:dev::livekit-infra::livekit-infra:index:Test$aws:s3/bucketV2:BucketV2::media"; bucket.URN != want {
		t.Errorf("bucket URN = %q, want %q", bucket.URN, want)
	}
	if !bucket.Custom || !bucket.Protect {
		t.Errorf("bucket custom=%v protect=%v, want both true", bucket.Custom, bucket.Protect)
	}
	if !reflect.DeepEqual(bucket.IgnoreChanges, []string{"tags"}) {
		t.Errorf("ignoreChanges = %v", bucket.IgnoreChanges)
	}
	pw, ok := p.Find("random:index/randomPassword:RandomPassword", "redis-auth")
	if !ok {
		t.Fatal("password not recorded")
	}
	if pw.Parent != comp.URN || pw.Protect {
		t.Errorf("password parent=%q protect=%v", pw.Parent, pw.Protect)
	}
	if v, _ := pw.Input("length"); v != 24 {
		t.Errorf("length input = %#v, want 24", v)
	}
	if !slices.Contains(bucket.Dependencies, pw.URN) {
		t.Errorf("bucket dependencies %v do not include the password", bucket.Dependencies)
	}

	children := p.Children(comp.URN)
	if len(children) != 2 {
		t.Errorf("component has %d children, want 2: %v", len(children), children)
	}
	if got := len(p.ByType("aws:s3/bucketV2:BucketV2")); got != 1 {
		t.Errorf("ByType bucket = %d", got)
	}
	// Top level: component, provider, cert, alb, stack reference.
	if got := len(p.Children(p.StackURN)); got != 5 {
		t.Errorf("top-level resources = %d, want 5: %v", got, types(p))
	}
	if len(p.Resources) != 7 {
		t.Errorf("%d resources, want 7: %v", len(p.Resources), types(p))
	}
	for i := 1; i < len(p.Resources); i++ {
		if p.Resources[i-1].URN >= p.Resources[i].URN {
			t.Errorf("resources not sorted by URN at %d", i)
		}
	}
	ref, ok := p.Find("pulumi:pulumi:StackReference", "acme/livekit-infra/global")
	if !ok || !ref.Read {
		t.Errorf("stack reference not recorded as a read: %+v", ref)
	}
}

func TestSecretsMasked(t *testing.T) {
	p := evaluate(t)
	bucket, _ := p.Find("aws:s3/bucketV2:BucketV2", "media")
	pw, _ := p.Find("random:index/randomPassword:RandomPassword", "redis-auth")

	// Nested secrets in inputs: masked at depth, plain siblings untouched.
	if got := bucket.InputString("tags.kind"); got != "aws" {
		t.Errorf("tags.kind = %q, want aws", got)
	}
	for _, path := range []string{"tags.password", "tags.token"} {
		if got := bucket.InputString(path); got != plan.SecretPlaceholder {
			t.Errorf("%s = %q, want masked", path, got)
		}
		if !bucket.IsSecret(path) {
			t.Errorf("%s not reported secret", path)
		}
	}
	if bucket.IsSecret("tags.kind") || bucket.IsSecret("tags") {
		t.Errorf("tags.kind/tags wrongly reported secret")
	}
	if want := []string{"tags.password", "tags.token"}; !reflect.DeepEqual(bucket.SecretPaths, want) {
		t.Errorf("SecretPaths = %v, want %v", bucket.SecretPaths, want)
	}

	// Raw view holds the real password: deterministic, requested length.
	raw, ok := bucket.RawInput("tags.password")
	password, _ := raw.(string)
	if !ok || len(password) != 24 {
		t.Fatalf("raw password = %#v", raw)
	}
	// The config secret is unreadable offline: its raw value is the placeholder.
	if tok, _ := bucket.RawInput("tags.token"); tok != plan.SecretPlaceholder {
		t.Errorf("raw token = %#v, want the config placeholder", tok)
	}

	// Outputs: secret ones masked, others resolved.
	if p.Outputs["password"] != plan.SecretPlaceholder || !p.OutputIsSecret("password") {
		t.Errorf("password output = %#v secret=%v", p.Outputs["password"], p.OutputIsSecret("password"))
	}
	if p.RawOutputs["password"] != password {
		t.Errorf("raw password output %#v != input %q", p.RawOutputs["password"], password)
	}
	if p.OutputIsSecret("bucketName") {
		t.Errorf("bucketName wrongly secret")
	}
	if p.Outputs["globalSecret"] != plan.SecretPlaceholder || p.RawOutputs["globalSecret"] != "global-s3cr3t" {
		t.Errorf("secret stack-reference output = %#v / raw %#v", p.Outputs["globalSecret"], p.RawOutputs["globalSecret"])
	}
	if !reflect.DeepEqual(p.SecretOutputs, []string{"globalSecret", "password"}) {
		t.Errorf("SecretOutputs = %v", p.SecretOutputs)
	}

	// The password must not appear anywhere in the serialised plan or tree.
	js, err := p.JSON()
	must(t, err)
	var tree bytes.Buffer
	p.WriteTree(&tree)
	for name, doc := range map[string]string{"json": string(js), "tree": tree.String()} {
		if strings.Contains(doc, password) {
			t.Errorf("password leaked into %s", name)
		}
	}
	// Random password result is a secret output of its resource too: the
	// mock wraps it, and the resource is asked to keep it secret.
	if !slices.Contains(pw.AdditionalSecretOutputs, "result") {
		t.Errorf("additionalSecretOutputs = %v", pw.AdditionalSecretOutputs)
	}
}

func TestOutputsAndMocks(t *testing.T) {
	p := evaluate(t)
	want := map[string]any{
		"kind":         "aws",
		"azs":          []any{"eu-central-1a", "eu-central-1b", "eu-central-1c"},
		"dvoCount":     2,
		"globalZoneId": "ZGLOBAL123",
		"nested":       map[string]any{"count": 2, "list": []any{"a", "b"}},
	}
	for k, v := range want {
		if !reflect.DeepEqual(p.Outputs[k], v) {
			t.Errorf("output %s = %#v, want %#v", k, p.Outputs[k], v)
		}
	}
	name, _ := p.Outputs["bucketName"].(string)
	if !strings.HasPrefix(name, "media-") {
		t.Errorf("bucketName = %q", name)
	}
	if p.Outputs["bucketArn"] != "arn:aws:s3:::"+name {
		t.Errorf("bucketArn = %#v", p.Outputs["bucketArn"])
	}
	// The certificate uses an explicit us-east-1 provider.
	if arn, _ := p.Outputs["certArn"].(string); !strings.HasPrefix(arn, "arn:aws:acm:us-east-1:123456789012:certificate/") {
		t.Errorf("certArn = %q", arn)
	}
	if dns, _ := p.Outputs["albDns"].(string); !strings.HasSuffix(dns, ".eu-central-1.elb.amazonaws.com") || !strings.HasPrefix(dns, "signal-") {
		t.Errorf("albDns = %q", dns)
	}
	if !slices.Contains(p.Invokes, "aws:index/getAvailabilityZones:getAvailabilityZones") {
		t.Errorf("invokes = %v", p.Invokes)
	}
}

func TestJSONStable(t *testing.T) {
	a, err := evaluate(t).JSON()
	must(t, err)
	b, err := evaluate(t).JSON()
	must(t, err)
	if !bytes.Equal(a, b) {
		t.Fatalf("JSON differs between runs:\n%s\n---\n%s", a, b)
	}
	if !bytes.HasSuffix(a, []byte("}\n")) {
		t.Errorf("JSON has no trailing newline")
	}
	var doc map[string]json.RawMessage
	must(t, json.Unmarshal(a, &doc))
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	if len(keys) != 4 || doc["project"] == nil || doc["stack"] == nil || doc["resources"] == nil || doc["outputs"] == nil {
		t.Errorf("top-level keys = %v", keys)
	}
	var parsed struct {
		Resources []struct {
			URN, Type, Name, Parent string
			Inputs                  map[string]any
		}
		Outputs map[string]any
	}
	must(t, json.Unmarshal(a, &parsed))
	found := false
	for _, r := range parsed.Resources {
		if r.Name == "media" {
			found = true
			tags, _ := r.Inputs["tags"].(map[string]any)
			if tags["password"] != plan.SecretPlaceholder || tags["kind"] != "aws" {
				t.Errorf("JSON bucket tags = %v", tags)
			}
		}
	}
	if !found {
		t.Errorf("bucket missing from JSON")
	}
	if parsed.Outputs["password"] != plan.SecretPlaceholder {
		t.Errorf("JSON password output = %v", parsed.Outputs["password"])
	}
}

func TestWriteTree(t *testing.T) {
	p := evaluate(t)
	var buf bytes.Buffer
	p.WriteTree(&buf)
	out := buf.String()
	for _, want := range []string{
		"pulumi:pulumi:Stack  livekit-infra-dev  (5 children)\n",
		"\n  livekit-infra:index:Test  test  (2 children)\n",
		"\n    aws:s3/bucketV2:BucketV2  media  (protect)\n",
		"\n    random:index/randomPassword:RandomPassword  redis-auth\n",
		"\nResources: 7 total (",
		"1 aws:s3/bucketV2:BucketV2",
		"  password: [secret]\n",
		"  kind: \"aws\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}
}

func TestProgramErrorVerbatim(t *testing.T) {
	sentinel := errors.New("invalid configuration:\n  livekit-infra:a: must be set\n  livekit-infra:b: must be a number")
	_, err := plan.Evaluate(loadDev(t), func(ctx *pulumi.Context) (pulumi.Map, error) {
		return nil, sentinel
	})
	if err != sentinel {
		t.Fatalf("err = %#v, want the program's error verbatim", err)
	}

	// A panic (e.g. config.Require on a missing key) becomes an error.
	_, err = plan.Evaluate(loadDev(t), func(ctx *pulumi.Context) (pulumi.Map, error) {
		config.New(ctx, "").Require("nope")
		return pulumi.Map{}, nil
	})
	if err == nil || !strings.Contains(err.Error(), "livekit-infra:nope") {
		t.Fatalf("panic err = %v", err)
	}
}

func TestConfigVisibleToProgram(t *testing.T) {
	var got struct {
		replicas int
		redis    map[string]any
		secret   bool
	}
	_, err := plan.Evaluate(loadDev(t), func(ctx *pulumi.Context) (pulumi.Map, error) {
		c := config.New(ctx, "")
		got.replicas = c.RequireInt("replicas")
		if err := c.TryObject("redis", &got.redis); err != nil {
			return nil, err
		}
		got.secret = ctx.IsConfigSecret("livekit-infra:redis")
		return pulumi.Map{}, nil
	})
	must(t, err)
	if got.replicas != 3 {
		t.Errorf("replicas = %d", got.replicas)
	}
	if got.redis["auth"] != plan.SecretPlaceholder || got.redis["nodes"] != float64(2) {
		t.Errorf("redis = %#v", got.redis)
	}
	if !got.secret {
		t.Errorf("redis not secret to the program")
	}
}

func TestProviderDefaultRegion(t *testing.T) {
	sc := &plan.StackConfig{Project: "p", Stack: "s", Config: map[string]string{}}
	p, err := plan.Evaluate(sc, func(ctx *pulumi.Context) (pulumi.Map, error) {
		b, err := s3.NewBucketV2(ctx, "b", &s3.BucketV2Args{Bucket: pulumi.String("fixed")})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"domain": b.BucketRegionalDomainName, "id": b.ID()}, nil
	})
	must(t, err)
	if p.Outputs["domain"] != "fixed.s3.us-west-2.amazonaws.com" || p.Outputs["id"] != "fixed" {
		t.Errorf("outputs = %v", p.Outputs)
	}
}

func types(p *plan.Plan) []string {
	var out []string
	for _, r := range p.Resources {
		out = append(out, r.Type+"::"+r.Name)
	}
	return out
}

func TestDryRunAndExtensions(t *testing.T) {
	sc := &plan.StackConfig{Project: "p", Stack: "s", Config: map[string]string{"aws:region": "ap-southeast-2"}}
	prog := func(ctx *pulumi.Context) (pulumi.Map, error) {
		b, err := s3.NewBucketV2(ctx, "b", &s3.BucketV2Args{})
		if err != nil {
			return nil, err
		}
		region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{
			"zone":   b.HostedZoneId, // not synthesized by the mocks
			"region": pulumi.String(region.Name),
			"bucket": b.Bucket,
		}, nil
	}

	p, err := plan.Evaluate(sc, prog, plan.WithDryRun(true))
	must(t, err)
	if p.Outputs["zone"] != plan.UnknownPlaceholder {
		t.Errorf("dry run: zone = %#v, want unknown", p.Outputs["zone"])
	}
	if p.Outputs["region"] != "ap-southeast-2" {
		t.Errorf("region = %#v", p.Outputs["region"])
	}

	p, err = plan.Evaluate(sc, prog,
		plan.WithComputed("aws:s3/bucketV2:BucketV2", func(mi plan.MockInfo) resource.PropertyMap {
			return resource.NewPropertyMapFromMap(map[string]any{"hostedZoneId": "ZS3" + mi.Region, "bucket": "custom"})
		}),
		plan.WithInvoke("aws:index/getRegion:getRegion", func(plan.MockInfo) resource.PropertyMap {
			return resource.NewPropertyMapFromMap(map[string]any{"name": "mars-1"})
		}))
	must(t, err)
	if p.Outputs["zone"] != "ZS3ap-southeast-2" || p.Outputs["region"] != "mars-1" || p.Outputs["bucket"] != "custom" {
		t.Errorf("extended outputs = %v", p.Outputs)
	}
}
