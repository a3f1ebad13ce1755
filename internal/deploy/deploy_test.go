package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const redisType = "aws:elasticache/replicationGroup:ReplicationGroup"

func urn(typ, name string) string {
	return "urn:pulumi:aws-prod::livekit-infra::livekit-infra:index:RedisCache$" + typ + "::" + name
}

// events feeds engine events through a collector and returns its report.
func collect(t *testing.T, refresh bool, evs ...apitype.EngineEvent) StackReport {
	t.Helper()
	var mu sync.Mutex
	c := newCollector("aws-prod", "preview", refresh, io.Discard, &mu)
	for _, ev := range evs {
		c.handle(ev)
	}
	return c.report()
}

func pre(md apitype.StepEventMetadata) apitype.EngineEvent {
	return apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: md}}
}

// protectionError is the engine's diagnostic for a protected resource it
// would have to replace.
func protectionError(urn string) apitype.EngineEvent {
	return apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{URN: urn, Severity: "error",
		Message: "<{%reset%}>unable to replace resource \"" + urn + "\"\nas it is currently marked for protection.<{%reset%}>\n"}}
}

func redisReplace() apitype.StepEventMetadata {
	u := urn(redisType, "livekit-redis")
	return apitype.StepEventMetadata{
		Op: "replace", URN: u, Type: redisType, Keys: []string{"engineVersion"},
		Old: &apitype.StepEventStateMetadata{URN: u, Type: redisType, Protect: true, Inputs: map[string]any{
			"engineVersion": "7.1", "authToken": "[secret]", "nodeType": "cache.t4g.medium",
		}},
		New: &apitype.StepEventStateMetadata{URN: u, Type: redisType, Inputs: map[string]any{
			"engineVersion": "6.2", "authToken": "[secret]", "nodeType": "cache.t4g.medium",
		}},
		DetailedDiff: map[string]apitype.PropertyDiff{"engineVersion": {Kind: apitype.DiffUpdateReplace, InputDiff: true}},
	}
}

func TestCollectorFoldsReplacementAndClassifies(t *testing.T) {
	md := redisReplace()
	half1, half2 := md, md
	half1.Op, half2.Op = "create-replacement", "delete-replaced"
	svc := "aws:ecs/service:Service"
	su := urn(svc, "livekit-service")
	update := apitype.StepEventMetadata{
		Op: "update", URN: su, Type: svc,
		Old:          &apitype.StepEventStateMetadata{Inputs: map[string]any{"desiredCount": 3.0, "tags": map[string]any{"a": "b"}}},
		New:          &apitype.StepEventStateMetadata{Inputs: map[string]any{"desiredCount": 4.0, "tags": map[string]any{"a": "b"}}},
		DetailedDiff: map[string]apitype.PropertyDiff{"desiredCount": {Kind: apitype.DiffUpdate, InputDiff: true}},
	}
	same := apitype.StepEventMetadata{Op: "same", URN: urn("aws:ec2/vpc:Vpc", "vpc"), Type: "aws:ec2/vpc:Vpc"}
	sr := collect(t, false, pre(same), pre(update), pre(md), pre(half1), pre(half2), protectionError(md.URN),
		apitype.EngineEvent{SummaryEvent: &apitype.SummaryEvent{ResourceChanges: map[apitype.OpType]int{"update": 1, "replace": 1, "same": 1}}})

	if len(sr.Changes) != 2 {
		t.Fatalf("want 2 changes (replace halves folded, same dropped), got %d: %+v", len(sr.Changes), sr.Changes)
	}
	r := sr.Changes[0]
	if r.Op != OpReplace || !r.Blocking || r.Stateful != "Redis (room state)" || !r.Protected {
		t.Errorf("redis change = %+v, want blocking protected replace of Redis first", r)
	}
	if len(r.ReplaceReasons) != 1 || r.ReplaceReasons[0] != "engineVersion" {
		t.Errorf("replace reasons = %v", r.ReplaceReasons)
	}
	if len(r.Properties) != 1 || r.Properties[0].Old != "7.1" || r.Properties[0].New != "6.2" || !r.Properties[0].Replace {
		t.Errorf("redis properties = %+v", r.Properties)
	}
	u := sr.Changes[1]
	if u.Op != OpUpdate || u.Blocking || len(u.Properties) != 1 || u.Properties[0].Path != "desiredCount" ||
		u.Properties[0].Old != 3.0 || u.Properties[0].New != 4.0 {
		t.Errorf("service change = %+v", u)
	}
	if sr.Summary["update"] != 1 || sr.Summary["replace"] != 1 || sr.Summary["same"] != 1 {
		t.Errorf("summary = %v", sr.Summary)
	}
}

