package livekit

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// EgressVersion is the LiveKit Egress release deployed beside the server:
// the newest Egress tag (2026-08-14) older than the livekit/protocol the
// server v1.13.5 is built on (v1.51.1, 2026-09); Egress v1.14.1 is built on
// protocol v1.50.1 and psrpc v0.7.2. tests/config checks every rendered key
// against this tag's config structs.
const EgressVersion = "v1.14.1"

// EgressImageDigest is the digest of EgressVersion's multi-arch image index
// on Docker Hub. Not verifiable from here (no registry access): it is the
// digest two unrelated public deployments pin for livekit/egress:v1.14.1
// (a Dockerfile FROM livekit/egress:v1.14.1@sha256:bf2b64…, and a compose
// test asserting it is the multi-arch image); check it with
// `docker buildx imagetools inspect livekit/egress:v1.14.1` before a deploy.
const EgressImageDigest = "sha256:bf2b648b947349c3e9ff7aa8c718f00378d5c06af7624652a3653318e00333ce"

// EgressImage is the default Egress container image, pinned to EgressVersion
// by digest (the tag stays for people).
const EgressImage = "livekit/egress:" + EgressVersion + "@" + EgressImageDigest

// Egress ports: the official egress chart's defaults, reachable inside the
// network only (scrapers and probes), never from the internet.
const (
	// EgressHealthPort answers GET / (200 while the worker is healthy).
	EgressHealthPort = 8080
	// EgressPrometheusPort serves /metrics.
	EgressPrometheusPort = 9090
)

// EgressStorage is where Egress uploads when a request names no storage of
// its own: exactly one of S3, GCS or Azure. Cloud credentials come from the
// workload's identity where Egress supports one (AWS task role: the S3
// client's default chain; GCP Workload Identity: the GCS client's
// application default credentials). Azure Blob takes only the account key
// (livekit/storage azure.go builds a shared-key credential).
type EgressStorage struct {
	// S3Bucket and S3Region select S3.
	S3Bucket, S3Region string
	// GCSBucket selects Google Cloud Storage.
	GCSBucket string
	// AzureAccount, AzureAccountKey and AzureContainer select Azure Blob.
	AzureAccount, AzureAccountKey, AzureContainer string
}

// CPUCost is Egress's admission control: a worker accepts a job while its
// CPU use plus the job's cost stays below MaxCPUUtilization of its cores.
type CPUCost struct {
	// MaxCPUUtilization is the fraction of cores a worker may commit (0-1].
	MaxCPUUtilization float64
	// RoomComposite, Web, Participant, TrackComposite and Track are the CPU
	// cores each job type reserves.
	RoomComposite, Web, Participant, TrackComposite, Track float64
}

// DefaultCPUCost is Egress v1.14.1's own defaults (pkg/config/service.go),
// written out so the rendered config says what a worker admits.
var DefaultCPUCost = CPUCost{MaxCPUUtilization: 0.8, RoomComposite: 4, Web: 4, Participant: 2, TrackComposite: 1, Track: 0.5}

// EgressSettings is everything an Egress worker's config needs.
type EgressSettings struct {
	// APIKey and APISecret are one key pair of the set the servers accept.
	APIKey, APISecret string
	// WSURL is the region's signaling URL (wss://<hostname>): Egress joins
	// rooms as a participant, through the same front door as clients.
	WSURL string
	// Redis is the region's Redis (the servers' own): Egress receives its
	// jobs over it (psrpc).
	Redis   Redis
	Storage EgressStorage
	CPUCost CPUCost
	// HealthPort and PrometheusPort default to EgressHealthPort and
	// EgressPrometheusPort.
	HealthPort, PrometheusPort int
	LogLevel                   string
}

// Validate reports every problem at once.
func (s *EgressSettings) Validate() error {
	var errs []error
	if s.APIKey == "" || s.APISecret == "" {
		errs = append(errs, errors.New("egress needs an API key and secret the servers accept"))
	}
	if u, err := url.Parse(s.WSURL); err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		errs = append(errs, fmt.Errorf("egress ws_url %q must be a ws:// or wss:// URL", s.WSURL))
	}
	if s.Redis.Address == "" {
		errs = append(errs, errors.New("egress redis address is required: jobs arrive over the region's Redis"))
	} else if _, _, err := net.SplitHostPort(s.Redis.Address); err != nil || strings.Contains(s.Redis.Address, "://") {
		errs = append(errs, fmt.Errorf("egress redis address %q must be host:port", s.Redis.Address))
	}
	if s.Redis.CACertFile != "" && !s.Redis.TLS {
		errs = append(errs, errors.New("egress redis CA file given but TLS is off"))
	}
	st := s.Storage
	n := 0
	if st.S3Bucket != "" || st.S3Region != "" {
		n++
		if st.S3Bucket == "" || st.S3Region == "" {
			errs = append(errs, errors.New("egress S3 storage needs a bucket and a region"))
		}
	}
	if st.GCSBucket != "" {
		n++
	}
	if st.AzureAccount != "" || st.AzureAccountKey != "" || st.AzureContainer != "" {
		n++
		if st.AzureAccount == "" || st.AzureAccountKey == "" || st.AzureContainer == "" {
			errs = append(errs, errors.New("egress Azure storage needs an account, its key and a container"))
		}
	}
	if n != 1 {
		errs = append(errs, fmt.Errorf("egress needs exactly one storage (S3, GCS or Azure), got %d", n))
	}
	c := s.CPUCost
	if c.MaxCPUUtilization <= 0 || c.MaxCPUUtilization > 1 {
		errs = append(errs, fmt.Errorf("egress max CPU utilization %v must be in (0, 1]", c.MaxCPUUtilization))
	}
	for what, v := range map[string]float64{"room composite": c.RoomComposite, "web": c.Web, "participant": c.Participant, "track composite": c.TrackComposite, "track": c.Track} {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("egress %s CPU cost %v must be positive", what, v))
		}
	}
	if s.LogLevel != "" && !contains(logLevels, s.LogLevel) {
		errs = append(errs, fmt.Errorf("egress log level %q must be one of %s", s.LogLevel, strings.Join(logLevels, ", ")))
	}
	return errors.Join(errs...)
}

