package cost

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/livekit-infra/livekit-infra/components/kubernetes/quantity"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Assumptions are the usage-driven inputs no plan can know. Every one is
// printed with the estimate and can be set (lkinfra cost --assume
// NAME=VALUE).
type Assumptions struct {
	// Usage are monthly quantities by name (see UsageHelp). mediaEgressGB
	// and turnDataGB are derived from participantHours while negative.
	Usage map[string]float64 `json:"usage"`
	// ParticipantHours is the month's participant-hours.
	ParticipantHours float64 `json:"participantHours"`
	// EgressGBPerParticipantHour is what one participant receives an hour.
	EgressGBPerParticipantHour float64 `json:"egressGBPerParticipantHour"`
	// ParticipantsPerNode overrides the benchmark-derived figure when > 0.
	ParticipantsPerNode float64 `json:"participantsPerNode,omitempty"`
	// TURNRelayShare is the share of participant-hours relayed over
	// TURN/TLS (0-1); TURNGBPerRelayedParticipantHour is what one relayed
	// participant sends and receives through the TURN load balancer an
	// hour. Together they derive turnDataGB, which every cloud's TURN/TLS
	// path is priced by (AWS NLB capacity units, GCP proxy data processing,
	// the AKS load balancer's data processed).
	TURNRelayShare                  float64 `json:"turnRelayShare"`
	TURNGBPerRelayedParticipantHour float64 `json:"turnGBPerRelayedParticipantHour"`
}

// UsageHelp describes each usage assumption and its default.
var UsageHelp = map[string]string{
	"participantHours":                "participant-hours a month (drives mediaEgressGB and turnDataGB)",
	"egressGBPerParticipantHour":      "GB a participant receives an hour: 1.5 Mbit/s of video and audio down = 0.675",
	"participantsPerNode":             "participants a node carries at cpuTarget (default: from LiveKit's published 720p-meeting benchmark)",
	"albLcu":                          "average AWS ALB load balancer capacity units (signaling is light: 1)",
	"cdnEgressGB":                     "GB of recordings served through the CDN a month",
	"metricSamples10M":                "millions of Prometheus samples a region's managed Prometheus ingests a month, in tens of millions (about 10 LiveKit nodes x 300 series every 30 s: 30)",
	"metricSamplesPerNodeHour":        "Prometheus samples one LiveKit node sends an AWS managed Prometheus an hour: 300 series (LiveKit's and the process collector's; Go runtime series dropped) every 30 s = 36,000",
	"metricStorageGB":                 "GB an AWS managed Prometheus workspace stores (samples of 1-2 bytes kept 150 days plus label metadata: about 0.1 GB a node: 1)",
	"centralMetricSamples10M":         "millions of Prometheus samples the global stack's central view ingests a month from every region, in tens of millions (the LiveKit jobs and alerts of 3 regions: 90)",
	"storageGB":                       "GB of recordings (and logs) stored on average over the month",
	"logsGB":                          "GB of logs ingested a month (and retained, on AWS)",
	"flowLogsGB":                      "GB of VPC/VNet flow logs a month",
	"natDataGB":                       "GB through NAT a month",
	"containerInsightsGB":             "GB of ECS Container Insights performance events a month",
	"lbDataGB":                        "GB through the Azure Standard Load Balancer a month (signaling)",
	"mediaEgressGB":                   "GB of media sent to participants a month (= participantHours x egressGBPerParticipantHour unless set)",
	"turnRelayShare":                  "share of participant-hours relayed over TURN/TLS on 443, 0-1 (clients behind firewalls that only let TLS out; a guess, not a measurement: set your own from the relay candidates your clients select)",
	"turnGBPerRelayedParticipantHour": "GB a relayed participant sends and receives through the TURN/TLS load balancer an hour (load balancers bill both directions): 1.5 Mbit/s down + 1.5 Mbit/s up = 1.35",
	"turnDataGB":                      "GB through the TURN/TLS load balancer a month, priced on every cloud's TURN path (= participantHours x turnRelayShare x turnGBPerRelayedParticipantHour unless set)",
}