func TestCollectorDriftUsesRefreshResults(t *testing.T) {
	md := redisReplace()
	md.Op = "update"
	md.Keys = nil
	md.DetailedDiff = map[string]apitype.PropertyDiff{"snapshotRetentionLimit": {Kind: apitype.DiffUpdate, InputDiff: true}}
	md.Old.Inputs["snapshotRetentionLimit"] = 7.0
	md.New.Inputs["snapshotRetentionLimit"] = 0.0
	refreshPre := md
	refreshPre.Op = "refresh"
	sr := collect(t, true, pre(refreshPre), apitype.EngineEvent{ResOutputsEvent: &apitype.ResOutputsEvent{Metadata: md}})
	if len(sr.Changes) != 1 || sr.Changes[0].Op != OpUpdate || sr.Changes[0].Properties[0].Path != "snapshotRetentionLimit" {
		t.Fatalf("drift changes = %+v", sr.Changes)
	}
	// The refresh step's pre-event alone is not drift.
	if sr := collect(t, true, pre(refreshPre)); len(sr.Changes) != 0 {
		t.Errorf("refresh pre-event counted as drift: %+v", sr.Changes)
	}
}

func TestMaskHidesSecretsAndUnknowns(t *testing.T) {
	in := map[string]any{
		"plain":    "x",
		"wrapped":  map[string]any{sig.Key: sig.Secret, "value": "hunter2-hunter2"},
		"output":   map[string]any{sig.Key: sig.OutputValue, "value": "pw-9876543210", "secret": true},
		"unknown":  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
		"nested":   []any{map[string]any{sig.Key: sig.Secret, "value": "nested-s3cr3t"}},
		"computed": map[string]any{sig.Key: sig.OutputValue},
	}
	out := Mask(in).(map[string]any)
	b, _ := json.Marshal(out)
	for _, leak := range []string{"hunter2", "pw-9876543210", "nested-s3cr3t", sig.Key} {
		if strings.Contains(string(b), leak) {
			t.Errorf("masked value leaks %q: %s", leak, b)
		}
	}
	if out["wrapped"] != SecretMask || out["output"] != SecretMask || out["unknown"] != UnknownMask || out["computed"] != UnknownMask {
		t.Errorf("masked = %s", b)
	}
	if out["plain"] != "x" {
		t.Errorf("plain value changed: %v", out["plain"])
	}
}

func TestLookupStopsAtSecrets(t *testing.T) {
	root := map[string]any{"a": map[string]any{"b": []any{1.0, map[string]any{"c": "d"}}}, "s": SecretMask,
		"tags": map[string]any{"kubernetes.io/role": "x"}}
	cases := map[string]any{"a.b[1].c": "d", "a.b[0]": 1.0, "s.inner": SecretMask, `tags["kubernetes.io/role"]`: "x"}
	for p, want := range cases {
		if got, ok := lookup(root, p); !ok || got != want {
			t.Errorf("lookup(%q) = %v, %v; want %v", p, got, ok, want)
		}
	}
	if _, ok := lookup(root, "a.zz"); ok {
		t.Error("lookup of a missing path succeeded")
	}
}

func TestStatefulKind(t *testing.T) {
	for typ, want := range map[string]bool{
		redisType: true, "aws:s3/bucketV2:BucketV2": true, "aws:route53/record:Record": true,
		"azure-native:containerservice/v20240801:ManagedCluster": true, "azure-native:containerservice:ManagedCluster": true,
		"kubernetes:core/v1:Secret": true, "gcp:redis/instance:Instance": true,
		// Networks: replacing one moves everything inside it.
		"aws:ec2/vpc:Vpc": true, "azure-native:network/v20240101:VirtualNetwork": true, "gcp:compute/subnetwork:Subnetwork": true,
		"aws:ecs/service:Service": false, "aws:ec2/securityGroup:SecurityGroup": false, "azure-native:network/v20240101:NetworkSecurityGroup": false,
	} {
		if _, got := StatefulKind(typ); got != want {
			t.Errorf("StatefulKind(%q) = %v, want %v", typ, got, want)
		}
	}
}

