package e2e

// A relay-only participant (#20): real LiveKit clients (server-sdk-go, pion)
// with ICE restricted to relay candidates publish and receive a track on a
// node running aws-prod's rendered TURN/TLS config, with UDP closed to
// them.
//
// How the UDP media ports are closed to the participants: they run in a
// child process (this test binary, dispatched by TestMain) that
//   - installs a seccomp filter refusing every IPv4/IPv6 UDP socket
//     (blockUDP), so it cannot send a datagram to the node's media ports
//     (rtc.port_range_*) or anywhere else: only TCP leaves it, as on a
//     network that allows outbound TCP 443 only;
//   - joins with webrtc.ICETransportPolicyRelay, so pion gathers and checks
//     relay candidates only;
//   - reaches the one TURN server of LiveKit's join response,
//     turns:turn.<hostname>:443?transport=tcp, at stunnel (the NLB's TLS
//     listener) on <loopback address>:443: its resolver answers the TURN
//     name with that address, and its trust store (SSL_CERT_FILE) is the
//     test CA that signed the certificate for the name.
// The node's media ports stay open on 127.0.0.1 only (the loopback
// overrides, see loopbackConfig); the only path from the client to them is TLS to
// stunnel, TCP to LiveKit's TURN port, and LiveKit's relay (127.0.0.1,
// turn.relay_range_*) to the media port on the node's own side.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"golang.org/x/net/dns/dnsmessage"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	protologger "github.com/livekit/protocol/logger"
)

// relayClientEnv names the params file of the relay-only client process;
// when set, TestMain runs that client instead of the tests.
const relayClientEnv = "LKINFRA_E2E_RELAY_CLIENT"

const (
	relayRoom = "turn-relay-only"
	// relayPackets is how many RTP packets the subscriber must receive
	// (20 ms Opus frames: about a second of audio).
	relayPackets = 50
	// relayClientTimeout bounds the client process's work (two joins over
	// TURN/TLS, publishing, receiving).
	relayClientTimeout = 90 * time.Second
)

