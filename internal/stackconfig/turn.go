package stackconfig

import (
	"fmt"
	"strings"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// turnKeys switch LiveKit's embedded TURN server. TURN/TLS on 443 is what
// clients behind UDP-blocking firewalls (enterprise, hotel networks: outbound
// TCP 443 only) relay media through; TURN/UDP helps clients whose UDP to the
// media range is blocked but 3478 is not.
var turnKeys = []Key{
	{Name: "turnUdpPort", Type: "integer", Default: 0, Kinds: regional,
		Description: fmt.Sprintf("Embedded TURN/UDP port (e.g. %d), reached at each node's own public IP; 0 leaves TURN/UDP off.", livekit.DefaultTURNUDPPort)},
	{Name: "turnTls", Type: "boolean", Default: true, Kinds: regional,
		Description: "TURN over TLS on 443 (turns:<turnHostname>:443) through a TLS-terminating L4 load balancer in front of the nodes; clients that only reach TCP 443 relay media through it."},
	{Name: "turnHostname", Type: "string", Default: "", Kinds: regional,
		Description: "The region's TURN/TLS hostname; empty means turn.<hostname>. Inside the zone, and not the signaling or global name (each wants 443 on its own load balancer)."},
	{Name: "turnTlsPort", Type: "integer", Default: livekit.DefaultTURNTLSPort, Kinds: regional,
		Description: "Node port the TURN/TLS load balancer forwards the decrypted TURN stream to (LiveKit's turn.tls_port with external_tls); clients always use 443."},
}

func init() { Keys = append(Keys, turnKeys...) }

// turn reads and validates the TURN keys together: their ports against
// every other port of the node, the relay range against the media range,
// the TURN name against the zone and the other names.
func (p *parser) turn(s *Stack, r *Region, mediaOK bool) {
	media := r.Media
	inMedia := func(port int) bool { return mediaOK && port >= media.First() && port <= media.Last() }
	fixed := func(port int) bool {
		return port == livekit.SignalPort || port == livekit.RTCTCPPort || port == livekit.PrometheusPort
	}

	r.TURNUDPPort = p.integer("turnUdpPort", 0, 65535)
	if t := r.TURNUDPPort; t != 0 && !p.failed("turnUdpPort") {
		key := spec("turnUdpPort").Full()
		switch {
		case t < 1024:
			p.fail(key, fmt.Sprint(t), fmt.Sprintf("must be 0 (off) or from 1024 to 65535, e.g. %d", livekit.DefaultTURNUDPPort))
		case inMedia(t):
			p.fail(key, fmt.Sprint(t), "must lie outside mediaUdpPorts "+media.String())
		case fixed(t):
			p.fail(key, fmt.Sprint(t), fmt.Sprintf("must not reuse %d, %d or %d", livekit.SignalPort, livekit.RTCTCPPort, livekit.PrometheusPort))
		case t >= livekit.TURNRelayStart && t <= livekit.TURNRelayEnd:
			p.fail(key, fmt.Sprint(t), fmt.Sprintf("must lie outside LiveKit's TURN relay ports %d-%d", livekit.TURNRelayStart, livekit.TURNRelayEnd))
		}
	}

	r.TURNTLS = p.boolean("turnTls")
	r.TURNTLSPort = p.integer("turnTlsPort", 1024, 65535)
	if r.TURNTLS && !p.failed("turnTlsPort") {
		key, t := spec("turnTlsPort").Full(), r.TURNTLSPort
		switch {
		case fixed(t):
			p.fail(key, fmt.Sprint(t), fmt.Sprintf("must not reuse the signaling port %d, ICE/TCP %d or metrics %d", livekit.SignalPort, livekit.RTCTCPPort, livekit.PrometheusPort))
		case inMedia(t):
			// TCP and UDP could share a number, but on host-network nodes
			// one port plan per node keeps firewall rules unambiguous.
			p.fail(key, fmt.Sprint(t), "must lie outside mediaUdpPorts "+media.String())
		case t >= livekit.TURNRelayStart && t <= livekit.TURNRelayEnd:
			p.fail(key, fmt.Sprint(t), fmt.Sprintf("must lie outside LiveKit's TURN relay ports %d-%d", livekit.TURNRelayStart, livekit.TURNRelayEnd))
		}
	}

	// The relay sockets (one per allocation) are UDP ports of the node like
	// the media ports: an overlap fails allocations or sessions at random.
	if r.TURNEnabled() && mediaOK && media.First() <= livekit.TURNRelayEnd && media.Last() >= livekit.TURNRelayStart {
		p.fail(spec("mediaUdpPorts").Full(), quote(media.String()), fmt.Sprintf(
			"overlaps LiveKit's TURN relay ports %d-%d while TURN is on (turnTls or turnUdpPort); use e.g. 50000-60000",
			livekit.TURNRelayStart, livekit.TURNRelayEnd))
	}

	h := strings.ToLower(p.str("turnHostname"))
	key := spec("turnHostname").Full()
	switch {
	case r.Hostname == "" || s.Domain == "":
		// Reported under hostname/domain already.
	case h == "":
		h = "turn." + r.Hostname
	case !dnsNameRe.MatchString(h) || !strings.HasSuffix(h, "."+s.Domain):
		p.fail(key, quote(h), fmt.Sprintf("must be a DNS name inside the zone %s, below its apex (e.g. turn.%s)", s.Domain, r.Hostname))
	case h == r.Hostname:
		p.fail(key, quote(h), "must differ from the signaling hostname: TURN/TLS and signaling each take 443 on their own load balancer (default turn."+r.Hostname+")")
	case h == s.GlobalHostname:
		p.fail(key, quote(h), "must differ from the global hostname "+s.GlobalHostname+": that name leads to the signaling load balancers (default turn."+r.Hostname+")")
	}
	if r.TURNTLS && len(h) > 64 {
		// ACM and public CAs refuse a certificate common name above 64 characters.
		p.fail(key, quote(h), "has more than 64 characters, too long for a certificate's common name; set a shorter turnHostname")
	}
	r.TURNHostname = h

}

// TURNEnabled says whether the node runs LiveKit's TURN server at all.
func (r *Region) TURNEnabled() bool { return r.TURNTLS || r.TURNUDPPort != 0 }
