package stackconfig

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// Stack is one stack's validated settings. Exactly one of the per-kind
// sections is set, matching Kind; Region is set for every regional kind.
type Stack struct {
	Name           string
	Kind           Kind
	Domain         string
	ZoneID         string
	GlobalHostname string
	Protect        bool

	Region      *Region
	AWS         *AWS
	GCP         *GCP
	Azure       *Azure
	Global      *Global
	Credentials *Credentials
}

// Region holds what every regional kind (aws, gcp, azure) shares.
type Region struct {
	Hostname string
	// Image is the LiveKit image as configured; ImageRef its parts (a
	// Docker Hub repository pinned by digest).
	Image    string
	ImageRef imageref.Ref
	// Mirror is the region's registry mirror (registryMirror).
	Mirror Mirror
	// CredentialsStack names the credentials stack whose key set the region
	// serves; empty means its own APIKey/APISecret (or generated ones).
	CredentialsStack string
	APIKey           Secret
	APISecret        Secret
	Media            livekit.MediaPorts
	// TURNUDPPort is the TURN/UDP port (0: off); TURNTLS puts TURN/TLS on
	// 443 of TURNHostname in front of the nodes' TURNTLSPort (internal/stackconfig/turn.go).
	TURNUDPPort      int
	TURNTLS          bool
	TURNHostname     string
	TURNTLSPort      int
	Scaling          Scaling
	SysloadLimit     float64
	MaxParticipants  int
	EmptyTimeout     int
	LogLevel         string
	LogRetentionDays int
	Recordings       Recordings
	// Logs switches the audit log classes (flow, access, CDN, control
	// plane), each kept LogRetentionDays.
	Logs Logs
	// Alerts routes the region's alarms and tunes the cloud-measured ones.
	Alerts Alerts
	// Egress is the region's LiveKit Egress workers (egress.go).
	Egress Egress
	// Budget is the monthly budget (budget.go); nil: none.
	Budget *Budget
	// Owner is the owner cost-allocation tag (budget.go).
	Owner string
	// CentralMetrics is where the region writes for the global stack's
	// central view (centralmetrics.go).
	CentralMetrics CentralMetrics
}

// Scaling bounds the LiveKit node count: the contract's type, so the
// settings reach every component unconverted.
type Scaling = components.Scaling

// Recordings configures the recordings bucket.
type Recordings struct {
	CDN            bool
	TransitionDays int
	ExpireDays     int
}

// Parse validates raw config for the named stack. It returns *Error listing
// every problem when anything is wrong.
func Parse(stack string, raw Raw) (*Stack, error) {
	if raw.Values == nil {
		raw.Values = map[string]string{}
	}
	p := &parser{raw: raw}
	s := &Stack{Name: stack}
	p.unknownKeys()
	p.misplacedKeys()

	kind := p.str("kind")
	switch Kind(kind) {
	case KindAWS, KindGCP, KindAzure, KindGlobal, KindCredentials:
		s.Kind = Kind(kind)
	default:
		if kind != "" {
			p.fail(spec("kind").Full(), quote(kind), "must be one of "+kindList())
		}
	}
	s.Domain = strings.ToLower(p.str("domain"))
	if s.Domain != "" && !dnsNameRe.MatchString(s.Domain) {
		p.fail(spec("domain").Full(), quote(s.Domain), "must be a DNS name such as example.com")
	}
	s.ZoneID = p.str("zoneId")
	if s.ZoneID != "" && !zoneIDRe.MatchString(s.ZoneID) {
		p.fail(spec("zoneId").Full(), quote(s.ZoneID), "must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ")
	}
	s.GlobalHostname = p.hostname("globalHostname", "livekit", s.Domain)
	s.Protect = p.boolean("protect")

	if s.Kind != "" {
		p.otherKindKeys(s.Kind)
	}
	switch s.Kind {
	case KindAWS:
		s.Region = p.region(s)
		s.AWS = p.aws(s)
	case KindGCP:
		s.Region = p.region(s)
		s.GCP = p.gcp(s)
	case KindAzure:
		s.Region = p.region(s)
		s.Azure = p.azure(s)
	case KindGlobal:
		s.Global = p.global(s)
		owner := p.owner()
		if s.Global != nil {
			s.Global.Owner = owner
		}
	case KindCredentials:
		s.Credentials = p.credentials()
	}
	if s.Region != nil {
		s.Region.Logs = p.logs(s)
		s.Region.Alerts = p.alerts(s)
		s.Region.Egress = p.egress(s)
		s.Region.Budget = p.budget(s)
		s.Region.Owner = p.owner()
		s.Region.CentralMetrics = p.centralMetrics()
		// Where Egress runs: fixed container groups (ACI), pods of the
		// cluster (GKE, AKS, EKS), ECS tasks (Fargate).
		eks := s.AWS != nil && s.AWS.Platform == AWSPlatformEKS
		switch {
		case s.Azure != nil && s.Azure.ACI != nil:
			s.Region.Egress.ACI = p.aciEgress(&s.Region.Egress)
		case s.GCP != nil || s.Azure != nil || eks:
			s.Region.Egress.K8s = p.k8sEgress(s, s.Region.Egress.Enabled)
		case s.AWS != nil:
			p.awsEgress(s.AWS, s.Region.Egress.Enabled)
		}
		if s.AWS != nil {
			p.awsSubnetsFit(s)
		}
	}

	if len(p.problems) > 0 {
		return nil, &Error{Stack: stack, Problems: p.problems}
	}
	return s, nil
}

