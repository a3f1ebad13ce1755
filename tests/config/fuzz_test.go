package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// fuzzKeys are the keys FuzzParse varies: the ones with the most parsing
// logic (ranges, cross-key checks, JSON lists, secrets) plus one arbitrary
// livekit-infra key name, which exercises the typo hints.
var fuzzKeys = []string{
	ns + "kind",
	ns + "domain",
	ns + "hostname",
	ns + "mediaUdpPorts",
	ns + "turnUdpPort",
	ns + "minNodes",
	ns + "awsVpcCidr",
	ns + "awsAvailabilityZones",
	ns + "awsTaskCpu",
	ns + "awsTaskMemory",
	"aws:region",
	ns + "apiSecret",
}

// providerNamespaces are the other namespaces whose keys the model reads
// (aws:region, gcp:project, azure-native:location, ...).
var providerNamespaces = []string{"aws", "gcp", "azure-native"}

// namedKey reports whether a problem's key is a full config key: a
// livekit-infra key, or a provider key the model reads.
func namedKey(key string) bool {
	nsName, name, ok := strings.Cut(key, ":")
	if !ok || name == "" {
		return false
	}
	return nsName == stackconfig.Namespace || slices.Contains(providerNamespaces, nsName)
}

func FuzzParse(f *testing.F) {
	// Seeds: the valid defaults, then typical mistakes.
	f.Add("aws", "example.com", "", "50000-60000", "0", "3", "10.0.0.0/16", `[]`, "2048", "4096", "us-west-2", "", "", "", false)
	f.Add("aws", "example.com", "lk.example.com", "7882", "3478", "1", "172.16.0.0/20", `["us-west-2a","us-west-2b","us-west-2c"]`, "256", "512", "us-west-2", strings.Repeat("s", 32), "minNode", "2", true)
	f.Add("gcp", "Example.COM", "example.com", "60000-50000", "55000", "0", "10.0.1.0/16", `["us-east-1a"]`, "3000", "3072", "oregon", "short", "maxNodez", "x", true)
	f.Add("", "", "livekit.example.com", "7000-8000", "-1", "three", "8.8.0.0/16", `us-west-2a`, "2 vCPU", "4GB", "", "[secret]", "", "", true)
	f.Add("global", "a..b", "x.y", "-", "99999999999999999999", "1e3", "fd00::/8", `[1,2,3]`, "-256", "0", "us-west-2 ", "\x00\xff", "", "", false)
	f.Add("azure", "example.com", "", "1024-1123", "65535", "1000", "100.64.0.0/24", `null`, "16384", "122880", "eu-central-1", strings.Repeat("é", 40), "apikey", "x", false)

	f.Fuzz(func(t *testing.T, kind, domain, hostname, media, turn, minNodes, cidr, zones, cpu, mem, region, apiSecret, extraKey, extraVal string, secret bool) {
		values := validAWS()
		for i, v := range []string{kind, domain, hostname, media, turn, minNodes, cidr, zones, cpu, mem, region, apiSecret} {
			values[fuzzKeys[i]] = v
		}
		raw := stackconfig.Raw{Values: values, Secret: map[string]bool{}}
		if secret {
			raw.Secret[ns+"apiSecret"] = true
			raw.Secret[ns+"apiKey"] = true
			values[ns+"apiKey"] = "APIfuzz"
		}
		if extraKey != "" {
			values[ns+extraKey] = extraVal
		}

		s, err := stackconfig.Parse("fuzz", raw)
		if err != nil {
			if s != nil {
				t.Fatalf("Parse returned a stack and an error")
			}
			var se *stackconfig.Error
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, not *stackconfig.Error: %v", err, err)
			}
			if len(se.Problems) == 0 {
				t.Fatalf("*stackconfig.Error without problems")
			}
			for _, p := range se.Problems {
				if !namedKey(p.Key) {
					t.Errorf("problem %v does not name a livekit-infra: or cloud provider key", p)
				}
				if p.Value == "" || p.Allowed == "" {
					t.Errorf("problem %+v lacks the value or what is allowed", p)
				}
				if p.Key == ns+"apiSecret" && p.Value != "[secret]" && p.Value != "(plain text)" && p.Value != "(not set)" {
					t.Errorf("problem %+v shows the secret's value", p)
				}
			}
			return
		}
		if s == nil {
			t.Fatalf("Parse returned neither a stack nor an error")
		}
		// Accepted: the result must be usable as is.
		switch s.Kind {
		case stackconfig.KindAWS, stackconfig.KindGCP, stackconfig.KindAzure:
			r := s.Region
			if r == nil {
				t.Fatalf("regional kind %s without Region", s.Kind)
			}
			if err := r.Media.Validate(); err != nil {
				t.Errorf("accepted media ports %q: %v", media, err)
			}
			if r.TURNUDPPort != 0 && r.TURNUDPPort >= r.Media.First() && r.TURNUDPPort <= r.Media.Last() {
				t.Errorf("accepted TURN port %d inside media %s", r.TURNUDPPort, r.Media)
			}
			if r.Scaling.Min < 1 || r.Scaling.Max < r.Scaling.Min {
				t.Errorf("accepted scaling %+v", r.Scaling)
			}
			if !strings.HasSuffix(r.Hostname, "."+s.Domain) || r.Hostname == s.GlobalHostname {
				t.Errorf("accepted hostname %q (domain %q, global %q)", r.Hostname, s.Domain, s.GlobalHostname)
			}
			if r.APISecret.IsSet() != r.APIKey.IsSet() {
				t.Errorf("accepted only one of apiKey/apiSecret")
			}
		case stackconfig.KindGlobal:
		default:
			t.Fatalf("accepted kind %q", s.Kind)
		}
		if s.Domain == "" || s.ZoneID == "" {
			t.Errorf("accepted an empty domain or zone id: %+v", s)
		}
		if s.Kind == stackconfig.KindAWS {
			a := s.AWS
			if a == nil {
				t.Fatalf("aws kind without AWS section")
			}
			if !a.VpcCIDR.IsValid() || !a.VpcCIDR.Addr().Is4() || a.VpcCIDR.Masked() != a.VpcCIDR {
				t.Errorf("accepted VPC CIDR %v from %q", a.VpcCIDR, cidr)
			}
			if n := len(a.AvailabilityZones); n != 0 && n != 3 {
				t.Errorf("accepted %d zones", n)
			}
			for _, z := range a.AvailabilityZones {
				if !strings.HasPrefix(z, a.Region) {
					t.Errorf("accepted zone %q outside %s", z, a.Region)
				}
			}
			if a.Region == "" || a.TaskCPU < 256 || a.TaskMemory < 512 {
				t.Errorf("accepted region %q, cpu %d, memory %d", a.Region, a.TaskCPU, a.TaskMemory)
			}
		}
	})
}

func FuzzMediaPorts(f *testing.F) {
	for _, s := range []string{"50000-60000", "7882", "60000-50000", "7000-8000", "0", "-", "-1", "1-2-3", " 50000 - 50100 ", "+7882", "99999999999999999999-1", "", "7881", "65535", "65436-65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := livekit.ParseMediaPorts(s)
		if err != nil {
			if err.Error() == "" {
				t.Errorf("empty error for %q", s)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Errorf("ParseMediaPorts(%q) = %+v, but Validate: %v", s, m, err)
		}
		if m.First() < 1024 || m.Last() > 65535 || m.First() > m.Last() {
			t.Errorf("ParseMediaPorts(%q) = %+v: span %d-%d", s, m, m.First(), m.Last())
		}
		back, err := livekit.ParseMediaPorts(m.String())
		if err != nil || back != m {
			t.Errorf("%q -> %+v -> %q -> %+v, %v: does not round-trip", s, m, m.String(), back, err)
		}
	})
}
