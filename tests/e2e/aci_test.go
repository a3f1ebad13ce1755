package e2e

// The Container Instances platform (azure-aci): each container group runs
// its own rendered config (its UDP mux port and ICE/TCP port, the
// firewall's IP advertised). Every group's config boots a real LiveKit node
// in single-port UDP mode against one TLS Redis with the rendered
// credentials, and a participant joins each node over real ICE.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"
	lkproto "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const aciGroupType = "azure:containerservice/group:Group"

// aciGroupConfig is container group i's rendered config: the base64 secret
// volume ACI mounts at /etc/livekit/config.yaml.
func aciGroupConfig(i int) configSource {
	return configSource{
		Where: fmt.Sprintf("%s \"livekit-%d\" containers[0].volumes[0].secret[\"config.yaml\"] (base64)", aciGroupType, i),
		Find: func(p *plan.Plan) (string, error) {
			r, err := findOne(p, aciGroupType, fmt.Sprintf("livekit-%d", i))
			if err != nil {
				return "", err
			}
			enc, err := secretStringInput(r, `containers[0].volumes[0].secret["config.yaml"]`)
			if err != nil {
				return "", err
			}
			b, err := base64.StdEncoding.DecodeString(enc)
			return string(b), err
		},
	}
}

// appGatewayProbes are Application Gateway's backend probes: HTTP, a port
// of the node, and 200 as the only healthy answer (a node that lost Redis
// answers 406 and must leave the pool).
func appGatewayProbes(p *plan.Plan) ([]healthCheck, error) {
	var out []healthCheck
	for _, r := range p.ByType("azure:network/applicationGateway:ApplicationGateway") {
		probes, _ := r.Input("probes")
		list, _ := probes.([]any)
		if len(list) == 0 {
			return nil, fmt.Errorf("%s %s: no custom probe (the default probe accepts 200-399)", r.Type, r.Name)
		}
		for i := range list {
			at := func(f string) string { return fmt.Sprintf("probes[%d].%s", i, f) }
			src := fmt.Sprintf("%s %s probe %q", r.Type, r.Name, r.InputString(at("name")))
			codes, _ := r.Input(at("match.statusCodes"))
			if cs, ok := codes.([]any); !ok || len(cs) != 1 || cs[0] != "200" {
				return nil, fmt.Errorf("%s accepts %v, want 200 only", src, codes)
			}
			if proto := r.InputString(at("protocol")); proto != "Http" {
				return nil, fmt.Errorf("%s: protocol %q, want Http (the gateway ends TLS; nodes serve plain HTTP)", src, proto)
			}
			port, _ := r.Input(at("port"))
			n, ok := port.(int)
			if !ok {
				return nil, fmt.Errorf("%s: port %#v, want the node's port", src, port)
			}
			out = append(out, healthCheck{Source: src + ".path", Path: r.InputString(at("path")), Port: n})
		}
	}
	return out, nil
}

// participantConnection is what LiveKit logs once a participant is ACTIVE
// (rtc/room.go "participant active"): its transport ("udp", "tcp",
// "turn") and the selected local candidates.
func participantConnection(t *testing.T, n *liveKitNode, identity string) (connType string, selected []string) {
	t.Helper()
	eventually(t, apiTimeout, fmt.Sprintf("%s logs %s active", n.URL, identity), func() error {
		b, err := os.ReadFile(n.logPath)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			brace := strings.Index(line, "{")
			if !strings.Contains(line, "\tparticipant active\t") || brace < 0 {
				continue
			}
			var f struct {
				Participant          string   `json:"participant"`
				ConnectionType       string   `json:"connectionType"`
				SubscriberCandidates []string `json:"subscriberCandidates"`
				PublisherCandidates  []string `json:"publisherCandidates"`
			}
			if err := json.Unmarshal([]byte(line[brace:]), &f); err != nil || f.Participant != identity {
				continue
			}
			connType, selected = f.ConnectionType, nil
			for _, c := range append(f.SubscriberCandidates, f.PublisherCandidates...) {
				if strings.HasPrefix(c, "[local][selected") {
					selected = append(selected, c)
				}
			}
			return nil
		}
		return fmt.Errorf("no \"participant active\" line for %s in %s", identity, n.logPath)
	})
	return connType, selected
}

// clientSelectedPair is the ICE pair the participant's publisher transport
// (the one carrying its data channels) selected, as pion reports it.
func clientSelectedPair(t *testing.T, r *lksdk.Room) *webrtc.ICECandidatePair {
	t.Helper()
	var pair *webrtc.ICECandidatePair
	eventually(t, apiTimeout, "the participant's publisher transport selects an ICE pair", func() error {
		pc := r.LocalParticipant.GetPublisherPeerConnection()
		if pc == nil || pc.SCTP() == nil {
			return errors.New("no publisher data transport yet")
		}
		p, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
		if err != nil {
			return err
		}
		if p == nil {
			return errors.New("no selected pair yet")
		}
		pair = p
		return nil
	})
	return pair
}

