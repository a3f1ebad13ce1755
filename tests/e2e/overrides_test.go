package e2e

// Loopback overrides: the only changes the test makes to a region's rendered
// LiveKit config before booting it on this host, and the check that nothing
// else differs from what the program rendered.

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// testRedis is where the loopback nodes find the test's Redis.
type testRedis struct {
	Addr       string // 127.0.0.1:port
	CACertFile string // the test CA, which signed the Redis server certificate
	ServerName string // a name the Redis server certificate covers
}

// target is how a loopback config reaches rds, whose certificate the test
// CA of certs signed for localhost.
func (rds *redisServer) target(certs *testTLS) testRedis {
	return testRedis{Addr: rds.Addr, CACertFile: certs.CACertFile, ServerName: "localhost"}
}

// udpRangeSize is the size of the media port range a loopback node gets when
// the rendered config uses a range. No participant connects in this test, so
// a few ports are plenty; they only have to be free and distinct per node.
const udpRangeSize = 16

// allowedOverrides returns the key paths (dot-separated) a loopback override
// may change, add or remove in rendered, with the reason for each.
func allowedOverrides(rendered map[string]any) map[string]string {
	allowed := map[string]string{
		"bind_addresses":      "listen on 127.0.0.1 only",
		"port":                "signaling port: two nodes share one host",
		"prometheus.port":     "metrics port: two nodes share one host",
		"rtc.node_ip":         "advertise 127.0.0.1",
		"rtc.use_external_ip": "no STUN lookup of a public IP on a test host",
		// LiveKit v1.13.5 listens for ICE/TCP on every interface
		// (mediatransportutil's rtcconfig: net.ListenTCP with no IP) and
		// has no key to bind it; no test connects over ICE/TCP, so it is off.
		"rtc.tcp_port":                  "ICE/TCP off: it cannot be bound to loopback",
		"rtc.interfaces.includes":       "media sockets on the loopback interface only",
		"rtc.enable_loopback_candidate": "media sockets on the loopback interface only",
		"redis.address":                 "the test Redis",
		"redis.tls.ca_cert_file":        "the test CA (managed caches chain to their provider's CA)",
		"redis.tls.server_name":         "a name the test Redis certificate covers",
	}
	// The media mode stays as rendered: a range keeps a range (only its
	// bounds move), a muxed port stays one muxed port.
	if _, mux := lookupPath(rendered, "rtc.udp_port"); mux {
		allowed["rtc.udp_port"] = "muxed media port: two nodes share one host"
	} else {
		allowed["rtc.port_range_start"] = "media port range: a small free range per node"
		allowed["rtc.port_range_end"] = "media port range: a small free range per node"
	}
	if enabled, _ := lookupPath(rendered, "turn.enabled"); enabled == true {
		allowed["turn.udp_port"] = "TURN/UDP port: two nodes share one host"
		allowed["turn.tls_port"] = "TURN/TLS port: two nodes share one host"
		allowed["turn.bind_addresses"] = "TURN listens on 127.0.0.1 only"
	}
	return allowed
}

