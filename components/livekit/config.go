// Package livekit renders LiveKit server configuration from typed settings.
//
// Every cloud delivers the same rendered YAML (through Secrets Manager on ECS,
// a Kubernetes Secret on GKE/AKS), so WebRTC behaviour is defined once here.
// The output is validated in tests by LiveKit's own strict parser
// (github.com/livekit/livekit-server/pkg/config at the pinned version).
package livekit

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Version is the LiveKit server release this product deploys and tests
// against: the container image tag and the Go module used by the tests.
const Version = "v1.13.5"

// ImageDigest is the digest of Version's multi-arch image index on Docker
// Hub: nodes pull the digest, the tag stays for people.
const ImageDigest = "sha256:3497163e15c48fef6e7830c78716f9e9d5edc28abf7aa90b61c86e93bbc306b1"

// Image is the default container image, pinned to Version by digest.
const Image = "livekit/livekit-server:" + Version + "@" + ImageDigest

// Fixed ports. LiveKit's defaults, kept because every firewall rule, health
// check and probe in the product refers to them.
const (
	// SignalPort carries HTTP + WebSocket signaling; it sits behind a
	// TLS-terminating load balancer and serves the health check on GET /.
	SignalPort = 7880
	// RTCTCPPort is ICE over TCP. It must reach each node directly: never
	// behind a load balancer or TLS.
	RTCTCPPort = 7881
	// PrometheusPort exposes metrics inside the VPC only.
	PrometheusPort = 6789
	// HealthPath is LiveKit's health endpoint: 200 "OK", or 406 when the node
	// has lost Redis. /health and /healthz return 404.
	HealthPath = "/"
)

// MediaPorts is the UDP media plan: a port range (one socket per participant
// track, LiveKit's default) or a single muxed port.
type MediaPorts struct {
	// Start and End bound the ICE UDP range, inclusive. Zero when Mux is used.
	Start, End int
	// Mux is a single UDP port shared by all participants (rtc.udp_port).
	Mux int
}

// ParseMediaPorts parses "50000-60000" (a range) or "7882" (one muxed port).
func ParseMediaPorts(s string) (MediaPorts, error) {
	s = strings.TrimSpace(s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		start, err1 := strconv.Atoi(strings.TrimSpace(lo))
		end, err2 := strconv.Atoi(strings.TrimSpace(hi))
		if err1 != nil || err2 != nil {
			return MediaPorts{}, fmt.Errorf("want START-END with numbers, e.g. 50000-60000")
		}
		p := MediaPorts{Start: start, End: end}
		return p, p.Validate()
	}
	port, err := strconv.Atoi(s)
	if err != nil {
		return MediaPorts{}, fmt.Errorf("want a port range START-END (e.g. 50000-60000) or one muxed UDP port (e.g. 7882)")
	}
	if port == 0 {
		// Mux 0 means "no muxed port" to Validate, which would then
		// complain about a 0-0 range the user never wrote.
		return MediaPorts{}, errors.New("port 0 is outside 1024-65535")
	}
	p := MediaPorts{Mux: port}
	return p, p.Validate()
}

// reserved are the TCP/UDP ports the rest of the plan already uses.
var reserved = map[int]string{SignalPort: "signaling", RTCTCPPort: "ICE/TCP", PrometheusPort: "metrics"}

// Validate checks the plan is usable and does not collide with fixed ports.
func (m MediaPorts) Validate() error {
	inRange := func(p int) bool { return p >= 1024 && p <= 65535 }
	if m.Mux != 0 {
		if m.Start != 0 || m.End != 0 {
			return errors.New("set either a port range or one muxed port, not both")
		}
		if !inRange(m.Mux) {
			return fmt.Errorf("port %d is outside 1024-65535", m.Mux)
		}
		if use, ok := reserved[m.Mux]; ok {
			return fmt.Errorf("port %d is already used for %s", m.Mux, use)
		}
		return nil
	}
	if !inRange(m.Start) || !inRange(m.End) {
		return fmt.Errorf("range %d-%d is outside 1024-65535", m.Start, m.End)
	}
	if m.End < m.Start {
		return fmt.Errorf("range %d-%d ends before it starts", m.Start, m.End)
	}
	// About two ports per participant: fewer than 100 would cap a node at
	// a few dozen participants.
	if m.End-m.Start+1 < 100 {
		return fmt.Errorf("range %d-%d has %d ports; use at least 100 (about 2 per participant) or one muxed port", m.Start, m.End, m.End-m.Start+1)
	}
	for p, use := range reserved {
		if p >= m.Start && p <= m.End {
			return fmt.Errorf("range %d-%d contains port %d, used for %s", m.Start, m.End, p, use)
		}
	}
	return nil
}

