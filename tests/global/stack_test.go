package global

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const globalHost = "livekit.example.com"

var regionHosts = map[string]string{
	"aws-prod":   "aws-prod.example.com",
	"gcp-eu":     "gcp-eu.example.com",
	"azure-asia": "azure-asia.example.com",
}

func provider(t *testing.T, p *plan.Plan, r plan.Resource) *plan.Resource {
	t.Helper()
	// A provider reference is "<urn>::<id>".
	i := strings.LastIndex(r.Provider, "::")
	if i <= 0 {
		t.Fatalf("%s %s uses the default provider, want an explicit one", r.Type, r.Name)
	}
	urn := r.Provider[:i]
	pr, ok := p.ByURN(urn)
	if !ok {
		t.Fatalf("%s %s: provider %s not in plan", r.Type, r.Name, urn)
	}
	return pr
}

func TestHealthChecks(t *testing.T) {
	p := mustGlobal(t, nil)
	checks := p.ByType("aws:route53/healthCheck:HealthCheck")
	if len(checks) != 3 {
		t.Fatalf("%d health checks, want one per region (3)", len(checks))
	}
	fqdns := map[string]bool{}
	for _, hc := range checks {
		fqdns[hc.InputString("fqdn")] = true
		for path, want := range map[string]any{
			"type": "HTTPS", "port": 443, "resourcePath": "/", "enableSni": true,
			"requestInterval": 10, "failureThreshold": 3, "measureLatency": true,
		} {
			if got, _ := hc.Input(path); got != want {
				t.Errorf("health check %s: %s = %v, want %v", hc.Name, path, got, want)
			}
		}
		// Route 53 HTTPS checks pass on 2xx/3xx only: LiveKit's 406 (Redis
		// lost) counts as a failure. Nothing may invert or relax that.
		if v, ok := hc.Input("invertHealthcheck"); ok && v == true {
			t.Errorf("health check %s is inverted", hc.Name)
		}
		regions, _ := hc.Input("regions")
		if rs, _ := regions.([]any); len(rs) < 3 {
			t.Errorf("health check %s: checker regions %v, want at least 3", hc.Name, regions)
		}
	}
	want := map[string]bool{}
	for _, h := range regionHosts {
		want[h] = true
	}
	if !reflect.DeepEqual(fqdns, want) {
		t.Errorf("health checks probe %v, want each region's own hostname %v (never the global one)", slices.Sorted(maps.Keys(fqdns)), slices.Sorted(maps.Keys(want)))
	}
}

func TestHealthCheckSettingsFromConfig(t *testing.T) {
	p := mustGlobal(t, map[string]string{
		"livekit-infra:globalHealthCheckInterval":         "30",
		"livekit-infra:globalHealthCheckFailureThreshold": "5",
		"livekit-infra:globalHealthCheckRegions":          `["us-east-1","eu-west-1","ap-southeast-1"]`,
	})
	for _, hc := range p.ByType("aws:route53/healthCheck:HealthCheck") {
		if v, _ := hc.Input("requestInterval"); v != 30 {
			t.Errorf("%s: requestInterval %v, want 30", hc.Name, v)
		}
		if v, _ := hc.Input("failureThreshold"); v != 5 {
			t.Errorf("%s: failureThreshold %v, want 5", hc.Name, v)
		}
		if v, _ := hc.Input("regions"); !reflect.DeepEqual(v, []any{"us-east-1", "eu-west-1", "ap-southeast-1"}) {
			t.Errorf("%s: regions %v", hc.Name, v)
		}
	}
	// 30 x 5 + 6 + 30
	if got := p.Outputs["worstCaseFailoverSeconds"]; got != 186 {
		t.Errorf("worstCaseFailoverSeconds = %v, want 186", got)
	}
}

