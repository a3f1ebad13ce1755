package observability

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// RemoteWrite is one Prometheus remote_write entry, the subset this program
// renders.
type RemoteWrite struct {
	URL   string `yaml:"url"`
	Name  string `yaml:"name,omitempty"`
	SigV4 *SigV4 `yaml:"sigv4,omitempty"`
	// WriteRelabelConfigs choose what leaves the region.
	WriteRelabelConfigs []RelabelConfig `yaml:"write_relabel_configs,omitempty"`
}

// SigV4 signs remote writes for Amazon Managed Service for Prometheus.
// Without RoleARN the AWS SDK's default chain supplies the credentials
// (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE: the writer role itself);
// with it, those credentials assume RoleARN (an AWS collector's own role
// assuming the central writer role).
type SigV4 struct {
	Region  string `yaml:"region"`
	RoleARN string `yaml:"role_arn,omitempty"`
}

// Central is where a region's collector writes for the central view: the
// global stack's centralMetrics.remoteWriteUrl and this region's writer
// role (centralMetrics.writerRoleArns).
type Central struct {
	URL     string
	RoleARN string
	// AssumeRole: the collector has credentials of its own and assumes
	// RoleARN (AWS); otherwise its web identity token is for RoleARN.
	AssumeRole bool
	// Unsigned drops SigV4: only for a loopback receiver in tests.
	Unsigned bool
}

// CentralRemoteWriteName names the central view's remote_write entry.
const CentralRemoteWriteName = "livekit-central"

// CentralKeep is what leaves a region for the central view: the series of
// the LiveKit jobs and the region's alerts (the same selection as
// FederationMatch), as a keep rule on "__name__;job".
const CentralKeep = `ALERTS;.*|[^;]*;livekit.*`

var ampWriteURL = regexp.MustCompile(`^https://aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com/workspaces/ws-[0-9a-zA-Z-]+/api/v1/remote_write$`)

// AMPRegion is the AWS region of an AMP remote-write URL ("" when it is not
// one).
func AMPRegion(u string) string {
	m := ampWriteURL.FindStringSubmatch(u)
	if m == nil {
		return ""
	}
	return m[1]
}

// CentralRemoteWrite renders the region's remote write to the central view.
// Every series carries the region's labels through the writer's
// external_labels (RegionalPrometheus, AgentPrometheus).
func (c Central) RemoteWrite() (RemoteWrite, error) {
	rw := RemoteWrite{
		URL:  c.URL,
		Name: CentralRemoteWriteName,
		WriteRelabelConfigs: []RelabelConfig{{
			SourceLabels: []string{"__name__", "job"}, Separator: ";",
			Regex: CentralKeep, Action: "keep",
		}},
	}
	if c.Unsigned {
		u, err := url.Parse(c.URL)
		if err != nil || u.Scheme != "http" || !strings.HasPrefix(u.Host, "127.0.0.1:") {
			return RemoteWrite{}, fmt.Errorf("observability: an unsigned central remote write is for a loopback receiver only, not %q", c.URL)
		}
		return rw, nil
	}
	region := AMPRegion(c.URL)
	if region == "" {
		return RemoteWrite{}, fmt.Errorf("observability: central remote-write URL %q is not an AMP workspace's (https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-.../api/v1/remote_write)", c.URL)
	}
	if c.RoleARN == "" {
		return RemoteWrite{}, fmt.Errorf("observability: the central remote write needs the region's writer role")
	}
	rw.SigV4 = &SigV4{Region: region}
	if c.AssumeRole {
		rw.SigV4.RoleARN = c.RoleARN
	}
	return rw, nil
}

// RegionalPrometheusWriting is RegionalPrometheus that also remote-writes
// its LiveKit series and alerts to the central view.
func (r Region) RegionalPrometheusWriting(t Targets, ruleFile string, c Central) (PrometheusConfig, error) {
	cfg, err := r.RegionalPrometheus(t, ruleFile)
	if err != nil {
		return PrometheusConfig{}, err
	}
	rw, err := c.RemoteWrite()
	if err != nil {
		return PrometheusConfig{}, err
	}
	cfg.RemoteWrite = []RemoteWrite{rw}
	return cfg, nil
}

// AgentPrometheus is the configuration of a Prometheus in agent mode
// (--agent: scrape and remote write only, no rules, no local queries)
// running in a GKE or AKS cluster, whose managed Prometheus cannot write
// out: it scrapes jobs and writes them, labelled with the region, to the
// central view.
func (r Region) AgentPrometheus(jobs []ScrapeConfig, c Central) (PrometheusConfig, error) {
	if err := r.Validate(); err != nil {
		return PrometheusConfig{}, err
	}
	if len(jobs) == 0 {
		return PrometheusConfig{}, fmt.Errorf("observability: the metrics agent has no scrape job")
	}
	rw, err := c.RemoteWrite()
	if err != nil {
		return PrometheusConfig{}, err
	}
	return PrometheusConfig{
		Global:        GlobalConfig{ScrapeInterval: ScrapeInterval, ExternalLabels: r.Labels()},
		ScrapeConfigs: jobs,
		RemoteWrite:   []RemoteWrite{rw},
	}, nil
}

var iamRoleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)

// IsRoleARN reports whether s is an IAM role ARN.
func IsRoleARN(s string) bool { return iamRoleARN.MatchString(s) }
