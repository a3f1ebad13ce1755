// Package cost estimates what a stack costs a month from its offline plan
// (internal/plan) and the committed price data in prices/ (one dated YAML
// file per cloud and region, each price with its source). It links no
// cloud SDK: `lkinfra cost`, `lkinfra plan --diff` and the preview report
// all price the same plan.Plan with the same Assumptions.
package cost

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed prices/*.yaml
var priceFS embed.FS

// PricesDir is where the price files live in the repository (for messages).
const PricesDir = "internal/cost/prices"

// HoursPerMonth is the month the hourly prices are multiplied by (the
// clouds' own calculators use 730).
const HoursPerMonth = 730

// PriceFile is one prices/<cloud>-<region>.yaml.
type PriceFile struct {
	File     string `yaml:"-"`
	Cloud    string `yaml:"cloud"`
	Region   string `yaml:"region"`
	Currency string `yaml:"currency"`
	// Date is the day the prices were read from their sources.
	Date string `yaml:"date"`
	// Scalers name the resources whose inputs hold the node counts
	// (minimum and maximum), as input paths.
	Scalers map[string]Scaler `yaml:"scalers"`
	// Types are the priced resource types, each a list of items.
	Types map[string][]Item `yaml:"types"`
	// Free are the types with no charge of their own, with the reason. A
	// key ending in * covers every type it prefixes.
	Free map[string]string `yaml:"free"`
}

// Scaler names a resource's node-count inputs.
type Scaler struct {
	Min string `yaml:"min"`
	Max string `yaml:"max"`
	// Fixed, instead of Min and Max, makes each such resource that many
	// nodes at both bounds: a Container Instances group is one node and
	// does not scale.
	Fixed int `yaml:"fixed"`
	// When, as an item's when:, limits the scaler to the resources whose
	// inputs match (an EKS cluster's LiveKit node group, not its system
	// group).
	When map[string]any `yaml:"when"`
}

// Item is one priced line of a resource type.
type Item struct {
	Name string `yaml:"item"`
	// Unit is what Price is per (display).
	Unit string `yaml:"unit"`
	// Hourly multiplies the quantity by HoursPerMonth.
	Hourly bool `yaml:"hourly"`
	// Price is the unit price; Prices with SKU picks it by an input.
	Price  *float64           `yaml:"price"`
	Prices map[string]float64 `yaml:"prices"`
	// SKU is an input path (or several, comma-separated, joined with "/")
	// whose value selects the price in Prices.
	SKU string `yaml:"sku"`
	// Quantity is an input path whose number multiplies the price (1 when
	// empty); Count takes the length of the list there instead; Divide
	// divides it; Fn transforms it (ipv4PrefixSize: 2^(32-n)).
	Quantity string  `yaml:"quantity"`
	Count    bool    `yaml:"count"`
	Divide   float64 `yaml:"divide"`
	Fn       string  `yaml:"fn"`
	// Nodes multiplies by the stack's node count (minNodes or maxNodes).
	Nodes bool `yaml:"nodes"`
	// Usage multiplies by a usage assumption (Assumptions.Usage).
	Usage string `yaml:"usage"`
	// When lists input paths and the values they must have for the item to
	// apply ("*": any value present).
	When map[string]any `yaml:"when"`
	// Component limits the item to the resources booked on a component of
	// this type (the nearest component above them, as the estimate groups
	// them): the media sent to participants is the LiveKit nodes'
	// (livekit-infra:index:MediaCluster), never the Egress recorder's,
	// though both run as ECS services or node pools of the same type.
	Component string `yaml:"component"`
	// Tier prices a count of like resources together: the first Tier.First
	// of the stack share one flat price, each further one pays Price.
	Tier *Tier `yaml:"tier"`
	// Source is the public price page or price-list API the price was read from.
	Source string `yaml:"source"`
	// Checked says whether the price was last re-read at its source, and
	// how: "yes <date>: ...", "partly <date>: ..." (what could be read and
	// what not) or "no: ..." (why not).
	Checked string `yaml:"checked"`
	Note    string `yaml:"note"`
}

// Tier is a price by how many of a kind the stack has: Google charges
// global forwarding rules $0.025 an hour for the first 5 together and $0.01
// for each additional one. Items of several types (a GlobalForwardingRule
// and the rule GKE's Gateway creates) count together when they name the
// same Group.
type Tier struct {
	Group string `yaml:"group"`
	// First is how many the flat price covers.
	First int `yaml:"first"`
	// Flat is the price (per unit, as Price) of the first First together,
	// shared by those present: one pays it in full, not 1/First of it.
	Flat float64 `yaml:"flat"`
}

// Catalog is every price file, by "<cloud>-<region>".
type Catalog struct {
	Files map[string]*PriceFile
}

// Load reads the committed price files.
func Load() (*Catalog, error) {
	return LoadFS(priceFS, "prices")
}

// LoadFS reads the price files of dir in fsys and checks each one.
func LoadFS(fsys fs.FS, dir string) (*Catalog, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	c := &Catalog{Files: map[string]*PriceFile{}}
	var problems []string
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		var pf PriceFile
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&pf); err != nil {
			problems = append(problems, fmt.Sprintf("%s/%s: %v", PricesDir, path.Base(n), err))
			continue
		}
		pf.File = path.Base(n)
		problems = append(problems, pf.check()...)
		c.Files[strings.TrimSuffix(pf.File, ".yaml")] = &pf
	}
	problems = append(problems, c.checkTiers()...)
	if len(problems) > 0 {
		return nil, fmt.Errorf("price data:\n  %s", strings.Join(problems, "\n  "))
	}
	return c, nil
}

// checkTiers reports tier groups whose items disagree on the tier: they
// would price the same count two ways.
func (c *Catalog) checkTiers() []string {
	type seen struct {
		at   string
		tier Tier
		unit string
		hour bool
		each float64
	}
	first := map[string]seen{}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(c.Files)) {
		pf := c.Files[k]
		for _, typ := range slices.Sorted(maps.Keys(pf.Types)) {
			for i, it := range pf.Types[typ] {
				if it.Tier == nil || it.Price == nil {
					continue
				}
				s := seen{fmt.Sprintf("%s/%s: types[%q][%d]", PricesDir, pf.File, typ, i), *it.Tier, it.Unit, it.Hourly, *it.Price}
				f, ok := first[it.Tier.Group]
				if !ok {
					first[it.Tier.Group] = s
					continue
				}
				if f.tier != s.tier || f.unit != s.unit || f.hour != s.hour || f.each != s.each {
					out = append(out, fmt.Sprintf("%s: tier group %q differs from %s (first, flat, price, unit and hourly must match)", s.at, it.Tier.Group, f.at))
				}
			}
		}
	}
	return out
}

var checkedRe = regexp.MustCompile(`^((yes|partly) \d{4}-\d{2}-\d{2}|no): \S`)

// check reports what makes a price file unusable: a missing date or
// currency, a file named for another cloud or region, an item without a
// source, a price or a way to pick one.
func (pf *PriceFile) check() []string {
	var out []string
	where := PricesDir + "/" + pf.File
	if want := pf.Cloud + "-" + pf.Region + ".yaml"; pf.File != want {
		out = append(out, fmt.Sprintf("%s: cloud %q and region %q say the file should be %s", where, pf.Cloud, pf.Region, want))
	}
	if pf.Date == "" {
		out = append(out, where+": no date (the day the prices were read)")
	}
	if pf.Currency == "" {
		out = append(out, where+": no currency")
	}
	for _, typ := range slices.Sorted(maps.Keys(pf.Types)) {
		for i, it := range pf.Types[typ] {
			at := fmt.Sprintf("%s: types[%q][%d] (%s)", where, typ, i, it.Name)
			if it.Name == "" {
				out = append(out, at+": no item name")
			}
			if !checkedRe.MatchString(it.Checked) {
				out = append(out, fmt.Sprintf("%s: checked %q must say whether the price was re-read at its source: \"yes YYYY-MM-DD: ...\", \"partly YYYY-MM-DD: ...\" or \"no: why\"", at, it.Checked))
			}
			if !strings.HasPrefix(it.Source, "https://") {
				out = append(out, at+": source must be the https URL of the price page or price-list API it was read from")
			}
			switch {
			case it.Price == nil && (it.SKU == "" || len(it.Prices) == 0):
				out = append(out, at+": needs price, or sku with prices")
			case it.Price != nil && it.SKU != "":
				out = append(out, at+": price and sku are exclusive")
			}
			if it.Usage != "" {
				if _, ok := DefaultAssumptions().Usage[it.Usage]; !ok {
					out = append(out, fmt.Sprintf("%s: usage %q is not an assumption (known: %s)", at, it.Usage, strings.Join(slices.Sorted(maps.Keys(DefaultAssumptions().Usage)), ", ")))
				}
			}
			if t := it.Tier; t != nil {
				switch {
				case t.Group == "" || t.First < 1 || t.Flat <= 0:
					out = append(out, at+": tier needs a group, first >= 1 and a flat price > 0")
				case it.Price == nil || it.Nodes || it.Usage != "" || it.Quantity != "":
					out = append(out, at+": a tiered item needs price (each one beyond the first) and counts resources: no sku, nodes, usage or quantity")
				}
			}
			if it.Component != "" && strings.Count(it.Component, ":") != 2 {
				out = append(out, fmt.Sprintf("%s: component %q must be a component type (package:module:Type, e.g. %s)", at, it.Component, mediaClusterType))
			}
			if it.Usage == "mediaEgressGB" && it.Component != mediaClusterType {
				out = append(out, fmt.Sprintf("%s: media sent to participants is the LiveKit nodes': an item on usage mediaEgressGB needs component: %s (else it is shared with, and booked on, the Egress recorder's resources of the same type)", at, mediaClusterType))
			}
			if it.Fn != "" && it.Fn != "ipv4PrefixSize" {
				out = append(out, fmt.Sprintf("%s: unknown fn %q (known: ipv4PrefixSize)", at, it.Fn))
			}
		}
		if _, free := pf.Free[typ]; free {
			out = append(out, fmt.Sprintf("%s: %s is both priced and free", where, typ))
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(pf.Free)) {
		if strings.TrimSpace(pf.Free[typ]) == "" {
			out = append(out, fmt.Sprintf("%s: free[%q] needs the reason it costs nothing", where, typ))
		}
	}
	return out
}

// CloudOf is the price files' cloud of a resource type: "aws", "gcp",
// "azure" (classic and native), or "common" for the cloud-neutral ones
// (kubernetes, pulumi, random, tls).
func CloudOf(typ string) string {
	pkg, _, _ := strings.Cut(typ, ":")
	switch pkg {
	case "aws", "gcp":
		return pkg
	case "azure", "azure-native":
		return "azure"
	}
	return "common"
}

// Regions is the region of each cloud a stack deploys to (from its
// config), and the stack's own cloud (livekit-infra:kind).
type Regions struct {
	Kind string            `json:"kind"`
	By   map[string]string `json:"regions"`
}

// RegionsFromConfig reads the regions of a stack config (fully qualified
// keys, as plan.StackConfig.Config).
func RegionsFromConfig(cfg map[string]string) Regions {
	r := Regions{Kind: cfg["livekit-infra:kind"], By: map[string]string{}}
	for cloud, key := range map[string]string{"aws": "aws:region", "gcp": "gcp:region", "azure": "azure-native:location"} {
		if v := cfg[key]; v != "" {
			r.By[cloud] = v
		}
	}
	return r
}

// filesFor lists, in lookup order, the price files that may price typ in a
// stack with these regions: the cloud's region file, then its global file;
// a cloud-neutral type is looked up in the stack's own cloud first (GKE's
// Gateway creates a load balancer), then in common.yaml.
func filesFor(typ string, r Regions) []string {
	cloud := CloudOf(typ)
	if cloud == "common" {
		var out []string
		if k := r.Kind; k == "aws" || k == "gcp" || k == "azure" {
			if reg := r.By[k]; reg != "" {
				out = append(out, k+"-"+reg)
			}
			out = append(out, k+"-global")
		}
		return append(out, "common-global")
	}
	var out []string
	if reg := r.By[cloud]; reg != "" {
		out = append(out, cloud+"-"+reg)
	}
	return append(out, cloud+"-global")
}

// Lookup is where a type's price was found.
type Lookup struct {
	File  string
	Items []Item
	// Free is the reason when the type costs nothing.
	Free string
	// Tried are the files looked at (without .yaml) when nothing was found.
	Tried []string
}

// Find looks typ up for a stack with regions r.
func (c *Catalog) Find(typ string, r Regions) Lookup {
	tried := filesFor(typ, r)
	for _, key := range tried {
		pf, ok := c.Files[key]
		if !ok {
			continue
		}
		if items, ok := pf.Types[typ]; ok {
			return Lookup{File: pf.File, Items: items}
		}
		if why, ok := freeReason(pf.Free, typ); ok {
			return Lookup{File: pf.File, Free: why}
		}
	}
	return Lookup{Tried: tried}
}

func freeReason(free map[string]string, typ string) (string, bool) {
	if why, ok := free[typ]; ok {
		return why, true
	}
	for _, k := range slices.Sorted(maps.Keys(free)) {
		if strings.HasSuffix(k, "*") && strings.HasPrefix(typ, strings.TrimSuffix(k, "*")) {
			return free[k], true
		}
	}
	return "", false
}

// MissingMessage tells whoever added typ exactly where its price goes.
func MissingMessage(typ string, r Regions) string {
	tried := filesFor(typ, r)
	priced, free := tried[0], tried[len(tried)-1]
	return fmt.Sprintf("resource type %s has no price entry: add it under types: in %s/%s.yaml "+
		"(items with unit, price and the https source you read it from) or, if it costs nothing by itself, under free: in %s/%s.yaml "+
		"with the reason (DEVELOPERS.md, \"Cost\")", typ, PricesDir, priced, PricesDir, free)
}