func TestMain(m *testing.M) {
	if path := os.Getenv(relayClientEnv); path != "" {
		if err := runRelayClient(path); err != nil {
			fmt.Fprintln(os.Stderr, "relay-only client:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// relayClientParams is what the parent test hands the client process.
type relayClientParams struct {
	WSURL           string
	PublisherToken  string
	SubscriberToken string
	TURNName        string // the rendered turn.domain
	TURNAddress     string // the loopback address the name resolves to (stunnel on :443)
	ReportPath      string
}

// relayCandidate is one side of a selected ICE candidate pair.
type relayCandidate struct {
	Type          string // host, srflx, prflx, relay
	Protocol      string // udp, tcp
	Address       string
	Port          int
	RelayProtocol string // for a local relay candidate: how it reaches the TURN server (udp, tcp, tls)
}

type relayPair struct{ Local, Remote relayCandidate }

// relayClientReport is what the client process saw, written once the
// subscriber has received relayPackets packets.
type relayClientReport struct {
	UDPSocketError string   // the error opening a UDP socket after blockUDP
	ICEServers     []string // the publisher's ICE servers, from LiveKit's join response
	Publisher      relayPair
	Subscriber     relayPair
	TrackSID       string
	Packets        int64
}

// TestTURNRelayOnlyParticipant: a relay-only publisher and a relay-only
// subscriber, both without UDP (see the top of this file), join a room on
// a node running aws-prod's TURN/TLS config behind stunnel on :443; the
// track is published (RoomService), its RTP reaches the subscriber, and
// both peer connections run over a relay candidate reached over TLS.
func TestTURNRelayOnlyParticipant(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the relay-only client closes UDP with a Linux seccomp filter")
	}
	// LiveKit advertises turns:<name>:443 whatever its tls_port (the NLB
	// listens on 443), so stunnel must listen on 443, on 127.0.0.1 like
	// every server the tests start.
	nlb := "127.0.0.1:443"
	if l, err := net.Listen("tcp", nlb); err != nil {
		missingPrereq(t, "cannot listen on %s (%v): port 443 needs root or CAP_NET_BIND_SERVICE", nlb, err)
	} else {
		l.Close()
	}
	n := bootTURNNode(t, nlb)

	token := func(identity string) string {
		tok, err := auth.NewAccessToken(n.Reg.APIKey, n.Reg.APISecret).
			SetIdentity(identity).
			SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: relayRoom}).
			SetValidFor(10 * time.Minute).
			ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	dir := t.TempDir()
	params := relayClientParams{
		WSURL:           "ws" + strings.TrimPrefix(n.Node.URL, "http"),
		PublisherToken:  token("relay-publisher"),
		SubscriberToken: token("relay-subscriber"),
		TURNName:        n.Domain,
		TURNAddress:     strings.TrimSuffix(nlb, ":443"),
		ReportPath:      filepath.Join(dir, "report.json"),
	}
	paramsPath := filepath.Join(dir, "params.json")
	writeJSON(t, paramsPath, params)
	client := startRelayClient(t, paramsPath, n.Certs.CACertFile)

	var rep relayClientReport
	eventually(t, relayClientTimeout, "the relay-only client's report", func() error {
		if done, err := client.exited(); done {
			return &permanent{fmt.Errorf("the relay-only client exited (%v) before reporting; see its log below", err)}
		}
		data, err := os.ReadFile(params.ReportPath)
		if err != nil {
			return err
		}
		return json.Unmarshal(data, &rep)
	})
	t.Logf("client report: %+v", rep)

	step(t, "UDP is closed to the client", func(t *testing.T) {
		if rep.UDPSocketError == "" || !strings.Contains(rep.UDPSocketError, "operation not permitted") {
			t.Fatalf("opening a UDP socket in the client: %q, want EPERM from the seccomp filter", rep.UDPSocketError)
		}
	})
	step(t, "the only TURN server is LiveKit's turns: URL on 443", func(t *testing.T) {
		// Without TURN/UDP LiveKit also hands out its default public STUN
		// servers; a relay-only client without UDP cannot use them.
		want := "turns:" + n.Domain + ":443?transport=tcp"
		var turns []string
		for _, u := range rep.ICEServers {
			if !strings.HasPrefix(u, "stun:") {
				turns = append(turns, u)
			}
		}
		if len(turns) != 1 || turns[0] != want {
			t.Fatalf("TURN servers from the join response %v, want [%s]", turns, want)
		}
	})
	lo, _ := lookupPath(n.Doc, "rtc.port_range_start")
	hi, _ := lookupPath(n.Doc, "rtc.port_range_end")
	for name, p := range map[string]relayPair{"publisher": rep.Publisher, "subscriber": rep.Subscriber} {
		step(t, name+" media runs through TURN over TLS to the node's media port", func(t *testing.T) {
			if p.Local.Type != "relay" || p.Local.RelayProtocol != "tls" {
				t.Errorf("selected local candidate %+v, want a relay candidate reached over tls", p.Local)
			}
			if p.Remote.Type != "host" || p.Remote.Protocol != "udp" || p.Remote.Address != "127.0.0.1" ||
				p.Remote.Port < toInt(t, lo) || p.Remote.Port > toInt(t, hi) {
				t.Errorf("selected remote candidate %+v, want the node's UDP media port (127.0.0.1, %v-%v)", p.Remote, lo, hi)
			}
		})
	}
	step(t, "the subscriber received the track's RTP", func(t *testing.T) {
		if rep.Packets < relayPackets {
			t.Fatalf("the subscriber received %d RTP packets, want at least %d", rep.Packets, relayPackets)
		}
	})
	step(t, "RoomService lists the published track", func(t *testing.T) {
		rs := lksdk.NewRoomServiceClient(n.Node.URL, n.Reg.APIKey, n.Reg.APISecret)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := rs.ListParticipants(ctx, &livekit.ListParticipantsRequest{Room: relayRoom})
		if err != nil {
			t.Fatalf("ListParticipants: %v", err)
		}
		seen := map[string]*livekit.ParticipantInfo{}
		for _, p := range res.Participants {
			seen[p.Identity] = p
		}
		pub, sub := seen["relay-publisher"], seen["relay-subscriber"]
		if pub == nil || sub == nil {
			t.Fatalf("participants %v, want relay-publisher and relay-subscriber", mapKeys(seen))
		}
		for _, p := range []*livekit.ParticipantInfo{pub, sub} {
			if p.State != livekit.ParticipantInfo_ACTIVE {
				t.Errorf("%s is %s, want ACTIVE (signaling done, ICE connected)", p.Identity, p.State)
			}
		}
		var found bool
		for _, tr := range pub.Tracks {
			if tr.Sid == rep.TrackSID && tr.Type == livekit.TrackType_AUDIO && !tr.Muted {
				found = true
			}
		}
		if !found {
			t.Errorf("relay-publisher's tracks %v do not include the unmuted audio track %s", pub.Tracks, rep.TrackSID)
		}
	})

	res := client.finish()
	if res.Err != nil || res.Forced {
		t.Errorf("the relay-only client ended with %v (forced=%v)", res.Err, res.Forced)
	}
}

// relayClientProc is the client process, stopped by PID.
type relayClientProc struct {
	*process
	stdin io.WriteCloser
}

// startRelayClient runs this test binary as the relay-only client, its trust
// store the test CA only.
func startRelayClient(t *testing.T, paramsPath, caFile string) *relayClientProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "relay-client.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	printTailOnFailure(t, "relay-only client", logPath)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(),
		relayClientEnv+"="+paramsPath,
		"SSL_CERT_FILE="+caFile,
		"SSL_CERT_DIR="+t.TempDir())
	cmd.Stdout, cmd.Stderr = logFile, logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	configureChild(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the relay-only client: %v", err)
	}
	p := &process{name: "relay-only client", cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Logf("relay-only client: started pid %d, log %s", cmd.Process.Pid, logPath)
	c := &relayClientProc{process: p, stdin: stdin}
	t.Cleanup(func() { c.stop(10 * time.Second) })
	return c
}

// finish closes the client's stdin (it leaves the room and exits) and waits
// for it, SIGTERM then SIGKILL after a bound.
func (c *relayClientProc) finish() stopResult {
	_ = c.stdin.Close()
	select {
	case <-c.done:
		return stopResult{Err: c.waitErr}
	case <-time.After(30 * time.Second):
	}
	return c.stop(10 * time.Second)
}

// runRelayClient is the client process: UDP closed, the TURN name resolved
// to stunnel, a relay-only publisher and subscriber.
func runRelayClient(paramsPath string) error {
	var p relayClientParams
	data, err := os.ReadFile(paramsPath)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	rep := relayClientReport{}

	if err := blockUDP(); err != nil {
		return err
	}
	if c, err := net.ListenPacket("udp4", "127.0.0.1:0"); err == nil {
		c.Close()
		return errors.New("a UDP socket opened after blockUDP")
	} else {
		rep.UDPSocketError = err.Error()
	}
	turnIP := net.ParseIP(p.TURNAddress).To4()
	if turnIP == nil {
		return fmt.Errorf("TURN address %q is not IPv4", p.TURNAddress)
	}
	net.DefaultResolver = nameResolver(p.TURNName, [4]byte(turnIP))

	ctx, cancel := context.WithTimeout(context.Background(), relayClientTimeout)
	defer cancel()
	// The SDK's and pion's log (ICE, TURN, DTLS) go to this process's log.
	var logMu sync.Mutex
	sdkLog := protologger.LogRLogger(funcr.New(func(prefix, args string) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(os.Stderr, "%s %s %s\n", time.Now().Format("15:04:05.000"), prefix, args)
	}, funcr.Options{Verbosity: 1}))
	lksdk.SetLogger(sdkLog)
	opts := []lksdk.ConnectOption{
		lksdk.WithLogger(sdkLog),
		lksdk.WithICETransportPolicy(webrtc.ICETransportPolicyRelay),
		lksdk.WithConnectTimeout(relayClientTimeout / 3),
	}

	pub, err := lksdk.ConnectToRoomWithToken(p.WSURL, p.PublisherToken, nil, append(opts, lksdk.WithAutoSubscribe(false))...)
	if err != nil {
		return fmt.Errorf("publisher join: %w", err)
	}
	defer pub.Disconnect()
	track, err := webrtc.NewTrackLocalStaticSample(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "relay-audio")
	if err != nil {
		return err
	}
	pubTrack, err := pub.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{Name: "relay-audio"})
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	rep.TrackSID = pubTrack.SID()
	go func() {
		// Opus silence frames at the 20 ms frame rate.
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_ = track.WriteSample(media.Sample{Data: []byte{0xf8, 0xff, 0xfe}, Duration: 20 * time.Millisecond})
			}
		}
	}()

	var packets atomic.Int64
	cb := lksdk.NewRoomCallback()
	cb.OnTrackSubscribed = func(tr *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		go func() {
			for {
				if _, _, err := tr.ReadRTP(); err != nil {
					return
				}
				packets.Add(1)
			}
		}()
	}
	sub, err := lksdk.ConnectToRoomWithToken(p.WSURL, p.SubscriberToken, cb, append(opts, lksdk.WithAutoSubscribe(true))...)
	if err != nil {
		return fmt.Errorf("subscriber join: %w", err)
	}
	defer sub.Disconnect()

	for packets.Load() < relayPackets {
		select {
		case <-ctx.Done():
			return fmt.Errorf("the subscriber received %d RTP packets, want %d: %w", packets.Load(), relayPackets, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
	rep.Packets = packets.Load()

	pubPC := pub.LocalParticipant.GetPublisherPeerConnection()
	subPC := sub.LocalParticipant.GetSubscriberPeerConnection()
	if pubPC == nil || subPC == nil {
		return errors.New("no publisher or subscriber peer connection")
	}
	for _, s := range pubPC.GetConfiguration().ICEServers {
		rep.ICEServers = append(rep.ICEServers, s.URLs...)
	}
	if rep.Publisher, err = selectedPair(pubPC); err != nil {
		return fmt.Errorf("publisher: %w", err)
	}
	if rep.Subscriber, err = selectedPair(subPC); err != nil {
		return fmt.Errorf("subscriber: %w", err)
	}

	out, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	tmp := p.ReportPath + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, p.ReportPath); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "reported: %s\n", out)
	// Stay in the room until the parent has checked it (stdin closes).
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// selectedPair reads the peer connection's selected ICE candidate pair.
func selectedPair(pc *webrtc.PeerConnection) (relayPair, error) {
	var ice *webrtc.ICETransport
	if sctp := pc.SCTP(); sctp != nil && sctp.Transport() != nil {
		ice = sctp.Transport().ICETransport()
	}
	if ice == nil {
		return relayPair{}, errors.New("no ICE transport")
	}
	pair, err := ice.GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return relayPair{}, fmt.Errorf("no selected candidate pair (%v)", err)
	}
	out := relayPair{
		Local:  relayCandidate{Type: pair.Local.Typ.String(), Protocol: pair.Local.Protocol.String(), Address: pair.Local.Address, Port: int(pair.Local.Port)},
		Remote: relayCandidate{Type: pair.Remote.Typ.String(), Protocol: pair.Remote.Protocol.String(), Address: pair.Remote.Address, Port: int(pair.Remote.Port)},
	}
	// The relay protocol (how the local relay candidate reaches its TURN
	// server) is in the candidate's stats only.
	if ps, ok := ice.GetSelectedCandidatePairStats(); ok {
		if cs, ok := pc.GetStats()[ps.LocalCandidateID].(webrtc.ICECandidateStats); ok {
			out.Local.RelayProtocol = cs.RelayProtocol
		}
	}
	return out, nil
}

