package e2e

// TURN over TLS on a real node (#20): aws-prod's rendered TURN config
// (turn.enabled, tls_port, external_tls: true, domain turn.<hostname>) with
// loopback overrides only, behind stunnel standing in for the region's NLB
// TLS listener, and a real TURN client (pion/turn) using the credentials
// LiveKit hands a participant in its join response.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/livekit/protocol/auth"
)

const (
	// turnTimeout bounds each TURN step (TLS, allocation, one round trip);
	// a healthy run takes milliseconds.
	turnTimeout = 30 * time.Second

	// loopbackPeerCIDR is the one restricted address range the TURN tests
	// let LiveKit relay to. LiveKit refuses to relay to loopback and
	// private peers unless turn.allow_restricted_peer_cidrs lists them (so
	// a TURN client cannot reach a region's internal network); in
	// production the peers are public addresses, here every peer is on
	// 127.0.0.1.
	loopbackPeerCIDR = "127.0.0.1/32"
)

// stunnelBinary returns $STUNNEL_BIN or stunnel4/stunnel from PATH.
func stunnelBinary(t testing.TB) string {
	t.Helper()
	if path := os.Getenv("STUNNEL_BIN"); path != "" {
		if !isExecutable(path) {
			missingPrereq(t, "STUNNEL_BIN=%q is not an executable file", path)
		}
		return path
	}
	for _, name := range []string{"stunnel4", "stunnel"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	missingPrereq(t, "stunnel4 not found on PATH (Debian package stunnel4)")
	return ""
}

// turnNode is one LiveKit node with aws-prod's TURN/TLS config behind a TLS
// terminator.
type turnNode struct {
	Reg  *regionUnderTest
	Node *liveKitNode
	Doc  map[string]any // the config the node runs
	// Domain is the rendered turn.domain (the NLB's name, turn.<hostname>).
	Domain string
	// TLSPort is LiveKit's TURN port: plain TCP, since external_tls: true
	// means the NLB ends TLS.
	TLSPort int
	// Terminator is where stunnel accepts TLS for Domain.
	Terminator string
	Certs      *testTLS // the test CA; the terminator's certificate covers Domain
}

// bootTURNNode boots one node from aws-prod's rendered config on a TLS+AUTH
// Redis, with the loopback overrides plus turn.allow_restricted_peer_cidrs
// for 127.0.0.1 (see loopbackPeerCIDR), and starts stunnel on
// terminatorAddr forwarding the decrypted stream to the node's TURN port.
func bootTURNNode(t *testing.T, terminatorAddr string) *turnNode {
	t.Helper()
	liveKitBinary(t)
	redisBinary(t)
	stunnel := stunnelBinary(t)

	reg := inspectRegion(t, regionStackNamed(t, "aws-prod"))
	// What the NLB relies on: TURN on, a TLS port LiveKit serves as plain
	// TCP, and a name for the certificate and the advertised turns: URL.
	for path, want := range map[string]any{"turn.enabled": true, "turn.external_tls": true} {
		if got, _ := lookupPath(reg.Doc, path); got != want {
			t.Fatalf("aws-prod renders %s = %v, want %v", path, got, want)
		}
	}
	if p, _ := lookupPath(reg.Doc, "turn.tls_port"); p == nil || p == 0 {
		t.Fatalf("aws-prod renders no turn.tls_port")
	}
	domain := configString(reg.Doc, "turn.domain")
	if domain == "" {
		t.Fatalf("aws-prod renders no turn.domain")
	}

	certs := newTestTLS(t, domain)
	rds := startCache(t, certs, reg.RedisUser, reg.RedisPassword)
	cfg, doc := turnLoopbackConfig(t, reg.Rendered, rds.target(certs))
	n := &turnNode{Reg: reg, Doc: doc, Domain: domain, Certs: certs, Terminator: terminatorAddr}
	tlsPort, _ := lookupPath(doc, "turn.tls_port")
	n.TLSPort = toInt(t, tlsPort)
	n.Node = startLiveKit(t, cfg)

	startStunnel(t, stunnel, terminatorAddr, net.JoinHostPort("127.0.0.1", strconv.Itoa(n.TLSPort)), certs, domain)
	return n
}

// turnLoopbackConfig is loopbackConfig plus two more loopback overrides:
// LiveKit may relay to loopbackPeerCIDR (every peer of these tests is on
// loopback), and its media sockets listen on the loopback interface.
// Nothing else differs from the rendered config.
func turnLoopbackConfig(t *testing.T, rendered string, redis testRedis) (string, map[string]any) {
	t.Helper()
	_, doc := loopbackConfig(t, rendered, redis)
	if v, ok := lookupPath(doc, "turn.allow_restricted_peer_cidrs"); ok {
		t.Fatalf("the rendered config already sets turn.allow_restricted_peer_cidrs = %v; production TURN must not relay to internal addresses", v)
	}
	setPath(doc, "turn.allow_restricted_peer_cidrs", []any{loopbackPeerCIDR})
	out := mustYAML(t, doc)
	final := parseConfig(t, out)
	allowed := allowedOverrides(parseConfig(t, rendered))
	allowed["turn.allow_restricted_peer_cidrs"] = "relay to the test's loopback peers"
	for _, d := range configDiff(parseConfig(t, rendered), final) {
		if _, ok := allowed[d.Path]; !ok {
			t.Fatalf("the TURN test config differs from the rendered one beyond the loopback overrides: %s", d)
		}
	}
	return out, final
}

// startStunnel runs stunnel in the foreground: TLS for serverName on accept
// (TLS 1.2+, like the NLB's listener policy), plain TCP to connect. It waits
// until a TLS handshake that verifies the certificate for serverName
// against the test CA succeeds.
//
// stunnel (Debian's stunnel4) rather than a Go proxy in the test: the TLS
// end is a well-kept terminator doing what the NLB does, not test code.
func startStunnel(t *testing.T, bin, accept, connect string, certs *testTLS, serverName string) *process {
	t.Helper()
	dir := t.TempDir()
	conf := strings.Join([]string{
		"foreground = yes",
		"pid =",
		"syslog = no",
		"debug = notice",
		"[turn-tls]",
		"accept = " + accept,
		"connect = " + connect,
		"cert = " + certs.ServerCertFile,
		"key = " + certs.ServerKeyFile,
		"sslVersionMin = TLSv1.2",
		"",
	}, "\n")
	confPath := filepath.Join(dir, "stunnel.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "stunnel.log")
	printTailOnFailure(t, "stunnel", logPath)
	p := startProcess(t, "stunnel", bin, []string{confPath}, os.Environ(), logPath)
	t.Cleanup(func() {
		res := p.stop(10 * time.Second)
		t.Logf("stunnel: pid %d stopped (err=%v forced=%v)", p.pid(), res.Err, res.Forced)
	})
	tlsConf := &tls.Config{RootCAs: certs.Roots, ServerName: serverName, MinVersion: tls.VersionTLS12}
	eventually(t, turnTimeout, "stunnel accepts TLS for "+serverName+" on "+accept, func() error {
		if done, err := p.exited(); done {
			return &permanent{fmt.Errorf("stunnel exited (%v); see the log tail below", err)}
		}
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", accept, tlsConf)
		if err != nil {
			return err
		}
		return c.Close()
	})
	return p
}

// joinICEServers joins a room on the node with the region's API key, as a
// client does, and returns the ICE servers of LiveKit's join response (as
// the SDK configured its peer connection with them). The participant stays
// in the room until the test ends.
func joinICEServers(t *testing.T, n *turnNode, room, identity string) []webrtc.ICEServer {
	t.Helper()
	tok, err := auth.NewAccessToken(n.Reg.APIKey, n.Reg.APISecret).
		SetIdentity(identity).
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: room}).
		SetValidFor(10 * time.Minute).
		ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	wsURL := "ws" + strings.TrimPrefix(n.Node.URL, "http")
	r, err := lksdk.ConnectToRoomWithToken(wsURL, tok, nil,
		lksdk.WithConnectTimeout(turnTimeout), lksdk.WithAutoSubscribe(false), lksdk.WithLogger(sdkLogger(t)))
	if err != nil {
		t.Fatalf("join %s as %s: %v", room, identity, err)
	}
	t.Cleanup(r.Disconnect)
	pc := r.LocalParticipant.GetPublisherPeerConnection()
	if pc == nil {
		pc = r.LocalParticipant.GetSubscriberPeerConnection()
	}
	if pc == nil {
		t.Fatal("the SDK has no peer connection after joining")
	}
	return pc.GetConfiguration().ICEServers
}

