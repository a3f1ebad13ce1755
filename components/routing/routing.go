// Package routing is the pure model of the global GeoDNS layer: which region
// each client population is sent to, for every combination of region health,
// and the DNS records that implement it. It imports no cloud SDK, so the
// exhaustive failover tests run in milliseconds, and the Route 53
// implementation (components/aws.GlobalTraffic) declares exactly the records
// Plan.Records returns: the plan and the records cannot drift apart.
//
// # Model
//
// Regions are listed in priority order: the first is the primary. Each region
// serves some continents first and has a failover order (the regions it
// names, then the rest in list order). A continent's chain is its serving region followed
// by that region's failover order; continents no region claims, and the
// default location ("*", clients Route 53 cannot place), use the primary's
// chain. A chain always names every region, so a continent is served as long
// as any region is healthy.
//
// A client resolves to the first healthy region of its chain. When every
// region is unhealthy, Route 53 fails open: it answers with the chain's first
// region (a failover record set whose records are all unhealthy answers with
// its PRIMARY), so clients keep the region that normally serves them.
package routing

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Continent is a Route 53 geolocation continent code, or Default.
type Continent string

// The Route 53 continent codes and the default location.
const (
	Africa       Continent = "AF"
	Antarctica   Continent = "AN"
	Asia         Continent = "AS"
	Europe       Continent = "EU"
	NorthAmerica Continent = "NA"
	Oceania      Continent = "OC"
	SouthAmerica Continent = "SA"
	// Default matches every client no other geolocation record matches,
	// including resolvers Route 53 cannot place.
	Default Continent = "*"
)

// Continents lists every continent code, in the order plans list them.
var Continents = []Continent{Africa, Antarctica, Asia, Europe, NorthAmerica, Oceania, SouthAmerica}

// IsContinent reports whether c is a Route 53 continent code (not Default).
func IsContinent(c Continent) bool { return slices.Contains(Continents, c) }

// Mode selects how the global hostname picks a client's chain.
type Mode string

// Routing modes.
const (
	// Geolocation routes by the client's continent (one record per
	// continent plus the default).
	Geolocation Mode = "geolocation"
	// Latency routes to the region with the lowest measured latency from
	// the client's resolver (one record per region, placed at the AWS region
	// nearest to it).
	Latency Mode = "latency"
)

// Region is one regional stack as the routing layer sees it.
type Region struct {
	// Name identifies the region in record names, set identifiers and
	// outputs: a DNS label, e.g. "aws-prod".
	Name string
	// Latitude and Longitude locate the region (degrees); latency mode
	// places its record at the nearest AWS region.
	Latitude, Longitude float64
	// Continents are served by this region first.
	Continents []Continent
	// Failover lists other regions in the order to try them when this one
	// is unhealthy; regions it leaves out follow in list order (so every
	// chain names every region). Empty means the other regions in list
	// order.
	Failover []string
	// LatencyRegion is the AWS region whose latency measurements stand for
	// this region (latency mode). Empty means the nearest to the location.
	LatencyRegion string
}

// Config is the whole routing layer.
type Config struct {
	// Hostname is the global hostname clients connect to, e.g.
	// livekit.example.com (never a zone apex: it is a CNAME).
	Hostname string
	// Zone is the DNS zone holding every record, e.g. example.com.
	Zone string
	Mode Mode
	// TTL (seconds) of the records whose answer changes on failover.
	TTL int
	// Regions in priority order; the first is the primary.
	Regions []Region
}

// Limits.
const (
	MinRegions = 2 // failover needs somewhere to go
	MaxRegions = 8 // keeps chain record names within DNS limits
	MinTTL     = 5
	MaxTTL     = 3600
)

// Problem is one invalid field of a Config. Region is the index of the
// region it concerns, or -1 for a Config-level field ("hostname", "mode",
// "ttl", "regions").
type Problem struct {
	Region  int
	Field   string // e.g. "continents", "failover", "name"
	Value   string // the offending value, quoted where it is a string
	Message string // what is allowed
}

func (p Problem) String() string {
	where := p.Field
	if p.Region >= 0 {
		where = fmt.Sprintf("regions[%d].%s", p.Region, p.Field)
	}
	return fmt.Sprintf("%s = %s: %s", where, p.Value, p.Message)
}

// Error lists every problem of a Config.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.String()
	}
	return "invalid routing config: " + strings.Join(s, "; ")
}

// Entry is one population of clients and the chain of regions it tries.
type Entry struct {
	// Key names the population: a continent code or "*" (geolocation mode),
	// or the name of the region whose latency record it is (latency mode).
	Key string
	// Continent is set in geolocation mode.
	Continent Continent
	// LatencyRegion is set in latency mode: the AWS region of the record.
	LatencyRegion string
	// Chain lists every region, in the order this population tries them.
	Chain []string
}

