package global

import (
	"reflect"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

const regionsKey = "livekit-infra:globalRegions"

func TestCommittedGlobalConfigIsTheGuideDefault(t *testing.T) {
	s, err := parseGlobal(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := s.Global
	if s.Kind != stackconfig.KindGlobal || s.GlobalHostname != globalHost || s.Domain != "example.com" || s.ZoneID != "Z0123456789EXAMPLE" {
		t.Fatalf("stack: kind %s host %s domain %s zone %s", s.Kind, s.GlobalHostname, s.Domain, s.ZoneID)
	}
	var stacks []string
	for _, r := range g.Regions {
		stacks = append(stacks, r.Stack)
	}
	if !reflect.DeepEqual(stacks, []string{awsRef, gcpRef, azureRef}) {
		t.Errorf("regional stacks %v", stacks)
	}
	if g.Routing.TTL != 30 || g.HealthCheck.IntervalSeconds != 10 || g.HealthCheck.FailureThreshold != 3 || len(g.HealthCheck.Regions) != 8 || g.RTOSeconds != 300 {
		t.Errorf("defaults: ttl %d interval %d threshold %d checkers %v rto %d", g.Routing.TTL, g.HealthCheck.IntervalSeconds, g.HealthCheck.FailureThreshold, g.HealthCheck.Regions, g.RTOSeconds)
	}

	// A minimal Pulumi.global.yaml (no globalRegions) gets the same regions.
	minimal, err := parseGlobal(t, map[string]string{regionsKey: ""})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(minimal.Global.Routing.Matrix(), g.Routing.Matrix()) || !reflect.DeepEqual(minimal.Global.Regions, g.Regions) {
		t.Errorf("default regions differ from the committed ones:\n%v\n%v", minimal.Global.Regions, g.Regions)
	}
}

func TestGlobalKeysApplyOnlyToGlobal(t *testing.T) {
	n := 0
	for _, k := range stackconfig.Keys {
		if !strings.HasPrefix(k.Name, "global") || k.Name == "globalHostname" {
			continue
		}
		n++
		if !reflect.DeepEqual(k.Kinds, []stackconfig.Kind{stackconfig.KindGlobal}) {
			t.Errorf("%s applies to %v, want only global", k.Name, k.Kinds)
		}
		if k.Default == nil {
			t.Errorf("%s has no default: a minimal Pulumi.global.yaml must work", k.Name)
		}
	}
	if n < 8 {
		t.Errorf("%d global keys", n)
	}
	k, _ := stackconfig.KeyByName("globalRegions")
	if k.Type != "array" || k.Items != "object" {
		t.Errorf("globalRegions declared as %s of %q, want array of object", k.Type, k.Items)
	}
}

func withRegion(t *testing.T, i int, field string, value any) string {
	t.Helper()
	rs := defaultRegions()
	if value == nil {
		delete(rs[i], field)
	} else {
		rs[i][field] = value
	}
	return regionsJSON(t, rs...)
}

func TestGlobalConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name      string
		overrides map[string]string
		key       string
		contains  string
	}{
		{"bad continent code", map[string]string{regionsKey: withRegion(t, 1, "continents", []any{"EU", "XX"})},
			regionsKey + "[1].continents", `"XX"`},
		{"default is not a continent", map[string]string{regionsKey: withRegion(t, 2, "continents", []any{"*"})},
			regionsKey + "[2].continents", "primary"},
		{"continent served twice", map[string]string{regionsKey: withRegion(t, 2, "continents", []any{"AS", "EU"})},
			regionsKey + "[2].continents", "already served first by region 1 (gcp-eu)"},
		{"duplicate region names", map[string]string{regionsKey: withRegion(t, 2, "name", "gcp-eu")},
			regionsKey + "[2].name", "unique"},
		{"duplicate stacks", map[string]string{regionsKey: withRegion(t, 1, "stack", awsRef)},
			regionsKey + "[1].stack", "is also the stack of " + regionsKey + "[0]"},
		{"chain names unknown region", map[string]string{regionsKey: withRegion(t, 0, "failover", []any{"gcp-eu", "azure-asa"})},
			regionsKey + "[0].failover", `"azure-asa": is not a region name`},
		{"chain names itself", map[string]string{regionsKey: withRegion(t, 0, "failover", []any{"aws-prod"})},
			regionsKey + "[0].failover", "itself"},
		{"chain repeats a region", map[string]string{regionsKey: withRegion(t, 0, "failover", []any{"gcp-eu", "gcp-eu"})},
			regionsKey + "[0].failover", "twice"},
		{"missing stack", map[string]string{regionsKey: withRegion(t, 1, "stack", nil)},
			regionsKey + "[1].stack", "(not set)"},
		{"latitude out of range", map[string]string{regionsKey: withRegion(t, 0, "latitude", 145.8)},
			regionsKey + "[0].latitude", "-90 to 90"},
		{"longitude not a number", map[string]string{regionsKey: withRegion(t, 0, "longitude", "west")},
			regionsKey + "[0].longitude", "number"},
		{"field typo", map[string]string{regionsKey: withRegion(t, 0, "continent", []any{"NA"})},
			regionsKey + "[0].continent", "did you mean continents?"},
		{"not a list", map[string]string{regionsKey: `{"name":"aws-prod"}`},
			regionsKey, "list of regions"},
		{"one region", map[string]string{regionsKey: regionsJSON(t, defaultRegions()[0])},
			regionsKey, "2 to 8 regions"},
		{"apex as global hostname", map[string]string{"livekit-infra:globalHostname": "example.com"},
			"livekit-infra:globalHostname", "below its apex"},
		{"global hostname outside the zone", map[string]string{"livekit-infra:globalHostname": "livekit.example.org"},
			"livekit-infra:globalHostname", "inside the zone example.com"},
		{"routing mode", map[string]string{"livekit-infra:globalRoutingMode": "geoproximity"},
			"livekit-infra:globalRoutingMode", "geolocation, latency"},
		{"interval", map[string]string{"livekit-infra:globalHealthCheckInterval": "20"},
			"livekit-infra:globalHealthCheckInterval", "10 or 30"},
		{"threshold", map[string]string{"livekit-infra:globalHealthCheckFailureThreshold": "11"},
			"livekit-infra:globalHealthCheckFailureThreshold", "from 1 to 10"},
		{"too few checker regions", map[string]string{"livekit-infra:globalHealthCheckRegions": `["us-east-1","eu-west-1"]`},
			"livekit-infra:globalHealthCheckRegions", "at least 3"},
		{"unknown checker region", map[string]string{"livekit-infra:globalHealthCheckRegions": `["us-east-1","eu-west-1","eu-central-1"]`},
			"livekit-infra:globalHealthCheckRegions", `"eu-central-1": is not a Route 53 health-checker region`},
		{"ttl", map[string]string{"livekit-infra:globalTtl": "1"},
			"livekit-infra:globalTtl", "from 5 to 3600"},
		{"email", map[string]string{"livekit-infra:globalAlarmEmail": "oncall"},
			"livekit-infra:globalAlarmEmail", "email address"},
		{"rto", map[string]string{"livekit-infra:globalTtl": "300"},
			"livekit-infra:globalRtoSeconds", "worst-case failover time is 336 s"},
		{"latency regions collide", map[string]string{"livekit-infra:globalRoutingMode": "latency",
			regionsKey: withRegion(t, 1, "latencyRegion", "us-west-2")},
			regionsKey + "[1].latencyRegion", "distinct AWS regions"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseGlobal(t, c.overrides)
			if err == nil {
				t.Fatal("accepted")
			}
			ps := problems(t, err)
			if !hasProblem(ps, c.key, c.contains) {
				t.Fatalf("no problem for %s containing %q in:\n%v", c.key, c.contains, err)
			}
			seen := map[string]bool{}
			for _, p := range ps {
				if seen[p.String()] {
					t.Errorf("problem reported twice: %s", p)
				}
				seen[p.String()] = true
			}
		})
	}
}