// turnsServer picks the one turns: URL out of the join response's ICE
// servers and checks it is what the NLB serves: the rendered TURN name on
// 443 over TCP.
func turnsServer(t *testing.T, servers []webrtc.ICEServer, domain string) (*stun.URI, string, string) {
	t.Helper()
	var found []string
	var uri *stun.URI
	var user, cred string
	for _, s := range servers {
		for _, u := range s.URLs {
			found = append(found, u)
			if !strings.HasPrefix(u, "turns:") {
				continue
			}
			parsed, err := stun.ParseURI(u)
			if err != nil {
				t.Fatalf("LiveKit advertised an unparsable ICE server %q: %v", u, err)
			}
			c, _ := s.Credential.(string)
			uri, user, cred = parsed, s.Username, c
		}
	}
	if uri == nil {
		t.Fatalf("the join response has no turns: ICE server; it has %v", found)
	}
	if uri.Host != domain || uri.Port != 443 || uri.Proto != stun.ProtoTypeTCP {
		t.Fatalf("LiveKit advertises %s, want turns:%s:443?transport=tcp (the NLB's TLS listener)", uri, domain)
	}
	if user == "" || cred == "" {
		t.Fatalf("the turns: ICE server comes without a username or credential")
	}
	return uri, user, cred
}