// DefaultAssumptions are the defaults printed with every estimate.
func DefaultAssumptions() Assumptions {
	return Assumptions{
		Usage: map[string]float64{
			"albLcu":              1,
			"cdnEgressGB":         100,
			"storageGB":           100,
			"logsGB":              10,
			"flowLogsGB":          10,
			"natDataGB":           10,
			"containerInsightsGB": 5,
			"lbDataGB":            10,
			"metricSamples10M":    30,
			// 300 series x 3600 s / 30 s (observability.CollectorScrapeInterval).
			"metricSamplesPerNodeHour": 36000,
			"metricStorageGB":          1,
			// The regions' LiveKit jobs and alerts, written centrally.
			"centralMetricSamples10M": 90,
			"mediaEgressGB":           -1, // derived
			"turnDataGB":              -1, // derived
		},
		ParticipantHours:                10000,
		EgressGBPerParticipantHour:      0.675,
		TURNRelayShare:                  0.05,
		TURNGBPerRelayedParticipantHour: 1.35,
	}
}

// Set sets one assumption by name (as --assume NAME=VALUE does).
func (a *Assumptions) Set(name string, v float64) error {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("assumption %s=%v: must be a number >= 0", name, v)
	}
	switch name {
	case "participantHours":
		a.ParticipantHours = v
	case "egressGBPerParticipantHour":
		a.EgressGBPerParticipantHour = v
	case "participantsPerNode":
		a.ParticipantsPerNode = v
	case "turnRelayShare":
		if v > 1 {
			return fmt.Errorf("assumption turnRelayShare=%v: a share of the participant-hours, must be between 0 and 1", v)
		}
		a.TURNRelayShare = v
	case "turnGBPerRelayedParticipantHour":
		a.TURNGBPerRelayedParticipantHour = v
	default:
		if _, ok := a.Usage[name]; !ok {
			return fmt.Errorf("unknown assumption %q (known: %s)", name, strings.Join(slices.Sorted(maps.Keys(UsageHelp)), ", "))
		}
		a.Usage[name] = v
	}
	return nil
}

func (a Assumptions) usage(name string) float64 {
	if a.Usage[name] < 0 {
		switch name {
		case "mediaEgressGB":
			return a.ParticipantHours * a.EgressGBPerParticipantHour
		case "turnDataGB":
			return a.ParticipantHours * a.TURNRelayShare * a.TURNGBPerRelayedParticipantHour
		}
	}
	return a.Usage[name]
}

// derived reports whether a usage assumption is computed from the
// participant-hours (it scales with them in the per-participant figure).
func (a Assumptions) derived(name string) bool {
	return (name == "mediaEgressGB" || name == "turnDataGB") && a.Usage[name] < 0
}

// Pair is a monthly amount at minNodes and at maxNodes.
type Pair struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

func (p *Pair) add(q Pair) { p.Min += q.Min; p.Max += q.Max }

// Line is one priced item of a resource.
type Line struct {
	Item      string  `json:"item"`
	Unit      string  `json:"unit"`
	UnitPrice float64 `json:"unitPrice"`
	// Quantity is the monthly quantity at minNodes and maxNodes.
	Quantity Pair   `json:"quantity"`
	Monthly  Pair   `json:"monthly"`
	Usage    string `json:"usage,omitempty"`
	Source   string `json:"source"`
	// Checked is whether the price was last re-read at its source (Item.Checked).
	Checked string `json:"checked,omitempty"`
	Note    string `json:"note,omitempty"`
	// Tier says which tier of a tiered price (Item.Tier) the resource is in.
	Tier string `json:"tier,omitempty"`
}

// ResourceCost is one resource's estimate.
type ResourceCost struct {
	URN       string `json:"urn"`
	Type      string `json:"type"`
	Name      string `json:"name"`
	Component string `json:"component"`
	Lines     []Line `json:"lines,omitempty"`
	Monthly   Pair   `json:"monthly"`
	// File is the price file that priced it (or declared it free).
	File string `json:"file,omitempty"`
	// Free is the reason it costs nothing by itself.
	Free string `json:"free,omitempty"`
	// Unpriced says why it could not be priced; it is not in any total.
	Unpriced string `json:"unpriced,omitempty"`
}

// ComponentCost groups the resources under one component.
type ComponentCost struct {
	Component string         `json:"component"`
	Monthly   Pair           `json:"monthly"`
	Resources []ResourceCost `json:"resources"`
}

