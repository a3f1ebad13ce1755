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

// renderNodeConfig renders a node's LiveKit config with the product's
// renderer, as production does, changing only what two nodes on one loopback
// host need: their own ports, 127.0.0.1 binding and node IP, no STUN.
func renderNodeConfig(t *testing.T, key, secret string, redis livekit.Redis) string {
	t.Helper()
	cfg, err := livekit.Render(livekit.Settings{
		APIKey:         key,
		APISecret:      secret,
		Redis:          redis,
		Media:          livekit.MediaPorts{Mux: freeUDPPort(t)},
		UseExternalIP:  false,
		NodeIP:         "127.0.0.1",
		BindAddresses:  []string{"127.0.0.1"},
		Port:           freePort(t),
		TCPPort:        freePort(t),
		PrometheusPort: freePort(t),
		Region:         "e2e",
		LogLevel:       "info",
	})
	if err != nil {
		t.Fatalf("livekit.Render: %v", err)
	}
	return cfg
}

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

// TestLiveKitBootsOnTLSRedis boots two LiveKit nodes from configs rendered by
// components/livekit against one TLS-only, password-protected Redis, and
// checks the cluster behaviour the deployment relies on: the shared room
// registry, API auth, the GET / health check during a Redis outage, and
// scale-in by SIGTERM.
func TestLiveKitBootsOnTLSRedis(t *testing.T) {
	liveKitBinary(t) // skip (or fail on CI) before any setup
	redisBinary(t)

	certs := newTestTLS(t)
	redisOpts := redisOptions{
		Password:    randomToken(t, 16),
		ACLUser:     "livekit",
		ACLPassword: randomToken(t, 16),
	}
	rds := startRedis(t, certs, redisOpts)

	step(t, "redis requires TLS and AUTH", func(t *testing.T) {
		if _, err := rds.DoAs("", "", "PING"); err == nil || !isRedisErr(err, "NOAUTH") {
			t.Fatalf("PING without AUTH: err %v, want NOAUTH", err)
		}
		if _, err := rds.DoAs("", "wrong-password", "PING"); err == nil {
			t.Fatal("AUTH with a wrong password succeeded")
		}
		if reply, err := rds.DoAs(redisOpts.ACLUser, redisOpts.ACLPassword, "PING"); err != nil || reply != "PONG" {
			t.Fatalf("PING as ACL user: %v %v", reply, err)
		}
	})

	apiKey := "APIe2e" + randomToken(t, 4)
	apiSecret := randomToken(t, 24) // 48 characters
	// Node A authenticates like an ElastiCache AUTH token / Azure access key:
	// the default user's password. Node B uses a named ACL user.
	cfgA := renderNodeConfig(t, apiKey, apiSecret, livekit.Redis{
		Address: rds.Addr, Password: redisOpts.Password, TLS: true, CACertFile: certs.CACertFile,
	})
	cfgB := renderNodeConfig(t, apiKey, apiSecret, livekit.Redis{
		Address: rds.Addr, Username: redisOpts.ACLUser, Password: redisOpts.ACLPassword,
		TLS: true, CACertFile: certs.CACertFile,
	})
	t.Logf("node A config (secrets redacted):\n%s", redact(cfgA, apiSecret, redisOpts.Password))

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
	if nodes := liveKitListNodes(t, cfgB); !strings.Contains(nodes, nodeA) || !strings.Contains(nodes, nodeB) {
		t.Fatalf("`livekit-server list-nodes` with B's config does not list both %s and %s:\n%s", nodeA, nodeB, nodes)
	}

	clientA := lksdk.NewRoomServiceClient(a.URL, apiKey, apiSecret)
	clientB := lksdk.NewRoomServiceClient(b.URL, apiKey, apiSecret)

	step(t, "GET / is 200 OK on both nodes", func(t *testing.T) {
		wantHealth(t, a, http.StatusOK, "OK")
		wantHealth(t, b, http.StatusOK, "OK")
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
		bad := lksdk.NewRoomServiceClient(b.URL, apiKey, randomToken(t, 24))
		_, err := bad.ListRooms(ctxT(t), &lkproto.ListRoomsRequest{})
		var terr twirp.Error
		if !errors.As(err, &terr) || terr.Code() != twirp.Unauthenticated {
			t.Fatalf("ListRooms with a wrong secret: err %v, want twirp %q", err, twirp.Unauthenticated)
		}
		// The same at the HTTP level, as a load balancer or curl sees it.
		for name, token := range map[string]string{
			"wrong secret": mustToken(t, apiKey, randomToken(t, 24)),
			"unknown key":  mustToken(t, "APIunknown", apiSecret),
			"no token":     "",
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
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: HTTP %d, want 401", name, resp.StatusCode)
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

func isRedisErr(err error, prefix string) bool {
	var re redisError
	return errors.As(err, &re) && len(re) >= len(prefix) && string(re[:len(prefix)]) == prefix
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
