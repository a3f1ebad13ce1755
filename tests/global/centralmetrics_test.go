package global

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
	"github.com/livekit-infra/livekit-infra/tests/internal/stackfile"
)

// centralName is the central metrics component's name (and its workspace's,
// key's and alias').
const centralName = "livekit-metrics"

type policyDoc struct {
	Version   string `json:"Version"`
	Statement []struct {
		Sid       string                       `json:"Sid"`
		Effect    string                       `json:"Effect"`
		Principal map[string]any               `json:"Principal"`
		Action    any                          `json:"Action"`
		Resource  any                          `json:"Resource"`
		Condition map[string]map[string]string `json:"Condition"`
	} `json:"Statement"`
}

func policyOf(t *testing.T, r *plan.Resource, path string) policyDoc {
	t.Helper()
	var d policyDoc
	if err := json.Unmarshal([]byte(r.InputString(path)), &d); err != nil {
		t.Fatalf("%s %s: %v", r.Name, path, err)
	}
	return d
}

func actions(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		sort.Strings(out)
		return out
	}
	return nil
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

func workspace(t *testing.T, p *plan.Plan) *plan.Resource {
	t.Helper()
	return planq.One(t, p, "aws:amp/workspace:Workspace", centralName)
}

func TestCentralMetricsWorkspace(t *testing.T) {
	p := mustGlobal(t, nil)
	comp := planq.Only(t, p, "livekit-infra:index:CentralMetrics")
	ws := workspace(t, p)
	key := planq.One(t, p, "aws:kms/key:Key", centralName)
	for _, r := range []*plan.Resource{ws, key} {
		if r.Parent != comp.URN {
			t.Errorf("%s %s is not a child of CentralMetrics", r.Type, r.Name)
		}
		// Pulumi.global.yaml keeps protect's default (true): the series and
		// the key that decrypts them survive an accidental destroy.
		if !r.Protect {
			t.Errorf("%s %s is not protected", r.Type, r.Name)
		}
	}
	// Encrypted with its own key, in the stack's region (us-east-1).
	if got := ws.InputString("kmsKeyArn"); !strings.HasPrefix(got, "arn:aws:kms:us-east-1:"+plan.FakeAccountID+":key/") {
		t.Errorf("workspace kmsKeyArn = %q, want the central key", got)
	}
	if !reflect.DeepEqual(ws.Dependencies, []string{key.URN}) && !containsString(ws.Dependencies, key.URN) {
		t.Errorf("workspace does not depend on its key: %v", ws.Dependencies)
	}
	if v, _ := key.Input("enableKeyRotation"); v != true {
		t.Errorf("key rotation = %v, want true", v)
	}
	// The account administers the key; its use is AMP's, in this region.
	kp := policyOf(t, key, "policy")
	var use bool
	for _, s := range kp.Statement {
		if s.Principal["AWS"] != "arn:aws:iam::"+plan.FakeAccountID+":root" {
			t.Errorf("key statement %s: principal %v", s.Sid, s.Principal)
		}
		for _, a := range actions(s.Action) {
			if a == "kms:Decrypt" || a == "kms:GenerateDataKey" {
				use = true
				if s.Condition["StringEquals"]["kms:ViaService"] != "aps.us-east-1.amazonaws.com" ||
					s.Condition["StringEquals"]["kms:CallerAccount"] != plan.FakeAccountID {
					t.Errorf("key statement %s lets the account use the key outside AMP: %v", s.Sid, s.Condition)
				}
			}
		}
	}
	if !use {
		t.Error("the key policy lets AMP use the key nowhere")
	}
	// Tagged like every resource of the stack.
	for _, r := range []*plan.Resource{ws, key} {
		for k, v := range map[string]string{"app": "livekit", "stack": "global", "region": "global", "owner": "platform-team"} {
			if got := r.InputString("tags." + k); got != v {
				t.Errorf("%s %s: tag %s = %q, want %q", r.Type, r.Name, k, got, v)
			}
		}
	}
}

