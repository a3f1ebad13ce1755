package stackconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/livekit-infra/livekit-infra/components/routing"
)

var globalOnly = []Kind{KindGlobal}

// DefaultGlobalRegions is the guide's topology: AWS us-west-2 primary (the
// Americas and the default location), GCP Europe secondary (Europe, Africa),
// Azure Asia tertiary (Asia, Oceania). Each fails over to the others in
// priority order.
var DefaultGlobalRegions = []any{
	map[string]any{
		"name": "aws-prod", "stack": "organization/livekit-infra/aws-prod",
		"latitude": 45.84, "longitude": -119.70, // us-west-2, Oregon
		"continents": []any{"NA", "SA"},
		"failover":   []any{"gcp-eu", "azure-asia"},
	},
	map[string]any{
		"name": "gcp-eu", "stack": "organization/livekit-infra/gcp-eu",
		"latitude": 50.45, "longitude": 3.82, // europe-west1, Belgium
		"continents": []any{"EU", "AF"},
		"failover":   []any{"aws-prod", "azure-asia"},
	},
	map[string]any{
		"name": "azure-asia", "stack": "organization/livekit-infra/azure-asia",
		"latitude": 1.28, "longitude": 103.83, // southeastasia, Singapore
		"continents": []any{"AS", "OC"},
		"failover":   []any{"aws-prod", "gcp-eu"},
	},
}

// HealthCheckerRegions are the regions Route 53 health checkers run from.
var HealthCheckerRegions = []string{"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"}

// globalKeys are the global kind's keys.
var globalKeys = []Key{
	{Name: "globalRegions", Type: "array", Items: "object", Default: DefaultGlobalRegions, Kinds: globalOnly,
		Description: "Regions behind the global hostname, primary first: each {name, stack (the regional stack, e.g. organization/livekit-infra/aws-prod), latitude, longitude, continents it serves first (AF AN AS EU NA OC SA), failover (regions to try next, in order; unlisted ones follow in list order), latencyRegion (optional)}."},
	{Name: "globalRoutingMode", Type: "string", Default: string(routing.Geolocation), Kinds: globalOnly,
		Description: "How the global hostname picks a client's first region: geolocation (by continent) or latency (lowest latency); either way it then fails over along that region's chain."},
	{Name: "globalTtl", Type: "integer", Default: 30, Kinds: globalOnly,
		Description: "TTL (seconds) of the failover answers for the global hostname; part of the worst-case failover time."},
	{Name: "globalHealthCheckInterval", Type: "integer", Default: routing.FastInterval, Kinds: globalOnly,
		Description: "Route 53 health-check request interval: 10 (fast) or 30 seconds."},
	{Name: "globalHealthCheckFailureThreshold", Type: "integer", Default: 3, Kinds: globalOnly,
		Description: "Consecutive failed health checks (1-10) before a region counts as down."},
	{Name: "globalHealthCheckRegions", Type: "array", Default: globalAny(HealthCheckerRegions), Kinds: globalOnly,
		Description: "Route 53 health-checker regions (at least 3): " + strings.Join(HealthCheckerRegions, ", ") + "."},
	{Name: "globalAlarmEmail", Type: "string", Default: "", Kinds: globalOnly,
		Description: "Email address subscribed to the region-health alarms; empty subscribes nobody (the SNS topic is still created)."},
	{Name: "globalRtoSeconds", Type: "integer", Default: 300, Kinds: globalOnly,
		Description: "Recovery time objective (seconds): the config is rejected when the worst-case failover time (interval x threshold + 6 s probe + TTL) exceeds it."},
}

func init() { Keys = append(Keys, globalKeys...) }

func globalAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// Global holds the global-kind settings.
type Global struct {
	// Owner is the owner cost-allocation tag (budget.go).
	Owner string
	// Regions in priority order, with the regional stacks to read.
	Regions []GlobalRegion
	// Routing is the validated routing plan (mode, TTL, chains).
	Routing     *routing.Plan
	HealthCheck GlobalHealthCheck
	// AlarmEmail is subscribed to the alarm topic when set.
	AlarmEmail string
	RTOSeconds int
	// WorstCaseFailoverSeconds is computed from the health check and TTL.
	WorstCaseFailoverSeconds int
}

// GlobalRegion is one region of the global stack.
type GlobalRegion struct {
	routing.Region
	// Stack is the regional stack's fully qualified name, read through a
	// StackReference.
	Stack string
}

