package stackconfig

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Raw is a stack's config as Pulumi hands it to a program: full keys
// ("livekit-infra:minNodes", "aws:region") to string values (structured
// values as JSON), and which keys hold secrets.
type Raw struct {
	Values map[string]string
	Secret map[string]bool
}

// parser reads typed values from Raw, applying the Keys defaults, and
// collects every problem instead of stopping at the first.
type parser struct {
	raw      Raw
	problems []Problem
}

func (p *parser) fail(key, value, allowed string) {
	p.problems = append(p.problems, Problem{Key: key, Value: value, Allowed: allowed})
}

func quote(s string) string { return strconv.Quote(s) }

// providerKey reads a provider's key a kind requires (aws:region,
// gcp:project, ...): unset, the problem is the command that sets it (to
// example); set, it must match re, else the problem says what it must be.
func (p *parser) providerKey(kind Kind, key, example string, re *regexp.Regexp, must string) string {
	v := strings.TrimSpace(p.raw.Values[key])
	switch {
	case v == "":
		msg := fmt.Sprintf("required for kind %s: run `pulumi config set %s %s`", kind, key, example)
		// A near miss beside it (aws:regoin) is the provider's to judge and
		// would pass silently: name it.
		for _, other := range slices.Sorted(maps.Keys(p.raw.Values)) {
			if other != key && distance(strings.ToLower(other), key) <= 2 {
				msg += fmt.Sprintf(" (%s is set: a misspelling?)", other)
			}
		}
		p.fail(key, "(not set)", msg)
	case !re.MatchString(v):
		p.fail(key, quote(v), must)
	}
	return v
}

func spec(name string) Key {
	k, ok := KeyByName(name)
	if !ok {
		panic("settings: key " + name + " is not in Keys") // programming error, caught by tests
	}
	return k
}

// lookup returns the raw string of a livekit-infra key, falling back to its
// declared default. ok is false when neither exists.
func (p *parser) lookup(name string) (string, bool) {
	k := spec(name)
	if v, ok := p.raw.Values[k.Full()]; ok {
		return v, true
	}
	switch d := k.Default.(type) {
	case nil:
		return "", false
	case string:
		return d, true
	case int:
		return strconv.Itoa(d), true
	case bool:
		return strconv.FormatBool(d), true
	default:
		b, _ := json.Marshal(d)
		return string(b), true
	}
}

// failed reports whether a problem was already recorded for the key, so that
// checks depending on its value are skipped instead of reporting a
// consequence of the same mistake.
func (p *parser) failed(name string) bool {
	full := spec(name).Full()
	for _, pr := range p.problems {
		if pr.Key == full {
			return true
		}
	}
	return false
}

func (p *parser) str(name string) string {
	v, _ := p.lookup(name)
	v = strings.TrimSpace(v)
	// An explicitly empty value (`pulumi config set key ""`) is as missing
	// as an absent one.
	if v == "" && spec(name).Required {
		p.fail(spec(name).Full(), "(not set)", "required: "+spec(name).Description)
	}
	return v
}

func (p *parser) integer(name string, min, max int) int {
	v, _ := p.lookup(name)
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		p.fail(spec(name).Full(), quote(v), fmt.Sprintf("must be a whole number from %d to %d", min, max))
		return min
	}
	if n < min || n > max {
		p.fail(spec(name).Full(), quote(v), fmt.Sprintf("must be from %d to %d", min, max))
	}
	return n
}

func (p *parser) boolean(name string) bool {
	v, _ := p.lookup(name)
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		p.fail(spec(name).Full(), quote(v), "must be true or false")
	}
	return b
}

func (p *parser) oneOf(name string, allowed ...string) string {
	v := p.str(name)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(spec(name).Full(), quote(v), "must be one of "+strings.Join(allowed, ", "))
	return v
}