// PerParticipant is the cost per participant-hour at full autoscaling.
type PerParticipant struct {
	Nodes               int     `json:"nodes"`
	NodeVCPU            float64 `json:"nodeVcpu"`
	CPUTarget           float64 `json:"cpuTarget"`
	ParticipantsPerNode float64 `json:"participantsPerNode"`
	Basis               string  `json:"basis"`
	ParticipantHours    float64 `json:"participantHours"`
	Monthly             float64 `json:"monthly"`
	PerHour             float64 `json:"perParticipantHour"`
	// MediaPerHour is the part of PerHour that is media sent to the
	// participants (every line priced on mediaEgressGB): what any SFU on
	// this path pays; the rest is what this deployment adds.
	MediaPerHour float64 `json:"mediaPerParticipantHour"`
}

// Estimate is a stack's monthly estimate.
type Estimate struct {
	Stack       string            `json:"stack"`
	Currency    string            `json:"currency"`
	Regions     Regions           `json:"regions"`
	PriceFiles  []string          `json:"priceFiles"`
	PriceDates  map[string]string `json:"priceDates"`
	Nodes       Nodes             `json:"nodes"`
	Assumptions Assumptions       `json:"assumptions"`
	Components  []ComponentCost   `json:"components"`
	Total       Pair              `json:"total"`
	// Unpriced lists the resources left out of the totals, with why.
	Unpriced []ResourceCost `json:"unpriced"`
	// MissingPriceFiles are the region price files the stack's resources
	// were looked up in and that do not exist (a region no one has priced
	// yet): the estimate is then incomplete, its total only what the
	// global files price.
	MissingPriceFiles []MissingPriceFile `json:"missingPriceFiles,omitempty"`
	// PerParticipantHour is set for stacks that run LiveKit nodes.
	PerParticipantHour *PerParticipant `json:"perParticipantHour,omitempty"`
}

// MissingPriceFile is a cloud and region with no price file.
type MissingPriceFile struct {
	Cloud  string `json:"cloud"`
	Region string `json:"region"`
	// File is the file to add (under PricesDir).
	File string `json:"file"`
	// Existing are the cloud's region files there are, to start from.
	Existing []string `json:"existing"`
}

// missingPriceFiles lists the region files the plan's custom resources
// would be priced from and that the catalog lacks.
func (c *Catalog) missingPriceFiles(p *plan.Plan, r Regions) []MissingPriceFile {
	missing := map[string]bool{}
	for _, res := range p.Resources {
		if !res.Custom || res.Read {
			continue
		}
		for _, key := range filesFor(res.Type, r) {
			if _, ok := c.Files[key]; !ok && !strings.HasSuffix(key, "-global") {
				missing[key] = true
			}
		}
	}
	var out []MissingPriceFile
	for _, key := range slices.Sorted(maps.Keys(missing)) {
		cloud, region, _ := strings.Cut(key, "-")
		m := MissingPriceFile{Cloud: cloud, Region: region, File: key + ".yaml"}
		for _, k := range slices.Sorted(maps.Keys(c.Files)) {
			if pf := c.Files[k]; pf.Cloud == cloud && pf.Region != "global" {
				m.Existing = append(m.Existing, pf.File)
			}
		}
		out = append(out, m)
	}
	return out
}

// Nodes are the stack's LiveKit node counts (its scalers' bounds).
type Nodes struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// Options are what an estimate needs beyond the plan.
type Options struct {
	Regions     Regions
	Assumptions Assumptions
	// Config is the stack config (fully qualified keys), for the node size
	// and cpuTarget of the per-participant figure; may be nil.
	Config map[string]string

	noPerParticipant bool
}