// GlobalHealthCheck configures the per-region Route 53 health checks.
type GlobalHealthCheck struct {
	routing.HealthCheck
	// Regions the checkers run from.
	Regions []string
}

var (
	globalEmailRe = regexp.MustCompile(`^[^@\s]+@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$`)
)

// regionFields are the fields of one globalRegions entry.
var regionFields = []string{"name", "stack", "latitude", "longitude", "continents", "failover", "latencyRegion"}

func (p *parser) global(s *Stack) *Global {
	g := &Global{}
	key := spec("globalRegions").Full()
	regions, ok := p.globalRegions(key)

	mode := p.oneOf("globalRoutingMode", string(routing.Geolocation), string(routing.Latency))
	ttl := p.integer("globalTtl", routing.MinTTL, routing.MaxTTL)

	hc := GlobalHealthCheck{}
	hc.IntervalSeconds = p.integer("globalHealthCheckInterval", routing.FastInterval, routing.StandardInterval)
	if hc.IntervalSeconds != routing.FastInterval && hc.IntervalSeconds != routing.StandardInterval {
		p.fail(spec("globalHealthCheckInterval").Full(), strconv.Itoa(hc.IntervalSeconds), "must be 10 or 30 (the only Route 53 request intervals)")
	}
	hc.FailureThreshold = p.integer("globalHealthCheckFailureThreshold", routing.MinFailureThreshold, routing.MaxFailureThreshold)
	hc.Regions = p.list("globalHealthCheckRegions")
	hcKey := spec("globalHealthCheckRegions").Full()
	seen := map[string]bool{}
	for _, r := range hc.Regions {
		if !slices.Contains(HealthCheckerRegions, r) {
			p.fail(hcKey, quote(r), "is not a Route 53 health-checker region; allowed: "+strings.Join(HealthCheckerRegions, ", "))
		} else if seen[r] {
			p.fail(hcKey, quote(r), "is listed twice")
		}
		seen[r] = true
	}
	if len(seen) < 3 {
		p.fail(hcKey, "["+strings.Join(hc.Regions, ", ")+"]", "must list at least 3 distinct checker regions (Route 53's minimum)")
	}
	g.HealthCheck = hc

	g.AlarmEmail = p.str("globalAlarmEmail")
	if g.AlarmEmail != "" && !globalEmailRe.MatchString(g.AlarmEmail) {
		p.fail(spec("globalAlarmEmail").Full(), quote(g.AlarmEmail), "must be an email address, or empty for no subscription")
	}

	g.RTOSeconds = p.integer("globalRtoSeconds", 30, 86400)
	g.WorstCaseFailoverSeconds = routing.WorstCaseFailoverSeconds(hc.HealthCheck, ttl)
	if g.WorstCaseFailoverSeconds > g.RTOSeconds {
		p.fail(spec("globalRtoSeconds").Full(), strconv.Itoa(g.RTOSeconds), fmt.Sprintf(
			"the worst-case failover time is %d s (globalHealthCheckInterval %d x globalHealthCheckFailureThreshold %d + %d s probe + globalTtl %d): lower those or raise the RTO",
			g.WorstCaseFailoverSeconds, hc.IntervalSeconds, hc.FailureThreshold, routing.ProbeSeconds, ttl))
	}

	if !ok {
		return g
	}
	g.Regions = regions
	cfg := routing.Config{Hostname: s.GlobalHostname, Zone: s.Domain, Mode: routing.Mode(mode), TTL: ttl}
	for _, r := range regions {
		cfg.Regions = append(cfg.Regions, r.Region)
	}
	plan, err := routing.New(cfg)
	if err != nil {
		rerr, isRouting := err.(*routing.Error)
		if !isRouting {
			p.fail(key, "", err.Error())
			return g
		}
		for _, pr := range rerr.Problems {
			var k string
			switch {
			case pr.Region >= 0:
				k = fmt.Sprintf("%s[%d].%s", key, pr.Region, pr.Field)
			case pr.Field == "hostname":
				k = spec("globalHostname").Full()
			case pr.Field == "zone":
				k = spec("domain").Full()
			case pr.Field == "ttl":
				k = spec("globalTtl").Full()
			case pr.Field == "mode":
				k = spec("globalRoutingMode").Full()
			default:
				k = key
			}
			if p.globalReported(k) {
				continue // already reported by the key's own parser
			}
			p.fail(k, pr.Value, pr.Message)
		}
		return g
	}
	g.Routing = plan
	for i := range g.Regions {
		g.Regions[i].Region = plan.Regions[i]
	}
	return g
}