func (p *parser) list(name string) []string {
	v, _ := p.lookup(name)
	if strings.TrimSpace(v) == "" {
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		p.fail(spec(name).Full(), quote(v), "must be a list of strings, e.g. [a, b, c] in the stack file")
		return nil
	}
	return out
}

// secret reads a secret key. stand is the value used when the stack holds an
// undecryptable placeholder (offline plans); check validates real values.
func (p *parser) secret(name, stand string, check func(string) string) Secret {
	k := spec(name)
	v, ok := p.raw.Values[k.Full()]
	if !ok || v == "" {
		return Secret{}
	}
	if !p.raw.Secret[k.Full()] {
		p.fail(k.Full(), "(plain text)", fmt.Sprintf("must be a secret: run `pulumi config set --secret %s <value>`", k.Full()))
		// Set (the stack is rejected anyway), so that checks pairing it
		// with other keys do not report it missing as well.
		return Secret{set: true}
	}
	if v == Placeholder {
		return Secret{value: stand, set: true}
	}
	if msg := check(v); msg != "" {
		p.fail(k.Full(), "[secret]", msg)
	}
	return Secret{value: v, set: true}
}

// unknownKeys reports livekit-infra keys that are not in Keys, with the
// nearest known key as a hint: a typo must not silently fall back to a default.
func (p *parser) unknownKeys() {
	var names []string
	for full := range p.raw.Values {
		ns, name, ok := strings.Cut(full, ":")
		if !ok || ns != Namespace {
			continue
		}
		if _, known := KeyByName(name); !known {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		old, value := Namespace+":"+name, quote(p.raw.Values[Namespace+":"+name])
		if to, renamed := RenamedKeys[name]; renamed {
			p.fail(old, value, fmt.Sprintf("was renamed to %s:%s (same meaning and values): `pulumi config rm %s`, then `pulumi config set %s:%s %s`",
				Namespace, to, old, Namespace, to, p.raw.Values[old]))
			continue
		}
		hint := "is not a known key"
		if best := nearest(name); best != "" {
			hint += fmt.Sprintf("; did you mean %s:%s?", Namespace, best)
		}
		p.fail(Namespace+":"+name, quote(p.raw.Values[Namespace+":"+name]), hint)
	}
}

// providerNamespaces are the config namespaces of the providers this
// program uses (and Pulumi's own): their keys are the providers' to judge.
var providerNamespaces = map[string]bool{
	"aws": true, "gcp": true, "azure-native": true, "azure": true, "kubernetes": true, "random": true, "pulumi": true,
}

// misplacedKeys reports keys meant for this project under a namespace
// nothing reads: a near miss of the namespace (livekit-infr:x,
// livekit_infra:x) or a short form of it (livekit:minNodes, lk:minNodes).
// Pulumi passes any namespace through, so without this the key would be
// ignored and its default used. Other namespaces (another tool's, a policy
// pack's) are left alone.
func (p *parser) misplacedKeys() {
	var keys []string
	for full := range p.raw.Values {
		ns, _, ok := strings.Cut(full, ":")
		if !ok || ns == Namespace || providerNamespaces[ns] {
			continue
		}
		if l := strings.ToLower(ns); distance(l, Namespace) <= 3 || strings.HasPrefix(l, "livekit") || l == "lk" || strings.HasPrefix(l, "lk-") || strings.HasPrefix(l, "lk_") {
			keys = append(keys, full)
		}
	}
	sort.Strings(keys)
	for _, full := range keys {
		ns, name, _ := strings.Cut(full, ":")
		want := name
		if _, known := KeyByName(name); !known {
			want = nearest(name)
		}
		value := quote(shortValue(p.raw.Values[full]))
		if p.raw.Secret[full] {
			value = "[secret]"
		}
		hint := fmt.Sprintf("namespace %q is read by nothing here (this project's keys are %s:<name>)", ns, Namespace)
		if want != "" {
			hint += fmt.Sprintf("; did you mean %s:%s?", Namespace, want)
		}
		p.fail(full, value, hint)
	}
}

// otherKindKeys reports livekit-infra keys set on a stack whose kind does
// not read them (gcpMachineType on an aws stack): silently ignored, they
// would hide a mistake. Pulumi.yaml's defaults reach every stack, so a value
// equal to the key's declared default is not the user's and passes.
func (p *parser) otherKindKeys(kind Kind) {
	var names []string
	for full := range p.raw.Values {
		ns, name, ok := strings.Cut(full, ":")
		if !ok || ns != Namespace {
			continue
		}
		if k, known := KeyByName(name); known && !slices.Contains(k.Kinds, kind) && !isDefault(k, p.raw.Values[full]) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		k, _ := KeyByName(name)
		kinds := make([]string, len(k.Kinds))
		for i, kk := range k.Kinds {
			kinds[i] = string(kk)
		}
		value := quote(shortValue(p.raw.Values[k.Full()]))
		if k.Secret || p.raw.Secret[k.Full()] {
			value = "[secret]"
		}
		p.fail(k.Full(), value, fmt.Sprintf("is a key of %s stacks, not of this %s stack: remove it (`pulumi config rm %s`)",
			strings.Join(kinds, ", "), kind, k.Full()))
	}
}

// isDefault reports whether raw is the key's declared default (what
// Pulumi.yaml injects), comparing structured values as JSON.
func isDefault(k Key, raw string) bool {
	if k.Default == nil {
		return false
	}
	var got any
	if json.Unmarshal([]byte(raw), &got) != nil {
		got = raw
	}
	want := k.Default
	if b, err := json.Marshal(want); err == nil {
		_ = json.Unmarshal(b, &want)
	}
	if s, ok := want.(string); ok {
		return raw == s
	}
	return reflect.DeepEqual(got, want)
}

func shortValue(v string) string {
	if len(v) > 60 {
		return v[:57] + "..."
	}
	return v
}

func nearest(name string) string {
	best, bestDist := "", 4 // suggest only close matches
	for _, k := range Keys {
		if d := distance(strings.ToLower(name), strings.ToLower(k.Name)); d < bestDist {
			best, bestDist = k.Name, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// privateCIDR reads an IPv4 private CIDR key with a prefix length in [lo, hi].
func (p *parser) privateCIDR(name string, lo, hi int) netip.Prefix {
	raw := p.str(name)
	key := spec(name).Full()
	pfx, err := netip.ParsePrefix(raw)
	switch {
	case err != nil || !pfx.Addr().Is4():
		p.fail(key, quote(raw), "must be an IPv4 CIDR such as "+fmt.Sprint(spec(name).Default))
	case pfx.Masked() != pfx:
		p.fail(key, quote(raw), fmt.Sprintf("has host bits set; did you mean %s?", pfx.Masked()))
	case pfx.Bits() < lo || pfx.Bits() > hi:
		p.fail(key, quote(raw), fmt.Sprintf("prefix must be /%d to /%d", lo, hi))
	case !pfx.Addr().IsPrivate() && !netip.MustParsePrefix("100.64.0.0/10").Contains(pfx.Addr()):
		p.fail(key, quote(raw), "must be a private range (10/8, 172.16/12, 192.168/16 or 100.64/10)")
	default:
		return pfx
	}
	return netip.Prefix{}
}

// exactVersionRe is an exact MAJOR.MINOR.PATCH version, no v prefix.
var exactVersionRe = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// exactChartVersion reads a Helm chart pin whose repository tags have no v
// prefix (the LiveKit chart and the EKS controllers' charts): one exact
// version, no range.
func (p *parser) exactChartVersion(name string) string {
	v := p.str(name)
	if !exactVersionRe.MatchString(v) {
		p.fail(spec(name).Full(), quote(v), "must pin an exact chart version such as "+fmt.Sprint(spec(name).Default)+" (no ranges, no v prefix)")
	}
	return v
}