func TestAlarmsInUSEast1(t *testing.T) {
	p := mustGlobal(t, nil)
	checkIDs := map[string]bool{}
	for _, hc := range p.ByType("aws:route53/healthCheck:HealthCheck") {
		checkIDs[hc.ID] = true
	}
	topics := p.ByType("aws:sns/topic:Topic")
	if len(topics) != 1 {
		t.Fatalf("%d SNS topics, want 1", len(topics))
	}
	topic := topics[0]
	topicArn := str(p.RawOutputs["alarmTopicArn"])
	if !strings.HasPrefix(topicArn, "arn:aws:sns:us-east-1:") {
		t.Errorf("alarm topic %q is not in us-east-1", topicArn)
	}
	alarms := p.ByType("aws:cloudwatch/metricAlarm:MetricAlarm")
	if len(alarms) != 3 {
		t.Fatalf("%d alarms, want one per health check (3)", len(alarms))
	}
	alarmed := map[string]bool{}
	for _, a := range append(alarms, topic) {
		if pr := provider(t, p, a); pr.InputString("region") != "us-east-1" {
			t.Errorf("%s %s: provider region %q, want us-east-1 (Route 53 metrics live there)", a.Type, a.Name, pr.InputString("region"))
		}
	}
	for _, a := range alarms {
		for path, want := range map[string]any{
			"namespace": "AWS/Route53", "metricName": "HealthCheckStatus", "statistic": "Minimum",
			"comparisonOperator": "LessThanThreshold", "threshold": 1, "period": 60,
		} {
			if got, _ := a.Input(path); got != want {
				t.Errorf("alarm %s: %s = %v, want %v", a.Name, path, got, want)
			}
		}
		id := a.InputString("dimensions.HealthCheckId")
		if !checkIDs[id] {
			t.Errorf("alarm %s watches HealthCheckId %q, not one of the health checks", a.Name, id)
		}
		alarmed[id] = true
		if got := a.InputString("alarmActions[0]"); got != topicArn {
			t.Errorf("alarm %s notifies %q, want the topic %q", a.Name, got, topicArn)
		}
		if got := a.InputString("okActions[0]"); got != topicArn {
			t.Errorf("alarm %s: OK not notified to the topic", a.Name)
		}
	}
	if len(alarmed) != len(checkIDs) {
		t.Errorf("%d of %d health checks alarmed", len(alarmed), len(checkIDs))
	}

	// Encrypted with a customer-managed key CloudWatch may use: with the
	// AWS-managed alias/aws/sns, alarm notifications fail.
	keys := alarmKeys(p)
	if len(keys) != 1 {
		t.Fatalf("%d alarm KMS keys, want 1", len(keys))
	}
	key := keys[0]
	if provider(t, p, key).InputString("region") != "us-east-1" {
		t.Error("alarm key not in us-east-1")
	}
	// The mocks derive a key's ARN from its id, as AWS does.
	keyArn := "arn:aws:kms:us-east-1:" + plan.FakeAccountID + ":key/" + key.ID
	if got := topic.InputString("kmsMasterKeyId"); got == "alias/aws/sns" || got != keyArn {
		t.Errorf("topic kmsMasterKeyId %q, want the customer-managed key %q", got, keyArn)
	}
	if v, _ := key.Input("enableKeyRotation"); v != true {
		t.Error("alarm key rotation off")
	}
	var pol struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(key.InputString("policy")), &pol); err != nil {
		t.Fatalf("key policy: %v", err)
	}
	cw := false
	for _, s := range pol.Statement {
		b, _ := json.Marshal(s)
		if strings.Contains(string(b), "cloudwatch.amazonaws.com") && strings.Contains(string(b), "kms:GenerateDataKey*") && strings.Contains(string(b), "kms:Decrypt") {
			cw = true
		}
	}
	if !cw {
		t.Errorf("key policy does not let CloudWatch alarms use the key: %s", key.InputString("policy"))
	}
	tp := p.ByType("aws:sns/topicPolicy:TopicPolicy")
	if len(tp) != 1 || !strings.Contains(tp[0].InputString("policy"), "cloudwatch.amazonaws.com") || !strings.Contains(tp[0].InputString("policy"), "arn:aws:cloudwatch:us-east-1:") {
		t.Errorf("topic policy must let this account's us-east-1 alarms publish: %v", tp)
	}
	if subs := p.ByType("aws:sns/topicSubscription:TopicSubscription"); len(subs) != 0 {
		t.Errorf("%d subscriptions without globalAlarmEmail, want none", len(subs))
	}
}

func TestAlarmEmailSubscription(t *testing.T) {
	p := mustGlobal(t, map[string]string{"livekit-infra:globalAlarmEmail": "oncall@example.com"})
	subs := p.ByType("aws:sns/topicSubscription:TopicSubscription")
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions, want 1", len(subs))
	}
	s := subs[0]
	if s.InputString("protocol") != "email" || s.InputString("endpoint") != "oncall@example.com" {
		t.Errorf("subscription %v", s.Inputs)
	}
	if s.InputString("topic") != str(p.RawOutputs["alarmTopicArn"]) {
		t.Errorf("subscription topic %q", s.InputString("topic"))
	}
	if provider(t, p, s).InputString("region") != "us-east-1" {
		t.Error("subscription not in us-east-1")
	}
}

func recordsAt(p *plan.Plan, name string) []plan.Resource {
	var out []plan.Resource
	for _, r := range p.ByType("aws:route53/record:Record") {
		if r.InputString("name") == name {
			out = append(out, r)
		}
	}
	return out
}