// Estimate prices every custom resource of p.
func (c *Catalog) Estimate(p *plan.Plan, o Options) *Estimate {
	if o.Assumptions.Usage == nil {
		o.Assumptions = DefaultAssumptions()
	}
	e := &Estimate{Stack: p.Stack, Regions: o.Regions, Assumptions: o.Assumptions, PriceDates: map[string]string{}}
	e.MissingPriceFiles = c.missingPriceFiles(p, o.Regions)
	byURN := map[string]plan.Resource{}
	for _, r := range p.Resources {
		byURN[r.URN] = r
	}
	var perComponent map[string]Nodes
	e.Nodes, perComponent = c.nodes(p, o.Regions, byURN)
	compOf := map[string]string{}
	for _, r := range p.Resources {
		compOf[r.URN] = componentOf(r, byURN)
	}
	shares := c.usageShares(p, o.Regions, compOf)
	tiers := c.tierPositions(p, o.Regions, compOf)
	comps := map[string]*ComponentCost{}
	var order []string
	currencies := map[string]bool{}
	for _, r := range p.Resources {
		if !r.Custom || r.Read {
			continue
		}
		rc := ResourceCost{URN: r.URN, Type: r.Type, Name: r.Name, Component: compOf[r.URN]}
		lk := c.Find(r.Type, o.Regions)
		switch {
		case lk.Free != "":
			rc.File, rc.Free = lk.File, lk.Free
		case lk.Items == nil:
			rc.Unpriced = MissingMessage(r.Type, o.Regions)
		default:
			rc.File = lk.File
			pf := c.Files[strings.TrimSuffix(lk.File, ".yaml")]
			currencies[pf.Currency] = true
			e.PriceDates[pf.File] = pf.Date
			for i, it := range lk.Items {
				n := e.Nodes
				if cn, ok := perComponent[rc.Component]; ok {
					n = cn
				}
				ln, ok, err := price(it, r.Inputs, rc.Component, n.Min, n.Max, o.Assumptions, shares[shareKey(r.Type, it)])
				if ok && err == nil && it.Tier != nil {
					tierLine(&ln, it, tiers[r.URN+"\x00"+it.Tier.Group])
				}
				if err != nil {
					rc.Unpriced = fmt.Sprintf("%s (%s/%s types[%q][%d])", err, PricesDir, lk.File, r.Type, i)
					rc.Lines, rc.Monthly = nil, Pair{}
					break
				}
				if ok {
					rc.Lines = append(rc.Lines, ln)
					rc.Monthly.add(ln.Monthly)
				}
			}
			// A priced type none of whose items applies (every when: or
			// component: fails) would otherwise cost a silent zero.
			if rc.Unpriced == "" && len(rc.Lines) == 0 {
				rc.Unpriced = fmt.Sprintf("no item of %s/%s types[%q] applies to this resource (their when: or component: conditions do not match): add one, or declare the case free", PricesDir, lk.File, r.Type)
			}
		}
		if rc.Unpriced != "" {
			e.Unpriced = append(e.Unpriced, rc)
			continue
		}
		cc, ok := comps[rc.Component]
		if !ok {
			cc = &ComponentCost{Component: rc.Component}
			comps[rc.Component] = cc
			order = append(order, rc.Component)
		}
		cc.Resources = append(cc.Resources, rc)
		cc.Monthly.add(rc.Monthly)
		e.Total.add(rc.Monthly)
	}
	sort.Strings(order)
	for _, k := range order {
		e.Components = append(e.Components, *comps[k])
	}
	for f := range e.PriceDates {
		e.PriceFiles = append(e.PriceFiles, f)
	}
	sort.Strings(e.PriceFiles)
	e.Currency = "USD"
	for cur := range currencies {
		e.Currency = cur
	}
	if e.Nodes.Max > 0 && !o.noPerParticipant {
		e.PerParticipantHour = c.perParticipant(p, o, e.Nodes.Max)
	}
	return e
}