// dialTURNS opens a TURN client over TLS to the terminator, verifying the
// certificate for the TURN name as a client resolving it to the NLB would.
func dialTURNS(t *testing.T, n *turnNode, uri *stun.URI, user, password string) *turn.Client {
	t.Helper()
	raw, err := net.DialTimeout("tcp", n.Terminator, turnTimeout)
	if err != nil {
		t.Fatalf("dial the TLS terminator %s: %v", n.Terminator, err)
	}
	conn := tls.Client(raw, &tls.Config{RootCAs: n.Certs.Roots, ServerName: uri.Host, MinVersion: tls.VersionTLS12})
	ctx, cancel := context.WithTimeout(context.Background(), turnTimeout)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		t.Fatalf("TLS handshake with %s as %s: %v", n.Terminator, uri.Host, err)
	}
	c, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: n.Terminator,
		Conn:           turn.NewSTUNConn(conn),
		Username:       user,
		Password:       password,
		Realm:          "livekit",
		RTO:            2 * time.Second,
	})
	if err != nil {
		conn.Close()
		t.Fatalf("TURN client: %v", err)
	}
	if err := c.Listen(); err != nil {
		c.Close()
		conn.Close()
		t.Fatalf("TURN client listen: %v", err)
	}
	t.Cleanup(func() {
		c.Close()
		conn.Close()
	})
	return c
}