// nameResolver is the client's DNS: name resolves to addr (A), nothing
// else resolves. It replaces net.DefaultResolver in the client process only
// (pion resolves the turns: host with the standard resolver).
func nameResolver(name string, addr [4]byte) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			client, server := net.Pipe()
			go serveDNS(server, name, addr)
			return client, nil
		},
	}
}

// serveDNS answers DNS queries on a stream (the Go resolver frames them
// with a 2-byte length on a non-packet conn) until the conn closes.
func serveDNS(c net.Conn, name string, addr [4]byte) {
	defer c.Close()
	for {
		var l [2]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		var parser dnsmessage.Parser
		h, err := parser.Start(q)
		if err != nil {
			return
		}
		question, err := parser.Question()
		if err != nil {
			return
		}
		match := strings.EqualFold(strings.TrimSuffix(question.Name.String(), "."), name)
		rcode := dnsmessage.RCodeSuccess
		if !match {
			rcode = dnsmessage.RCodeNameError
		}
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: rcode})
		if err := b.StartQuestions(); err != nil {
			return
		}
		if err := b.Question(question); err != nil {
			return
		}
		if err := b.StartAnswers(); err != nil {
			return
		}
		if match && question.Type == dnsmessage.TypeA {
			if err := b.AResource(dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 60},
				dnsmessage.AResource{A: addr}); err != nil {
				return
			}
		}
		msg, err := b.Finish()
		if err != nil {
			return
		}
		binary.BigEndian.PutUint16(l[:], uint16(len(msg)))
		if _, err := c.Write(append(l[:], msg...)); err != nil {
			return
		}
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