// The egress document mirrors the subset of Egress's ServiceConfig we set
// (keys of github.com/livekit/egress pkg/config at EgressVersion). Egress
// parses with plain yaml.Unmarshal, which ignores unknown keys, so a typo
// would silently do nothing: tests check every rendered key against the
// version's key set.
type egressDoc struct {
	APIKey         string        `yaml:"api_key"`
	APISecret      string        `yaml:"api_secret"`
	WSURL          string        `yaml:"ws_url"`
	Redis          redisDoc      `yaml:"redis"`
	Logging        egressLogDoc  `yaml:"logging"`
	HealthPort     int           `yaml:"health_port"`
	PrometheusPort int           `yaml:"prometheus_port"`
	Storage        egressStorDoc `yaml:"storage"`
	CPUCost        cpuCostDoc    `yaml:"cpu_cost"`
}

type egressLogDoc struct {
	Level string `yaml:"level,omitempty"`
	JSON  bool   `yaml:"json"`
}

type egressStorDoc struct {
	S3    *s3Doc    `yaml:"s3,omitempty"`
	GCP   *gcpDoc   `yaml:"gcp,omitempty"`
	Azure *azureDoc `yaml:"azure,omitempty"`
}

// s3Doc names no access key: the S3 client then uses the task role.
type s3Doc struct {
	Region string `yaml:"region"`
	Bucket string `yaml:"bucket"`
}

// gcpDoc names no credentials_json: the GCS client then uses application
// default credentials (Workload Identity).
type gcpDoc struct {
	Bucket string `yaml:"bucket"`
}

type azureDoc struct {
	AccountName   string `yaml:"account_name"`
	AccountKey    string `yaml:"account_key"`
	ContainerName string `yaml:"container_name"`
}

type cpuCostDoc struct {
	MaxCPUUtilization float64 `yaml:"max_cpu_utilization"`
	RoomComposite     float64 `yaml:"room_composite_cpu_cost"`
	Web               float64 `yaml:"web_cpu_cost"`
	Participant       float64 `yaml:"participant_cpu_cost"`
	TrackComposite    float64 `yaml:"track_composite_cpu_cost"`
	Track             float64 `yaml:"track_cpu_cost"`
}

// RenderEgress validates s and returns Egress's YAML config. The result holds
// the API secret and the Redis password (and an Azure account key): callers
// keep it a Pulumi secret.
func RenderEgress(s EgressSettings) (string, error) {
	if err := s.Validate(); err != nil {
		return "", fmt.Errorf("egress config: %w", err)
	}
	doc := egressDoc{
		APIKey:         s.APIKey,
		APISecret:      s.APISecret,
		WSURL:          s.WSURL,
		Redis:          redisDoc{Address: s.Redis.Address, Username: s.Redis.Username, Password: s.Redis.Password},
		Logging:        egressLogDoc{Level: s.LogLevel, JSON: true},
		HealthPort:     orDefault(s.HealthPort, EgressHealthPort),
		PrometheusPort: orDefault(s.PrometheusPort, EgressPrometheusPort),
		CPUCost: cpuCostDoc{
			MaxCPUUtilization: s.CPUCost.MaxCPUUtilization,
			RoomComposite:     s.CPUCost.RoomComposite,
			Web:               s.CPUCost.Web,
			Participant:       s.CPUCost.Participant,
			TrackComposite:    s.CPUCost.TrackComposite,
			Track:             s.CPUCost.Track,
		},
	}
	if s.Redis.TLS {
		doc.Redis.TLS = &tlsDoc{Enabled: true, CACertFile: s.Redis.CACertFile, ServerName: s.Redis.ServerName}
	}
	switch st := s.Storage; {
	case st.S3Bucket != "":
		doc.Storage.S3 = &s3Doc{Region: st.S3Region, Bucket: st.S3Bucket}
	case st.GCSBucket != "":
		doc.Storage.GCP = &gcpDoc{Bucket: st.GCSBucket}
	default:
		doc.Storage.Azure = &azureDoc{AccountName: st.AzureAccount, AccountKey: st.AzureAccountKey, ContainerName: st.AzureContainer}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return "", fmt.Errorf("egress config: %w", err)
	}
	return string(out), nil
}
