package e2e

// Failover on real nodes (issue 15, items 5 and 6): the three regions boot
// as in TestRegionConfigsBootLiveKit (own TLS+AUTH Redis and two LiveKit
// nodes each, rendered configs from their plans, loopback overrides only),
// and the global stack's own routing decision moves a real participant from
// a dead region to the next region of its chain. The decision is the Route
// 53 model of tests/internal/route53 evaluating the records and health
// checks the global stack's offline plan declares, with each health check
// answered by real HTTP probes of the region's nodes.
//
// Scale: Route 53's timing is divided by failoverScale (see there); LiveKit's
// own timers and the client's connect time are real. The measured time from
// fault to reconnect is logged, converted back to Route 53's timing, beside
// the global plan's worstCaseFailoverSeconds, and written as JSON to
// $LKINFRA_FAILOVER_REPORT when set (scripts/bench.sh reads it).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/livekit/protocol/auth"
	lkproto "github.com/livekit/protocol/livekit"
	protologger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	globalstack "github.com/livekit-infra/livekit-infra/stacks/global"
	"github.com/livekit-infra/livekit-infra/tests/internal/route53"
)

const (
	// failoverScale divides Route 53's timing in TestFailover: the health
	// check's request interval (10 s -> 1 s), the HTTPS probe's connect and
	// response timeouts (4 s + 2 s -> 0.6 s) and the record TTL (30 s ->
	// 3 s). The failure threshold (3 requests) and the number of checkers
	// are kept. LiveKit's own timers (GET / turns 406 about 4 s after Redis
	// is lost) and the client's connect time are not scaled.
	failoverScale = 10
	// failoverContinent is the client population whose chain the test
	// walks: Europe, served first by gcp-eu in the committed global stack.
	failoverContinent = "EU"
	failoverIdentity  = "failover-client"
	// failoverSlack is what a loaded 2-core CI machine may add to a bound
	// derived from the scaled timing (probe scheduling, polling).
	failoverSlack = 2 * time.Second
	// reconnectRetry is the client's pause between connection attempts.
	reconnectRetry = 100 * time.Millisecond
	// clientConnectTimeout bounds one lksdk connection attempt (signaling
	// plus ICE); the SDK's default is 5 s.
	clientConnectTimeout = 5 * time.Second
	// nodeDrainWait is how long a node may drain after SIGTERM before the
	// second SIGTERM, which LiveKit takes as a forced shutdown (a node
	// drains until its participants leave).
	nodeDrainWait = time.Second
)

// failoverRegion is one booted region.
type failoverRegion struct {
	Name     string // the region's name in the global stack
	Stack    string // its stack (the row of regionStacks)
	Hostname string // its own hostname (the plan's output), the records' CNAME target
	Label    string // the rendered `region:` label LiveKit reports
	Keys     livekit.KeySet
	APIKey   string // the shared key the test signs with
	Secret   string
	Rendered string // the region's rendered LiveKit config

	redis   *redisServer
	configs []string // the loopback configs of its nodes (fixed ports)
	urls    []string // http://127.0.0.1:<port> of each node
	rr      atomic.Uint32

	mu    sync.Mutex
	nodes []*liveKitNode
}

// nextURL is the region's front door: its nodes in turn, as a load balancer
// spreads requests (health checks and clients alike).
func (r *failoverRegion) nextURL() string {
	return r.urls[int(r.rr.Add(1))%len(r.urls)]
}

func (r *failoverRegion) liveNodes() []*liveKitNode {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.nodes)
}

// roomService is a RoomService client on one of the region's nodes.
func (r *failoverRegion) roomService() *lksdk.RoomServiceClient {
	return lksdk.NewRoomServiceClient(r.nextURL(), r.APIKey, r.Secret)
}

// failoverWorld is what TestFailover works with.
type failoverWorld struct {
	regions map[string]*failoverRegion // by region name
	byHost  map[string]*failoverRegion // by hostname
	chain   []string                   // failoverContinent's chain
	room    string
	token   string
	sdkLog  protologger.Logger
}

// cachingResolver is the client's recursive resolver: it asks Route 53
// (the zone model) only when the cached answer's TTL, scaled, has run out.
type cachingResolver struct {
	zone    *route53.Zone
	name    string
	client  route53.Client
	value   string
	expires time.Time
	// firstAnswer records when each answer was first given.
	firstAnswer map[string]time.Time
}