// Plan is a validated routing layer.
type Plan struct {
	Hostname string
	Mode     Mode
	TTL      int
	// Regions with defaults applied (Failover and LatencyRegion filled).
	Regions []Region
	// Entries: geolocation mode lists every continent then "*"; latency
	// mode one entry per region, in region order.
	Entries []Entry
}

var (
	labelRe    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)
	hostnameRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)
	awsRegion  = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
)

// New validates c and computes its plan. Every problem is reported.
func New(c Config) (*Plan, error) {
	var probs []Problem
	fail := func(region int, field, value, msg string) {
		probs = append(probs, Problem{Region: region, Field: field, Value: value, Message: msg})
	}
	if !hostnameRe.MatchString(c.Zone) {
		fail(-1, "zone", strconv.Quote(c.Zone), "must be a DNS name such as example.com")
	}
	if !hostnameRe.MatchString(c.Hostname) || !strings.HasSuffix(c.Hostname, "."+c.Zone) {
		fail(-1, "hostname", strconv.Quote(c.Hostname), fmt.Sprintf("must be a DNS name inside the zone %s, below its apex, e.g. livekit.%s (the global name is a CNAME, which the apex cannot hold)", c.Zone, c.Zone))
	}
	if c.Mode != Geolocation && c.Mode != Latency {
		fail(-1, "mode", strconv.Quote(string(c.Mode)), "must be geolocation or latency")
	}
	if c.TTL < MinTTL || c.TTL > MaxTTL {
		fail(-1, "ttl", strconv.Itoa(c.TTL), fmt.Sprintf("must be from %d to %d seconds", MinTTL, MaxTTL))
	}
	if n := len(c.Regions); n < MinRegions || n > MaxRegions {
		fail(-1, "regions", fmt.Sprintf("(%d regions)", n), fmt.Sprintf("must list %d to %d regions", MinRegions, MaxRegions))
	}

	index := map[string]int{}
	for i, r := range c.Regions {
		if !labelRe.MatchString(r.Name) {
			fail(i, "name", strconv.Quote(r.Name), "must be 1-32 lowercase letters, digits or hyphens (a DNS label), e.g. aws-prod")
		} else if j, dup := index[r.Name]; dup {
			fail(i, "name", strconv.Quote(r.Name), fmt.Sprintf("is also the name of region %d; region names must be unique", j))
		} else {
			index[r.Name] = i
		}
		if math.IsNaN(r.Latitude) || r.Latitude < -90 || r.Latitude > 90 {
			fail(i, "latitude", fmt.Sprint(r.Latitude), "must be from -90 to 90 degrees")
		}
		if math.IsNaN(r.Longitude) || r.Longitude < -180 || r.Longitude > 180 {
			fail(i, "longitude", fmt.Sprint(r.Longitude), "must be from -180 to 180 degrees")
		}
		if r.LatencyRegion != "" && !awsRegion.MatchString(r.LatencyRegion) {
			fail(i, "latencyRegion", strconv.Quote(r.LatencyRegion), "must be an AWS region such as eu-west-1, or empty for the one nearest the location")
		}
	}

	served := map[Continent]int{}
	for i, r := range c.Regions {
		seen := map[Continent]bool{}
		for _, ct := range r.Continents {
			switch {
			case ct == Default:
				fail(i, "continents", strconv.Quote(string(ct)), "the default location * is served by the first region (the primary); list regions in priority order instead")
			case !IsContinent(ct):
				fail(i, "continents", strconv.Quote(string(ct)), "must be a continent code: "+continentList())
			case seen[ct]:
				fail(i, "continents", strconv.Quote(string(ct)), "is listed twice")
			default:
				if j, taken := served[ct]; taken && j != i {
					fail(i, "continents", strconv.Quote(string(ct)), fmt.Sprintf("is already served first by region %d (%s); a continent has one first region", j, c.Regions[j].Name))
				} else {
					served[ct] = i
				}
			}
			seen[ct] = true
		}
	}

	regions := make([]Region, len(c.Regions))
	for i, r := range c.Regions {
		r.Continents = slices.Clone(r.Continents)
		if len(r.Failover) == 0 {
			r.Failover = nil
			for _, o := range c.Regions {
				if o.Name != r.Name {
					r.Failover = append(r.Failover, o.Name)
				}
			}
		} else {
			r.Failover = slices.Clone(r.Failover)
			listed := map[string]bool{}
			for _, f := range r.Failover {
				_, known := index[f]
				switch {
				case f == r.Name:
					fail(i, "failover", strconv.Quote(f), "must not name the region itself")
				case !known:
					fail(i, "failover", strconv.Quote(f), "is not a region name; known: "+strings.Join(names(c.Regions), ", "))
				case listed[f]:
					fail(i, "failover", strconv.Quote(f), "is listed twice")
				}
				listed[f] = true
			}
			// Regions the list leaves out follow in priority order, so
			// adding a region needs no edit of the others' lists.
			for _, o := range c.Regions {
				if o.Name != r.Name && !listed[o.Name] {
					r.Failover = append(r.Failover, o.Name)
				}
			}
		}
		if r.LatencyRegion == "" {
			r.LatencyRegion = NearestAWSRegion(r.Latitude, r.Longitude)
		}
		regions[i] = r
	}
	if c.Mode == Latency {
		at := map[string]int{}
		for i, r := range regions {
			if j, dup := at[r.LatencyRegion]; dup {
				fail(i, "latencyRegion", strconv.Quote(r.LatencyRegion), fmt.Sprintf("is also the latency region of region %d (%s); latency records need distinct AWS regions: set latencyRegion", j, regions[j].Name))
			} else {
				at[r.LatencyRegion] = i
			}
		}
	}
	if len(probs) > 0 {
		return nil, &Error{Problems: probs}
	}

	p := &Plan{Hostname: c.Hostname, Mode: c.Mode, TTL: c.TTL, Regions: regions}
	chainOf := func(i int) []string { return append([]string{regions[i].Name}, regions[i].Failover...) }
	switch c.Mode {
	case Geolocation:
		for _, ct := range Continents {
			i, ok := served[ct]
			if !ok {
				i = 0
			}
			p.Entries = append(p.Entries, Entry{Key: string(ct), Continent: ct, Chain: chainOf(i)})
		}
		p.Entries = append(p.Entries, Entry{Key: string(Default), Continent: Default, Chain: chainOf(0)})
	case Latency:
		for i, r := range regions {
			p.Entries = append(p.Entries, Entry{Key: r.Name, LatencyRegion: r.LatencyRegion, Chain: chainOf(i)})
		}
	}
	if longest := p.longestName(); len(longest) > 253 {
		return nil, &Error{Problems: []Problem{{Region: -1, Field: "regions", Value: strconv.Quote(longest),
			Message: "chain record names exceed 253 characters; use shorter region names or a shorter global hostname"}}}
	}
	return p, nil
}

