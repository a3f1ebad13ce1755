package global

import (
	"fmt"
	"sort"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/routing"
	"github.com/livekit-infra/livekit-infra/stacks/plan"
)

// r53Record is one Route 53 record as the evaluator sees it.
type r53Record struct {
	Name, Type, SetID, ZoneID string
	Failover                  string // PRIMARY/SECONDARY
	Continent, Country        string // geolocation
	LatencyRegion             string
	Alias, AliasZone          string
	EvaluateTargetHealth      bool
	Value                     string // CNAME target
	TTL                       int
	HealthCheckID             string
}

// r53Zone answers queries the way Route 53 documents it:
//   - failover: the PRIMARY when it is healthy; else the SECONDARY when it is
//     healthy; else (both unhealthy) the PRIMARY.
//   - geolocation: the record of the client's continent, else the default
//     (country "*").
//   - latency: the record of the AWS region nearest the client.
//   - a record is unhealthy when its health check fails, or when it is an
//     alias that evaluates target health and no record at its target is
//     healthy; otherwise it is healthy.
//   - an alias answers as its target would (same zone, same type), with the
//     target's TTL.
type r53Zone struct {
	t       *testing.T
	sets    map[string][]r53Record
	checkUp func(id string) bool
}

type client struct {
	continent     string // "" = location unknown
	latencyRegion string
}

func (z *r53Zone) recordHealthy(r r53Record, depth int) bool {
	if depth > 10 {
		z.t.Fatalf("alias loop at %s", r.Name)
	}
	if r.HealthCheckID != "" && !z.checkUp(r.HealthCheckID) {
		return false
	}
	if r.Alias != "" && r.EvaluateTargetHealth {
		for _, tr := range z.sets[r.Alias] {
			if z.recordHealthy(tr, depth+1) {
				return true
			}
		}
		return false
	}
	return true
}

// answer resolves name for c: the final CNAME target, its TTL and how many
// failover record sets were traversed.
func (z *r53Zone) answer(name string, c client, depth int) (value string, ttl, failoverSets int) {
	rs := z.sets[name]
	if len(rs) == 0 {
		z.t.Fatalf("no record %s", name)
	}
	var chosen *r53Record
	pick := func(cands ...*r53Record) *r53Record {
		for _, r := range cands {
			if r != nil && z.recordHealthy(*r, depth) {
				return r
			}
		}
		for _, r := range cands {
			if r != nil {
				return r
			}
		}
		return nil
	}
	find := func(match func(r53Record) bool) *r53Record {
		for i := range rs {
			if match(rs[i]) {
				return &rs[i]
			}
		}
		return nil
	}
	switch {
	case rs[0].Failover != "":
		for _, r := range rs {
			if r.Failover == "" {
				z.t.Fatalf("%s mixes failover and other routing policies", name)
			}
		}
		p := find(func(r r53Record) bool { return r.Failover == "PRIMARY" })
		s := find(func(r r53Record) bool { return r.Failover == "SECONDARY" })
		if p == nil || s == nil {
			z.t.Fatalf("failover set %s lacks a PRIMARY or SECONDARY", name)
		}
		switch {
		case z.recordHealthy(*p, depth):
			chosen = p
		case z.recordHealthy(*s, depth):
			chosen = s
		default:
			chosen = p
		}
		failoverSets = 1
	case rs[0].Continent != "" || rs[0].Country != "":
		own := find(func(r r53Record) bool { return c.continent != "" && r.Continent == c.continent })
		def := find(func(r r53Record) bool { return r.Country == "*" })
		chosen = pick(own, def)
	case rs[0].LatencyRegion != "":
		chosen = pick(find(func(r r53Record) bool { return r.LatencyRegion == c.latencyRegion }))
	default:
		if len(rs) != 1 {
			z.t.Fatalf("%s: %d simple records", name, len(rs))
		}
		chosen = &rs[0]
	}
	if chosen == nil {
		z.t.Fatalf("%s: no record answers client %+v", name, c)
	}
	if chosen.Alias == "" {
		return chosen.Value, chosen.TTL, failoverSets
	}
	if chosen.AliasZone != chosen.ZoneID {
		z.t.Fatalf("%s aliases %s in zone %s, not its own zone %s", name, chosen.Alias, chosen.AliasZone, chosen.ZoneID)
	}
	for _, tr := range z.sets[chosen.Alias] {
		if tr.Type != chosen.Type {
			z.t.Fatalf("%s (%s) aliases %s of type %s: Route 53 aliases need the same type", name, chosen.Type, chosen.Alias, tr.Type)
		}
	}
	v, ttl, n := z.answer(chosen.Alias, c, depth+1)
	return v, ttl, failoverSets + n
}

// zoneFromPlan reads the Route 53 records and health checks the stack
// declared. checkRegion maps each health check id to the region whose
// hostname it probes.
func zoneFromPlan(t *testing.T, p *plan.Plan, hostRegion map[string]string) (sets map[string][]r53Record, checkRegion map[string]string) {
	t.Helper()
	checkRegion = map[string]string{}
	for _, hc := range p.ByType("aws:route53/healthCheck:HealthCheck") {
		region, ok := hostRegion[hc.InputString("fqdn")]
		if !ok {
			t.Fatalf("health check %s probes %q, no region's hostname", hc.Name, hc.InputString("fqdn"))
		}
		checkRegion[hc.ID] = region
	}
	sets = map[string][]r53Record{}
	for _, r := range p.ByType("aws:route53/record:Record") {
		rec := r53Record{
			Name: r.InputString("name"), Type: r.InputString("type"), SetID: r.InputString("setIdentifier"),
			ZoneID: r.InputString("zoneId"), HealthCheckID: r.InputString("healthCheckId"),
			Failover:      r.InputString("failoverRoutingPolicies[0].type"),
			Continent:     r.InputString("geolocationRoutingPolicies[0].continent"),
			Country:       r.InputString("geolocationRoutingPolicies[0].country"),
			LatencyRegion: r.InputString("latencyRoutingPolicies[0].region"),
			Alias:         r.InputString("aliases[0].name"),
			AliasZone:     r.InputString("aliases[0].zoneId"),
			Value:         r.InputString("records[0]"),
		}
		if v, ok := r.Input("aliases[0].evaluateTargetHealth"); ok {
			rec.EvaluateTargetHealth = v == true
		}
		if v, ok := r.Input("ttl"); ok {
			rec.TTL, _ = v.(int)
		}
		if (rec.Alias == "") == (rec.Value == "") {
			t.Fatalf("record %s/%s: want exactly one of alias and value", rec.Name, rec.SetID)
		}
		sets[rec.Name] = append(sets[rec.Name], rec)
	}
	return sets, checkRegion
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
		z := &r53Zone{t: t, sets: sets, checkUp: func(id string) bool {
			r, ok := checkRegion[id]
			if !ok {
				t.Fatalf("record uses unknown health check %q", id)
			}
			return h[r]
		}}
		want := rp.Resolve(h)
		for _, e := range rp.Entries {
			c := client{continent: string(e.Continent), latencyRegion: e.LatencyRegion}
			if e.Continent == routing.Default {
				c.continent = "" // a resolver Route 53 cannot place
			}
			value, ttl, sets := z.answer(rp.Hostname, c, 0)
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
	z := &r53Zone{t: t, sets: sets, checkUp: func(id string) bool { return true }}
	_ = checkRegion
	v, _, _ := z.answer(rp.Hostname, client{continent: "EU"}, 0)
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