func (c *cachingResolver) resolve() string {
	now := time.Now()
	if c.value != "" && now.Before(c.expires) {
		return c.value
	}
	v, ttl, _ := c.zone.Answer(c.name, c.client)
	life := time.Duration(float64(ttl) * float64(time.Second) / failoverScale)
	if c.value == "" && life > 0 {
		// The first answer counts as cached at a random moment of its
		// TTL: the resolver's refreshes are not in step with the health
		// checkers' requests, as they are not in Route 53.
		life = rand.N(life)
	}
	c.value = v
	c.expires = now.Add(life)
	if c.value != "" {
		if _, seen := c.firstAnswer[v]; !seen {
			c.firstAnswer[v] = now
		}
	}
	return v
}

// connectionEvents records what the SDK reports about a connection.
type connectionEvents struct {
	mu   sync.Mutex
	lost time.Time // first reconnecting or disconnected event
}

func (e *connectionEvents) mark() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lost.IsZero() {
		e.lost = time.Now()
	}
}

func (e *connectionEvents) lostAt() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lost
}

// join is the client: resolve the global hostname, connect to the region
// of the answer with the token (real signaling and ICE), return both.
func (w *failoverWorld) join(t *testing.T, res *cachingResolver) (*lksdk.Room, *failoverRegion, *connectionEvents, error) {
	t.Helper()
	host := res.resolve()
	r := w.byHost[host]
	if r == nil {
		t.Fatalf("the global hostname resolves to %q, no region's hostname", host)
	}
	ev := &connectionEvents{}
	cb := &lksdk.RoomCallback{OnReconnecting: ev.mark, OnDisconnected: ev.mark}
	wsURL := "ws" + strings.TrimPrefix(r.nextURL(), "http")
	room, err := lksdk.ConnectToRoomWithToken(wsURL, w.token, cb,
		lksdk.WithConnectTimeout(clientConnectTimeout), lksdk.WithAutoSubscribe(false), lksdk.WithLogger(w.sdkLog))
	return room, r, ev, err
}

// wantParticipant checks the region's own API lists the client as ACTIVE
// in the room (signaling done and ICE connected) and that the SDK reports
// the region's label.
func (w *failoverWorld) wantParticipant(t *testing.T, r *failoverRegion, room *lksdk.Room) {
	t.Helper()
	if st := room.ConnectionState(); st != lksdk.ConnectionStateConnected {
		t.Fatalf("connected to %s, but the SDK reports %s", r.Name, st)
	}
	if info := room.ServerInfo(); r.Label != "" && info.GetRegion() != r.Label {
		t.Errorf("the SDK reports server region %q, want %s's label %q", info.GetRegion(), r.Name, r.Label)
	}
	eventually(t, apiTimeout, fmt.Sprintf("participant %s ACTIVE in %s", failoverIdentity, r.Name), func() error {
		res, err := r.roomService().ListParticipants(ctxT(t), &lkproto.ListParticipantsRequest{Room: w.room})
		if err != nil {
			return err
		}
		for _, p := range res.Participants {
			if p.Identity == failoverIdentity && p.State == lkproto.ParticipantInfo_ACTIVE {
				return nil
			}
		}
		return fmt.Errorf("participants %v", res.Participants)
	})
}

// failoverReport is the JSON written to $LKINFRA_FAILOVER_REPORT. Times in
// seconds as measured; "Scaled" fields are spans governed by Route 53's
// (scaled) timing; "Converted" fields multiply those back by Factor and add
// the real-time spans: LiveKit's 406 after losing Redis and the connect.
type failoverReport struct {
	Factor                   int     `json:"factor"`
	Continent                string  `json:"continent"`
	From                     string  `json:"from"`
	To                       string  `json:"to"`
	HealthCheckInterval      int     `json:"healthCheckIntervalSeconds"`
	FailureThreshold         int     `json:"healthCheckFailureThreshold"`
	TTL                      int     `json:"ttlSeconds"`
	WorstCaseFailoverSeconds int     `json:"worstCaseFailoverSeconds"`
	FaultToUnhealthyEndpoint float64 `json:"faultToEndpoint406Seconds"`
	EndpointToCheckUnhealthy float64 `json:"endpointToCheckUnhealthyScaledSeconds"`
	CheckToResolverAnswer    float64 `json:"checkUnhealthyToResolverAnswerScaledSeconds"`
	// FaultToClientRetrying is when the client began to reconnect: once
	// the region's nodes were gone (they drain, then stop on the second
	// SIGTERM). At full scale the client retries while DNS still answers
	// the dead region, so this is not part of the converted time.
	FaultToClientRetrying float64 `json:"faultToClientRetryingSeconds"`
	// Connect is the successful connection attempt: signaling and ICE.
	Connect float64 `json:"connectSeconds"`
	// DNS is the part worstCaseFailoverSeconds bounds: from the endpoint
	// failing its health check to the client's resolver answering the next
	// region.
	DNSScaled    float64 `json:"dnsFailoverScaledSeconds"`
	DNSConverted float64 `json:"dnsFailoverConvertedSeconds"`
	// FaultToReconnectScaled is from stopping the region's Redis to the
	// client connected in the next region, as measured; Converted is
	// faultToEndpoint406 + dnsFailoverConverted + connect.
	FaultToReconnectScaled    float64 `json:"faultToReconnectScaledSeconds"`
	FaultToReconnectConverted float64 `json:"faultToReconnectConvertedSeconds"`
	// Ratio is FaultToReconnectConverted / WorstCaseFailoverSeconds.
	Ratio    float64 `json:"ratio"`
	DNSRatio float64 `json:"dnsRatio"`
}