// First and Last give the inclusive UDP port span, for firewall rules.
func (m MediaPorts) First() int {
	if m.Mux != 0 {
		return m.Mux
	}
	return m.Start
}

// Last is the last UDP port of the plan.
func (m MediaPorts) Last() int {
	if m.Mux != 0 {
		return m.Mux
	}
	return m.End
}

// String renders the plan in the form ParseMediaPorts accepts.
func (m MediaPorts) String() string {
	if m.Mux != 0 {
		return strconv.Itoa(m.Mux)
	}
	return fmt.Sprintf("%d-%d", m.Start, m.End)
}

// Redis is how a node reaches its region's Redis.
type Redis struct {
	// Address is host:port. A rediss:// URL does not work (livekit#3834).
	Address  string
	Username string
	Password string
	// TLS enables TLS. CACertFile is needed when the managed cache uses a
	// private CA (Memorystore); ElastiCache and Azure use public roots.
	TLS        bool
	CACertFile string
	ServerName string
}

// TURN is LiveKit's embedded TURN server, for clients behind UDP-blocking
// firewalls.
type TURN struct {
	Enabled bool
	// Domain is the TURN/TLS name: LiveKit advertises
	// turns:<Domain>:443?transport=tcp whatever TLSPort is (the 443 is
	// fixed in livekit-server's iceServersForParticipant).
	Domain  string
	UDPPort int
	// TLSPort with ExternalTLS: TLS is terminated by a load balancer in
	// front, which forwards the plain TURN stream to TLSPort.
	TLSPort     int
	ExternalTLS bool
}

// The TURN relay ports: each allocation binds one UDP port of the node in
// this range (LiveKit's own default, rendered so that the rest of the plan
// can check it). Relayed packets go to the SFU's public address and come
// back on the same flow, so stateful firewalls need no rule for them; the
// media ports must stay out of the range.
const (
	TURNRelayStart = 30000
	TURNRelayEnd   = 40000
)

// LiveKit's defaults for its embedded TURN server (the IANA STUN/TURN
// ports): turn.udp_port, and turn.tls_port, where this product's TURN/TLS
// load balancers forward the decrypted stream.
const (
	DefaultTURNUDPPort = 3478
	DefaultTURNTLSPort = 5349
)

// Settings is everything that varies between regions and clouds.
type Settings struct {
	// Keys is the API key set the node accepts tokens from; every region
	// behind one global hostname must serve the same set.
	Keys  KeySet
	Redis Redis
	Media MediaPorts
	// UseExternalIP discovers the node's public IP with STUN; required in the
	// cloud, where each node must advertise its own public address.
	UseExternalIP bool
	// NodeIP pins the advertised address (tests and special networks).
	NodeIP string
	// BindAddresses restricts listeners (tests bind to 127.0.0.1).
	BindAddresses []string
	// Port overrides SignalPort and TCPPort overrides RTCTCPPort; only the
	// loopback end-to-end test sets them (two nodes on one host).
	Port, TCPPort, PrometheusPort int
	// Region labels this node for region-aware routing and metrics.
	Region string
	// SysloadLimit stops new rooms landing on a node above this load (0-1).
	SysloadLimit float64
	// MaxParticipants per room; 0 means unlimited.
	MaxParticipants int
	// EmptyTimeout closes a room this many seconds after the last participant.
	EmptyTimeout int
	LogLevel     string
	TURN         TURN
}