// perParticipant prices the stack with every node of maxNodes full: the
// month's total (nodes, fixed parts and the media those participants
// receive) divided by the participant-hours carried.
func (c *Catalog) perParticipant(p *plan.Plan, o Options, nodes int) *PerParticipant {
	pp := &PerParticipant{Nodes: nodes}
	pp.NodeVCPU, pp.CPUTarget = nodeVCPU(o.Config), cpuTarget(o.Config)
	if o.Assumptions.ParticipantsPerNode > 0 {
		pp.ParticipantsPerNode = o.Assumptions.ParticipantsPerNode
		pp.Basis = "participantsPerNode as assumed"
	} else {
		if pp.NodeVCPU == 0 {
			return nil
		}
		pp.ParticipantsPerNode = math.Floor(BenchParticipants / BenchVCPU * pp.NodeVCPU * pp.CPUTarget / BenchCPUPercent)
		pp.Basis = fmt.Sprintf("LiveKit's published 720p-meeting benchmark (%d participants at %d %% CPU on a %d-vCPU c2-standard-16, %s) "+
			"scaled to %g vCPU per node at cpuTarget %g %%", int(BenchParticipants), int(BenchCPUPercent), int(BenchVCPU), BenchSource, pp.NodeVCPU, pp.CPUTarget)
	}
	pp.ParticipantHours = float64(nodes) * pp.ParticipantsPerNode * HoursPerMonth
	if pp.ParticipantHours == 0 {
		return nil
	}
	full := o
	full.Assumptions = o.Assumptions.clone()
	full.Assumptions.ParticipantHours = pp.ParticipantHours
	// Both follow the participant-hours carried at full load.
	full.Assumptions.Usage["mediaEgressGB"] = -1
	full.Assumptions.Usage["turnDataGB"] = -1
	full.noPerParticipant = true
	e := c.Estimate(p, full)
	pp.Monthly = e.Total.Max
	pp.PerHour = pp.Monthly / pp.ParticipantHours
	for _, comp := range e.Components {
		for _, r := range comp.Resources {
			for _, l := range r.Lines {
				if l.Usage == "mediaEgressGB" {
					pp.MediaPerHour += l.Monthly.Max / pp.ParticipantHours
				}
			}
		}
	}
	return pp
}

// LiveKit's published single-room benchmark (BenchSource): a 720p meeting
// of 150 participants at 85 % CPU on a GCP c2-standard-16.
const (
	BenchSource       = "https://docs.livekit.io/transport/self-hosting/benchmark"
	BenchParticipants = 150.0
	BenchVCPU         = 16.0
	BenchCPUPercent   = 85.0
)

func (a Assumptions) clone() Assumptions {
	b := a
	b.Usage = map[string]float64{}
	for k, v := range a.Usage {
		b.Usage[k] = v
	}
	return b
}

// nodeVCPU is the CPU one LiveKit node gets: the Fargate task's CPU units,
// the pod's CPU request on GKE, AKS and EKS, or a Container Instances
// group's vCPUs.
func nodeVCPU(cfg map[string]string) float64 {
	var key string
	switch kind := setting(cfg, "kind"); {
	case kind == "aws" && setting(cfg, "awsPlatform") == stackconfig.AWSPlatformEKS:
		key = "awsEksPodCpu"
	case kind == "aws":
		n, _ := strconv.ParseFloat(setting(cfg, "awsTaskCpu"), 64)
		return n / 1024
	case kind == "azure" && setting(cfg, "azurePlatform") == stackconfig.AzurePlatformACI:
		key = "azureAciCpu"
	case kind == "gcp" || kind == "azure":
		key = kind + "PodCpu"
	default:
		return 0
	}
	n, _ := quantity.CPU(setting(cfg, key))
	return n
}

func cpuTarget(cfg map[string]string) float64 {
	n, _ := strconv.ParseFloat(setting(cfg, "cpuTarget"), 64)
	return n
}

// setting is a livekit-infra key's value in the stack's config, or its
// default (Pulumi.yaml's) when the stack file does not set it.
func setting(cfg map[string]string, name string) string {
	k, known := stackconfig.KeyByName(name)
	if v, ok := cfg[k.Full()]; ok || !known || k.Default == nil {
		return v
	}
	return fmt.Sprint(k.Default)
}

// nodes returns the bounds of the plan's scalers (the resources the price
// files name under scalers:) per component, and the stack's LiveKit nodes:
// the MediaCluster's scalers, or all scalers' sum when there is no
// MediaCluster. A per-node price multiplies by its own component's bounds,
// so the Egress service scales its own tasks, not LiveKit's.
func (c *Catalog) nodes(p *plan.Plan, r Regions, byURN map[string]plan.Resource) (live Nodes, per map[string]Nodes) {
	per = map[string]Nodes{}
	var sum Nodes
	found := false
	for _, res := range p.Resources {
		if !res.Custom {
			continue
		}
		for _, key := range filesFor(res.Type, r) {
			pf, ok := c.Files[key]
			if !ok {
				continue
			}
			if s, ok := pf.Scalers[res.Type]; ok {
				comp := componentOf(res, byURN)
				if !applies(Item{When: s.When}, res.Inputs, comp) {
					break
				}
				a, _ := number(lookupPath(res.Inputs, s.Min))
				b, _ := number(lookupPath(res.Inputs, s.Max))
				if s.Fixed > 0 {
					a, b = float64(s.Fixed), float64(s.Fixed)
				}
				n := per[comp]
				n.Min += int(a)
				n.Max += int(b)
				per[comp] = n
				sum.Min += int(a)
				sum.Max += int(b)
				if strings.HasPrefix(comp, mediaClusterType+" ") {
					live.Min += int(a)
					live.Max += int(b)
					found = true
				}
				break
			}
		}
	}
	if !found {
		live = sum
	}
	return live, per
}