func secs(d time.Duration) float64 { return float64(d.Round(time.Millisecond)) / float64(time.Second) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// TestFailover: a participant connected to the first region of Europe's
// chain is served by the next region after the first one dies, through the
// global stack's declared records and health checks probing real nodes.
func TestFailover(t *testing.T) {
	liveKitBinary(t) // skip (or fail on CI) before any setup
	redisBinary(t)

	// ---- Plans: the regions' and the global stack's.
	sc := loadStack(t, globalStack)
	refs := globalRegionRefs(t, sc)
	outs := map[string]map[string]any{}
	regions := map[string]*failoverRegion{}
	byHost := map[string]*failoverRegion{}
	for _, ref := range refs {
		rs := regionRow(t, ref.Stack)
		p := regionPlan(t, rs)
		outs[ref.Stack] = p.ReferenceOutputs()
		rendered, err := rs.Config.Find(p)
		if err != nil {
			t.Fatalf("stack %s: LiveKit config (%s): %v", rs.Stack, rs.Config.Where, err)
		}
		doc := parseConfig(t, rendered)
		host, _ := p.RawOutputs[components.OutputHostname].(string)
		r := &failoverRegion{
			Name: ref.Name, Stack: rs.Stack, Hostname: strings.ToLower(host),
			Label: configString(doc, "region"), Keys: renderedKeys(t, rendered), Rendered: rendered,
		}
		regions[r.Name] = r
		byHost[r.Hostname] = r
	}
	gp, err := plan.Evaluate(sc, globalstack.Program, globalStackRefs(outs)...)
	if err != nil {
		t.Fatalf("planning stack %s with the regions' plans behind its StackReferences: %v", globalStack, err)
	}
	w := &failoverWorld{regions: regions, byHost: byHost, room: "failover-" + randomToken(t, 4)}

	checks, err := route53.HealthChecksFromPlan(gp)
	if err != nil {
		t.Fatal(err)
	}
	hostRegion := map[string]string{}
	for h, r := range byHost {
		hostRegion[h] = r.Name
	}
	sets, checkRegion := route53.ZoneFromPlan(t, gp, hostRegion)
	checkOf := map[string]route53.HealthCheck{} // by region
	for _, hc := range checks {
		checkOf[checkRegion[hc.ID]] = hc
	}
	globalHost, _ := gp.RawOutputs["hostname"].(string)
	ttl, _ := gp.RawOutputs["ttlSeconds"].(int)
	worst, _ := gp.RawOutputs["worstCaseFailoverSeconds"].(int)
	interval, _ := gp.RawOutputs["healthCheckIntervalSeconds"].(int)
	threshold, _ := gp.RawOutputs["healthCheckFailureThreshold"].(int)
	matrix, _ := gp.RawOutputs["failoverMatrix"].(map[string]any)
	for _, v := range asList(matrix[failoverContinent]) {
		w.chain = append(w.chain, fmt.Sprint(v))
	}

	step(t, "the global plan declares a health-checked chain over the three regions", func(t *testing.T) {
		if len(w.chain) != len(regions) {
			t.Fatalf("failoverMatrix[%s] = %v, want a chain over the regions %v", failoverContinent, matrix[failoverContinent], slices.Sorted(maps.Keys(regions)))
		}
		for _, name := range w.chain {
			hc, ok := checkOf[name]
			switch {
			case regions[name] == nil:
				t.Errorf("chain names %q, not a region of the global stack", name)
			case !ok:
				t.Errorf("no Route 53 health check probes region %s (%s)", name, regions[name].Hostname)
			case hc.ResourcePath != livekit.HealthPath:
				t.Errorf("health check %s probes %s, want LiveKit's health path %s", hc.Name, hc.ResourcePath, livekit.HealthPath)
			case hc.RequestInterval != interval || hc.FailureThreshold != threshold:
				t.Errorf("health check %s: interval %d threshold %d, the stack's outputs say %d and %d", hc.Name, hc.RequestInterval, hc.FailureThreshold, interval, threshold)
			}
		}
		if ttl == 0 || worst == 0 || globalHost == "" {
			t.Fatalf("global outputs: hostname %q, ttlSeconds %v, worstCaseFailoverSeconds %v", globalHost, gp.RawOutputs["ttlSeconds"], gp.RawOutputs["worstCaseFailoverSeconds"])
		}
		t.Logf("chain for %s: %v; health checks every %d s, threshold %d, TTL %d s, worst case %d s; in this test ÷%d",
			failoverContinent, w.chain, interval, threshold, ttl, worst, failoverScale)
	})

	// ---- Token: one key set everywhere, one token.
	step(t, "every region serves the same API key set", func(t *testing.T) {
		first := regions[w.chain[0]]
		var differ []string
		for _, name := range w.chain {
			r := regions[name]
			t.Logf("%s (stack %s): key set %s", name, r.Stack, r.Keys.Fingerprint())
			if !maps.Equal(r.Keys, first.Keys) {
				differ = append(differ, name)
			}
		}
		if len(differ) > 0 {
			t.Fatalf("the rendered LiveKit configs of %v carry a different key set than %s's: a token minted for the global hostname is refused (401) after failover", differ, first.Name)
		}
	})
	keyID := regions[w.chain[0]].Keys.IDs()[0]
	secret := regions[w.chain[0]].Keys[keyID]
	for _, r := range regions {
		r.APIKey, r.Secret = keyID, secret
	}
	w.token, err = auth.NewAccessToken(keyID, secret).
		SetIdentity(failoverIdentity).
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: w.room}).
		SetValidFor(15 * time.Minute).
		ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	w.sdkLog = sdkLogger(t)
	// The SDK's package logger carries pion's ICE and DTLS log.
	lksdk.SetLogger(w.sdkLog)

	// ---- Boot: every region, plus one node with a different key set.
	var all []*liveKitNode
	for _, name := range w.chain {
		r := regions[name]
		bootFailoverRegion(t, r)
		all = append(all, r.nodes...)
	}
	foreign, foreignRedis := launchForeignNode(t, regions[w.chain[1]])
	all = append(all, foreign)
	for _, n := range all {
		n.waitReady(t)
	}

	step(t, "a node with a different key set refuses the token with 401", func(t *testing.T) {
		code, err := validateToken(foreign.URL, w.token)
		if err != nil || code != http.StatusUnauthorized {
			t.Fatalf("GET %s/rtc/validate with the shared token: %d (err %v), want 401", foreign.URL, code, err)
		}
		if room, err := lksdk.ConnectToRoomWithToken("ws"+strings.TrimPrefix(foreign.URL, "http"), w.token, nil,
			lksdk.WithConnectTimeout(clientConnectTimeout), lksdk.WithLogger(w.sdkLog)); err == nil {
			room.Disconnect()
			t.Fatal("the client connected to the node with a different key set")
		}
		for _, name := range w.chain { // control: every region accepts it
			r := regions[name]
			if code, err := validateToken(r.urls[0], w.token); err != nil || code != http.StatusOK {
				t.Fatalf("GET %s/rtc/validate on %s with the shared token: %d (err %v), want 200", r.urls[0], name, code, err)
			}
		}
		foreign.Stop()
		foreignRedis.Stop()
	})

	// ---- Resolution machinery: real probes behind the declared checks.
	probe := func(ctx context.Context, req route53.ProbeRequest) error {
		r := byHost[req.Check.FQDN]
		if r == nil {
			return fmt.Errorf("health check %s probes %q, no region", req.Check.Name, req.Check.FQDN)
		}
		// HTTPS on 443 to the region's load balancer, which terminates TLS
		// and forwards to a node's signaling port: here the node itself.
		return route53.HTTPProbe(ctx, r.nextURL()+req.Check.ResourcePath, req.ConnectTimeout)
	}
	checkers, err := route53.StartCheckers(checks, route53.CheckerOptions{
		Scale: failoverScale, Probe: probe,
		OnChange: func(hc route53.HealthCheck, healthy bool, at time.Time) {
			t.Logf("route53: health check on %s is now %s", checkRegion[hc.ID], map[bool]string{true: "healthy", false: "unhealthy"}[healthy])
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(checkers.Stop)
	zone := &route53.Zone{T: t, Sets: sets, CheckUp: checkers.Healthy}
	resolver := &cachingResolver{zone: zone, name: globalHost, client: route53.Client{Continent: failoverContinent}, firstAnswer: map[string]time.Time{}}
	answer := func(c route53.Client) string { v, _, _ := zone.Answer(globalHost, c); return hostRegion[v] }
	waitChecks := func(t *testing.T, what string, want map[string]bool) {
		t.Helper()
		bound := time.Duration(interval*(threshold+1))*time.Second/failoverScale + healthFlipTimeout
		eventually(t, bound, what, func() error {
			for name, up := range want {
				if checkers.Healthy(checkOf[name].ID) != up {
					return fmt.Errorf("health check on %s is not yet %v", name, up)
				}
			}
			return nil
		})
	}

	first, next := regions[w.chain[0]], regions[w.chain[1]]
	var room *lksdk.Room
	var firstEvents *connectionEvents
	step(t, "the client connects to the first region of the chain", func(t *testing.T) {
		zone.T = t
		if got := answer(resolver.client); got != first.Name {
			t.Fatalf("all regions up: %s resolves to %s, want %s", failoverContinent, got, first.Name)
		}
		var r *failoverRegion
		room, r, firstEvents, err = w.join(t, resolver)
		if err != nil {
			t.Fatalf("connect to %s: %v", first.Name, err)
		}
		if r != first {
			t.Fatalf("connected to %s, want %s", r.Name, first.Name)
		}
		w.wantParticipant(t, first, room)
	})

	var rep failoverReport
	step(t, "the first region dies; the answer moves to the next region; the client reconnects there with the same token", func(t *testing.T) {
		zone.T = t
		fault := time.Now()
		first.redis.Stop()
		// Route 53's answer reaches a client through a recursive resolver,
		// whose cache other clients keep refreshing: it is asked all along,
		// so its answer changes when its TTL runs out, not when this client
		// happens to ask.
		ask := func() { resolver.resolve(); time.Sleep(pollInterval) }
		var down time.Time
		for down.IsZero() {
			all406 := true
			for _, n := range first.liveNodes() {
				if code, _, err := n.Health(); err != nil || code != http.StatusNotAcceptable {
					all406 = false
				}
			}
			switch {
			case all406:
				down = time.Now()
			case time.Since(fault) > healthFlipTimeout:
				t.Fatalf("%s's nodes do not answer 406 within %s of losing Redis", first.Name, healthFlipTimeout)
			default:
				ask()
			}
		}
		killed := make(chan struct{})
		go func() { defer close(killed); stopRegionNodes(first) }()
		for waiting := true; waiting; {
			select {
			case <-killed:
				waiting = false
			default:
				ask()
			}
		}
		for _, n := range first.liveNodes() {
			if code, _, err := n.Health(); err == nil {
				t.Fatalf("GET / on stopped node %s answered %d", n.URL, code)
			}
		}
		t.Logf("%s: Redis stopped; GET / 406 on both nodes after %s; nodes stopped after %s; the client saw its connection drop after %s",
			first.Name, down.Sub(fault).Round(time.Millisecond), time.Since(fault).Round(time.Millisecond), sinceOrNever(firstEvents.lostAt(), fault))
		room.Disconnect()

		// The client retries: the same code, the same token.
		var (
			r          *failoverRegion
			answers    []string
			attempts   int
			nextErrs   []string // failed attempts in the next region
			connectDur time.Duration
		)
		retrying := time.Now()
		bound := down.Sub(fault) + time.Duration(worst)*time.Second/failoverScale + clientConnectTimeout + failoverSlack
		for {
			attempts++
			began := time.Now()
			room, r, _, err = w.join(t, resolver)
			answers = appendNew(answers, r.Name)
			if err == nil {
				connectDur = time.Since(began)
				break
			}
			if r == next {
				nextErrs = append(nextErrs, err.Error())
			}
			if time.Since(fault) > bound {
				t.Fatalf("no reconnect within %s of the fault; answers so far %v, last error %v", bound, answers, err)
			}
			time.Sleep(reconnectRetry)
		}
		connected := time.Now()
		if len(nextErrs) > 0 {
			t.Logf("%d attempts in %s failed before one connected: %v", len(nextErrs), next.Name, nextErrs)
		}
		if r != next {
			t.Fatalf("reconnected to %s, want the next region of the chain %s (answers %v)", r.Name, next.Name, answers)
		}
		if !slices.Equal(answers, []string{first.Name, next.Name}) && !slices.Equal(answers, []string{next.Name}) {
			t.Errorf("the client was answered %v, want %s then %s", answers, first.Name, next.Name)
		}
		w.wantParticipant(t, next, room)

		// When each part happened.
		var checkDown time.Time
		for _, c := range checkers.Changes(checkOf[first.Name].ID) {
			if !c.Healthy && c.At.After(fault) {
				checkDown = c.At
				break
			}
		}
		if checkDown.IsZero() {
			t.Fatalf("the health check on %s never turned unhealthy", first.Name)
		}
		if checkDown.Before(down) {
			t.Errorf("the health check on %s turned unhealthy %s before the nodes answered 406", first.Name, down.Sub(checkDown))
		}
		answered := resolver.firstAnswer[next.Hostname]
		rep = failoverReport{
			Factor: failoverScale, Continent: failoverContinent, From: first.Name, To: next.Name,
			HealthCheckInterval: interval, FailureThreshold: threshold, TTL: ttl, WorstCaseFailoverSeconds: worst,
			FaultToUnhealthyEndpoint: secs(down.Sub(fault)),
			EndpointToCheckUnhealthy: secs(checkDown.Sub(down)),
			CheckToResolverAnswer:    secs(answered.Sub(checkDown)),
			FaultToClientRetrying:    secs(retrying.Sub(fault)),
			Connect:                  secs(connectDur),
			DNSScaled:                secs(answered.Sub(down)),
			FaultToReconnectScaled:   secs(connected.Sub(fault)),
		}
		rep.DNSConverted = round3(rep.DNSScaled * failoverScale)
		rep.FaultToReconnectConverted = round3(rep.FaultToUnhealthyEndpoint + rep.DNSConverted + rep.Connect)
		rep.Ratio = round3(rep.FaultToReconnectConverted / float64(worst))
		rep.DNSRatio = round3(rep.DNSConverted / float64(worst))
		t.Logf("measured failover %s -> %s: fault -> reconnect %.1f s at ÷%d (the client retrying from %.1f s, %d attempts); "+
			"converted back %.1f s = Redis lost -> 406 %.1f s + 406 -> the resolver answers %s %.1f s ×%d (%.1f s) + connect %.1f s; "+
			"computed worstCaseFailoverSeconds %d s (+ reconnect): ratio %.2f (DNS part %.2f)",
			first.Name, next.Name, rep.FaultToReconnectScaled, failoverScale, rep.FaultToClientRetrying, attempts,
			rep.FaultToReconnectConverted, rep.FaultToUnhealthyEndpoint, next.Name, rep.DNSScaled, failoverScale, rep.DNSConverted, rep.Connect,
			worst, rep.Ratio, rep.DNSRatio)
		// The part the worst case bounds stays within it (scaled).
		if limit := time.Duration(worst)*time.Second/failoverScale + failoverSlack; answered.Sub(down) > limit {
			t.Errorf("406 -> the client's answer moved took %s, more than worstCaseFailoverSeconds ÷%d plus %s slack (%s)",
				answered.Sub(down).Round(time.Millisecond), failoverScale, failoverSlack, limit)
		}
		if path := os.Getenv("LKINFRA_FAILOVER_REPORT"); path != "" {
			b, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	room.Disconnect()

	step(t, "all regions down: Route 53 fails open to each chain's first region", func(t *testing.T) {
		zone.T = t
		for _, name := range w.chain[1:] {
			regions[name].redis.Stop()
		}
		down := map[string]bool{}
		for _, name := range w.chain {
			down[name] = false
		}
		waitChecks(t, "every region's health check unhealthy", down)
		for key, chain := range matrix {
			c := route53.Client{Continent: key}
			if key == "*" {
				c.Continent = "" // a resolver Route 53 cannot place
			}
			want := fmt.Sprint(asList(chain)[0])
			if got := answer(c); got != want {
				t.Errorf("all regions down: %s resolves to %s, want its chain's first region %s", key, got, want)
			}
		}
		if got := answer(resolver.client); got != first.Name {
			t.Fatalf("all regions down: %s resolves to %s, want the primary %s", failoverContinent, got, first.Name)
		}
	})

	step(t, "the first region comes back after its Redis and nodes return; the client connects there again", func(t *testing.T) {
		zone.T = t
		back := time.Now()
		for _, name := range w.chain[1:] {
			regions[name].redis.Restart()
		}
		first.redis.Restart()
		var relaunched []*liveKitNode
		for _, cfg := range first.configs {
			relaunched = append(relaunched, launchLiveKit(t, cfg))
		}
		for _, n := range relaunched {
			n.waitReady(t)
		}
		first.mu.Lock()
		first.nodes = relaunched
		first.mu.Unlock()
		up := map[string]bool{}
		for _, name := range w.chain {
			up[name] = true
		}
		waitChecks(t, "every region's health check healthy again", up)
		if got := answer(resolver.client); got != first.Name {
			t.Fatalf("all regions up again: %s resolves to %s, want %s", failoverContinent, got, first.Name)
		}
		var r *failoverRegion
		bound := time.Duration(ttl)*time.Second/failoverScale + clientConnectTimeout + failoverSlack
		eventually(t, bound, "the client reconnects to "+first.Name, func() error {
			var err error
			room, r, _, err = w.join(t, resolver)
			if err != nil {
				return err
			}
			if r != first {
				room.Disconnect()
				return fmt.Errorf("connected to %s (cached answer)", r.Name)
			}
			return nil
		})
		w.wantParticipant(t, first, room)
		room.Disconnect()
		t.Logf("recovery: from the restarts to the client connected in %s: %s", first.Name, time.Since(back).Round(time.Millisecond))
	})
}

// TestRoute53CheckersModel runs the checker model against fake endpoints:
// the status flips after FailureThreshold requests, both ways, and the 18 %
// rule decides with checkers that disagree.
func TestRoute53CheckersModel(t *testing.T) {
	const scale = 50 // interval 10 s -> 200 ms
	var (
		mu       sync.Mutex
		failing  = map[string]bool{} // by checker region
		anyFails bool
	)
	probe := func(ctx context.Context, req route53.ProbeRequest) error {
		mu.Lock()
		defer mu.Unlock()
		if anyFails && failing[req.Checker] {
			return errors.New("down")
		}
		return nil
	}
	hc := route53.HealthCheck{ID: "hc", Name: "hc", Type: "HTTPS", RequestInterval: 10, FailureThreshold: 3}
	c, err := route53.StartCheckers([]route53.HealthCheck{hc}, route53.CheckerOptions{Scale: scale, Probe: probe})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	interval := 10 * time.Second / scale
	set := func(n int) time.Time {
		mu.Lock()
		defer mu.Unlock()
		anyFails = true
		clear(failing)
		for _, r := range route53.DefaultCheckerRegions[:n] {
			failing[r] = true
		}
		return time.Now()
	}
	if !c.Healthy("hc") {
		t.Fatal("a new health check starts healthy")
	}
	// 6 of 8 checkers failing: 25 % see it healthy, more than 18 %.
	set(6)
	time.Sleep(5 * interval)
	if !c.Healthy("hc") {
		t.Fatal("unhealthy while 2 of 8 checkers (25 %) see the endpoint healthy")
	}
	// 7 of 8: 12.5 %, unhealthy after 3 failed requests of the 7th.
	start := set(7)
	eventually(t, 25*interval, "unhealthy with 7 of 8 checkers failing", func() error {
		if c.Healthy("hc") {
			return errors.New("still healthy")
		}
		return nil
	})
	if took := time.Since(start); took < 2*interval-10*time.Millisecond {
		t.Errorf("unhealthy after %s: before 3 requests at %s intervals", took, interval)
	}
	start = set(0)
	eventually(t, 25*interval, "healthy again", func() error {
		if !c.Healthy("hc") {
			return errors.New("still unhealthy")
		}
		return nil
	})
	if took := time.Since(start); took < 2*interval-10*time.Millisecond {
		t.Errorf("healthy again after %s: before 3 requests at %s intervals", took, interval)
	}
	if ch := c.Changes("hc"); len(ch) != 2 || ch[0].Healthy || !ch[1].Healthy {
		t.Errorf("changes %+v, want unhealthy then healthy", ch)
	}
}

// ---------------------------------------------------------------------------
// Helpers

type globalRegionRef struct{ Name, Stack string }

// globalRegionRefs reads the global stack's regions (name and stack).
func globalRegionRefs(t *testing.T, sc *plan.StackConfig) []globalRegionRef {
	t.Helper()
	var refs []globalRegionRef
	if err := json.Unmarshal([]byte(sc.Config[stackconfig.Namespace+":globalRegions"]), &refs); err != nil {
		t.Fatalf("%s:globalRegions of stack %s: %v", stackconfig.Namespace, globalStack, err)
	}
	if len(refs) < 2 {
		t.Fatalf("stack %s lists %d regions", globalStack, len(refs))
	}
	return refs
}

// regionRow is the row of regionStacks for a stack reference.
func regionRow(t *testing.T, ref string) regionStack {
	t.Helper()
	name := ref[strings.LastIndex(ref, "/")+1:]
	for _, rs := range regionStacks {
		if rs.Stack == name {
			return rs
		}
	}
	t.Fatalf("the global stack references %s, which has no row in regionStacks", ref)
	return regionStack{}
}

func globalStackRefs(outs map[string]map[string]any) []plan.Option {
	var opts []plan.Option
	for ref, o := range outs {
		opts = append(opts, plan.WithStackReference(ref, o))
	}
	return opts
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func appendNew(list []string, s string) []string {
	if len(list) > 0 && list[len(list)-1] == s {
		return list
	}
	return append(list, s)
}

func sinceOrNever(at, from time.Time) string {
	if at.IsZero() {
		return "(not reported)"
	}
	return at.Sub(from).Round(time.Millisecond).String()
}

// startCache starts a Redis set up like the region's managed cache with
// the credentials of its rendered config.
func (r *failoverRegion) startCache(t *testing.T) (*redisServer, *testTLS) {
	t.Helper()
	doc := parseConfig(t, r.Rendered)
	certs := newTestTLS(t)
	return startCache(t, certs, configString(doc, "redis.username"), configString(doc, "redis.password")), certs
}

// bootFailoverRegion starts the region's Redis, set up like its managed
// cache (see bootRegion), and launches its two nodes from the rendered
// config with loopback overrides only; the caller waits for them.
func bootFailoverRegion(t *testing.T, r *failoverRegion) {
	t.Helper()
	var certs *testTLS
	r.redis, certs = r.startCache(t)
	target := r.redis.target(certs)
	for range 2 {
		cfg, final := loopbackConfig(t, r.Rendered, target)
		r.configs = append(r.configs, cfg)
		r.urls = append(r.urls, "http://127.0.0.1:"+strconv.Itoa(signalPortOf(final)))
		r.nodes = append(r.nodes, launchLiveKit(t, cfg))
	}
}

// launchForeignNode launches one node with r's rendered config (loopback
// overrides, its own Redis) but another key set: a region whose keys
// differ.
func launchForeignNode(t *testing.T, r *failoverRegion) (*liveKitNode, *redisServer) {
	t.Helper()
	rds, certs := r.startCache(t)
	_, final := loopbackConfig(t, r.Rendered, rds.target(certs))
	foreign := parseConfig(t, mustYAML(t, final))
	foreign["keys"] = map[string]any{"APIforeign" + randomToken(t, 4): randomToken(t, 24)}
	for _, c := range configDiff(final, foreign) {
		if !strings.HasPrefix(c.Path, "keys.") {
			t.Fatalf("the foreign node's config differs beyond keys: %s", c)
		}
	}
	return launchLiveKit(t, mustYAML(t, foreign)), rds
}

func mustYAML(t *testing.T, doc map[string]any) string {
	t.Helper()
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// validateToken is GET /rtc/validate with the token: LiveKit's own check
// of a token before the WebSocket upgrade (401 for a key it does not hold).
func validateToken(base, token string) (int, error) {
	resp, err := healthClient.Get(base + "/rtc/validate?access_token=" + url.QueryEscape(token))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// stopRegionNodes stops every node of a region whose Redis is gone as a
// dying region does: SIGTERM (LiveKit drains, waiting for its
// participants), then after nodeDrainWait a second SIGTERM, which LiveKit
// takes as a forced shutdown (SIGKILL after stopGrace). All nodes at once.
func stopRegionNodes(r *failoverRegion) {
	var wg sync.WaitGroup
	for _, n := range r.liveNodes() {
		_ = n.proc.cmd.Process.Signal(syscall.SIGTERM)
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-n.proc.done:
			case <-time.After(nodeDrainWait):
				_ = n.proc.cmd.Process.Signal(syscall.SIGTERM)
			}
			n.Stop()
		}()
	}
	wg.Wait()
}

// sdkLogger sends the SDK's log to a file shown when the test fails.
func sdkLogger(t *testing.T) protologger.Logger {
	t.Helper()
	path := t.TempDir() + "/lksdk.log"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	var mu sync.Mutex
	printTailOnFailure(t, "lksdk client", path)
	return protologger.LogRLogger(funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(f, "%s %s %s\n", time.Now().Format("15:04:05.000"), prefix, args)
	}, funcr.Options{Verbosity: 1}))
}