func TestApexReportedOnce(t *testing.T) {
	_, err := parseGlobal(t, map[string]string{"livekit-infra:globalHostname": "example.com"})
	n := 0
	for _, p := range problems(t, err) {
		if p.Key == "livekit-infra:globalHostname" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("apex hostname reported %d times:\n%v", n, err)
	}
}

func TestGlobalProblemsReportedTogether(t *testing.T) {
	_, err := parseGlobal(t, map[string]string{
		regionsKey: withRegion(t, 1, "continents", []any{"EU", "XX"}),
		"livekit-infra:globalHealthCheckInterval": "20",
		"livekit-infra:globalAlarmEmail":          "nobody",
	})
	ps := problems(t, err)
	for _, key := range []string{regionsKey + "[1].continents", "livekit-infra:globalHealthCheckInterval", "livekit-infra:globalAlarmEmail"} {
		if !hasProblem(ps, key, "") {
			t.Errorf("%s not reported in:\n%v", key, err)
		}
	}
}

// Region names are optional: the stack's last segment.
func TestRegionNameDefaultsToStack(t *testing.T) {
	rs := defaultRegions()
	for _, r := range rs {
		delete(r, "name")
	}
	s, err := parseGlobal(t, map[string]string{regionsKey: regionsJSON(t, rs...)})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Global.Routing.Names(); !reflect.DeepEqual(got, []string{"aws-prod", "gcp-eu", "azure-asia"}) {
		t.Errorf("names %v", got)
	}
}
