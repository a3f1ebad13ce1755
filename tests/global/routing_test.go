package global

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/routing"
)

// The guide's topology as the committed Pulumi.global.yaml states it,
// written out literally so that a change of defaults fails this test.
var guideChains = map[string][]string{
	"NA": {"aws-prod", "gcp-eu", "azure-asia"},
	"SA": {"aws-prod", "gcp-eu", "azure-asia"},
	"AN": {"aws-prod", "gcp-eu", "azure-asia"}, // no region claims it: the default
	"*":  {"aws-prod", "gcp-eu", "azure-asia"}, // the primary
	"EU": {"gcp-eu", "aws-prod", "azure-asia"},
	"AF": {"gcp-eu", "aws-prod", "azure-asia"},
	"AS": {"azure-asia", "aws-prod", "gcp-eu"},
	"OC": {"azure-asia", "aws-prod", "gcp-eu"},
}

// fourthRegion adds aws-sa (São Paulo) serving South America, by config
// only: a new entry in globalRegions, SA moved to it, no other edit (the
// existing failover lists do not name it; it follows them in list order).
func fourthRegionJSON(t *testing.T) string {
	t.Helper()
	rs := defaultRegions()
	rs[0]["continents"] = []any{"NA"}
	rs = append(rs, map[string]any{
		"name": "aws-sa", "stack": "organization/livekit-infra/aws-sa",
		"latitude": -23.55, "longitude": -46.63, "continents": []any{"SA"},
	})
	return regionsJSON(t, rs...)
}

var fourChains = map[string][]string{
	"NA": {"aws-prod", "gcp-eu", "azure-asia", "aws-sa"},
	"AN": {"aws-prod", "gcp-eu", "azure-asia", "aws-sa"},
	"*":  {"aws-prod", "gcp-eu", "azure-asia", "aws-sa"},
	"SA": {"aws-sa", "aws-prod", "gcp-eu", "azure-asia"},
	"EU": {"gcp-eu", "aws-prod", "azure-asia", "aws-sa"},
	"AF": {"gcp-eu", "aws-prod", "azure-asia", "aws-sa"},
	"AS": {"azure-asia", "aws-prod", "gcp-eu", "aws-sa"},
	"OC": {"azure-asia", "aws-prod", "gcp-eu", "aws-sa"},
}

func committedPlan(t *testing.T, overrides map[string]string) *routing.Plan {
	t.Helper()
	s, err := parseGlobal(t, overrides)
	if err != nil {
		t.Fatalf("parsing Pulumi.global.yaml: %v", err)
	}
	if s.Global.Routing == nil {
		t.Fatal("no routing plan")
	}
	return s.Global.Routing
}

// healthStates enumerates every combination of region health: 2^N maps.
func healthStates(regions []string) []map[string]bool {
	var out []map[string]bool
	for mask := 0; mask < 1<<len(regions); mask++ {
		h := map[string]bool{}
		for i, r := range regions {
			h[r] = mask&(1<<i) != 0
		}
		out = append(out, h)
	}
	return out
}

func describe(h map[string]bool) string {
	s := "up:"
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if h[k] {
			s += " " + k
		}
	}
	return s
}

// expectFirstHealthy is the specification: the first healthy region of the
// chain; with none healthy, the chain's first region (Route 53 answers with
// a failover set's PRIMARY when all its records are unhealthy, so clients
// keep their home region and reconnect there when it comes back).
func expectFirstHealthy(chain []string, h map[string]bool) string {
	for _, r := range chain {
		if h[r] {
			return r
		}
	}
	return chain[0]
}

func checkExhaustive(t *testing.T, p *routing.Plan, want map[string][]string) {
	t.Helper()
	if got := p.Matrix(); !reflect.DeepEqual(got, want) {
		t.Fatalf("failover matrix:\n got %v\nwant %v", got, want)
	}
	names := p.Names()
	states := healthStates(names)
	if len(states) != 1<<len(names) {
		t.Fatalf("%d health states for %d regions", len(states), len(names))
	}
	checked := 0
	for _, h := range states {
		got := p.Resolve(h)
		if len(got) != len(want) {
			t.Fatalf("%s: resolved %d entries, want %d", describe(h), len(got), len(want))
		}
		anyUp := slices.ContainsFunc(names, func(r string) bool { return h[r] })
		for key, chain := range want {
			exp := expectFirstHealthy(chain, h)
			if got[key] != exp {
				t.Errorf("%s, continent %s (chain %v): resolves to %s, want %s", describe(h), key, chain, got[key], exp)
			}
			if anyUp && !h[got[key]] {
				t.Errorf("%s, continent %s: sent to %s, which is down, while a region is up", describe(h), key, got[key])
			}
			checked++
		}
	}
	if want := len(states) * len(want); checked != want {
		t.Fatalf("checked %d cases, want %d", checked, want)
	}
	t.Logf("%d regions: %d health states x %d continents = %d cases", len(names), len(states), len(want), checked)
}

func TestFailoverEveryHealthCombinationThreeRegions(t *testing.T) {
	p := committedPlan(t, nil)
	if got := p.Names(); !reflect.DeepEqual(got, []string{"aws-prod", "gcp-eu", "azure-asia"}) {
		t.Fatalf("regions %v, want the guide's aws-prod (primary), gcp-eu, azure-asia", got)
	}
	checkExhaustive(t, p, guideChains)
}

