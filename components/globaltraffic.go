package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/routing"
)

// GlobalTrafficRegion is one region behind the global hostname: its place in
// the routing plan and its endpoints, read from the regional stack.
type GlobalTrafficRegion struct {
	// Name is the region's name in the plan (routing.Region.Name).
	Name string
	// Hostname is the regional signaling hostname (the regional stack's
	// `hostname` output). Its certificate must also carry the global
	// hostname, since GeoDNS sends clients there under the global name.
	Hostname pulumi.StringInput
	// URL is the regional wss:// URL, for token servers that pin a room to
	// one region (rooms are region-local: one Redis per region).
	URL pulumi.StringInput
	// HealthCheckPath is LiveKit's health path as the region serves it;
	// nil means livekit.HealthPath ("/": 200 "OK", 406 without Redis).
	HealthCheckPath pulumi.StringInput
}

// GlobalTrafficArgs is what every implementation of the global layer
// accepts: a validated routing plan, each region's endpoints and the health
// checks that drive failover.
type GlobalTrafficArgs struct {
	// ZoneID is the DNS zone (Route 53 hosted zone) holding every record.
	ZoneID string
	// Plan is the routing plan (routing.New): mode, TTL and every chain.
	// The records declared are exactly Plan.Records().
	Plan *routing.Plan
	// Regions gives the endpoints of every region of the plan.
	Regions []GlobalTrafficRegion
	// HealthCheck is the interval and failure threshold of the per-region
	// checks; HealthCheckRegions the checker locations (at least 3).
	HealthCheck        routing.HealthCheck
	HealthCheckRegions []string
	// AlarmEmail, when set, is subscribed to the region-health alarms.
	AlarmEmail string
	// RTOSeconds, when positive, rejects a configuration whose worst-case
	// failover time exceeds it.
	RTOSeconds int
	// Protect guards the records at the global hostname against deletion.
	Protect bool
}

// Validate rejects incomplete or contradictory args.
func (a *GlobalTrafficArgs) Validate(name string) error {
	return Validate("GlobalTraffic", name, a, (*GlobalTrafficArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *GlobalTrafficArgs) Check(e *ArgErrors) {
	if a.ZoneID == "" {
		e.Add("ZoneID is required")
	}
	if a.Plan == nil {
		e.Add("Plan is required: build it with routing.New")
		return
	}
	byName := map[string]GlobalTrafficRegion{}
	for _, r := range a.Regions {
		if _, dup := byName[r.Name]; dup {
			e.Add("Regions: %q is given twice", r.Name)
		}
		byName[r.Name] = r
		if r.Hostname == nil {
			e.Add("Regions[%s].Hostname is required (the regional stack's hostname output)", r.Name)
		}
		if r.URL == nil {
			e.Add("Regions[%s].URL is required (the regional stack's url output)", r.Name)
		}
	}
	for _, n := range a.Plan.Names() {
		if _, ok := byName[n]; !ok {
			e.Add("Regions: the plan's region %q has no endpoints", n)
		}
	}
	for n := range byName {
		found := false
		for _, pn := range a.Plan.Names() {
			found = found || pn == n
		}
		if !found {
			e.Add("Regions: %q is not a region of the plan (%s)", n, strings.Join(a.Plan.Names(), ", "))
		}
	}
	if err := a.HealthCheck.Validate(); err != nil {
		e.Add("HealthCheck: %w", err)
	}
	if len(a.HealthCheckRegions) != 0 && len(a.HealthCheckRegions) < 3 {
		e.Add("HealthCheckRegions: %d given; Route 53 needs at least 3 (or none for all)", len(a.HealthCheckRegions))
	}
	if w := a.WorstCaseFailoverSeconds(); a.RTOSeconds > 0 && w > a.RTOSeconds {
		e.Add("worst-case failover %d s exceeds the RTO of %d s", w, a.RTOSeconds)
	}
}

// WorstCaseFailoverSeconds is the longest a dead region keeps receiving new
// connections under these args (routing.WorstCaseFailoverSeconds).
func (a *GlobalTrafficArgs) WorstCaseFailoverSeconds() int {
	if a.Plan == nil {
		return 0
	}
	return routing.WorstCaseFailoverSeconds(a.HealthCheck, a.Plan.TTL)
}

// Region returns the endpoints of the named region.
func (a *GlobalTrafficArgs) Region(name string) (GlobalTrafficRegion, error) {
	for _, r := range a.Regions {
		if r.Name == name {
			return r, nil
		}
	}
	return GlobalTrafficRegion{}, fmt.Errorf("GlobalTraffic: no endpoints for region %q", name)
}

// GlobalTrafficOutputs is what every implementation returns. Each cloud's
// component embeds it beside pulumi.ResourceState.
type GlobalTrafficOutputs struct {
	// URL is the global wss:// URL clients connect to.
	URL pulumi.StringOutput
	// RegionURLs maps region name to its wss:// URL.
	RegionURLs pulumi.StringMapOutput
	// FailoverMatrix maps each routing entry (continent code, "*" or, in
	// latency mode, region name) to the regions it tries, in order.
	FailoverMatrix pulumi.StringArrayMapOutput
	// WorstCaseFailoverSeconds is computed from the health-check interval,
	// failure threshold, probe timeout and TTL actually configured.
	WorstCaseFailoverSeconds pulumi.IntOutput
	// HealthCheckIDs maps region name to its health check's id.
	HealthCheckIDs pulumi.StringMapOutput
	// AlarmTopic is the notification topic of the region-health alarms.
	AlarmTopic pulumi.StringOutput
}