// alarmKeys are the KMS keys other than the central workspace's.
func alarmKeys(p *plan.Plan) []plan.Resource {
	var out []plan.Resource
	for _, k := range p.ByType("aws:kms/key:Key") {
		if k.Name != centralName {
			out = append(out, k)
		}
	}
	return out
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestCentralMetricsOutputs(t *testing.T) {
	p := mustGlobal(t, nil)
	ws := workspace(t, p)
	base := "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/" + ws.ID
	if got := p.Outputs["metricsQueryUrl"]; got != base+"/api/v1/query" {
		t.Errorf("metricsQueryUrl = %v, want %s/api/v1/query", got, base)
	}
	cm, _ := p.Outputs["centralMetrics"].(map[string]any)
	if cm["remoteWriteUrl"] != base+"/api/v1/remote_write" {
		t.Errorf("centralMetrics.remoteWriteUrl = %v", cm["remoteWriteUrl"])
	}
	if observability.AMPRegion(cm["remoteWriteUrl"].(string)) != "us-east-1" {
		t.Errorf("the remote-write URL %v is not one the regions' renderer accepts", cm["remoteWriteUrl"])
	}
	if cm["workspaceArn"] != "arn:aws:aps:us-east-1:"+plan.FakeAccountID+":workspace/"+ws.ID {
		t.Errorf("centralMetrics.workspaceArn = %v", cm["workspaceArn"])
	}
	writers, _ := cm["writerRoleArns"].(map[string]any)
	var names []string
	for n := range writers {
		names = append(names, n)
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, []string{"aws-prod", "azure-asia", "gcp-eu"}) {
		t.Errorf("writerRoleArns regions = %v, want every region (each exports a writer)", names)
	}
	if rn, _ := cm["regionsNotWriting"].([]any); len(rn) != 0 {
		t.Errorf("regionsNotWriting = %v, want none: every region exports its %s", rn, components.OutputMetricsWriter)
	}

	// A region that exports no writer (deployed by an older version) gets
	// no writer role and is listed.
	outs := regionalOutputs(t)
	delete(outs[awsRef], components.OutputMetricsWriter)
	old, err := evalGlobal(t, nil, outs)
	if err != nil {
		t.Fatal(err)
	}
	ocm, _ := old.Outputs["centralMetrics"].(map[string]any)
	if !reflect.DeepEqual(ocm["regionsNotWriting"], []any{"aws-prod"}) {
		t.Errorf("regionsNotWriting = %v, want [aws-prod] (its outputs hold no %s)", ocm["regionsNotWriting"], components.OutputMetricsWriter)
	}
	if w, _ := ocm["writerRoleArns"].(map[string]any); w["aws-prod"] != nil {
		t.Errorf("a writer role for aws-prod, which exports no writer: %v", w["aws-prod"])
	}
	reader := planq.One(t, p, "aws:iam/role:Role", centralName+"-read")
	if got, want := cm["readerRoleArn"], "arn:aws:iam::"+plan.FakeAccountID+":role/"+reader.Name; got != want {
		t.Errorf("readerRoleArn = %v, want the reader role's ARN %s", got, want)
	}
	for region, arn := range writers {
		if s, _ := arn.(string); !strings.HasPrefix(s, "arn:aws:iam::"+plan.FakeAccountID+":role/") {
			t.Errorf("writerRoleArns[%s] = %v, not an IAM role ARN of the global account", region, arn)
		}
	}
	for _, k := range []string{"metricsQueryUrl", "centralMetrics"} {
		if p.OutputIsSecret(k) {
			t.Errorf("output %s is secret: it holds no secret and operators read it", k)
		}
	}
}

// writerRole returns a region's writer role and its inline policy.
func writerRole(t *testing.T, p *plan.Plan, region string) (*plan.Resource, *plan.Resource) {
	t.Helper()
	return planq.One(t, p, "aws:iam/role:Role", centralName+"-write-"+region),
		planq.One(t, p, "aws:iam/rolePolicy:RolePolicy", centralName+"-write-"+region)
}

func TestCentralMetricsWriterTrust(t *testing.T) {
	p := mustGlobal(t, nil)
	ws := workspace(t, p)
	wsArn := "arn:aws:aps:us-east-1:" + plan.FakeAccountID + ":workspace/" + ws.ID
	// gcp-eu's issuer gets a provider here; azure-asia's already has one,
	// its cert-manager's, in this account (IAM keeps one per URL): the
	// writer role trusts the ARN the region exports.
	providers := p.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
	if len(providers) != 1 {
		t.Fatalf("%d OIDC providers, want one, for the GKE issuer only", len(providers))
	}
	prov := planq.One(t, p, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", centralName+"-gcp-eu")
	if prov.InputString("url") != gkeIssuer {
		t.Errorf("gcp-eu provider url = %q, want %q", prov.InputString("url"), gkeIssuer)
	}
	planq.Inputs{}.Expect(t, prov, "clientIdLists", []any{"sts.amazonaws.com"})
	for region, issuer := range map[string]string{"gcp-eu": gkeIssuer, "azure-asia": aksIssuer} {
		role, pol := writerRole(t, p, region)
		host := strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
		trust := policyOf(t, role, "assumeRolePolicy")
		if len(trust.Statement) != 1 {
			t.Fatalf("%s trust: %d statements, want 1", region, len(trust.Statement))
		}
		s := trust.Statement[0]
		wantPrincipal := map[string]any{"Federated": "arn:aws:iam::" + plan.FakeAccountID + ":oidc-provider/" + host}
		if region == "azure-asia" {
			wantPrincipal["Federated"] = aksProviderARN
		}
		if s.Effect != "Allow" || !reflect.DeepEqual(s.Principal, wantPrincipal) ||
			!reflect.DeepEqual(actions(s.Action), []string{"sts:AssumeRoleWithWebIdentity"}) {
			t.Errorf("%s trust statement = %+v, want %v with sts:AssumeRoleWithWebIdentity", region, s, wantPrincipal)
		}
		// Exactly that cluster's agent service account, for STS: nothing
		// else of the cluster (or of any other issuer) can write.
		wantCond := map[string]map[string]string{"StringEquals": {host + ":aud": "sts.amazonaws.com", host + ":sub": agentSubject}}
		if !reflect.DeepEqual(s.Condition, wantCond) {
			t.Errorf("%s trust condition = %v, want %v", region, s.Condition, wantCond)
		}

		// Writers remote-write to this workspace and do nothing else.
		perm := policyOf(t, pol, "policy")
		if len(perm.Statement) != 1 || !reflect.DeepEqual(actions(perm.Statement[0].Action), []string{"aps:RemoteWrite"}) ||
			perm.Statement[0].Resource != wsArn || perm.Statement[0].Effect != "Allow" {
			t.Errorf("%s writer policy = %+v, want aps:RemoteWrite on %s only", region, perm, wsArn)
		}
	}

	// Readers query and do nothing else; principals of this account that
	// IAM allows may assume the role.
	reader := planq.One(t, p, "aws:iam/role:Role", centralName+"-read")
	rt := policyOf(t, reader, "assumeRolePolicy")
	if len(rt.Statement) != 1 || rt.Statement[0].Principal["AWS"] != "arn:aws:iam::"+plan.FakeAccountID+":root" ||
		!reflect.DeepEqual(actions(rt.Statement[0].Action), []string{"sts:AssumeRole"}) {
		t.Errorf("reader trust = %+v, want this account only", rt)
	}
	rp := policyOf(t, planq.One(t, p, "aws:iam/rolePolicy:RolePolicy", centralName+"-read"), "policy")
	want := sorted([]string{"aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"})
	if len(rp.Statement) != 1 || !reflect.DeepEqual(actions(rp.Statement[0].Action), want) || rp.Statement[0].Resource != wsArn {
		t.Errorf("reader policy = %+v, want %v on %s only", rp, want, wsArn)
	}
	for _, s := range append(append([]string{}, actions(rp.Statement[0].Action)...), "") {
		if s == "aps:RemoteWrite" || strings.Contains(s, "*") {
			t.Errorf("reader may %s", s)
		}
	}
}

// aws-prod's real plan exports its collector's task role: its writer role
// trusts exactly that role, from the region's own outputs.
func TestCentralMetricsTrustsAWSProdTaskRole(t *testing.T) {
	task, _ := awsRegionalPlan(t).RawOutputs[components.OutputMetricsWriter].(map[string]any)
	arn, _ := task["roleArn"].(string)
	if !strings.HasPrefix(arn, "arn:aws:iam::"+plan.FakeAccountID+":role/livekit-task") {
		t.Fatalf("aws-prod's %s = %v, want its task role", components.OutputMetricsWriter, task)
	}
	p := mustGlobal(t, nil)
	role, _ := writerRole(t, p, "aws-prod")
	trust := policyOf(t, role, "assumeRolePolicy")
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, map[string]any{"AWS": arn}) ||
		!reflect.DeepEqual(actions(trust.Statement[0].Action), []string{"sts:AssumeRole"}) {
		t.Errorf("aws-prod writer trust = %+v, want exactly %s with sts:AssumeRole", trust, arn)
	}
}

// An AWS region's collector has a role of its own: the writer role trusts
// exactly that role, and no OIDC provider is declared for it.
func TestCentralMetricsAWSCollectorTrust(t *testing.T) {
	const collector = "arn:aws:iam::111122223333:role/livekit-aws-prod-metrics-collector"
	outs := regionalOutputs(t)
	outs[awsRef]["metricsWriter"] = map[string]any{"roleArn": collector}
	p, err := evalGlobal(t, nil, outs)
	if err != nil {
		t.Fatal(err)
	}
	role, _ := writerRole(t, p, "aws-prod")
	trust := policyOf(t, role, "assumeRolePolicy")
	if len(trust.Statement) != 1 {
		t.Fatalf("trust: %d statements", len(trust.Statement))
	}
	s := trust.Statement[0]
	if !reflect.DeepEqual(s.Principal, map[string]any{"AWS": collector}) ||
		!reflect.DeepEqual(actions(s.Action), []string{"sts:AssumeRole"}) || s.Condition != nil {
		t.Errorf("aws-prod trust = %+v, want exactly %s with sts:AssumeRole", s, collector)
	}
	if n := len(p.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")); n != 1 {
		t.Errorf("%d OIDC providers, want 1, GKE's (the AWS writer needs none, AKS's is the region's)", n)
	}
	cm, _ := p.Outputs["centralMetrics"].(map[string]any)
	if rn, _ := cm["regionsNotWriting"].([]any); len(rn) != 0 {
		t.Errorf("regionsNotWriting = %v, want none", rn)
	}
}

// Two regions of one cluster issuer share its OIDC provider (IAM keeps one
// per URL in an account).
func TestCentralMetricsOneProviderPerIssuer(t *testing.T) {
	outs := regionalOutputs(t)
	outs[azureRef]["metricsWriter"] = map[string]any{"issuer": gkeIssuer, "subject": "system:serviceaccount:other:prometheus-agent"}
	delete(outs[azureRef], components.OutputOIDCProvider)
	p, err := evalGlobal(t, nil, outs)
	if err != nil {
		t.Fatal(err)
	}
	provs := p.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
	if len(provs) != 1 {
		t.Fatalf("%d providers for one issuer", len(provs))
	}
	role, _ := writerRole(t, p, "azure-asia")
	host := strings.TrimPrefix(gkeIssuer, "https://")
	if got := policyOf(t, role, "assumeRolePolicy").Statement[0].Condition["StringEquals"][host+":sub"]; got != "system:serviceaccount:other:prometheus-agent" {
		t.Errorf("azure-asia's writer admits %q", got)
	}
}

// IAM keeps one OIDC provider per URL in an account: the provider an AKS
// region declares for its issuer (cert-manager's) is the writer's trusted
// principal, and the global stack declares none for that issuer. A
// region's provider in another account cannot be trusted here, so that
// issuer gets one of this account; a provider of another issuer, or one
// without an issuer, fails the plan naming the region and its stack.
func TestCentralMetricsTrustsTheRegionsOIDCProvider(t *testing.T) {
	p := mustGlobal(t, nil)
	for _, prov := range p.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider") {
		if prov.InputString("url") == aksIssuer {
			t.Errorf("provider %s for %s, which azure-asia's cert-manager provider already holds (EntityAlreadyExists)", prov.Name, aksIssuer)
		}
	}
	role, _ := writerRole(t, p, "azure-asia")
	if got := policyOf(t, role, "assumeRolePolicy").Statement[0].Principal["Federated"]; got != aksProviderARN {
		t.Errorf("azure-asia writer trusts %v, want the region's provider %s", got, aksProviderARN)
	}

	// The region's provider in another account: one of this account.
	outs := regionalOutputs(t)
	other := strings.Replace(aksProviderARN, plan.FakeAccountID, "111122223333", 1)
	outs[azureRef][components.OutputOIDCProvider] = other
	cross, err := evalGlobal(t, nil, outs)
	if err != nil {
		t.Fatal(err)
	}
	own := planq.One(t, cross, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", centralName+"-azure-asia")
	if own.InputString("url") != aksIssuer {
		t.Errorf("own provider url = %q, want %q", own.InputString("url"), aksIssuer)
	}
	role, _ = writerRole(t, cross, "azure-asia")
	host := strings.TrimSuffix(strings.TrimPrefix(aksIssuer, "https://"), "/")
	if got := policyOf(t, role, "assumeRolePolicy").Statement[0].Principal["Federated"]; got != "arn:aws:iam::"+plan.FakeAccountID+":oidc-provider/"+host {
		t.Errorf("azure-asia writer trusts %v, want this account's provider (not %s)", got, other)
	}

	// Wrong providers.
	outs = regionalOutputs(t)
	outs[azureRef][components.OutputOIDCProvider] = "arn:aws:iam::" + plan.FakeAccountID + ":oidc-provider/container.googleapis.com/v1/projects/x"
	outs[gcpRef][components.OutputOIDCProvider] = 42
	outs[awsRef][components.OutputOIDCProvider] = aksProviderARN
	_, err = evalGlobal(t, nil, outs)
	if err == nil {
		t.Fatal("mismatched OIDC providers accepted")
	}
	for _, want := range []string{
		"region azure-asia", azureRef, "is not the IAM OIDC provider of its issuer",
		"region gcp-eu", gcpRef, "OIDC provider output is float64",
		"region aws-prod", awsRef, "has no OIDC issuer",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
}

// A region exporting a writer that would admit more than its collector (a
// wildcard subject, a plain-http issuer) or two identities fails the plan,
// naming the region and its stack, every problem at once.
func TestCentralMetricsRejectsBroadWriters(t *testing.T) {
	outs := regionalOutputs(t)
	outs[gcpRef]["metricsWriter"] = map[string]any{"issuer": gkeIssuer, "subject": "system:serviceaccount:livekit-metrics:*"}
	outs[azureRef]["metricsWriter"] = map[string]any{"issuer": "http://issuer.example.com", "subject": agentSubject}
	outs[awsRef]["metricsWriter"] = map[string]any{"roleArn": "arn:aws:iam::111122223333:role/x", "issuer": gkeIssuer}
	_, err := evalGlobal(t, nil, outs)
	if err == nil {
		t.Fatal("broad writers accepted")
	}
	for _, want := range []string{
		"region gcp-eu", gcpRef, "system:serviceaccount:livekit-metrics:*",
		"region azure-asia", azureRef, "http://issuer.example.com",
		"region aws-prod", awsRef, "both a role",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
}

// The regional side renders from the global outputs: a GKE or AKS region's
// agent writes to the central remote-write URL with SigV4 in the
// workspace's region, as its writer role (web identity: no role to assume
// on top), every series labelled with stack, cloud and region.
func TestCentralMetricsRegionalRemoteWriteFromOutputs(t *testing.T) {
	p := mustGlobal(t, nil)
	cm, _ := p.Outputs["centralMetrics"].(map[string]any)
	url := cm["remoteWriteUrl"].(string)
	writers := cm["writerRoleArns"].(map[string]any)
	for _, stack := range []string{"gcp-eu", "azure-asia"} {
		s := stackfile.Settings(t, projectDir, stack)
		obs := regional.Observability(s)
		job, err := obs.PodScrapeConfig("livekit", map[string]string{"app.kubernetes.io/name": "livekit-server"}, 6789, "/metrics", "30s")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := obs.AgentPrometheus([]observability.ScrapeConfig{job}, observability.Central{URL: url, RoleARN: writers[stack].(string)})
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.RemoteWrite) != 1 {
			t.Fatalf("%s: %d remote writes", stack, len(cfg.RemoteWrite))
		}
		rw := cfg.RemoteWrite[0]
		if rw.URL != url || rw.SigV4 == nil || rw.SigV4.Region != "us-east-1" || rw.SigV4.RoleARN != "" {
			t.Errorf("%s remote write = %+v, want %s signed for us-east-1 as the web identity's role", stack, rw, url)
		}
		want := map[string]string{"stack": stack, "cloud": string(s.Kind), "region": obs.Region}
		if !reflect.DeepEqual(cfg.Global.ExternalLabels, want) {
			t.Errorf("%s external labels = %v, want %v", stack, cfg.Global.ExternalLabels, want)
		}
		body, err := observability.MarshalYAML(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, secretish := range []string{"access_key", "secret_key", "password", "bearer_token"} {
			if strings.Contains(body, secretish) {
				t.Errorf("%s agent config carries %s: writers sign with their web identity only", stack, secretish)
			}
		}
	}
}