func TestGeolocationRecords(t *testing.T) {
	p := mustGlobal(t, nil)
	recs := recordsAt(p, globalHost)
	if len(recs) != 8 {
		t.Fatalf("%d records at %s, want 8 (7 continents + default)", len(recs), globalHost)
	}
	got := map[string]string{}
	for _, r := range recs {
		loc := r.InputString("geolocationRoutingPolicies[0].continent")
		if c := r.InputString("geolocationRoutingPolicies[0].country"); c != "" {
			loc = "country:" + c
		}
		if r.InputString("type") != "CNAME" {
			t.Errorf("%s: type %q, want CNAME (an alias to the CNAME chain must have its type)", r.Name, r.InputString("type"))
		}
		if r.InputString("aliases[0].name") == "" {
			t.Errorf("%s is not an alias", r.Name)
		}
		// The chain already falls through every region; the geolocation
		// record only picks where to start.
		if v, _ := r.Input("aliases[0].evaluateTargetHealth"); v != false {
			t.Errorf("%s: evaluateTargetHealth %v, want false", r.Name, v)
		}
		if !r.Protect {
			t.Errorf("%s: the global hostname's records must be protected (protect: true)", r.Name)
		}
		got[loc] = r.InputString("aliases[0].name")
	}
	want := map[string]string{}
	for c, chain := range guideChains {
		key := c
		if c == "*" {
			key = "country:*"
		}
		want[key] = strings.Join(chain, ".") + ".failover." + globalHost
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("geolocation records:\n got %v\nwant %v", got, want)
	}
}

// From every geolocation record, the chain is nested failover sets joined
// by aliases that evaluate target health, three regions deep, ending in
// CNAMEs to the regions with the configured TTL and their health checks.
func TestFailoverChainDepth(t *testing.T) {
	p := mustGlobal(t, nil)
	checkOf := map[string]string{}
	for _, hc := range p.ByType("aws:route53/healthCheck:HealthCheck") {
		checkOf[hc.InputString("fqdn")] = hc.ID
	}
	for _, geo := range recordsAt(p, globalHost) {
		continent := geo.InputString("geolocationRoutingPolicies[0].continent")
		if continent == "" {
			continent = "*"
		}
		var regions []string
		sets := 0
		name := geo.InputString("aliases[0].name")
		for name != "" {
			set := recordsAt(p, name)
			if len(set) != 2 {
				t.Fatalf("%s: failover set %s has %d records", continent, name, len(set))
			}
			sort.Slice(set, func(i, j int) bool {
				return set[i].InputString("failoverRoutingPolicies[0].type") < set[j].InputString("failoverRoutingPolicies[0].type")
			})
			prim, sec := set[0], set[1]
			if prim.InputString("failoverRoutingPolicies[0].type") != "PRIMARY" || sec.InputString("failoverRoutingPolicies[0].type") != "SECONDARY" {
				t.Fatalf("%s: set %s is not PRIMARY+SECONDARY", continent, name)
			}
			sets++
			leaf := func(r plan.Resource) {
				host := r.InputString("records[0]")
				if r.InputString("type") != "CNAME" {
					t.Errorf("%s: leaf %s type %q", continent, r.Name, r.InputString("type"))
				}
				if v, _ := r.Input("ttl"); v != 30 {
					t.Errorf("%s: leaf %s TTL %v, want 30", continent, r.Name, v)
				}
				if id := r.InputString("healthCheckId"); id == "" || id != checkOf[host] {
					t.Errorf("%s: leaf %s -> %s checked by %q, want that host's health check %q", continent, r.Name, host, id, checkOf[host])
				}
				for region, h := range regionHosts {
					if h == host {
						regions = append(regions, region)
					}
				}
			}
			leaf(prim)
			if alias := sec.InputString("aliases[0].name"); alias != "" {
				if v, _ := sec.Input("aliases[0].evaluateTargetHealth"); v != true {
					t.Errorf("%s: SECONDARY of %s aliases %s without evaluateTargetHealth", continent, name, alias)
				}
				if sec.InputString("healthCheckId") != "" {
					t.Errorf("%s: the alias SECONDARY of %s must take its health from its target", continent, name)
				}
				dependsOnTarget := false
				for _, d := range sec.Dependencies {
					if r, ok := p.ByURN(d); ok && r.InputString("name") == alias {
						dependsOnTarget = true
					}
				}
				if !dependsOnTarget {
					t.Errorf("%s: %s does not depend on its alias target %s (Route 53 rejects an alias to a missing record)", continent, sec.Name, alias)
				}
				name = alias
				continue
			}
			leaf(sec)
			name = ""
		}
		if sets != 2 || len(regions) != 3 {
			t.Errorf("%s: %d failover sets reaching %v, want 2 sets reaching all 3 regions", continent, sets, regions)
		}
		if !reflect.DeepEqual(regions, guideChains[continent]) {
			t.Errorf("%s: chain %v, want %v", continent, regions, guideChains[continent])
		}
	}
}