func sampleReport(t *testing.T) *Report {
	md := redisReplace()
	sr := collect(t, false, pre(md), protectionError(md.URN))
	sr.Summary = map[string]int{"replace": 1, "same": 40}
	return &Report{Kind: KindPreview, Stacks: []StackReport{
		sr,
		{Stack: "gcp-eu", Error: `preview failed: stack "gcp-eu": gcp-eu: the program failed (a sample error)`, Summary: map[string]int{}},
	}}
}

func TestMarkdownShape(t *testing.T) {
	rep := sampleReport(t)
	md := rep.Markdown(MarkdownOptions{})
	if !strings.HasPrefix(md, Marker+"\n") {
		t.Fatalf("comment does not start with the marker:\n%s", md)
	}
	for _, want := range []string{
		"| Stack | Create | Update | Replace | Delete | Same | Result |",
		"| `aws-prod` | 0 | 0 | 1 | 0 | 40 | ⛔ 1 blocking |",
		"| `gcp-eu` | | | | | | ❌ failed |",
		"### ⛔ Blocking: stateful resources replaced or deleted",
		"| `aws-prod` | `livekit-redis` | `" + redisType + "` | Redis (room state) | **replace (protected)** | `engineVersion` |",
		"gcp-eu: the program failed (a sample error)",
		"| `engineVersion` ♻️ forces replacement | `\"7.1\"` | `\"6.2\"` |",
		"refused by the engine even with `--allow-destructive`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// Blocking section comes before the per-stack details.
	if strings.Index(md, "Blocking:") > strings.Index(md, "<details") {
		t.Error("blocking section is not listed first")
	}
	if rep.ExitCode() != ExitFailed {
		t.Errorf("exit = %d, want %d (a stack failed)", rep.ExitCode(), ExitFailed)
	}
	rep.Stacks = rep.Stacks[:1]
	if rep.ExitCode() != ExitBlocked {
		t.Errorf("exit = %d, want %d (blocking)", rep.ExitCode(), ExitBlocked)
	}
	rep.AllowDestructive = true
	if rep.ExitCode() != ExitBlocked {
		t.Errorf("exit = %d, want %d: --allow-destructive does not override protection", rep.ExitCode(), ExitBlocked)
	}
	rep.Stacks[0].Changes[0].Protected = false
	if rep.ExitCode() != ExitOK {
		t.Errorf("exit = %d, want 0 with AllowDestructive", rep.ExitCode())
	}
}

func TestMarkdownTrimsBelowLimit(t *testing.T) {
	rep := &Report{Kind: KindPreview}
	long := strings.Repeat(`{"name":"livekit","image":"livekit/livekit-server:v1.13.5","portMappings":[7880,7881]}`+"\n", 40)
	for s := 0; s < 3; s++ {
		sr := StackReport{Stack: fmt.Sprintf("stack-%d", s), Summary: map[string]int{"update": 300}}
		for i := 0; i < 300; i++ {
			sr.Changes = append(sr.Changes, Change{
				URN: fmt.Sprintf("urn:x::%d", i), Type: "aws:ecs/taskDefinition:TaskDefinition", Name: fmt.Sprintf("task-%d", i), Op: OpUpdate,
				Properties: []PropertyChange{{Path: "containerDefinitions", Kind: "update", Old: long, New: long + "x"}},
			})
		}
		rep.Stacks = append(rep.Stacks, sr)
	}
	rep.Stacks[2].Changes[299] = Change{URN: "urn:redis", Type: redisType, Name: "redis", Op: OpDelete}
	classify(&rep.Stacks[2].Changes[299])
	sortChanges(rep.Stacks[2].Changes)

	md := rep.Markdown(MarkdownOptions{})
	if n := len([]rune(md)); n >= CommentLimit {
		t.Fatalf("comment has %d characters, want < %d", n, CommentLimit)
	}
	if !strings.Contains(md, "✂️ **Trimmed:**") {
		t.Fatal("no trim note")
	}
	// The note's count equals the changes actually left out.
	shown := strings.Count(md, "**✏️ update**")
	var omitted int
	if _, err := fmt.Sscanf(md[strings.Index(md, "**Trimmed:** ")+len("**Trimmed:** "):], "%d", &omitted); err != nil {
		t.Fatal(err)
	}
	if shown+omitted+1 != 900 && shown+omitted != 900 {
		t.Errorf("shown %d + omitted %d != 900 changes", shown, omitted)
	}
	// The blocking table and the summary survive trimming.
	if !strings.Contains(md, "| `stack-2` | `redis` |") || !strings.Contains(md, "| `stack-1` | 0 | 300 |") {
		t.Error("summary or blocking table lost in trimming")
	}
	if strings.Count(md, "<details") != strings.Count(md, "</details>") {
		t.Error("unbalanced <details> after trimming")
	}
	if strings.Count(md, "```")%2 != 0 {
		t.Error("unbalanced code fences after trimming")
	}
}

func TestTextDiffShowsChangedLinesWithContext(t *testing.T) {
	old := `[{"name":"livekit","cpu":1024,"memory":2048,"image":"livekit/livekit-server:v1.13.4","essential":true}]`
	nw := strings.Replace(old, "v1.13.4", "v1.13.5", 1)
	block := textDiff(PropertyChange{Path: "containerDefinitions", Old: old, New: nw})
	for _, want := range []string{`-     "image": "livekit/livekit-server:v1.13.4",`, `+     "image": "livekit/livekit-server:v1.13.5",`, "```diff"} {
		if !strings.Contains(block, want) {
			t.Errorf("diff block lacks %q:\n%s", want, block)
		}
	}
}

func TestPlanDiff(t *testing.T) {
	res := func(typ, name string, inputs map[string]any) plan.Resource {
		return plan.Resource{URN: "urn:pulumi:aws-prod::livekit-infra::" + typ + "::" + name, Type: typ, Name: name, Custom: true, Inputs: inputs}
	}
	base := &plan.Plan{Project: "livekit-infra", Stack: "aws-prod", Resources: []plan.Resource{
		res(redisType, "redis", map[string]any{"engine": "redis", "nodeType": "cache.t4g.medium", "authToken": "[secret]"}),
		res("aws:ecs/service:Service", "svc", map[string]any{"desiredCount": 3, "tags": map[string]any{"a": "b"}}),
		res("aws:route53/record:Record", "old-record", map[string]any{"name": "x"}),
		res("aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"}),
	}}
	head := &plan.Plan{Project: "livekit-infra", Stack: "aws-prod", Resources: []plan.Resource{
		res(redisType, "redis", map[string]any{"engine": "valkey", "nodeType": "cache.t4g.medium", "authToken": "[secret]"}),
		res("aws:ecs/service:Service", "svc", map[string]any{"desiredCount": 4, "tags": map[string]any{"a": "c"}}),
		res("aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"}),
		res("aws:s3/bucketV2:BucketV2", "new-bucket", map[string]any{"bucketPrefix": "rec-"}),
	}}
	// The base is read back from JSON, as from a file.
	b, _ := base.JSON()
	base, err := ReadPlan(b)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := PlanDiff(base, head)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Change{}
	for _, c := range sr.Changes {
		got[c.Name] = c
	}
	if c := got["redis"]; c.Op != OpReplace || !c.Blocking || len(c.Properties) != 1 || c.Properties[0].Path != "engine" {
		t.Errorf("redis = %+v, want blocking replace on engine", c)
	}
	if c := got["svc"]; c.Op != OpUpdate || c.Blocking || len(c.Properties) != 2 || c.Properties[0].Path != "desiredCount" ||
		c.Properties[0].Old != 3.0 || c.Properties[0].New != 4.0 || c.Properties[1].Path != "tags.a" {
		t.Errorf("svc = %+v", c)
	}
	if c := got["old-record"]; c.Op != OpDelete || !c.Blocking {
		t.Errorf("old-record = %+v, want blocking delete", c)
	}
	if c := got["new-bucket"]; c.Op != OpCreate || c.Blocking {
		t.Errorf("new-bucket = %+v, want non-blocking create", c)
	}
	if _, ok := got["vpc"]; ok || sr.Summary[OpSame] != 1 {
		t.Errorf("unchanged vpc reported: %+v, summary %v", got["vpc"], sr.Summary)
	}
	if !sr.Changes[0].Blocking || !sr.Changes[1].Blocking {
		t.Error("blocking changes not sorted first")
	}
	// No base: every resource is a create.
	sr, _ = PlanDiff(nil, head)
	if sr.Summary[OpCreate] != len(head.Resources) {
		t.Errorf("new stack summary = %v", sr.Summary)
	}
}