var (
	logLevels   = []string{"debug", "info", "warn", "error"}
	hostLabelRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$`)
)

// Validate reports every problem with s at once.
func (s *Settings) Validate() error {
	var errs []error
	if err := s.Keys.Validate(); err != nil {
		errs = append(errs, err)
	}
	if s.Redis.Address == "" {
		errs = append(errs, errors.New("redis address is required: every region runs more than one node"))
	} else if strings.Contains(s.Redis.Address, "://") {
		errs = append(errs, fmt.Errorf("redis address %q must be host:port, not a URL (livekit#3834)", s.Redis.Address))
	} else if _, _, err := net.SplitHostPort(s.Redis.Address); err != nil {
		errs = append(errs, fmt.Errorf("redis address %q must be host:port", s.Redis.Address))
	}
	if s.Redis.CACertFile != "" && !s.Redis.TLS {
		errs = append(errs, errors.New("redis CA file given but TLS is off"))
	}
	if err := s.Media.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("media ports: %w", err))
	}
	if s.SysloadLimit < 0 || s.SysloadLimit > 1 {
		errs = append(errs, fmt.Errorf("sysload limit %v must be between 0 and 1", s.SysloadLimit))
	}
	if s.MaxParticipants < 0 || s.EmptyTimeout < 0 {
		errs = append(errs, errors.New("room limits must not be negative"))
	}
	if s.LogLevel != "" && !contains(logLevels, s.LogLevel) {
		errs = append(errs, fmt.Errorf("log level %q must be one of %s", s.LogLevel, strings.Join(logLevels, ", ")))
	}
	if s.TURN.Enabled {
		if !hostLabelRe.MatchString(s.TURN.Domain) {
			errs = append(errs, fmt.Errorf("TURN domain %q must be a DNS name", s.TURN.Domain))
		}
		if s.TURN.UDPPort == 0 && s.TURN.TLSPort == 0 {
			errs = append(errs, errors.New("TURN needs a UDP port, a TLS port, or both"))
		}
		// Both are UDP: TURN binds its port at startup, media ports are
		// bound per session, so an overlap fails sessions at random.
		if u := s.TURN.UDPPort; u != 0 && s.Media.Validate() == nil && u >= s.Media.First() && u <= s.Media.Last() {
			errs = append(errs, fmt.Errorf("TURN UDP port %d lies inside the media ports %s", u, s.Media))
		}
		tcp := []struct {
			port int
			use  string
		}{{orDefault(s.Port, SignalPort), "signaling"}, {orDefault(s.TCPPort, RTCTCPPort), "ICE/TCP"}, {orDefault(s.PrometheusPort, PrometheusPort), "metrics"}}
		for _, p := range tcp {
			if s.TURN.TLSPort == p.port {
				errs = append(errs, fmt.Errorf("TURN TLS port %d is already used for %s", p.port, p.use))
			}
		}
		if s.Media.Validate() == nil && s.Media.First() <= TURNRelayEnd && s.Media.Last() >= TURNRelayStart {
			errs = append(errs, fmt.Errorf("media ports %s overlap the TURN relay ports %d-%d", s.Media, TURNRelayStart, TURNRelayEnd))
		}
		for _, p := range []int{s.TURN.UDPPort, s.TURN.TLSPort} {
			if p >= TURNRelayStart && p <= TURNRelayEnd {
				errs = append(errs, fmt.Errorf("TURN port %d lies inside the TURN relay ports %d-%d", p, TURNRelayStart, TURNRelayEnd))
			}
		}
		if s.TURN.ExternalTLS && s.TURN.TLSPort == 0 {
			errs = append(errs, errors.New("TURN external TLS needs a TLS port for the load balancer to forward to"))
		}
	}
	return errors.Join(errs...)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// The document types mirror the subset of LiveKit's config schema we set.
// Field names follow LiveKit's YAML keys; LiveKit's strict parser rejects any
// key it does not know, which the tests rely on.
type document struct {
	Port          int               `yaml:"port"`
	BindAddresses []string          `yaml:"bind_addresses,omitempty"`
	Prometheus    prometheusDoc     `yaml:"prometheus"`
	LogLevel      string            `yaml:"log_level,omitempty"`
	Region        string            `yaml:"region,omitempty"`
	Keys          map[string]string `yaml:"keys"`
	RTC           rtcDoc            `yaml:"rtc"`
	Redis         redisDoc          `yaml:"redis"`
	Room          roomDoc           `yaml:"room"`
	NodeSelector  nodeSelectorDoc   `yaml:"node_selector"`
	TURN          *turnDoc          `yaml:"turn,omitempty"`
}

type prometheusDoc struct {
	Port int `yaml:"port"`
}

type rtcDoc struct {
	TCPPort        int    `yaml:"tcp_port"`
	PortRangeStart int    `yaml:"port_range_start,omitempty"`
	PortRangeEnd   int    `yaml:"port_range_end,omitempty"`
	UDPPort        int    `yaml:"udp_port,omitempty"`
	UseExternalIP  bool   `yaml:"use_external_ip"`
	NodeIP         string `yaml:"node_ip,omitempty"`
}

type redisDoc struct {
	Address  string  `yaml:"address"`
	Username string  `yaml:"username,omitempty"`
	Password string  `yaml:"password,omitempty"`
	TLS      *tlsDoc `yaml:"tls,omitempty"`
}

type tlsDoc struct {
	Enabled    bool   `yaml:"enabled"`
	CACertFile string `yaml:"ca_cert_file,omitempty"`
	ServerName string `yaml:"server_name,omitempty"`
}

type roomDoc struct {
	AutoCreate      bool `yaml:"auto_create"`
	MaxParticipants int  `yaml:"max_participants,omitempty"`
	EmptyTimeout    int  `yaml:"empty_timeout,omitempty"`
}

type nodeSelectorDoc struct {
	Kind         string  `yaml:"kind"`
	SortBy       string  `yaml:"sort_by"`
	SysloadLimit float64 `yaml:"sysload_limit,omitempty"`
}

type turnDoc struct {
	Enabled     bool   `yaml:"enabled"`
	Domain      string `yaml:"domain"`
	UDPPort     int    `yaml:"udp_port,omitempty"`
	TLSPort     int    `yaml:"tls_port,omitempty"`
	ExternalTLS bool   `yaml:"external_tls,omitempty"`
	RelayStart  int    `yaml:"relay_range_start"`
	RelayEnd    int    `yaml:"relay_range_end"`
}

// Render validates s and returns LiveKit's YAML config. The result holds the
// API secret and Redis password: callers keep it a Pulumi secret.
func Render(s Settings) (string, error) {
	if err := s.Validate(); err != nil {
		return "", fmt.Errorf("livekit config: %w", err)
	}
	doc := document{
		Port:          orDefault(s.Port, SignalPort),
		BindAddresses: s.BindAddresses,
		// prometheus.port, not the deprecated prometheus_port.
		Prometheus: prometheusDoc{Port: orDefault(s.PrometheusPort, PrometheusPort)},
		LogLevel:   s.LogLevel,
		Region:     s.Region,
		Keys:       s.Keys,
		RTC: rtcDoc{
			TCPPort:        orDefault(s.TCPPort, RTCTCPPort),
			PortRangeStart: s.Media.Start,
			PortRangeEnd:   s.Media.End,
			UDPPort:        s.Media.Mux,
			UseExternalIP:  s.UseExternalIP,
			NodeIP:         s.NodeIP,
		},
		Redis: redisDoc{Address: s.Redis.Address, Username: s.Redis.Username, Password: s.Redis.Password},
		// Rooms are created by the token server through the API in the region
		// the token pins; auto-create keeps plain clients working too.
		Room: roomDoc{AutoCreate: true, MaxParticipants: s.MaxParticipants, EmptyTimeout: s.EmptyTimeout},
		// The sysload selector is the one that honours sysload_limit ("any"
		// ignores it); regions have their own Redis, so there is no
		// cross-region selection.
		NodeSelector: nodeSelectorDoc{Kind: "sysload", SortBy: "sysload", SysloadLimit: s.SysloadLimit},
	}
	if s.Redis.TLS {
		// The tls block, not the deprecated use_tls: use_tls trusts only the
		// system roots, which fails against a private CA.
		doc.Redis.TLS = &tlsDoc{Enabled: true, CACertFile: s.Redis.CACertFile, ServerName: s.Redis.ServerName}
	}
	if s.TURN.Enabled {
		doc.TURN = &turnDoc{Enabled: true, Domain: s.TURN.Domain, UDPPort: s.TURN.UDPPort, TLSPort: s.TURN.TLSPort, ExternalTLS: s.TURN.ExternalTLS,
			RelayStart: TURNRelayStart, RelayEnd: TURNRelayEnd}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return "", fmt.Errorf("livekit config: %w", err)
	}
	return string(out), nil
}