// loopbackConfig applies only the loopback overrides to the rendered config
// (a yaml.v3 round trip of a generic map), picking free ports, and checks
// the result differs from rendered only at allowed paths. It returns the YAML
// to boot and its parsed form.
func loopbackConfig(t testing.TB, rendered string, redis testRedis) (string, map[string]any) {
	t.Helper()
	doc := parseConfig(t, rendered)

	set := func(path string, v any) { setPath(doc, path, v) }
	set("bind_addresses", []any{"127.0.0.1"})
	set("port", freePort(t))
	set("prometheus.port", freePort(t))
	set("rtc.node_ip", "127.0.0.1")
	set("rtc.use_external_ip", false)
	set("rtc.tcp_port", 0)
	set("rtc.interfaces.includes", []any{"lo"})
	set("rtc.enable_loopback_candidate", true)
	if _, mux := lookupPath(doc, "rtc.udp_port"); mux {
		set("rtc.udp_port", freeUDPPort(t))
	} else {
		// Range mode (the product default): keep it, narrowed to a free
		// range. It binds nothing until a participant connects, and runs the
		// same ICE code path as production (a muxed port would not).
		start, end := freeUDPRange(t, udpRangeSize)
		set("rtc.port_range_start", start)
		set("rtc.port_range_end", end)
	}
	set("redis.address", redis.Addr)
	set("redis.tls.ca_cert_file", redis.CACertFile)
	if _, ok := lookupPath(doc, "redis.tls.server_name"); ok {
		set("redis.tls.server_name", redis.ServerName)
	}
	if enabled, _ := lookupPath(doc, "turn.enabled"); enabled == true {
		if _, ok := lookupPath(doc, "turn.udp_port"); ok {
			set("turn.udp_port", freeUDPPort(t))
		}
		if _, ok := lookupPath(doc, "turn.tls_port"); ok {
			set("turn.tls_port", freePort(t))
		}
		set("turn.bind_addresses", []any{"127.0.0.1"})
	}

	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatalf("marshal the loopback config: %v", err)
	}
	// Compare what LiveKit will read, not the map we edited.
	final := parseConfig(t, string(out))
	if err := checkOverrideDiff(parseConfig(t, rendered), final); err != nil {
		t.Fatal(err)
	}
	return string(out), final
}

