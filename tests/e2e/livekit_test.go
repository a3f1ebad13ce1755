package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"
	lkproto "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/redis/go-redis/v9"
	"github.com/twitchtv/twirp"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

const (
	// Health goes 406 when the node's stats are > 4 s old (stats are
	// refreshed every 2 s through Redis); 20 s leaves room for a slow host.
	healthFlipTimeout = 20 * time.Second
	// How long a node may take to (re)appear in or leave the node registry.
	registryTimeout = 20 * time.Second
	apiTimeout      = 10 * time.Second
)

// registeredNodes lists LiveKit's node registry: the Redis hash "nodes"
// (livekit-server pkg/routing/redisrouter.go, NodesKey). Every node's router
// reads this hash (RedisRouter.ListNodes) to place new rooms, so it is what
// node B "sees" of the cluster. Neither the server SDK nor the Twirp API
// exposes a node list; `livekit-server list-nodes` prints the same hash and
// is used as a cross-check (liveKitListNodes).
func registeredNodes(r *redisServer) ([]string, error) {
	reply, err := r.Do("HKEYS", "nodes")
	if err != nil {
		return nil, err
	}
	items, ok := reply.([]any)
	if !ok {
		return nil, fmt.Errorf("HKEYS nodes: unexpected reply %#v", reply)
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("HKEYS nodes: unexpected item %#v", it)
		}
		ids = append(ids, s)
	}
	sort.Strings(ids)
	return ids, nil
}

// waitRegistry waits until the registry holds exactly want (sorted).
func waitRegistry(t *testing.T, r *redisServer, what string, want func([]string) bool) []string {
	t.Helper()
	var ids []string
	eventually(t, registryTimeout, what, func() error {
		var err error
		ids, err = registeredNodes(r)
		if err != nil {
			return err
		}
		if !want(ids) {
			return fmt.Errorf("registered nodes %v", ids)
		}
		return nil
	})
	return ids
}

func wantHealth(t *testing.T, n *liveKitNode, code int, body string) {
	t.Helper()
	got, gotBody, err := n.Health()
	if err != nil || got != code || (body != "" && gotBody != body) {
		t.Fatalf("GET %s/ = %d %q (err %v), want %d %q", n.URL, got, gotBody, err, code, body)
	}
}

func waitHealth(t *testing.T, n *liveKitNode, code int) time.Duration {
	t.Helper()
	return eventually(t, healthFlipTimeout, fmt.Sprintf("GET %s/ turns %d", n.URL, code), func() error {
		got, body, err := n.Health()
		if err != nil {
			return err
		}
		if got != code {
			return fmt.Errorf("GET / = %d %q", got, body)
		}
		return nil
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), apiTimeout)
	t.Cleanup(cancel)
	return ctx
}

func listRoomNames(t *testing.T, c *lksdk.RoomServiceClient) []string {
	t.Helper()
	res, err := c.ListRooms(ctxT(t), &lkproto.ListRoomsRequest{})
	if err != nil {
		t.Fatalf("ListRooms: %v", err)
	}
	var names []string
	for _, r := range res.Rooms {
		names = append(names, r.Name)
	}
	sort.Strings(names)
	return names
}

// step runs a dependent step as a subtest and stops the test if it failed.
func step(t *testing.T, name string, fn func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, fn) {
		t.FailNow()
	}
}

// regionUnderTest is what a region stack's plan says about LiveKit.
type regionUnderTest struct {
	Rendered      string         // the rendered config, as deployed
	Doc           map[string]any // Rendered, parsed
	APIKey        string
	APISecret     string
	RedisUser     string // "" for the default user
	RedisPassword string
	HealthChecks  []healthCheck
}

// startCache starts a test Redis set up like a region's managed cache: TLS
// only, AUTH with the credentials the program rendered (a named ACL user
// when the config names one, else the default user's password, like an
// ElastiCache AUTH token).
func startCache(t testing.TB, certs *testTLS, user, password string) *redisServer {
	t.Helper()
	opts := redisOptions{Password: password}
	if user != "" {
		opts = redisOptions{Password: randomToken(t, 16), ACLUser: user, ACLPassword: password}
	}
	return startRedis(t, certs, opts)
}

