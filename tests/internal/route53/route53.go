// Package route53 is a small model of Route 53, written from its
// documentation and independent of the planner (components/routing): how a
// hosted zone answers a query from the records a stack declares
// (failover, geolocation, latency and alias records with evaluate target
// health), and how health checkers decide whether an endpoint is healthy
// (Checkers). tests/global checks the declared records against the routing
// plan with it for every health combination; tests/e2e drives it with real
// HTTP probes of real LiveKit nodes.
package route53

import (
	"fmt"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Resource types the model reads from a plan.
const (
	RecordType      = "aws:route53/record:Record"
	HealthCheckType = "aws:route53/healthCheck:HealthCheck"
)

// Record is one Route 53 record as the evaluator sees it.
type Record struct {
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

// Client is who asks: the continent Route 53 places the resolver on ("" =
// location unknown) and the AWS region of lowest latency to it.
type Client struct {
	Continent     string
	LatencyRegion string
}

// Zone answers queries the way Route 53 documents it:
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
//
// A zone whose records break Route 53's rules (an alias loop, mixed routing
// policies, a failover set without both roles) fails the test T.
type Zone struct {
	T    testing.TB
	Sets map[string][]Record // by record name
	// CheckUp reports whether the health check with this id is healthy.
	CheckUp func(id string) bool
}

func (z *Zone) recordHealthy(r Record, depth int) bool {
	if depth > 10 {
		z.T.Fatalf("alias loop at %s", r.Name)
	}
	if r.HealthCheckID != "" && !z.CheckUp(r.HealthCheckID) {
		return false
	}
	if r.Alias != "" && r.EvaluateTargetHealth {
		for _, tr := range z.Sets[r.Alias] {
			if z.recordHealthy(tr, depth+1) {
				return true
			}
		}
		return false
	}
	return true
}

// Answer resolves name for c: the final CNAME target, its TTL and how many
// failover record sets were traversed.
func (z *Zone) Answer(name string, c Client) (value string, ttl, failoverSets int) {
	return z.answer(name, c, 0)
}

func (z *Zone) answer(name string, c Client, depth int) (value string, ttl, failoverSets int) {
	rs := z.Sets[name]
	if len(rs) == 0 {
		z.T.Fatalf("no record %s", name)
	}
	var chosen *Record
	pick := func(cands ...*Record) *Record {
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
	find := func(match func(Record) bool) *Record {
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
				z.T.Fatalf("%s mixes failover and other routing policies", name)
			}
		}
		p := find(func(r Record) bool { return r.Failover == "PRIMARY" })
		s := find(func(r Record) bool { return r.Failover == "SECONDARY" })
		if p == nil || s == nil {
			z.T.Fatalf("failover set %s lacks a PRIMARY or SECONDARY", name)
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
		own := find(func(r Record) bool { return c.Continent != "" && r.Continent == c.Continent })
		def := find(func(r Record) bool { return r.Country == "*" })
		chosen = pick(own, def)
	case rs[0].LatencyRegion != "":
		chosen = pick(find(func(r Record) bool { return r.LatencyRegion == c.LatencyRegion }))
	default:
		if len(rs) != 1 {
			z.T.Fatalf("%s: %d simple records", name, len(rs))
		}
		chosen = &rs[0]
	}
	if chosen == nil {
		z.T.Fatalf("%s: no record answers client %+v", name, c)
	}
	if chosen.Alias == "" {
		return chosen.Value, chosen.TTL, failoverSets
	}
	if chosen.AliasZone != chosen.ZoneID {
		z.T.Fatalf("%s aliases %s in zone %s, not its own zone %s", name, chosen.Alias, chosen.AliasZone, chosen.ZoneID)
	}
	for _, tr := range z.Sets[chosen.Alias] {
		if tr.Type != chosen.Type {
			z.T.Fatalf("%s (%s) aliases %s of type %s: Route 53 aliases need the same type", name, chosen.Type, chosen.Alias, tr.Type)
		}
	}
	v, ttl, n := z.answer(chosen.Alias, c, depth+1)
	return v, ttl, failoverSets + n
}

// ZoneFromPlan reads the Route 53 records and health checks the stack
// declared. hostRegion maps each regional hostname to its region;
// checkRegion maps each health check id to the region whose hostname it
// probes.
func ZoneFromPlan(t testing.TB, p *plan.Plan, hostRegion map[string]string) (sets map[string][]Record, checkRegion map[string]string) {
	t.Helper()
	checkRegion = map[string]string{}
	for _, hc := range p.ByType(HealthCheckType) {
		region, ok := hostRegion[hc.InputString("fqdn")]
		if !ok {
			t.Fatalf("health check %s probes %q, no region's hostname", hc.Name, hc.InputString("fqdn"))
		}
		checkRegion[hc.ID] = region
	}
	sets = map[string][]Record{}
	for _, r := range p.ByType(RecordType) {
		rec := Record{
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

// HealthCheck is one declared Route 53 health check.
type HealthCheck struct {
	ID   string // the id records refer to (healthCheckId)
	Name string // the resource name, for messages
	// Type is HTTP, HTTPS, HTTP_STR_MATCH, ... (only HTTP and HTTPS are
	// modelled: healthy on a 2xx or 3xx status).
	Type         string
	FQDN         string
	Port         int
	ResourcePath string
	// RequestInterval (10 or 30 s) and FailureThreshold (1-10) as declared;
	// Route 53's defaults (30 s, 3) when absent.
	RequestInterval  int
	FailureThreshold int
	// Regions are the checker regions; empty means Route 53's default set.
	Regions []string
}

// DefaultCheckerRegions are the regions Route 53 runs health checkers from
// when a health check names none.
var DefaultCheckerRegions = []string{"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"}

// HealthChecksFromPlan reads every declared health check.
func HealthChecksFromPlan(p *plan.Plan) ([]HealthCheck, error) {
	var out []HealthCheck
	for _, r := range p.ByType(HealthCheckType) {
		hc := HealthCheck{
			ID: r.ID, Name: r.Name, Type: r.InputString("type"),
			FQDN: strings.ToLower(r.InputString("fqdn")), ResourcePath: r.InputString("resourcePath"),
			RequestInterval: 30, FailureThreshold: 3,
		}
		if hc.ID == "" {
			return nil, fmt.Errorf("health check %s has no id", r.Name)
		}
		if hc.Type != "HTTP" && hc.Type != "HTTPS" {
			return nil, fmt.Errorf("health check %s: type %q; the model knows HTTP and HTTPS", r.Name, hc.Type)
		}
		if hc.ResourcePath == "" {
			hc.ResourcePath = "/"
		}
		if v, ok := r.Input("port"); ok {
			hc.Port, _ = v.(int)
		}
		if v, ok := r.Input("requestInterval"); ok {
			hc.RequestInterval, _ = v.(int)
		}
		if v, ok := r.Input("failureThreshold"); ok {
			hc.FailureThreshold, _ = v.(int)
		}
		if hc.RequestInterval != 10 && hc.RequestInterval != 30 {
			return nil, fmt.Errorf("health check %s: request interval %d s; Route 53 accepts 10 or 30", r.Name, hc.RequestInterval)
		}
		if hc.FailureThreshold < 1 || hc.FailureThreshold > 10 {
			return nil, fmt.Errorf("health check %s: failure threshold %d; Route 53 accepts 1 to 10", r.Name, hc.FailureThreshold)
		}
		if v, ok := r.Input("regions"); ok {
			list, _ := v.([]any)
			for _, e := range list {
				if s, ok := e.(string); ok {
					hc.Regions = append(hc.Regions, s)
				}
			}
		}
		out = append(out, hc)
	}
	return out, nil
}