func TestLatencyModeRecords(t *testing.T) {
	p := mustGlobal(t, map[string]string{"livekit-infra:globalRoutingMode": "latency"})
	recs := recordsAt(p, globalHost)
	got := map[string]string{}
	for _, r := range recs {
		if r.InputString("geolocationRoutingPolicies[0].continent") != "" || r.InputString("geolocationRoutingPolicies[0].country") != "" {
			t.Errorf("latency mode declares geolocation record %s", r.Name)
		}
		got[r.InputString("latencyRoutingPolicies[0].region")] = r.InputString("aliases[0].name")
	}
	want := map[string]string{
		"us-west-2":      "aws-prod.gcp-eu.azure-asia.failover." + globalHost,
		"eu-west-3":      "gcp-eu.aws-prod.azure-asia.failover." + globalHost,
		"ap-southeast-1": "azure-asia.aws-prod.gcp-eu.failover." + globalHost,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("latency records:\n got %v\nwant %v", got, want)
	}
	if p.Outputs["routingMode"] != "latency" {
		t.Errorf("routingMode output %v", p.Outputs["routingMode"])
	}
}

func TestOutputs(t *testing.T) {
	p := mustGlobal(t, nil)
	o := p.Outputs
	if o["url"] != "wss://livekit.example.com" {
		t.Errorf("url = %v, want wss://livekit.example.com", o["url"])
	}
	wantURLs := map[string]any{}
	for r, h := range regionHosts {
		wantURLs[r] = "wss://" + h
	}
	if !reflect.DeepEqual(o["regionUrls"], wantURLs) {
		t.Errorf("regionUrls = %v, want %v", o["regionUrls"], wantURLs)
	}
	wantMatrix := map[string]any{}
	for k, chain := range guideChains {
		var c []any
		for _, r := range chain {
			c = append(c, r)
		}
		wantMatrix[k] = c
	}
	if !reflect.DeepEqual(o["failoverMatrix"], wantMatrix) {
		t.Errorf("failoverMatrix = %v, want %v", o["failoverMatrix"], wantMatrix)
	}
	w, _ := o["worstCaseFailoverSeconds"].(int)
	if w != 66 || w > 90 {
		t.Errorf("worstCaseFailoverSeconds = %v, want 66 (10 s x 3 + 6 s probe + TTL 30), at most 90", o["worstCaseFailoverSeconds"])
	}
	if o["ttlSeconds"] != 30 || o["healthCheckIntervalSeconds"] != 10 || o["healthCheckFailureThreshold"] != 3 || o["rtoSeconds"] != 300 {
		t.Errorf("timing outputs: ttl %v interval %v threshold %v rto %v", o["ttlSeconds"], o["healthCheckIntervalSeconds"], o["healthCheckFailureThreshold"], o["rtoSeconds"])
	}
	ids, _ := o["healthCheckIds"].(map[string]any)
	for _, hc := range p.ByType("aws:route53/healthCheck:HealthCheck") {
		found := false
		for _, id := range ids {
			found = found || id == hc.ID
		}
		if !found {
			t.Errorf("health check %s missing from healthCheckIds %v", hc.ID, ids)
		}
	}
	regions, _ := o["regions"].(map[string]any)
	aws, _ := regions["aws-prod"].(map[string]any)
	if aws["cloud"] != "aws" || aws["region"] != "us-west-2" || aws["stack"] != awsRef || aws["healthUrl"] != "https://aws-prod.example.com/" {
		t.Errorf("regions[aws-prod] = %v", aws)
	}
	if len(p.SecretOutputs) != 0 {
		t.Errorf("secret outputs %v: the global stack holds no secrets", p.SecretOutputs)
	}
}

func TestSlowHealthChecksReportTheLargerFailoverTime(t *testing.T) {
	slow := map[string]string{
		"livekit-infra:globalHealthCheckInterval":         "30",
		"livekit-infra:globalHealthCheckFailureThreshold": "10",
	}
	// 30 x 10 + 6 + 30 = 336 s: beyond the default RTO of 300 s.
	_, err := evalGlobal(t, slow, nil)
	if err == nil || !strings.Contains(err.Error(), "livekit-infra:globalRtoSeconds") || !strings.Contains(err.Error(), "336 s") {
		t.Fatalf("want the RTO rejected with 336 s, got %v", err)
	}
	slow["livekit-infra:globalRtoSeconds"] = "600"
	p := mustGlobal(t, slow)
	if got := p.Outputs["worstCaseFailoverSeconds"]; got != 336 {
		t.Errorf("worstCaseFailoverSeconds = %v, want 336", got)
	}
}