func continentList() string {
	s := make([]string, len(Continents))
	for i, c := range Continents {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func names(rs []Region) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// Names returns the region names in priority order.
func (p *Plan) Names() []string { return names(p.Regions) }

// Entry returns the entry with the given key.
func (p *Plan) Entry(key string) (Entry, bool) {
	for _, e := range p.Entries {
		if e.Key == key {
			return e, true
		}
	}
	return Entry{}, false
}

// Matrix maps each entry key to its chain: the failover matrix.
func (p *Plan) Matrix() map[string][]string {
	m := make(map[string][]string, len(p.Entries))
	for _, e := range p.Entries {
		m[e.Key] = slices.Clone(e.Chain)
	}
	return m
}

// Pick returns the region a chain resolves to: its first healthy region, or,
// when none is healthy, its first region (Route 53 fails open). allDown
// reports the latter.
func Pick(chain []string, healthy func(region string) bool) (region string, allDown bool) {
	for _, r := range chain {
		if healthy(r) {
			return r, false
		}
	}
	if len(chain) == 0 {
		return "", true
	}
	return chain[0], true
}

// Resolve returns, for every entry key, the region its clients resolve to
// when the regions in healthy (name -> up) are up and the others down.
// Regions missing from healthy count as down.
func (p *Plan) Resolve(healthy map[string]bool) map[string]string {
	out := make(map[string]string, len(p.Entries))
	for _, e := range p.Entries {
		out[e.Key], _ = Pick(e.Chain, func(r string) bool { return healthy[r] })
	}
	return out
}

// Failover routing record roles.
const (
	Primary   = "PRIMARY"
	Secondary = "SECONDARY"
)

// Record is one DNS record of the plan. Every record is of type CNAME: the
// leaves are plain CNAMEs to a region's hostname with the plan's TTL and
// that region's health check, and every other record is a CNAME-type alias to
// another record of the zone. An alias to a record in the same zone answers
// with the target's TTL, so the configured TTL applies end to end (an alias
// straight to a load balancer would answer with the balancer's 60 s instead).
type Record struct {
	// Name is the record's FQDN (no trailing dot).
	Name string
	// SetIdentifier distinguishes records that share Name.
	SetIdentifier string

	// Exactly one routing policy is set.
	Continent     Continent // geolocation: a continent code or Default
	LatencyRegion string    // latency: the AWS region the record stands for
	Failover      string    // failover: Primary or Secondary

	// Exactly one target is set.
	// Alias is the Name of the record this one aliases (evaluating its
	// health when EvaluateTargetHealth is set).
	Alias                string
	EvaluateTargetHealth bool
	// Region is the region whose hostname this CNAME points at, checked by
	// that region's health check; TTL is its TTL.
	Region string
	TTL    int
}

// ChainName is the name of the failover record set that tries chain in
// order: the region names as labels below failover.<hostname>, e.g.
// gcp-eu.aws-prod.azure-asia.failover.livekit.example.com. Chains that share
// a tail share its records.
func (p *Plan) ChainName(chain []string) string {
	return strings.Join(chain, ".") + ".failover." + p.Hostname
}

func (p *Plan) longestName() string {
	longest := ""
	for _, e := range p.Entries {
		if n := p.ChainName(e.Chain); len(n) > len(longest) {
			longest = n
		}
	}
	return longest
}

// Records returns every record of the plan, deepest first (a record's alias
// target precedes it), without duplicates.
//
// A chain [a, b, c] becomes nested failover record sets:
//
//	a.b.c.failover.H  PRIMARY   CNAME -> a's hostname (health check a, TTL)
//	                  SECONDARY alias -> b.c.failover.H (evaluate target health)
//	b.c.failover.H    PRIMARY   CNAME -> b's hostname (health check b, TTL)
//	                  SECONDARY CNAME -> c's hostname (health check c, TTL)
//
// and the global hostname H gets one record per entry: a geolocation (or
// latency) alias to the entry's chain. Those aliases do not evaluate target
// health: the chain already falls through every region, so the entry
// decides only where to start.
func (p *Plan) Records() []Record {
	var out []Record
	seen := map[string]bool{}
	add := func(r Record) {
		k := r.Name + "\x00" + r.SetIdentifier
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	// Chains, deepest level first across all chains so that every alias
	// target is listed before the alias.
	maxLen := 0
	for _, e := range p.Entries {
		maxLen = max(maxLen, len(e.Chain))
	}
	for tail := 2; tail <= maxLen; tail++ {
		for _, e := range p.Entries {
			if len(e.Chain) < tail {
				continue
			}
			s := e.Chain[len(e.Chain)-tail:]
			name := p.ChainName(s)
			add(Record{Name: name, SetIdentifier: "primary", Failover: Primary, Region: s[0], TTL: p.TTL})
			if len(s) == 2 {
				add(Record{Name: name, SetIdentifier: "secondary", Failover: Secondary, Region: s[1], TTL: p.TTL})
			} else {
				add(Record{Name: name, SetIdentifier: "secondary", Failover: Secondary, Alias: p.ChainName(s[1:]), EvaluateTargetHealth: true})
			}
		}
	}
	for _, e := range p.Entries {
		r := Record{Name: p.Hostname, Alias: p.ChainName(e.Chain)}
		switch p.Mode {
		case Geolocation:
			r.Continent = e.Continent
			r.SetIdentifier = "geo-" + e.Key
			if e.Continent == Default {
				r.SetIdentifier = "geo-default"
			}
		case Latency:
			r.LatencyRegion = e.LatencyRegion
			r.SetIdentifier = "latency-" + e.Key
		}
		add(r)
	}
	return out
}

// ChainRecordCount is the number of failover records of the plan (for docs
// and tests).
func (p *Plan) ChainRecordCount() int {
	n := 0
	for _, r := range p.Records() {
		if r.Failover != "" {
			n++
		}
	}
	return n
}

// awsRegions locates the AWS regions enabled by default in every account
// (opt-in regions are left out: a latency record there would measure a region
// the account may not have enabled).
var awsRegions = map[string][2]float64{
	"us-east-1":      {38.9, -77.4},
	"us-east-2":      {40.0, -83.0},
	"us-west-1":      {37.4, -121.9},
	"us-west-2":      {45.8, -119.7},
	"ca-central-1":   {45.5, -73.6},
	"sa-east-1":      {-23.5, -46.6},
	"eu-west-1":      {53.3, -6.3},
	"eu-west-2":      {51.5, -0.1},
	"eu-west-3":      {48.9, 2.4},
	"eu-central-1":   {50.1, 8.7},
	"eu-north-1":     {59.3, 18.1},
	"ap-south-1":     {19.1, 72.9},
	"ap-southeast-1": {1.3, 103.8},
	"ap-southeast-2": {-33.9, 151.2},
	"ap-northeast-1": {35.7, 139.7},
	"ap-northeast-2": {37.6, 127.0},
	"ap-northeast-3": {34.7, 135.5},
}

// NearestAWSRegion returns the default-enabled AWS region closest (great
// circle) to a location.
func NearestAWSRegion(lat, lon float64) string {
	keys := make([]string, 0, len(awsRegions))
	for k := range awsRegions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best, bestD := "", math.Inf(1)
	for _, k := range keys {
		c := awsRegions[k]
		if d := Distance(lat, lon, c[0], c[1]); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// Distance is the great-circle distance in kilometres.
func Distance(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