// Every group's rendered config, one group at a time on the region's TLS
// Redis (alone in the registry, the node hosts the room): the node boots
// in single-port UDP mode and a participant joins it over UDP on that
// port. The groups differ only in their ports (and TestRegionConfigsBootLiveKit
// runs two nodes of group 0's config side by side).
func TestACIGroupConfigsBootLiveKit(t *testing.T) {
	liveKitBinary(t)
	redisBinary(t)
	rs := regionStackNamed(t, "azure-aci")
	reg := inspectRegion(t, rs)
	p := regionPlan(t, rs)
	// LiveKit's groups (livekit-<i>), not the Egress groups (livekit-egress-<i>).
	groups := 0
	for _, g := range p.ByType(aciGroupType) {
		if !strings.HasPrefix(g.Name, "livekit-egress-") {
			groups++
		}
	}
	if groups < 2 {
		t.Fatalf("azure-aci plans %d container groups; the committed stack has 3", groups)
	}
	certs := newTestTLS(t)
	rds := startRedis(t, certs, redisOptions{Password: reg.RedisPassword})
	target := rds.target(certs)

	first, err := aciGroupConfig(0).Find(p)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := 0; i < groups; i++ {
		rendered, err := aciGroupConfig(i).Find(p)
		if err != nil {
			t.Fatal(err)
		}
		doc := parseConfig(t, rendered)
		udp, mux := lookupPath(doc, "rtc.udp_port")
		if !mux {
			t.Fatalf("group %d renders no rtc.udp_port: ACI needs single-port UDP mode", i)
		}
		for _, k := range []string{"rtc.port_range_start", "rtc.port_range_end"} {
			if _, ranged := lookupPath(doc, k); ranged {
				t.Fatalf("group %d renders %s beside its mux port", i, k)
			}
		}
		tcp, _ := lookupPath(doc, "rtc.tcp_port")
		for _, port := range []string{fmt.Sprintf("udp %d", toInt(t, udp)), fmt.Sprintf("tcp %d", toInt(t, tcp))} {
			if j, dup := seen[port]; dup {
				t.Fatalf("groups %d and %d both render %s: the firewall forwards each port to one group", j, i, port)
			}
			seen[port] = i
		}
		// Only the ports differ between groups.
		for _, d := range configDiff(parseConfig(t, first), doc) {
			if d.Path != "rtc.udp_port" && d.Path != "rtc.tcp_port" {
				t.Errorf("group %d differs from group 0 at %s", i, d)
			}
		}

		cfg, final := loopbackConfig(t, rendered, target)
		node := startLiveKit(t, cfg)
		port, _ := lookupPath(final, "rtc.udp_port")
		muxPort := toInt(t, port)
		t.Logf("group %d: rendered udp_port %v tcp_port %v; booted on %s, UDP mux port %d (pid %d)", i, udp, tcp, node.URL, muxPort, node.PID())
		waitRegistry(t, rds, fmt.Sprintf("group %d alone in the registry", i), func(ids []string) bool { return len(ids) == 1 })

		room := fmt.Sprintf("aci-group-%d", i)
		identity := fmt.Sprintf("participant-%d", i)
		tok, err := auth.NewAccessToken(reg.APIKey, reg.APISecret).
			SetIdentity(identity).
			SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: room}).
			SetValidFor(5 * time.Minute).
			ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		r, err := lksdk.ConnectToRoomWithToken("ws"+strings.TrimPrefix(node.URL, "http"), tok, nil,
			lksdk.WithConnectTimeout(30*time.Second), lksdk.WithAutoSubscribe(false), lksdk.WithLogger(sdkLogger(t)))
		if err != nil {
			t.Fatalf("group %d: a participant cannot join: %v", i, err)
		}
		svc := lksdk.NewRoomServiceClient(node.URL, reg.APIKey, reg.APISecret)
		eventually(t, apiTimeout, fmt.Sprintf("%s ACTIVE on group %d", identity, i), func() error {
			res, err := svc.ListParticipants(ctxT(t), &lkproto.ListParticipantsRequest{Room: room})
			if err != nil {
				return err
			}
			for _, pi := range res.Participants {
				if pi.Identity == identity && pi.State == lkproto.ParticipantInfo_ACTIVE {
					return nil
				}
			}
			return fmt.Errorf("participants %v", res.Participants)
		})
		conn, selected := participantConnection(t, node, identity)
		onMux := len(selected) > 0
		for _, c := range selected {
			onMux = onMux && strings.Contains(c, " udp4 host 127.0.0.1:"+strconv.Itoa(muxPort)+" ")
		}
		if conn == "unknown" && len(selected) == 0 {
			// LiveKit logs "participant active" once, when the first
			// transport connects, and may not have marked a pair selected
			// by then. The client's own selected pair is the same
			// connection seen from its other end.
			p := clientSelectedPair(t, r)
			conn, selected = p.Remote.Protocol.String(), []string{"client: " + p.String()}
			onMux = p.Remote.Address == "127.0.0.1" && int(p.Remote.Port) == muxPort
		}
		if conn != "udp" || !onMux {
			t.Fatalf("group %d: %s connected over %q with selected candidates %v; want UDP on the mux port 127.0.0.1:%d", i, identity, conn, selected, muxPort)
		}
		t.Logf("group %d: %s ACTIVE over UDP, selected %v", i, identity, selected)
		wantHealth(t, node, 200, "OK")

		// Close the room, then scale the group in: a SIGTERMed node drains
		// until its rooms close.
		r.Disconnect()
		if _, err := svc.DeleteRoom(ctxT(t), &lkproto.DeleteRoomRequest{Room: room}); err != nil {
			t.Fatalf("group %d: DeleteRoom %s: %v", i, room, err)
		}
		if res := node.Stop(); res.Err != nil || res.Forced {
			t.Fatalf("group %d: SIGTERM: %+v, want a clean exit", i, res)
		}
		waitRegistry(t, rds, fmt.Sprintf("group %d leaves the registry", i), func(ids []string) bool { return len(ids) == 0 })
	}
}

