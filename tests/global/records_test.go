package global

import (
	"fmt"
	"sort"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/routing"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/route53"
)

// The Route 53 evaluator (record parsing from a plan and the answering
// rules) is shared with tests/e2e, which drives it with real health probes:
// tests/internal/route53.

// zoneFromPlan reads the Route 53 records and health checks the stack
// declared. checkRegion maps each health check id to the region whose
// hostname it probes.
func zoneFromPlan(t *testing.T, p *plan.Plan, hostRegion map[string]string) (sets map[string][]route53.Record, checkRegion map[string]string) {
	t.Helper()
	return route53.ZoneFromPlan(t, p, hostRegion)
}

// hostRegions maps each regional hostname to its region name, from the
// regional stacks' outputs.
func hostRegions(outs map[string]map[string]any, refToRegion map[string]string) map[string]string {
	m := map[string]string{}
	for ref, o := range outs {
		m[str(o["hostname"])] = refToRegion[ref]
	}
	return m
}

var guideRefs = map[string]string{awsRef: "aws-prod", gcpRef: "gcp-eu", azureRef: "azure-asia"}

// agree checks, for every health combination and every entry of rp, that
// Route 53 answering from the declared records sends the entry's clients to
// the region the plan resolves, with the configured TTL.
func agree(t *testing.T, p *plan.Plan, rp *routing.Plan, hostRegion map[string]string) {
	t.Helper()
	sets, checkRegion := zoneFromPlan(t, p, hostRegion)
	if len(checkRegion) != len(rp.Names()) {
		t.Fatalf("%d health checks for %d regions", len(checkRegion), len(rp.Names()))
	}
	cases := 0
	for _, h := range healthStates(rp.Names()) {
		z := &route53.Zone{T: t, Sets: sets, CheckUp: func(id string) bool {
			r, ok := checkRegion[id]
			if !ok {
				t.Fatalf("record uses unknown health check %q", id)
			}
			return h[r]
		}}
		want := rp.Resolve(h)
		for _, e := range rp.Entries {
			c := route53.Client{Continent: string(e.Continent), LatencyRegion: e.LatencyRegion}
			if e.Continent == routing.Default {
				c.Continent = "" // a resolver Route 53 cannot place
			}
			value, ttl, sets := z.Answer(rp.Hostname, c)
			got := hostRegion[value]
			if got != want[e.Key] {
				t.Errorf("%s, %s: the records answer %s (%s), the plan says %s", describe(h), e.Key, value, got, want[e.Key])
			}
			if ttl != rp.TTL {
				t.Errorf("%s, %s: answer TTL %d, want the configured %d", describe(h), e.Key, ttl, rp.TTL)
			}
			if sets < 1 || sets > len(rp.Names())-1 {
				t.Errorf("%s, %s: traversed %d failover sets", describe(h), e.Key, sets)
			}
			cases++
		}
	}
	t.Logf("records and plan agree on %d cases", cases)
}

func TestRecordsAgreeWithPlan(t *testing.T) {
	p := mustGlobal(t, nil)
	agree(t, p, committedPlan(t, nil), hostRegions(regionalOutputs(t), guideRefs))
}

func TestRecordsAgreeWithPlanLatencyMode(t *testing.T) {
	o := map[string]string{"livekit-infra:globalRoutingMode": "latency"}
	agree(t, mustGlobal(t, o), committedPlan(t, o), hostRegions(regionalOutputs(t), guideRefs))
}

func TestRecordsAgreeWithPlanFourRegions(t *testing.T) {
	o := map[string]string{"livekit-infra:globalRegions": fourthRegionJSON(t)}
	outs := regionalOutputs(t)
	outs["organization/livekit-infra/aws-sa"] = map[string]any{
		"cloud": "aws", "region": "sa-east-1", "hostname": "aws-sa.example.com",
		"url": "wss://aws-sa.example.com", "healthUrl": "https://aws-sa.example.com/",
		"healthCheckPath": "/", "globalHostname": "livekit.example.com",
		"apiKeyFingerprint": outs[awsRef]["apiKeyFingerprint"],
	}
	p, err := evalGlobal(t, o, outs)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{"organization/livekit-infra/aws-sa": "aws-sa"}
	for k, v := range guideRefs {
		refs[k] = v
	}
	agree(t, p, committedPlan(t, o), hostRegions(outs, refs))
}

// The evaluator must be able to fail: a record set whose PRIMARY and
// SECONDARY are swapped sends clients to the wrong region.
func TestEvaluatorDetectsSwappedFailover(t *testing.T) {
	rp := committedPlan(t, nil)
	p := mustGlobal(t, nil)
	hostRegion := hostRegions(regionalOutputs(t), guideRefs)
	sets, checkRegion := zoneFromPlan(t, p, hostRegion)
	name := rp.ChainName(guideChains["EU"])
	for i := range sets[name] {
		if sets[name][i].Failover == "PRIMARY" {
			sets[name][i].Failover = "SECONDARY"
		} else {
			sets[name][i].Failover = "PRIMARY"
		}
	}
	z := &route53.Zone{T: t, Sets: sets, CheckUp: func(id string) bool { return true }}
	_ = checkRegion
	v, _, _ := z.Answer(rp.Hostname, route53.Client{Continent: "EU"})
	if hostRegion[v] == "gcp-eu" {
		t.Fatal("swapped failover roles still answer gcp-eu for Europe: the evaluator cannot tell")
	}
}

func TestRecordNamesAreInsideTheZone(t *testing.T) {
	p := mustGlobal(t, nil)
	var names []string
	for _, r := range p.ByType("aws:route53/record:Record") {
		n := r.InputString("name")
		if len(n) > 253 || n == "example.com" || !hasSuffix(n, ".example.com") {
			t.Errorf("record name %q: must be inside example.com, below its apex", n)
		}
		names = append(names, fmt.Sprintf("%s/%s", n, r.InputString("setIdentifier")))
		if zone := r.InputString("zoneId"); zone != "Z0123456789EXAMPLE" {
			t.Errorf("record %s in zone %q, want the configured Z0123456789EXAMPLE", n, zone)
		}
	}
	sort.Strings(names)
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			t.Errorf("duplicate record %s", names[i])
		}
	}
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}