// A VPC's or subnet's CIDR and an AKS cluster's DNS prefix (its type token
// carrying azure-native's API version) cannot change in place: the offline
// diff shows blocking replacements, not updates.
func TestPlanDiffNetworkAndVersionedTypes(t *testing.T) {
	res := func(typ, name string, inputs map[string]any) plan.Resource {
		return plan.Resource{URN: "urn:pulumi:s::livekit-infra::" + typ + "::" + name, Type: typ, Name: name, Custom: true, Inputs: inputs}
	}
	const aks = "azure-native:containerservice/v20240801:ManagedCluster"
	base := &plan.Plan{Project: "livekit-infra", Stack: "s", Resources: []plan.Resource{
		res("aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16", "tags": map[string]any{"a": "b"}}),
		res("aws:ec2/subnet:Subnet", "public-0", map[string]any{"cidrBlock": "10.0.0.0/20"}),
		res(aks, "aks", map[string]any{"dnsPrefix": "lk-a", "kubernetesVersion": "1.35"}),
	}}
	head := &plan.Plan{Project: "livekit-infra", Stack: "s", Resources: []plan.Resource{
		res("aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.1.0.0/16", "tags": map[string]any{"a": "b"}}),
		res("aws:ec2/subnet:Subnet", "public-0", map[string]any{"cidrBlock": "10.1.0.0/20"}),
		res(aks, "aks", map[string]any{"dnsPrefix": "lk-b", "kubernetesVersion": "1.35"}),
	}}
	sr, err := PlanDiff(base, head)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sr.Changes {
		want := map[string]string{"vpc": "cidrBlock", "public-0": "cidrBlock", "aks": "dnsPrefix"}[c.Name]
		if c.Op != OpReplace || !c.Blocking || len(c.ReplaceReasons) != 1 || c.ReplaceReasons[0] != want {
			t.Errorf("%s: %s (blocking %t, reasons %v), want a blocking replace on %s", c.Name, c.Op, c.Blocking, c.ReplaceReasons, want)
		}
	}
	if len(sr.Changes) != 3 {
		t.Errorf("%d changes, want 3: %+v", len(sr.Changes), sr.Changes)
	}
	// A tag on the VPC is an update, not a replacement.
	head.Resources[0].Inputs = map[string]any{"cidrBlock": "10.0.0.0/16", "tags": map[string]any{"a": "c"}}
	sr, _ = PlanDiff(base, &plan.Plan{Project: "livekit-infra", Stack: "s", Resources: head.Resources[:1]})
	for _, c := range sr.Changes {
		if c.Name == "vpc" && (c.Op != OpUpdate || c.Blocking) {
			t.Errorf("vpc tag change: %s (blocking %t), want a non-blocking update", c.Op, c.Blocking)
		}
	}
}

func TestBlockedByProtection(t *testing.T) {
	md := redisReplace()
	var mu sync.Mutex
	c := newCollector("aws-prod", "preview", false, io.Discard, &mu)
	c.handle(pre(md))
	c.handle(protectionError(md.URN))
	c.handle(apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "error", Message: "preview failed"}})
	if !c.blockedByProtection() {
		t.Error("a preview stopped only by a protected replacement counts as failed")
	}
	if sr := c.report(); !sr.Changes[0].Protected {
		t.Error("change not marked protected")
	}
	c.handle(apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "error", Message: "program failed: boom"}})
	if c.blockedByProtection() {
		t.Error("another error was hidden behind the protection")
	}
}

func TestPrefixWriterConcurrent(t *testing.T) {
	var out strings.Builder
	var mu sync.Mutex
	pw := &prefixWriter{mu: &mu, w: &out, prefix: "[s] "}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				pw.Write([]byte("line part "))
				pw.Write([]byte("end\n"))
			}
		}()
	}
	wg.Wait()
	pw.Flush()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "[s] ") {
			t.Fatalf("line without prefix: %q", l)
		}
	}
}