func (p *parser) globalReported(key string) bool {
	for _, pr := range p.problems {
		if pr.Key == key {
			return true
		}
	}
	return false
}

// globalRegions decodes the structured globalRegions value, checking every
// field's type. ok is false when a problem was reported.
func (p *parser) globalRegions(key string) ([]GlobalRegion, bool) {
	raw, _ := p.lookup("globalRegions")
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		p.fail(key, shortJSON(raw), "must be a list of regions, each {name, stack, latitude, longitude, continents, failover}; see Pulumi.global.yaml")
		return nil, false
	}
	before := len(p.problems)
	var out []GlobalRegion
	stacks := map[string]int{}
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", key, i)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
			p.fail(at, shortJSON(string(item)), "must be a region object {name, stack, latitude, longitude, continents, failover}")
			continue
		}
		names := make([]string, 0, len(fields))
		for f := range fields {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			if !slices.Contains(regionFields, f) {
				hint := "is not a region field; fields: " + strings.Join(regionFields, ", ")
				if best := nearestField(f, regionFields); best != "" {
					hint += "; did you mean " + best + "?"
				}
				p.fail(at+"."+f, shortJSON(string(fields[f])), hint)
			}
		}
		r := GlobalRegion{}
		var ok bool
		if r.Stack, ok = p.regionString(at, fields, "stack", true); ok {
			if !stackNameRe.MatchString(r.Stack) {
				p.fail(at+".stack", quote(r.Stack), "must be a stack name such as organization/livekit-infra/aws-prod")
			} else if j, dup := stacks[r.Stack]; dup {
				p.fail(at+".stack", quote(r.Stack), fmt.Sprintf("is also the stack of %s[%d]; each region is its own stack", key, j))
			} else {
				stacks[r.Stack] = i
			}
		}
		r.Name, _ = p.regionString(at, fields, "name", false)
		if r.Name == "" && r.Stack != "" {
			r.Name = r.Stack[strings.LastIndex(r.Stack, "/")+1:]
		}
		r.Latitude = p.regionNumber(at, fields, "latitude")
		r.Longitude = p.regionNumber(at, fields, "longitude")
		for _, c := range p.regionStrings(at, fields, "continents") {
			r.Continents = append(r.Continents, routing.Continent(strings.ToUpper(strings.TrimSpace(c))))
		}
		r.Failover = p.regionStrings(at, fields, "failover")
		r.LatencyRegion, _ = p.regionString(at, fields, "latencyRegion", false)
		out = append(out, r)
	}
	return out, len(p.problems) == before
}

// field reads a string field; ok is false when it is missing or not a string.
func (p *parser) regionString(at string, fields map[string]json.RawMessage, name string, required bool) (string, bool) {
	v, present := fields[name]
	if !present || string(v) == "null" {
		if required {
			p.fail(at+"."+name, "(not set)", "required")
		}
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		p.fail(at+"."+name, shortJSON(string(v)), "must be a string")
		return "", false
	}
	return strings.TrimSpace(s), true
}

func (p *parser) regionNumber(at string, fields map[string]json.RawMessage, name string) float64 {
	v, present := fields[name]
	if !present {
		p.fail(at+"."+name, "(not set)", "required: the region's location in degrees")
		return 0
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil || math.IsNaN(f) {
		// Pulumi hands numbers of structured values as JSON numbers; a
		// quoted number is accepted too.
		var s string
		if json.Unmarshal(v, &s) == nil {
			if g, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return g
			}
		}
		p.fail(at+"."+name, shortJSON(string(v)), "must be a number of degrees")
		return 0
	}
	return f
}

func (p *parser) regionStrings(at string, fields map[string]json.RawMessage, name string) []string {
	v, present := fields[name]
	if !present || string(v) == "null" {
		return nil
	}
	var xs []string
	if err := json.Unmarshal(v, &xs); err != nil {
		p.fail(at+"."+name, shortJSON(string(v)), "must be a list of strings, e.g. [EU, AF]")
		return nil
	}
	return xs
}

func shortJSON(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) == nil {
		s = b.String()
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func nearestField(name string, candidates []string) string {
	best, bestDist := "", 4
	for _, c := range candidates {
		if d := distance(strings.ToLower(name), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}