const mediaClusterType = "livekit-infra:index:MediaCluster"

// componentOf names the nearest component above r ("Type name"), or
// "(stack)" for top-level resources.
func componentOf(r plan.Resource, byURN map[string]plan.Resource) string {
	for u := r.Parent; u != ""; {
		p, ok := byURN[u]
		if !ok {
			break
		}
		if !p.Custom {
			return p.Type + " " + p.Name
		}
		u = p.Parent
	}
	return "(stack)"
}

// usageShares counts, per priced type and usage item, the resources that
// carry it. A usage assumption (mediaEgressGB, logsGB, natDataGB, ...) is
// the stack's month, not each resource's: priced on every ECS service, log
// group or NAT gateway in full, it counted the month once per resource (the
// Egress service doubled the media egress of aws-prod). Each resource
// carries its share; an item limited by component: (the media, to the
// LiveKit nodes) is shared only among the resources it applies to.
func (c *Catalog) usageShares(p *plan.Plan, regions Regions, compOf map[string]string) map[string]int {
	n := map[string]int{}
	for _, r := range p.Resources {
		if !r.Custom || r.Read {
			continue
		}
		for _, it := range c.Find(r.Type, regions).Items {
			if it.Usage != "" && applies(it, r.Inputs, compOf[r.URN]) {
				n[shareKey(r.Type, it)]++
			}
		}
	}
	return n
}

// tierPos is a resource's place among the stack's resources of one tier
// group (1-based, in plan order) and how many there are.
type tierPos struct{ Rank, Of int }

// tierPositions numbers, per tier group, the resources whose tiered item
// applies, in plan order (so the same plan always gives the same lines).
func (c *Catalog) tierPositions(p *plan.Plan, regions Regions, compOf map[string]string) map[string]tierPos {
	var keys []string
	count := map[string]int{}
	for _, r := range p.Resources {
		if !r.Custom || r.Read {
			continue
		}
		for _, it := range c.Find(r.Type, regions).Items {
			if it.Tier != nil && applies(it, r.Inputs, compOf[r.URN]) {
				count[it.Tier.Group]++
				keys = append(keys, r.URN+"\x00"+it.Tier.Group)
			}
		}
	}
	pos := map[string]tierPos{}
	rank := map[string]int{}
	for _, k := range keys {
		_, g, _ := strings.Cut(k, "\x00")
		rank[g]++
		pos[k] = tierPos{Rank: rank[g], Of: count[g]}
	}
	return pos
}

// tierLine prices a tiered item for its resource's place in its group: the
// first Tier.First share the flat price (the first of them carries the
// cent left over, so the lines add up to the flat month exactly), each one
// after pays the item's price.
func tierLine(ln *Line, it Item, at tierPos) {
	t := it.Tier
	q := ln.Quantity.Min // one unit's month (730 for an hourly item)
	if at.Rank > t.First {
		ln.Tier = fmt.Sprintf("%s: %d of %d in the stack, beyond the first %d: %s per %s", t.Group, at.Rank, at.Of, t.First, priceText(*it.Price, ""), it.Unit)
		return // price already charged it at the item's price
	}
	inFlat := min(at.Of, t.First)
	flat := round(q * t.Flat)
	share := round(flat / float64(inFlat))
	m := share
	if at.Rank == 1 {
		m = round(flat - share*float64(inFlat-1))
	}
	ln.UnitPrice = t.Flat / float64(inFlat)
	ln.Monthly = Pair{Min: m, Max: m}
	ln.Tier = fmt.Sprintf("%s: %d of %d in the stack, in the first %d: %d share a flat %s per %s", t.Group, at.Rank, at.Of, t.First, inFlat, priceText(t.Flat, ""), it.Unit)
}

// shareKey groups the resources that share one usage quantity: the same
// usage priced as the same item.
func shareKey(typ string, it Item) string { return typ + "\x00" + it.Usage + "\x00" + it.Name }