// The ACI extractors fail on what would mislead the row: a config that is
// not a secret, a gateway probe that accepts 406 or has no port.
func TestACIExtractors(t *testing.T) {
	const cfg = "port: 7880\n"
	enc := base64.StdEncoding.EncodeToString([]byte(cfg))
	const secretPath = `containers[0].volumes[0].secret["config.yaml"]`
	group := func(secret bool) plan.Resource {
		c := map[string]any{"volumes": []any{map[string]any{"secret": map[string]any{"config.yaml": enc}}}}
		var paths []string
		if secret {
			paths = []string{secretPath}
		}
		return syntheticResource(aciGroupType, "livekit-0", map[string]any{"containers": []any{c}}, paths...)
	}
	got, err := aciGroupConfig(0).Find(&plan.Plan{Resources: []plan.Resource{group(true)}})
	if err != nil || got != cfg {
		t.Fatalf("aciGroupConfig = %q, %v; want the decoded config", got, err)
	}
	if _, err := aciGroupConfig(0).Find(&plan.Plan{Resources: []plan.Resource{group(false)}}); err == nil || !strings.Contains(err.Error(), "not a Pulumi secret") {
		t.Errorf("a plain config volume was accepted: %v", err)
	}
	gateway := func(codes ...any) *plan.Plan {
		return &plan.Plan{Resources: []plan.Resource{syntheticResource("azure:network/applicationGateway:ApplicationGateway", "gw", map[string]any{
			"probes": []any{map[string]any{"name": "p", "protocol": "Http", "path": "/", "port": 7880, "match": map[string]any{"statusCodes": codes}}},
		})}}
	}
	if hcs, err := appGatewayProbes(gateway("200")); err != nil || len(hcs) != 1 || hcs[0].Port != 7880 || hcs[0].Path != "/" {
		t.Fatalf("appGatewayProbes = %+v, %v; want GET / on 7880", hcs, err)
	}
	for _, codes := range [][]any{{"200-399"}, {"200", "406"}, nil} {
		if _, err := appGatewayProbes(gateway(codes...)); err == nil {
			t.Errorf("a gateway probe accepting %v was accepted: a node that lost Redis (406) would stay in the pool", codes)
		}
	}
	noPort := &plan.Plan{Resources: []plan.Resource{syntheticResource("azure:network/applicationGateway:ApplicationGateway", "gw", map[string]any{
		"probes": []any{map[string]any{"name": "p", "protocol": "Http", "path": "/", "match": map[string]any{"statusCodes": []any{"200"}}}},
	})}}
	if _, err := appGatewayProbes(noPort); err == nil {
		t.Error("a gateway probe without a port was accepted")
	}
	bare := &plan.Plan{Resources: []plan.Resource{syntheticResource("azure:network/applicationGateway:ApplicationGateway", "gw", map[string]any{})}}
	if _, err := appGatewayProbes(bare); err == nil {
		t.Error("a gateway without a custom probe was accepted (its default probe accepts 200-399)")
	}
}