func TestFailoverEveryHealthCombinationFourRegions(t *testing.T) {
	p := committedPlan(t, map[string]string{"livekit-infra:globalRegions": fourthRegionJSON(t)})
	checkExhaustive(t, p, fourChains)
}

// When every region is down, Route 53 fails open: each continent keeps its
// home region (the first of its chain), instead of an empty answer.
func TestAllRegionsDownKeepsHomeRegion(t *testing.T) {
	p := committedPlan(t, nil)
	got := p.Resolve(map[string]bool{})
	want := map[string]string{"NA": "aws-prod", "SA": "aws-prod", "AN": "aws-prod", "*": "aws-prod",
		"EU": "gcp-eu", "AF": "gcp-eu", "AS": "azure-asia", "OC": "azure-asia"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("all down: got %v, want %v", got, want)
	}
	for _, e := range p.Entries {
		if _, allDown := routing.Pick(e.Chain, func(string) bool { return false }); !allDown {
			t.Errorf("%s: Pick does not report all down", e.Key)
		}
	}
}

// Spot checks a reader can verify against the guide.
func TestFailoverExamples(t *testing.T) {
	p := committedPlan(t, nil)
	for _, c := range []struct {
		up        []string
		continent string
		want      string
	}{
		{[]string{"aws-prod", "gcp-eu", "azure-asia"}, "EU", "gcp-eu"},
		{[]string{"aws-prod", "azure-asia"}, "EU", "aws-prod"},           // GCP down: Europe to the primary
		{[]string{"azure-asia"}, "NA", "azure-asia"},                     // two down: the last one standing
		{[]string{"gcp-eu", "azure-asia"}, "NA", "gcp-eu"},               // primary down
		{[]string{"gcp-eu", "azure-asia"}, "*", "gcp-eu"},                // default follows the primary's chain
		{[]string{"aws-prod", "gcp-eu"}, "OC", "aws-prod"},               // Azure down: Oceania to the primary
		{[]string{"gcp-eu"}, "AS", "gcp-eu"},                             //
		{[]string{"aws-prod", "gcp-eu", "azure-asia"}, "AN", "aws-prod"}, // unclaimed continent: the default
	} {
		h := map[string]bool{}
		for _, r := range c.up {
			h[r] = true
		}
		if got := p.Resolve(h)[c.continent]; got != c.want {
			t.Errorf("up %v, %s: got %s, want %s", c.up, c.continent, got, c.want)
		}
	}
}

func TestLatencyModePlan(t *testing.T) {
	p := committedPlan(t, map[string]string{"livekit-infra:globalRoutingMode": "latency"})
	want := map[string]string{"aws-prod": "us-west-2", "gcp-eu": "eu-west-3", "azure-asia": "ap-southeast-1"}
	if len(p.Entries) != 3 {
		t.Fatalf("latency mode: %d entries, want one per region", len(p.Entries))
	}
	for _, e := range p.Entries {
		if e.LatencyRegion != want[e.Key] {
			t.Errorf("latency record of %s placed at %s, want the nearest AWS region %s", e.Key, e.LatencyRegion, want[e.Key])
		}
		if e.Chain[0] != e.Key || len(e.Chain) != 3 {
			t.Errorf("latency entry %s: chain %v must start at the region and name all 3", e.Key, e.Chain)
		}
	}
	checkExhaustive(t, p, map[string][]string{
		"aws-prod":   guideChains["NA"],
		"gcp-eu":     guideChains["EU"],
		"azure-asia": guideChains["AS"],
	})
}

func TestWorstCaseFailoverSeconds(t *testing.T) {
	for _, c := range []struct {
		interval, threshold, ttl, want int
	}{
		{10, 3, 30, 66},   // defaults: 30 s of failed probes + 6 s probe timeout + TTL 30
		{30, 10, 30, 336}, // the slowest checks
		{10, 1, 5, 21},
		{30, 3, 60, 156},
	} {
		got := routing.WorstCaseFailoverSeconds(routing.HealthCheck{IntervalSeconds: c.interval, FailureThreshold: c.threshold}, c.ttl)
		if got != c.want {
			t.Errorf("interval %d x threshold %d, TTL %d: %d s, want %d", c.interval, c.threshold, c.ttl, got, c.want)
		}
	}
	s, err := parseGlobal(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Global.WorstCaseFailoverSeconds; w > 90 {
		t.Fatalf("default worst-case failover %d s exceeds 90 s", w)
	}
	if w := s.Global.WorstCaseFailoverSeconds; w != 66 {
		t.Fatalf("default worst-case failover %d s, want 66", w)
	}
}

func TestChainRecordNamesShareTails(t *testing.T) {
	p := committedPlan(t, nil)
	recs := p.Records()
	names := map[string]int{}
	for _, r := range recs {
		names[r.Name]++
	}
	// 3 chains of 3 with tails [gcp-eu azure-asia], [aws-prod azure-asia],
	// [aws-prod gcp-eu]: 6 failover record sets of 2 records, plus 8
	// geolocation records at the global hostname.
	if got := names["livekit.example.com"]; got != 8 {
		t.Errorf("%d records at the global hostname, want 8 (7 continents + default)", got)
	}
	if got := p.ChainRecordCount(); got != 12 {
		t.Errorf("%d failover records, want 12", got)
	}
	for n, c := range names {
		if n != "livekit.example.com" && c != 2 {
			t.Errorf("failover set %s has %d records, want PRIMARY and SECONDARY", n, c)
		}
	}
}