var (
	dnsNameRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)
	zoneIDRe  = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
)

// hostname reads a hostname key that defaults to <label>.<domain> and must
// live inside the zone (every record is in the one Route 53 zone), below its
// apex.
func (p *parser) hostname(name, label, domain string) string {
	h := strings.ToLower(p.str(name))
	if domain == "" {
		return h
	}
	if h == "" {
		return label + "." + domain
	}
	if !dnsNameRe.MatchString(h) || !strings.HasSuffix(h, "."+domain) {
		p.fail(spec(name).Full(), quote(h), fmt.Sprintf("must be a DNS name inside the zone %s, below its apex (e.g. %s.%s)", domain, label, domain))
	}
	return h
}

// minS3IADays is S3's minimum age for a lifecycle transition to STANDARD_IA.
const minS3IADays = 30

func (p *parser) region(s *Stack) *Region {
	r := &Region{}
	r.Hostname = p.hostname("hostname", s.Name, s.Domain)
	if r.Hostname != "" && r.Hostname == s.GlobalHostname {
		p.fail(spec("hostname").Full(), quote(r.Hostname), "must differ from the global hostname "+s.GlobalHostname+": health checks target each region by its own name")
	}
	r.Image, r.ImageRef = p.image("image", livekit.Image)
	r.Mirror = p.mirror(s)
	r.CredentialsStack = p.stackName("credentialsStack")
	r.APIKey = p.secret("apiKey", "APIplanplaceholder", livekit.CheckKeyID)
	r.APISecret = p.secret("apiSecret", strings.Repeat("p", 48), livekit.CheckSecret)
	if r.CredentialsStack != "" && (r.APIKey.IsSet() || r.APISecret.IsSet()) {
		p.fail(spec("credentialsStack").Full(), quote(r.CredentialsStack), "contradicts "+spec("apiKey").Full()+"/"+spec("apiSecret").Full()+
			": a region serves either the shared key set of the credentials stack or its own key; remove one of them (`pulumi config rm`)")
	}
	switch {
	case r.APIKey.IsSet() && !r.APISecret.IsSet():
		p.fail(spec("apiSecret").Full(), "(not set)", "must be set when "+spec("apiKey").Full()+" is: set both with --secret, or neither to have them generated")
	case r.APISecret.IsSet() && !r.APIKey.IsSet():
		p.fail(spec("apiKey").Full(), "(not set)", "must be set when "+spec("apiSecret").Full()+" is: set both with --secret, or neither to have them generated")
	}

	mediaRaw := p.str("mediaUdpPorts")
	media, err := livekit.ParseMediaPorts(mediaRaw)
	if err != nil {
		p.fail(spec("mediaUdpPorts").Full(), quote(mediaRaw), err.Error())
	}
	r.Media = media
	p.turn(s, r, err == nil)

	sc := Scaling{
		Min:       p.integer("minNodes", 1, 1000),
		Max:       p.integer("maxNodes", 1, 1000),
		CPUTarget: p.integer("cpuTarget", components.MinCPUTarget, components.MaxCPUTarget),
	}
	if sc.Max < sc.Min && !p.failed("minNodes") && !p.failed("maxNodes") {
		p.fail(spec("maxNodes").Full(), fmt.Sprint(sc.Max), fmt.Sprintf("must be at least minNodes (%d)", sc.Min))
	}
	r.Scaling = sc
	r.SysloadLimit = float64(p.integer("sysloadLimitPercent", 10, 100)) / 100
	r.MaxParticipants = p.integer("maxParticipants", 0, 100000)
	r.EmptyTimeout = p.integer("emptyTimeout", 0, 86400)
	r.LogLevel = p.oneOf("logLevel", "debug", "info", "warn", "error")
	r.LogRetentionDays = p.integer("logRetentionDays", 1, 3653)

	rec := Recordings{
		CDN:            p.boolean("recordingsCdn"),
		TransitionDays: p.integer("recordingsTransitionDays", 0, 3650),
		ExpireDays:     p.integer("recordingsExpireDays", 0, 36500),
	}
	// S3 refuses a transition to STANDARD_IA before 30 days
	// (docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html);
	// Nearline (GCS) and Cool (Azure) take any age.
	if s.Kind == KindAWS && rec.TransitionDays > 0 && rec.TransitionDays < minS3IADays && !p.failed("recordingsTransitionDays") {
		p.fail(spec("recordingsTransitionDays").Full(), fmt.Sprint(rec.TransitionDays), fmt.Sprintf(
			"must be 0 (never) or at least %d on kind aws: S3 moves objects to STANDARD_IA only after %d days", minS3IADays, minS3IADays))
	}
	if rec.ExpireDays != 0 && rec.TransitionDays != 0 && rec.ExpireDays <= rec.TransitionDays &&
		!p.failed("recordingsTransitionDays") && !p.failed("recordingsExpireDays") {
		p.fail(spec("recordingsExpireDays").Full(), fmt.Sprint(rec.ExpireDays), fmt.Sprintf("must be 0 (keep) or later than recordingsTransitionDays (%d)", rec.TransitionDays))
	}
	r.Recordings = rec
	return r
}