func TestStackReferences(t *testing.T) {
	p := mustGlobal(t, nil)
	var names []string
	for _, r := range p.ByType("pulumi:pulumi:StackReference") {
		names = append(names, r.InputString("name"))
	}
	sort.Strings(names)
	want := []string{awsRef, azureRef, gcpRef}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("stack references %v, want %v", names, want)
	}
	// The endpoints come from the references, not from config: other
	// outputs give other records.
	outs := regionalOutputs(t)
	outs[gcpRef]["hostname"] = "eu.example.com"
	outs[gcpRef]["url"] = "wss://eu.example.com"
	p2, err := evalGlobal(t, nil, outs)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, hc := range p2.ByType("aws:route53/healthCheck:HealthCheck") {
		found = found || hc.InputString("fqdn") == "eu.example.com"
	}
	if !found {
		t.Error("changing gcp-eu's hostname output did not change its health check")
	}
}

// Each region's certificate must carry the global hostname: GeoDNS sends
// clients there under it. The AWS region's ACM certificate does; the global
// stack refuses a region that serves another global name.
func TestRegionalCertificatesCarryGlobalHostname(t *testing.T) {
	ap := awsRegionalPlan(t)
	var signaling []plan.Resource
	for _, c := range ap.ByType("aws:acm/certificate:Certificate") {
		if c.InputString("domainName") == "aws-prod.example.com" {
			signaling = append(signaling, c)
		}
	}
	if len(signaling) != 1 {
		t.Fatalf("aws-prod: %d certificates for aws-prod.example.com, want the signaling one", len(signaling))
	}
	c := signaling[0]
	sans, _ := c.Input("subjectAlternativeNames")
	if !reflect.DeepEqual(sans, []any{globalHost}) {
		t.Errorf("aws-prod signaling certificate: SANs %v, want [%s]", sans, globalHost)
	}
	if ap.Outputs["globalHostname"] != globalHost {
		t.Errorf("aws-prod exports globalHostname %v", ap.Outputs["globalHostname"])
	}

	outs := regionalOutputs(t)
	outs[gcpRef]["globalHostname"] = "livekit.example.org"
	_, err := evalGlobal(t, nil, outs)
	if err == nil || !strings.Contains(err.Error(), "gcp-eu") || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a region serving another global hostname must fail the plan, got %v", err)
	}
}

func TestMissingRegionalOutputsFail(t *testing.T) {
	outs := regionalOutputs(t)
	delete(outs[azureRef], "hostname")
	_, err := evalGlobal(t, nil, outs)
	if err == nil || !strings.Contains(err.Error(), azureRef) || !strings.Contains(err.Error(), `"hostname"`) {
		t.Fatalf("want an error naming the stack and output, got %v", err)
	}

	outs = regionalOutputs(t)
	outs[gcpRef]["hostname"] = globalHost
	if _, err := evalGlobal(t, nil, outs); err == nil || !strings.Contains(err.Error(), "global hostname") {
		t.Fatalf("a region whose hostname is the global one must fail, got %v", err)
	}

	// Without a globalHostname output the certificate cannot be checked:
	// warned, not fatal (regions of other clouds may not export it yet).
	outs = regionalOutputs(t)
	delete(outs[azureRef], "globalHostname")
	if _, err := evalGlobal(t, nil, outs); err != nil {
		t.Fatalf("missing globalHostname output: %v", err)
	}
}

func TestComponentTree(t *testing.T) {
	p := mustGlobal(t, nil)
	comps := p.ByType("livekit-infra:index:GlobalTraffic")
	if len(comps) != 1 {
		t.Fatalf("%d GlobalTraffic components", len(comps))
	}
	for _, typ := range []string{"aws:route53/healthCheck:HealthCheck", "aws:route53/record:Record", "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic", "aws:kms/key:Key"} {
		for _, r := range p.ByType(typ) {
			if typ == "aws:kms/key:Key" && r.Name == centralName {
				continue // the central metrics workspace's key (centralmetrics_test.go)
			}
			if r.Parent != comps[0].URN {
				t.Errorf("%s %s is not a child of GlobalTraffic", typ, r.Name)
			}
		}
	}
}