// TestTURNTLSRelay: a real TURN client allocates a relay on a real LiveKit
// node running aws-prod's rendered TURN/TLS config, through a TLS
// terminator standing in for the NLB, with the credentials LiveKit hands
// a participant, and exchanges data with a UDP peer both ways. A wrong
// credential is refused, and so is a peer outside the allowed range.
func TestTURNTLSRelay(t *testing.T) {
	n := bootTURNNode(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t))))

	uri, user, cred := turnsServer(t, joinICEServers(t, n, "turn-relay", "turn-client"), n.Domain)
	t.Logf("join response: %s (username %d chars); terminator %s -> LiveKit TURN 127.0.0.1:%d", uri, len(user), n.Terminator, n.TLSPort)

	step(t, "a wrong credential is refused", func(t *testing.T) {
		c := dialTURNS(t, n, uri, user, cred+"x")
		if relay, err := c.Allocate(); err == nil {
			relay.Close()
			t.Fatal("Allocate with a wrong credential succeeded")
		} else if !strings.Contains(err.Error(), "error 400") && !strings.Contains(err.Error(), "error 401") {
			// LiveKit's TURN server (pion's) answers a MESSAGE-INTEGRITY
			// that does not match with 400 Bad Request, after the 401
			// challenge every allocation starts with.
			t.Fatalf("Allocate with a wrong credential: %v, want an error response (400 or 401)", err)
		} else {
			t.Logf("wrong credential: %v", err)
		}
	})

	c := dialTURNS(t, n, uri, user, cred)
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate with LiveKit's credentials: %v", err)
	}
	defer relay.Close()
	relayed := relay.LocalAddr().(*net.UDPAddr)
	t.Logf("relayed address %s", relayed)
	// The relay is on the node's address (rtc.node_ip) in the rendered
	// relay range: the ports the region's security rules open for TURN.
	lo, _ := lookupPath(n.Doc, "turn.relay_range_start")
	hi, _ := lookupPath(n.Doc, "turn.relay_range_end")
	if !relayed.IP.Equal(net.IPv4(127, 0, 0, 1)) || relayed.Port < toInt(t, lo) || relayed.Port > toInt(t, hi) {
		t.Errorf("relayed address %s, want 127.0.0.1 (rtc.node_ip) with a port in turn.relay_range %v-%v", relayed, lo, hi)
	}

	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	peerAddr := peer.LocalAddr().(*net.UDPAddr)

	step(t, "a peer outside allow_restricted_peer_cidrs is refused", func(t *testing.T) {
		// 127.0.0.2 is loopback but outside loopbackPeerCIDR: LiveKit's
		// guard against relaying into internal networks stays on.
		other := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: peerAddr.Port}
		if err := c.CreatePermission(other); err == nil {
			t.Fatalf("CreatePermission(%s) succeeded; LiveKit must refuse restricted peers not listed in allow_restricted_peer_cidrs", other)
		} else if !strings.Contains(err.Error(), "error 403") {
			t.Fatalf("CreatePermission(%s): %v, want 403 Forbidden", other, err)
		} else {
			t.Logf("CreatePermission(%s): %v", other, err)
		}
	})

	if err := c.CreatePermission(peerAddr); err != nil {
		t.Fatalf("CreatePermission(%s): %v", peerAddr, err)
	}

	step(t, "client -> relay -> peer", func(t *testing.T) {
		msg := []byte("through the relay to the peer " + randomToken(t, 8))
		got := exchange(t, "peer", func() error { _, err := relay.WriteTo(msg, peerAddr); return err }, peer, msg)
		if !got.(*net.UDPAddr).IP.Equal(relayed.IP) || got.(*net.UDPAddr).Port != relayed.Port {
			t.Errorf("the peer got the data from %s, want the relayed address %s", got, relayed)
		}
	})
	step(t, "peer -> relay -> client", func(t *testing.T) {
		msg := []byte("back through the relay to the client " + randomToken(t, 8))
		got := exchange(t, "client", func() error { _, err := peer.WriteTo(msg, relayed); return err }, relay, msg)
		if got.String() != peerAddr.String() {
			t.Errorf("the client got the data from %s, want the peer %s", got, peerAddr)
		}
	})
}

// exchange sends with send until conn reads want (UDP may drop a datagram;
// on loopback it rarely does), and returns the sender's address.
func exchange(t *testing.T, who string, send func() error, conn net.PacketConn, want []byte) net.Addr {
	t.Helper()
	buf := make([]byte, 1500)
	var from net.Addr
	eventually(t, turnTimeout, who+" receives the data", func() error {
		if err := send(); err != nil {
			return err
		}
		_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		for {
			k, addr, err := conn.ReadFrom(buf)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					return errors.New("nothing received yet")
				}
				return err
			}
			if string(buf[:k]) == string(want) {
				from = addr
				return nil
			}
		}
	})
	return from
}