// regionNode is one LiveKit node booted from a region's rendered config
// (loopback overrides only) on a test Redis set up like the region's cache.
type regionNode struct {
	Reg   *regionUnderTest
	Certs *testTLS
	Redis *redisServer
	Node  *liveKitNode
}

// startRegionNode boots one node of stack's region (startCache,
// loopbackConfig) and waits until it is ready.
func startRegionNode(t *testing.T, stack string) regionNode {
	t.Helper()
	liveKitBinary(t)
	redisBinary(t)
	reg := inspectRegion(t, regionStackNamed(t, stack))
	certs := newTestTLS(t)
	rds := startCache(t, certs, reg.RedisUser, reg.RedisPassword)
	cfg, _ := loopbackConfig(t, reg.Rendered, rds.target(certs))
	return regionNode{Reg: reg, Certs: certs, Redis: rds, Node: startLiveKit(t, cfg)}
}

// inspectRegion evaluates the row's stack, finds its rendered LiveKit config
// and checks it against the rest of the plan: the managed cache, the token
// servers' credentials, and the health checks aimed at the nodes.
func inspectRegion(t *testing.T, rs regionStack) *regionUnderTest {
	t.Helper()
	p := regionPlan(t, rs)
	rendered, err := rs.Config.Find(p)
	if err != nil {
		t.Fatalf("stack %s: LiveKit config (%s): %v", rs.Stack, rs.Config.Where, err)
	}
	doc := parseConfig(t, rendered)
	reg := &regionUnderTest{
		Rendered:      rendered,
		Doc:           doc,
		RedisUser:     configString(doc, "redis.username"),
		RedisPassword: configString(doc, "redis.password"),
	}
	reg.APIKey, reg.APISecret = configKeys(t, doc)
	if len(reg.APISecret) < livekit.MinSecretLength {
		t.Errorf("rendered API secret has %d characters, want at least %d", len(reg.APISecret), livekit.MinSecretLength)
	}
	if configString(doc, "redis.address") == "" || reg.RedisPassword == "" {
		t.Errorf("rendered config has no Redis address or password: every region runs several nodes on an AUTH-protected Redis")
	}
	if on, _ := lookupPath(doc, "redis.tls.enabled"); on != true {
		t.Errorf("rendered redis.tls.enabled = %v, want true (managed caches are TLS-only, like the test Redis)", on)
	}
	if got := signalPortOf(doc); got != livekit.SignalPort {
		t.Errorf("rendered port = %d, want %d (every firewall rule and health check refers to it)", got, livekit.SignalPort)
	}

	if rs.Cache != nil {
		cache, err := rs.Cache(p)
		if err != nil {
			t.Fatalf("managed cache: %v", err)
		}
		// A cache that generates its own password (Memorystore, Azure) has
		// none in its inputs; the rendered one is then the cache's output.
		if cache.Password != "" && (reg.RedisPassword != cache.Password || reg.RedisUser != cache.Username) {
			t.Errorf("rendered Redis credentials differ from the AUTH configured on %s", cache.Resource)
		}
		if !cache.TLS {
			t.Errorf("%s: in-transit encryption is off, but the config uses TLS", cache.Resource)
		}
		if got := redisPort(configString(doc, "redis.address")); cache.Port != 0 && got != cache.Port {
			t.Errorf("rendered redis.address port %d, but %s listens on %d", got, cache.Resource, cache.Port)
		}
	}
	if rs.APICredentials != nil {
		key, secret, err := rs.APICredentials(p)
		if err != nil {
			t.Fatalf("API credentials for token servers: %v", err)
		}
		if key != reg.APIKey || secret != reg.APISecret {
			t.Errorf("the API key/secret given to token servers differ from the keys in the LiveKit config")
		}
	}

	checks, err := regionHealthChecks(rs, p)
	if err != nil {
		t.Fatalf("health checks in the plan of %s:\n%v", rs.Stack, err)
	}
	for _, hc := range checks {
		if hc.Port != 0 && hc.Port != signalPortOf(doc) {
			t.Errorf("%s targets port %d, but LiveKit serves GET %s on port %d", hc.Source, hc.Port, hc.Path, signalPortOf(doc))
		}
	}
	reg.HealthChecks = checks

	// The config holds secrets: the plan's printable view must not.
	js, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for what, sec := range map[string]string{"API secret": reg.APISecret, "Redis password": reg.RedisPassword} {
		if sec != "" && strings.Contains(string(js), sec) {
			t.Errorf("the %s appears in the plan's masked JSON", what)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return reg
}

// TestRegionPlans checks, without starting anything, what the boot test
// relies on: each region's plan holds one secret LiveKit config that agrees
// with its cache, credentials and health checks, and the loopback overrides
// change nothing else.
func TestRegionPlans(t *testing.T) {
	for _, rs := range regionStacks {
		t.Run(rs.Stack, func(t *testing.T) {
			reg := inspectRegion(t, rs)
			_, final := loopbackConfig(t, reg.Rendered, testRedis{
				Addr: "127.0.0.1:1", CACertFile: "/nonexistent/ca.crt", ServerName: "localhost",
			})
			var changed []string
			for _, c := range configDiff(reg.Doc, final) {
				changed = append(changed, c.String())
			}
			t.Logf("%s: config from %s; loopback overrides: %s", rs.Stack, rs.Config.Where, strings.Join(changed, ", "))
			for _, hc := range reg.HealthChecks {
				t.Logf("%s: health check %s: GET %s (port %d)", rs.Stack, hc.Source, hc.Path, hc.Port)
			}
		})
	}
}

// TestRegionConfigsBootLiveKit boots, for each region stack, two LiveKit
// nodes from the config the program renders (only loopback overrides)
// against one TLS-only Redis protected with the program's Redis credentials,
// and checks what the deployment relies on: the shared room registry, API
// auth with the program's keys, every declared health check, the GET /
// health check during a Redis outage, and scale-in by SIGTERM.
func TestRegionConfigsBootLiveKit(t *testing.T) {
	liveKitBinary(t) // skip (or fail on CI) before any setup
	redisBinary(t)
	for _, rs := range regionStacks {
		// The regions share nothing (own Redis, nodes and ports), and each
		// mostly waits on LiveKit: side by side.
		t.Run(rs.Stack, func(t *testing.T) {
			t.Parallel()
			bootRegion(t, rs)
		})
	}
}

func bootRegion(t *testing.T, rs regionStack) {
	reg := inspectRegion(t, rs)

	// The test Redis is set up like the managed cache (startCache).
	certs := newTestTLS(t)
	rds := startCache(t, certs, reg.RedisUser, reg.RedisPassword)

	step(t, "redis requires TLS and AUTH", func(t *testing.T) {
		if _, err := rds.DoAs("", "", "PING"); err == nil || !isRedisErr(err, "NOAUTH") {
			t.Fatalf("PING without AUTH: err %v, want NOAUTH", err)
		}
		if _, err := rds.DoAs(reg.RedisUser, "wrong-password", "PING"); err == nil {
			t.Fatal("AUTH with a wrong password succeeded")
		}
		if reply, err := rds.DoAs(reg.RedisUser, reg.RedisPassword, "PING"); err != nil || reply != "PONG" {
			t.Fatalf("PING with the rendered credentials: %v %v", reply, err)
		}
	})

	target := rds.target(certs)
	cfgA, docA := loopbackConfig(t, reg.Rendered, target)
	cfgB, _ := loopbackConfig(t, reg.Rendered, target)
	t.Logf("node A config (secrets redacted):\n%s", redact(cfgA, reg.APISecret, reg.RedisPassword))

	a := startLiveKit(t, cfgA)
	idsA := waitRegistry(t, rds, "node A registers in Redis", func(ids []string) bool { return len(ids) == 1 })
	nodeA := idsA[0]
	b := startLiveKit(t, cfgB)
	ids := waitRegistry(t, rds, "node B registers in Redis", func(ids []string) bool { return len(ids) == 2 })
	nodeB := ids[0]
	if nodeB == nodeA {
		nodeB = ids[1]
	}
	t.Logf("node A %s at %s (pid %d), node B %s at %s (pid %d)", nodeA, a.URL, a.PID(), nodeB, b.URL, b.PID())
	nodes := liveKitListNodes(t, cfgB)
	if !strings.Contains(nodes, nodeA) || !strings.Contains(nodes, nodeB) {
		t.Fatalf("`livekit-server list-nodes` with B's config does not list both %s and %s:\n%s", nodeA, nodeB, nodes)
	}
	// The nodes run with the rendered region label (region-aware routing and
	// metrics use it).
	if region := configString(docA, "region"); region != "" && !strings.Contains(nodes, region) {
		t.Errorf("`livekit-server list-nodes` does not show the rendered region %q:\n%s", region, nodes)
	}

	clientA := lksdk.NewRoomServiceClient(a.URL, reg.APIKey, reg.APISecret)
	clientB := lksdk.NewRoomServiceClient(b.URL, reg.APIKey, reg.APISecret)

	step(t, "GET / is 200 OK on both nodes", func(t *testing.T) {
		wantHealth(t, a, http.StatusOK, "OK")
		wantHealth(t, b, http.StatusOK, "OK")
	})

	step(t, "every health check in the plan gets 200 OK from both nodes", func(t *testing.T) {
		for _, hc := range reg.HealthChecks {
			for _, n := range []*liveKitNode{a, b} {
				wantGet(t, n, hc.Path, http.StatusOK, "OK", hc.Source)
			}
		}
	})

	step(t, "/health and /healthz are 404 (the guide's health path)", func(t *testing.T) {
		for _, path := range []string{"/health", "/healthz"} {
			wantGet(t, a, path, http.StatusNotFound, "", "the guide's health check")
		}
	})

	step(t, "room created on A is listed and deleted through B", func(t *testing.T) {
		room := "e2e-" + randomToken(t, 4)
		created, err := clientA.CreateRoom(ctxT(t), &lkproto.CreateRoomRequest{Name: room})
		if err != nil {
			t.Fatalf("CreateRoom through A: %v", err)
		}
		t.Logf("created %s (sid %s)", created.Name, created.Sid)
		if names := listRoomNames(t, clientB); !slices.Contains(names, room) {
			t.Fatalf("rooms listed through B = %v, want %s", names, room)
		}
		if _, err := clientB.DeleteRoom(ctxT(t), &lkproto.DeleteRoomRequest{Room: room}); err != nil {
			t.Fatalf("DeleteRoom through B: %v", err)
		}
		eventually(t, apiTimeout, "room gone through A", func() error {
			if names := listRoomNames(t, clientA); slices.Contains(names, room) {
				return fmt.Errorf("still listed: %v", names)
			}
			return nil
		})
	})

	step(t, "wrong API secret is 401 unauthenticated", func(t *testing.T) {
		bad := lksdk.NewRoomServiceClient(b.URL, reg.APIKey, randomToken(t, 24))
		_, err := bad.ListRooms(ctxT(t), &lkproto.ListRoomsRequest{})
		var terr twirp.Error
		if !errors.As(err, &terr) || terr.Code() != twirp.Unauthenticated {
			t.Fatalf("ListRooms with a wrong secret: err %v, want twirp %q", err, twirp.Unauthenticated)
		}
		// The same at the HTTP level, as a load balancer or curl sees it.
		for name, token := range map[string]string{
			"wrong secret": mustToken(t, reg.APIKey, randomToken(t, 24)),
			"unknown key":  mustToken(t, "APIunknown", reg.APISecret),
			"no token":     "",
			"right key":    mustToken(t, reg.APIKey, reg.APISecret), // control: 200
		} {
			req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost,
				b.URL+"/twirp/livekit.RoomService/ListRooms", bytes.NewReader([]byte("{}")))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			resp.Body.Close()
			want := http.StatusUnauthorized
			if name == "right key" {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Errorf("%s: HTTP %d, want %d", name, resp.StatusCode, want)
			}
		}
	})

	step(t, "redis outage turns GET / 406 and back to 200", func(t *testing.T) {
		rds.Stop()
		tookA := waitHealth(t, a, http.StatusNotAcceptable)
		tookB := waitHealth(t, b, http.StatusNotAcceptable)
		t.Logf("after Redis stopped: A 406 after %s, B 406 after %s", tookA.Round(time.Millisecond), tookB.Round(time.Millisecond))
		for _, n := range []*liveKitNode{a, b} {
			if done, err := n.proc.exited(); done {
				t.Fatalf("%s exited while Redis was down: %v", n.URL, err)
			}
			// Every declared check takes the node out of service.
			for _, hc := range reg.HealthChecks {
				wantGet(t, n, hc.Path, http.StatusNotAcceptable, "", hc.Source+" during the Redis outage")
			}
		}

		rds.Restart()
		tookA = waitHealth(t, a, http.StatusOK)
		tookB = waitHealth(t, b, http.StatusOK)
		t.Logf("after Redis restarted: A 200 after %s, then B after %s", tookA.Round(time.Millisecond), tookB.Round(time.Millisecond))
		wantHealth(t, a, http.StatusOK, "OK")
		wantHealth(t, b, http.StatusOK, "OK")

		// The restarted Redis is empty (save ""): both nodes re-register and
		// rooms work across nodes again.
		waitRegistry(t, rds, "both nodes re-register after the outage", func(ids []string) bool {
			return slices.Equal(ids, sortedPair(nodeA, nodeB))
		})
		room := "e2e-after-outage-" + randomToken(t, 4)
		if _, err := clientB.CreateRoom(ctxT(t), &lkproto.CreateRoomRequest{Name: room}); err != nil {
			t.Fatalf("CreateRoom through B after the outage: %v", err)
		}
		if names := listRoomNames(t, clientA); !slices.Contains(names, room) {
			t.Fatalf("rooms listed through A = %v, want %s", names, room)
		}
		if _, err := clientA.DeleteRoom(ctxT(t), &lkproto.DeleteRoomRequest{Room: room}); err != nil {
			t.Fatalf("DeleteRoom through A after the outage: %v", err)
		}
	})

	step(t, "SIGTERM on A: A exits cleanly and leaves, B keeps serving", func(t *testing.T) {
		res := a.Stop()
		if res.Forced || res.Err != nil {
			t.Fatalf("node A after SIGTERM: err %v, forced %v (took %s); want exit 0 within %s",
				res.Err, res.Forced, res.Took, stopGrace)
		}
		t.Logf("node A exited 0 after %s", res.Took.Round(time.Millisecond))

		// A unregisters itself on SIGTERM (RedisRouter.Stop); B's router
		// lists nodes from the same registry.
		waitRegistry(t, rds, "node A leaves the registry", func(ids []string) bool {
			return slices.Equal(ids, []string{nodeB})
		})
		if nodes := liveKitListNodes(t, cfgB); strings.Contains(nodes, nodeA) || !strings.Contains(nodes, nodeB) {
			t.Fatalf("`livekit-server list-nodes` with B's config, want only %s:\n%s", nodeB, nodes)
		}
		wantHealth(t, b, http.StatusOK, "OK")
		room := "e2e-after-scale-in-" + randomToken(t, 4)
		created, err := clientB.CreateRoom(ctxT(t), &lkproto.CreateRoomRequest{Name: room})
		if err != nil {
			t.Fatalf("CreateRoom through B after A left: %v", err)
		}
		if names := listRoomNames(t, clientB); !slices.Contains(names, created.Name) {
			t.Fatalf("rooms listed through B = %v, want %s", names, room)
		}
		if _, err := clientB.DeleteRoom(ctxT(t), &lkproto.DeleteRoomRequest{Room: room}); err != nil {
			t.Fatalf("DeleteRoom through B: %v", err)
		}
		// A's signaling port is closed.
		if code, _, err := a.Health(); err == nil {
			t.Fatalf("GET / on stopped node A answered %d", code)
		}
	})
}

// wantGet checks GET path on a node returns code (and body, if not empty).
func wantGet(t *testing.T, n *liveKitNode, path string, code int, body, why string) {
	t.Helper()
	got, gotBody, err := n.Get(path)
	if err != nil || got != code || (body != "" && gotBody != body) {
		t.Errorf("GET %s%s (%s) = %d %q (err %v), want %d %q", n.URL, path, why, got, gotBody, err, code, body)
	}
}

func isRedisErr(err error, prefix string) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), prefix)
}

func mustToken(t *testing.T, key, secret string) string {
	t.Helper()
	tok, err := auth.NewAccessToken(key, secret).
		SetVideoGrant(&auth.VideoGrant{RoomList: true}).
		SetValidFor(time.Minute).
		ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func sortedPair(x, y string) []string {
	s := []string{x, y}
	sort.Strings(s)
	return s
}

func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		s = string(bytes.ReplaceAll([]byte(s), []byte(sec), []byte("<redacted>")))
	}
	return s
}