// checkOverrideDiff fails unless every difference between the rendered and
// the final document is at an allowed loopback path.
func checkOverrideDiff(rendered, final map[string]any) error {
	allowed := allowedOverrides(rendered)
	var bad []string
	for _, d := range configDiff(rendered, final) {
		if _, ok := allowed[d.Path]; !ok {
			bad = append(bad, d.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the loopback config differs from the rendered one beyond the loopback overrides:\n  %s",
			strings.Join(bad, "\n  "))
	}
	return nil
}

// configChange is one difference between two config documents.
type configChange struct {
	Path     string
	Old, New any // nil when absent
	Added    bool
	Removed  bool
}

func (c configChange) String() string {
	switch {
	case c.Added:
		return fmt.Sprintf("%s: added", c.Path)
	case c.Removed:
		return fmt.Sprintf("%s: removed", c.Path)
	default:
		// Values are not printed: the document holds secrets.
		return fmt.Sprintf("%s: changed", c.Path)
	}
}

// configDiff compares two documents leaf by leaf (lists are leaves) and
// returns the differences sorted by path.
func configDiff(a, b map[string]any) []configChange {
	fa, fb := map[string]any{}, map[string]any{}
	flatten("", a, fa)
	flatten("", b, fb)
	var out []configChange
	for p, va := range fa {
		vb, ok := fb[p]
		switch {
		case !ok:
			out = append(out, configChange{Path: p, Old: va, Removed: true})
		case !reflect.DeepEqual(va, vb):
			out = append(out, configChange{Path: p, Old: va, New: vb})
		}
	}
	for p, vb := range fb {
		if _, ok := fa[p]; !ok {
			out = append(out, configChange{Path: p, New: vb, Added: true})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func flatten(prefix string, v any, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok || (len(m) == 0 && prefix != "") {
		out[prefix] = v
		return
	}
	for k, e := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		flatten(p, e, out)
	}
}

func parseConfig(t testing.TB, s string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("parse LiveKit config: %v", err)
	}
	if doc == nil {
		t.Fatal("parse LiveKit config: empty document")
	}
	return doc
}

// lookupPath reads a dot-separated path in a document.
func lookupPath(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// setPath sets a dot-separated path, creating maps on the way.
func setPath(doc map[string]any, path string, v any) {
	segs := strings.Split(path, ".")
	cur := doc
	for _, seg := range segs[:len(segs)-1] {
		next, ok := cur[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[seg] = next
		}
		cur = next
	}
	cur[segs[len(segs)-1]] = v
}

// configKeys returns the single API key and secret of a config document.
func configKeys(t testing.TB, doc map[string]any) (string, string) {
	t.Helper()
	keys, _ := doc["keys"].(map[string]any)
	if len(keys) != 1 {
		t.Fatalf("rendered config has %d API keys, want 1", len(keys))
	}
	for k, v := range keys {
		s, _ := v.(string)
		return k, s
	}
	return "", ""
}

// configString reads a string at path ("" if absent).
func configString(doc map[string]any, path string) string {
	v, _ := lookupPath(doc, path)
	s, _ := v.(string)
	return s
}

// TestLoopbackDiffRejectsOtherChanges shows the diff check fails on any
// change outside the loopback paths, including a switch of the media mode.
func TestLoopbackDiffRejectsOtherChanges(t *testing.T) {
	const rendered = `
port: 7880
prometheus: {port: 6789}
keys: {APIabc: secretsecretsecretsecretsecretsecret}
rtc: {tcp_port: 7881, port_range_start: 50000, port_range_end: 60000, use_external_ip: true}
redis: {address: "cache.example:6379", password: pw, tls: {enabled: true}}
room: {auto_create: true}
node_selector: {kind: sysload, sort_by: sysload, sysload_limit: 0.9}
`
	allowedEdit := func(doc map[string]any) {
		setPath(doc, "port", 40000)
		setPath(doc, "bind_addresses", []any{"127.0.0.1"})
		setPath(doc, "rtc.port_range_start", 41000)
		setPath(doc, "rtc.port_range_end", 41015)
		setPath(doc, "rtc.use_external_ip", false)
		setPath(doc, "rtc.node_ip", "127.0.0.1")
		setPath(doc, "redis.address", "127.0.0.1:40001")
		setPath(doc, "redis.tls.ca_cert_file", "/tmp/ca.crt")
	}
	base := parseConfig(t, rendered)
	ok := parseConfig(t, rendered)
	allowedEdit(ok)
	if err := checkOverrideDiff(base, ok); err != nil {
		t.Fatalf("loopback-only edits rejected: %v", err)
	}

	for name, tc := range map[string]struct {
		edit func(map[string]any)
		path string
	}{
		"API secret": {func(d map[string]any) { setPath(d, "keys.APIabc", "LEAKED") }, "keys.APIabc"},
		"API key": {func(d map[string]any) {
			delete(d["keys"].(map[string]any), "APIabc")
			setPath(d, "keys.APIother", "LEAKED")
		}, "keys.APIother"},
		"Redis password":     {func(d map[string]any) { setPath(d, "redis.password", "LEAKED") }, "redis.password"},
		"Redis TLS off":      {func(d map[string]any) { setPath(d, "redis.tls.enabled", false) }, "redis.tls.enabled"},
		"room auto-create":   {func(d map[string]any) { delete(d, "room") }, "room.auto_create"},
		"sysload limit":      {func(d map[string]any) { setPath(d, "node_selector.sysload_limit", 1.0) }, "node_selector.sysload_limit"},
		"range to muxed UDP": {func(d map[string]any) { setPath(d, "rtc.udp_port", 7882) }, "rtc.udp_port"},
		"new key":            {func(d map[string]any) { setPath(d, "development", true) }, "development"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := parseConfig(t, rendered)
			allowedEdit(doc)
			tc.edit(doc)
			err := checkOverrideDiff(base, doc)
			if err == nil || !strings.Contains(err.Error(), tc.path+":") {
				t.Fatalf("diff check: %v, want a complaint about %s", err, tc.path)
			}
			if strings.Contains(err.Error(), "secretsecret") || strings.Contains(err.Error(), "LEAKED") {
				t.Fatalf("diff check prints values (secrets): %v", err)
			}
		})
	}
}