// applies reports whether an item's when: conditions hold for a resource
// with these inputs, booked on component comp ("Type name", as
// componentOf), and its component: condition if it has one.
func applies(it Item, inputs map[string]any, comp string) bool {
	if it.Component != "" && !strings.HasPrefix(comp, it.Component+" ") {
		return false
	}
	for _, k := range slices.Sorted(maps.Keys(it.When)) {
		got := lookupPath(inputs, k)
		want := it.When[k]
		if want == "*" {
			if got == nil {
				return false
			}
			continue
		}
		// A list matches any of its values (the LiveKit and the Egress
		// node groups of an EKS cluster both scale).
		alts, ok := want.([]any)
		if !ok {
			alts = []any{want}
		}
		if !slices.ContainsFunc(alts, func(w any) bool { return fmt.Sprint(got) == fmt.Sprint(w) }) {
			return false
		}
	}
	return true
}

// price computes one item; ok is false when its when: or component:
// conditions do not hold. shares is how many resources share the item's
// usage quantity.
func price(it Item, inputs map[string]any, comp string, minNodes, maxNodes int, a Assumptions, shares int) (Line, bool, error) {
	if !applies(it, inputs, comp) {
		return Line{}, false, nil
	}
	ln := Line{Item: it.Name, Unit: it.Unit, Usage: it.Usage, Source: it.Source, Checked: it.Checked, Note: it.Note}
	if it.Price != nil {
		ln.UnitPrice = *it.Price
	} else {
		var parts []string
		for _, path := range strings.Split(it.SKU, ",") {
			v := lookupPath(inputs, strings.TrimSpace(path))
			if v == nil {
				return Line{}, false, fmt.Errorf("no %s in the inputs to pick the price of %q by", path, it.Name)
			}
			parts = append(parts, fmt.Sprint(v))
		}
		sku := strings.Join(parts, "/")
		p, ok := it.Prices[sku]
		if !ok {
			return Line{}, false, fmt.Errorf("no price for %s %q of %q: add it under prices:", it.SKU, sku, it.Name)
		}
		ln.UnitPrice = p
	}
	q := 1.0
	if it.Quantity != "" {
		v := lookupPath(inputs, it.Quantity)
		if it.Count {
			l, _ := v.([]any)
			q = float64(len(l))
		} else {
			n, ok := number(v)
			if !ok {
				return Line{}, false, fmt.Errorf("input %s of %q is %v, not a number", it.Quantity, it.Name, v)
			}
			q = n
		}
	}
	if it.Fn == "ipv4PrefixSize" {
		q = math.Pow(2, 32-q)
	}
	if it.Divide > 0 {
		q /= it.Divide
	}
	if it.Hourly {
		q *= HoursPerMonth
	}
	if it.Usage != "" {
		q *= a.usage(it.Usage)
		if shares > 1 {
			q /= float64(shares)
			ln.Note = strings.TrimPrefix(ln.Note+fmt.Sprintf("; 1/%d of %s (shared by %d resources)", shares, it.Usage, shares), "; ")
		}
	}
	ln.Quantity = Pair{Min: q, Max: q}
	if it.Nodes {
		ln.Quantity = Pair{Min: q * float64(minNodes), Max: q * float64(maxNodes)}
	}
	ln.Monthly = Pair{Min: round(ln.Quantity.Min * ln.UnitPrice), Max: round(ln.Quantity.Max * ln.UnitPrice)}
	return ln, true, nil
}

// round keeps amounts to the cent so that sums and JSON stay exact enough
// to compare.
func round(v float64) float64 { return math.Round(v*100) / 100 }

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// lookupPath reads a dotted input path with [i] indexes ("a.b[0].c").
func lookupPath(m map[string]any, path string) any {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		name, idx := part, -1
		if i := strings.Index(part, "["); i >= 0 && strings.HasSuffix(part, "]") {
			name = part[:i]
			n, err := strconv.Atoi(part[i+1 : len(part)-1])
			if err != nil {
				return nil
			}
			idx = n
		}
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[name]
		if idx >= 0 {
			l, ok := cur.([]any)
			if !ok || idx >= len(l) {
				return nil
			}
			cur = l[idx]
		}
	}
	return cur
}
